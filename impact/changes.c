/*
 * changes.c - change sets: resolve base and head as `git diff A...B` does
 * (the base is the merge-base), with the defaults of `select` (upstream,
 * else origin/HEAD, else HEAD~1), and diff them with rename detection.  A
 * base missing from a shallow clone is an error naming the boundary, so the
 * caller can fall back to every test.
 */
#include "impact.h"

#include <git2.h>

static int git_fail(const char *what)
{
	const git_error *e = git_error_last();

	return gi_error_set("%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
}

const char *impact_change_path(const struct impact_change *c)
{
	return c->new_path ? c->new_path : c->old_path;
}

void impact_changeset_release(struct impact_changeset *cs)
{
	for (size_t i = 0; i < cs->nr; i++) {
		free(cs->v[i].old_path);
		free(cs->v[i].new_path);
	}
	free(cs->v);
	free(cs->base_desc);
	memset(cs, 0, sizeof(*cs));
}

/* The upstream of the checked-out branch, as a revision string; NULL if none. */
static char *upstream_of_head(git_repository *repo)
{
	git_reference *head = NULL, *up = NULL;
	char *out = NULL;

	if (git_repository_head(&head, repo) || !git_reference_is_branch(head))
		goto done;
	if (git_branch_upstream(&up, head))
		goto done;
	out = gi_xstrdup(git_reference_name(up));
done:
	git_reference_free(up);
	git_reference_free(head);
	git_error_clear();
	return out;
}

/* Choose the default base revision: upstream, origin/HEAD, HEAD~1. */
static char *default_base(struct lineage_repo *repo)
{
	git_repository *git = lineage_repo_git(repo);
	char *up = upstream_of_head(git);
	char oid[41];

	if (up)
		return up;
	if (!lineage_repo_resolve(repo, "refs/remotes/origin/HEAD", oid))
		return gi_xstrdup("origin/HEAD");
	gi_error_clear();
	return gi_xstrdup("HEAD~1");
}

static int shallow_error(struct lineage_repo *repo, const char *rev)
{
	return gi_error_setc(GI_ENOTFOUND,
		"base '%s' is not in this %s: fetch more history (git fetch --deepen=N or --unshallow)",
		rev, lineage_repo_is_shallow(repo) ? "shallow clone" : "repository");
}

/* Resolve the base to the merge-base of base and head (head NULL: HEAD). */
static int resolve_base(struct lineage_repo *repo, const char *base_rev, const char *head_hex,
			char out[41])
{
	git_repository *git = lineage_repo_git(repo);
	git_oid b, h, mb;
	char base_hex[41];
	int rc;

	if (lineage_repo_resolve(repo, base_rev, base_hex)) {
		if (lineage_repo_is_shallow(repo))
			return shallow_error(repo, base_rev);
		return GI_ENOTFOUND;
	}
	git_oid_fromstr(&b, base_hex);
	git_oid_fromstr(&h, head_hex);
	rc = git_merge_base(&mb, git, &b, &h);
	if (rc == GIT_ENOTFOUND || (rc < 0 && lineage_repo_is_shallow(repo))) {
		git_error_clear();
		if (lineage_repo_is_shallow(repo))
			return shallow_error(repo, base_rev);
		return gi_error_setc(GI_ENOTFOUND, "'%s' and the head have no common ancestor",
				     base_rev);
	}
	if (rc < 0)
		return git_fail("cannot compute the merge-base");
	git_oid_tostr(out, 41, &mb);
	return 0;
}

static char *dup_path(const char *p)
{
	return p ? gi_xstrdup(p) : NULL;
}

static char status_of(git_delta_t st)
{
	switch (st) {
	case GIT_DELTA_ADDED:
	case GIT_DELTA_UNTRACKED:
	case GIT_DELTA_COPIED:
		return IMPACT_ADDED;
	case GIT_DELTA_DELETED:
		return IMPACT_DELETED;
	case GIT_DELTA_RENAMED:
		return IMPACT_RENAMED;
	case GIT_DELTA_TYPECHANGE:
		return IMPACT_TYPECHANGE;
	default:
		return IMPACT_MODIFIED;
	}
}

static void add_delta(struct impact_changeset *cs, const git_diff_delta *d)
{
	struct impact_change *c;
	char st = status_of(d->status);

	GI_ALLOC_GROW(cs->v, cs->nr + 1, cs->alloc);
	c = &cs->v[cs->nr++];
	memset(c, 0, sizeof(*c));
	c->status = st;
	if (st == IMPACT_MODIFIED && d->old_file.mode != d->new_file.mode &&
	    d->old_file.mode && d->new_file.mode)
		c->status = IMPACT_TYPECHANGE;
	if (st != IMPACT_ADDED) {
		c->old_path = dup_path(d->old_file.path);
		c->old_mode = d->old_file.mode;
		git_oid_tostr(c->old_blob, sizeof(c->old_blob), &d->old_file.id);
	}
	if (st != IMPACT_DELETED) {
		c->new_path = dup_path(d->new_file.path);
		c->new_mode = d->new_file.mode;
		if (d->new_file.flags & GIT_DIFF_FLAG_VALID_ID && !git_oid_is_zero(&d->new_file.id))
			git_oid_tostr(c->new_blob, sizeof(c->new_blob), &d->new_file.id);
	}
}

static int tree_of(git_repository *git, const char *hex, git_tree **out)
{
	git_oid oid;
	git_commit *c = NULL;
	int rc;

	git_oid_fromstr(&oid, hex);
	rc = git_commit_lookup(&c, git, &oid);
	if (!rc)
		rc = git_commit_tree(out, c);
	git_commit_free(c);
	return rc < 0 ? git_fail("cannot read a commit's tree") : 0;
}

/* Append one change of a tree diff (no renames: both sides are one path). */
static void add_tree_change(struct impact_changeset *cs, const struct lineage_tree_change *t)
{
	struct impact_change *c;

	GI_ALLOC_GROW(cs->v, cs->nr + 1, cs->alloc);
	c = &cs->v[cs->nr++];
	memset(c, 0, sizeof(*c));
	c->status = t->status == 'A' ? IMPACT_ADDED : t->status == 'D' ? IMPACT_DELETED
		  : t->status == 'T' || t->old_mode != t->new_mode ? IMPACT_TYPECHANGE
		  : IMPACT_MODIFIED;
	if (t->status != 'A') {
		c->old_path = gi_xstrdup(t->path);
		c->old_mode = t->old_mode;
		memcpy(c->old_blob, t->old_blob, sizeof(c->old_blob));
	}
	if (t->status != 'D') {
		c->new_path = gi_xstrdup(t->path);
		c->new_mode = t->new_mode;
		memcpy(c->new_blob, t->new_blob, sizeof(c->new_blob));
	}
}

/*
 * Two commits: our tree diff, which skips identical folders (libgit2's
 * opens them all).  A diff with both adds and deletes may hold renames:
 * 0 with *done = 0, and libgit2 diffs it with rename detection.
 */
static int diff_commits_fast(struct lineage_repo *repo, struct impact_changeset *cs, int *done)
{
	struct lineage_tree_diff td;
	int err = lineage_tree_diff(repo, cs->base, cs->head, &td);

	*done = !err && !(td.adds && td.dels);
	for (size_t i = 0; *done && i < td.nr; i++)
		add_tree_change(cs, &td.v[i]);
	lineage_tree_diff_release(&td);
	return err;
}

/* Diff base (NULL: the empty tree) against head or the work tree. */
static int diff_states(git_repository *git, struct impact_changeset *cs)
{
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	git_diff_find_options fopts = GIT_DIFF_FIND_OPTIONS_INIT;
	git_tree *base = NULL, *head = NULL;
	git_diff *diff = NULL;
	int err = 0;

	opts.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	if (*cs->base && (err = tree_of(git, cs->base, &base)))
		goto done;
	if (cs->worktree) {
		opts.flags |= GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS;
		if (git_diff_tree_to_workdir_with_index(&diff, git, base, &opts) < 0) {
			err = git_fail("cannot diff the work tree");
			goto done;
		}
	} else {
		if ((err = tree_of(git, cs->head, &head)))
			goto done;
		if (git_diff_tree_to_tree(&diff, git, base, head, &opts) < 0) {
			err = git_fail("cannot diff the commits");
			goto done;
		}
	}
	fopts.flags = GIT_DIFF_FIND_RENAMES | GIT_DIFF_FIND_FOR_UNTRACKED;
	if (git_diff_find_similar(diff, &fopts) < 0) {
		err = git_fail("cannot detect renames");
		goto done;
	}
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++)
		add_delta(cs, git_diff_get_delta(diff, i));
done:
	git_diff_free(diff);
	git_tree_free(base);
	git_tree_free(head);
	return err;
}

/* Base and head for a range whose head commit has no parent (root). */
static int is_root_head(struct lineage_repo *repo, const char *head_hex)
{
	git_commit *c = NULL;
	git_oid oid;
	int root;

	git_oid_fromstr(&oid, head_hex);
	if (git_commit_lookup(&c, lineage_repo_git(repo), &oid))
		return 0;
	root = git_commit_parentcount(c) == 0;
	git_commit_free(c);
	return root;
}

static int resolve_range(struct lineage_repo *repo, const struct impact_range *range,
			 struct impact_changeset *cs)
{
	const char *head_rev = range->head ? range->head : "HEAD";
	char *base_rev = range->base ? gi_xstrdup(range->base) : default_base(repo);
	char head_hex[41];
	int err;

	if ((err = lineage_repo_resolve(repo, head_rev, head_hex)))
		goto done;
	cs->worktree = range->worktree;
	if (!cs->worktree)
		memcpy(cs->head, head_hex, 41);
	if (!range->base && !strcmp(base_rev, "HEAD~1") && is_root_head(repo, head_hex) &&
	    !lineage_repo_is_shallow(repo)) {
		cs->base[0] = '\0'; /* a root commit: everything in it is new */
		cs->base_desc = gi_xstrdup("the empty tree (the head is a root commit)");
		goto done;
	}
	if ((err = resolve_base(repo, base_rev, head_hex, cs->base)))
		goto done;
	cs->base_desc = gi_xstrfmt("merge-base of '%s' and '%s'", base_rev,
				   range->worktree ? "the work tree" : head_rev);
done:
	free(base_rev);
	return err;
}

int impact_changeset_compute(struct lineage_repo *repo, const struct impact_range *range,
			     struct impact_changeset *out)
{
	struct impact_changeset cs = { 0 };
	int err, done = 0;

	if (range->worktree && range->head)
		return gi_error_setc(GI_EUSAGE, "--worktree and --head cannot be used together");
	if (range->worktree && !lineage_repo_workdir(repo))
		return gi_error_setc(GI_EUSAGE, "--worktree needs a work tree (this repository is bare)");
	if ((err = resolve_range(repo, range, &cs)) ||
	    (!cs.worktree && (err = diff_commits_fast(repo, &cs, &done))) ||
	    (!done && (err = diff_states(lineage_repo_git(repo), &cs)))) {
		impact_changeset_release(&cs);
		return err;
	}
	*out = cs;
	return 0;
}
