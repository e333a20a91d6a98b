/*
 * treediff.c - a tree diff of our own, for speed: it skips identical
 * subtrees by id, as `git diff-tree -r` does (libgit2 1.5 opens every
 * folder of both trees).  It records adds, deletes, edits and type
 * changes in path order, without rename detection: callers that need
 * renames use libgit2 when a diff has both adds and deletes.
 */
#include <git2.h>
#include <stdlib.h>
#include <string.h>

#include "treediff_int.h"

static int tdiff_git_err(const struct tdiff *d)
{
	const git_error *e = git_error_last();

	return gi_error_set("cannot read a tree of commit '%s': %s",
			    d->commit ? git_oid_tostr_s(d->commit) : "?", e ? e->message : "unknown error");
}

#define TDIFF_MAX_DEPTH 512

static int tdiff_is_tree(const git_tree_entry *e)
{
	return git_tree_entry_filemode(e) == GIT_FILEMODE_TREE;
}

/* Git's tree order: a folder sorts as if its name ended in '/'. */
static int tdiff_cmp(const git_tree_entry *a, const git_tree_entry *b)
{
	const char *na = git_tree_entry_name(a), *nb = git_tree_entry_name(b);
	size_t la = strlen(na), lb = strlen(nb), n = la < lb ? la : lb;
	int c = memcmp(na, nb, n);
	unsigned ca, cb;

	if (c)
		return c;
	ca = la > n ? (unsigned char)na[n] : tdiff_is_tree(a) ? '/' : 0;
	cb = lb > n ? (unsigned char)nb[n] : tdiff_is_tree(b) ? '/' : 0;
	return ca < cb ? -1 : ca > cb;
}

static int tdiff_record(struct tdiff *d, char status, const git_tree_entry *o,
			const git_tree_entry *n)
{
	const char *name = git_tree_entry_name(o ? o : n);
	struct tchange *c;

	GI_ALLOC_GROW(d->v, d->nr + 1, d->alloc);
	c = memset(&d->v[d->nr], 0, sizeof(*c));
	c->status = status;
	c->path_off = d->names.len;
	if (gi_buf_add(&d->names, d->dir.ptr ? d->dir.ptr : "", d->dir.len) ||
	    gi_buf_adds(&d->names, name))
		return gi_error_setc(GI_ELIMIT, "commit '%s' changes too many paths",
				     git_oid_tostr_s(d->commit));
	c->path_len = d->names.len - c->path_off;
	if (o) {
		c->old_mode = git_tree_entry_filemode(o);
		git_oid_cpy(&c->old_id, git_tree_entry_id(o));
	}
	if (n) {
		c->new_mode = git_tree_entry_filemode(n);
		git_oid_cpy(&c->new_id, git_tree_entry_id(n));
	}
	d->adds |= status == 'A';
	d->dels |= status == 'D';
	d->nr++;
	return 0;
}

static int tdiff_trees(struct tdiff *d, const git_oid *a, const git_oid *b);

/* Descend into folder `name` (old id a, new id b, either may be NULL). */
static int tdiff_enter(struct tdiff *d, const char *name, const git_oid *a, const git_oid *b)
{
	size_t len = d->dir.len;
	int err;

	if (d->depth >= TDIFF_MAX_DEPTH)
		return gi_error_setc(GI_ELIMIT, "commit '%s' nests folders deeper than %d",
				     git_oid_tostr_s(d->commit), TDIFF_MAX_DEPTH);
	if (gi_buf_adds(&d->dir, name) || gi_buf_addch(&d->dir, '/'))
		return gi_error_setc(GI_ELIMIT, "a path in commit '%s' is too long",
				     git_oid_tostr_s(d->commit));
	d->depth++;
	err = tdiff_trees(d, a, b);
	d->depth--;
	d->dir.len = len;
	d->dir.ptr[len] = '\0';
	return err;
}

/* An entry only on one side: a file, or every file under a folder. */
static int tdiff_side(struct tdiff *d, const git_tree_entry *e, int added)
{
	if (!tdiff_is_tree(e))
		return tdiff_record(d, added ? 'A' : 'D', added ? NULL : e, added ? e : NULL);
	return tdiff_enter(d, git_tree_entry_name(e), added ? NULL : git_tree_entry_id(e),
			   added ? git_tree_entry_id(e) : NULL);
}

/* The same name on both sides (both folders, or both not). */
static int tdiff_pair(struct tdiff *d, const git_tree_entry *a, const git_tree_entry *b)
{
	uint32_t ma = git_tree_entry_filemode(a), mb = git_tree_entry_filemode(b);

	if (ma == mb && git_oid_equal(git_tree_entry_id(a), git_tree_entry_id(b)))
		return 0;
	if (tdiff_is_tree(a))
		return tdiff_enter(d, git_tree_entry_name(a), git_tree_entry_id(a),
				   git_tree_entry_id(b));
	return tdiff_record(d, (ma & 0170000) != (mb & 0170000) ? 'T' : 'M', a, b);
}

/* ---- the tree cache ---- */

void tcache_init(struct tcache *c, size_t slots, size_t max_bytes)
{
	memset(c, 0, sizeof(*c));
	c->nr_slots = 1;
	while (c->nr_slots < slots)
		c->nr_slots = gi_st_mult(c->nr_slots, 2);
	c->slot = gi_xcalloc(c->nr_slots, sizeof(*c->slot));
	c->max_bytes = max_bytes;
}

static void tcache_drop(struct tcache *c, struct tcache_slot *s)
{
	git_tree_free(s->tree);
	c->bytes -= s->bytes;
	s->tree = NULL;
	s->bytes = 0;
}

/* Drop every tree no diff is using now (when the cache grows too big). */
static void tcache_flush(struct tcache *c)
{
	for (size_t i = 0; i < c->nr_slots; i++)
		if (c->slot[i].tree && c->slot[i].gen != c->gen)
			tcache_drop(c, &c->slot[i]);
}

void tcache_release(struct tcache *c)
{
	if (!c || !c->slot)
		return;
	c->gen++;
	tcache_flush(c);
	free(c->slot);
	memset(c, 0, sizeof(*c));
}

static struct tcache_slot *tcache_slot(struct tcache *c, const git_oid *oid)
{
	size_t h;

	memcpy(&h, oid->id, sizeof(h));
	return &c->slot[h & (c->nr_slots - 1)];
}

/*
 * Keep `tree` (id oid) in the cache if its slot is free or holds a tree
 * no current diff uses: 1 when the cache took it, 0 when the caller keeps it.
 */
static int tcache_put(struct tcache *c, const git_oid *oid, git_tree *tree)
{
	struct tcache_slot *s = tcache_slot(c, oid);
	size_t bytes = 256 + git_tree_entrycount(tree) * 96;

	if (s->tree && s->gen == c->gen)
		return 0;
	if (s->tree)
		tcache_drop(c, s);
	if (c->bytes + bytes > c->max_bytes)
		tcache_flush(c);
	if (c->bytes + bytes > c->max_bytes)
		return 0;
	git_oid_cpy(&s->oid, oid);
	s->tree = tree;
	s->bytes = bytes;
	s->gen = c->gen;
	c->bytes += bytes;
	return 1;
}

/*
 * Tree `oid` into *out, from d's cache or read.  *owned is 1 when the
 * caller must free it (it is not in the cache), else 0 (borrowed for the
 * current diff).
 */
static int tdiff_tree(struct tdiff *d, const git_oid *oid, git_tree **out, int *owned)
{
	struct tcache_slot *s = d->cache ? tcache_slot(d->cache, oid) : NULL;

	*owned = 0;
	if (s && s->tree && git_oid_equal(&s->oid, oid)) {
		s->gen = d->cache->gen;
		d->cache->hits++;
		*out = s->tree;
		return 0;
	}
	if (git_tree_lookup(out, d->git, oid) < 0)
		return tdiff_git_err(d);
	if (d->cache)
		d->cache->misses++;
	*owned = !d->cache || !tcache_put(d->cache, oid, *out);
	return 0;
}

static int tdiff_trees(struct tdiff *d, const git_oid *a, const git_oid *b)
{
	git_tree *ta = NULL, *tb = NULL;
	int owna = 0, ownb = 0;
	size_t i = 0, j = 0, na, nb;
	int err = 0;

	if ((a && (err = tdiff_tree(d, a, &ta, &owna))) ||
	    (b && (err = tdiff_tree(d, b, &tb, &ownb))))
		goto done;
	na = ta ? git_tree_entrycount(ta) : 0;
	nb = tb ? git_tree_entrycount(tb) : 0;
	while (!err && (i < na || j < nb)) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(ta, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(tb, j) : NULL;
		int c = !ea ? 1 : !eb ? -1 : tdiff_cmp(ea, eb);

		if (c < 0)
			err = tdiff_side(d, ea, 0);
		else if (c > 0)
			err = tdiff_side(d, eb, 1);
		else
			err = tdiff_pair(d, ea, eb);
		i += c <= 0;
		j += c >= 0;
	}
done:
	if (owna)
		git_tree_free(ta);
	if (ownb)
		git_tree_free(tb);
	return err;
}

void tdiff_init(struct tdiff *d, git_repository *git, const git_oid *commit)
{
	memset(d, 0, sizeof(*d));
	d->git = git;
	d->commit = commit;
	gi_buf_init(&d->dir, 1 << 20);
	gi_buf_init(&d->names, GI_BUF_MAX_DEFAULT);
}

void tdiff_cache(struct tdiff *d, struct tcache *c)
{
	d->cache = c;
	c->gen++; /* a new diff: trees the last one used may go */
}

int tdiff_run(struct tdiff *d, const git_oid *old_tree, const git_oid *new_tree)
{
	return tdiff_trees(d, old_tree, new_tree);
}

void tdiff_release(struct tdiff *d)
{
	gi_buf_release(&d->dir);
	gi_buf_release(&d->names);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* ---- the public form, for impact/ ---- */

static int commit_tree(git_repository *git, const char *hex, git_oid *commit, git_oid *tree)
{
	git_commit *c = NULL;
	int rc = git_oid_fromstr(commit, hex);

	if (!rc)
		rc = git_commit_lookup(&c, git, commit);
	if (!rc)
		git_oid_cpy(tree, git_commit_tree_id(c));
	git_commit_free(c);
	if (rc < 0) {
		const git_error *e = git_error_last();

		return gi_error_set("cannot read commit '%s': %s", hex, e ? e->message : "unknown error");
	}
	return 0;
}

int lineage_tree_diff(struct lineage_repo *repo, const char *base, const char *head,
		      struct lineage_tree_diff *out)
{
	git_repository *git = lineage_repo_git(repo);
	git_oid bc, bt, hc, ht;
	struct tdiff d;
	int err;

	memset(out, 0, sizeof(*out));
	if ((base && *base && (err = commit_tree(git, base, &bc, &bt))) ||
	    (err = commit_tree(git, head, &hc, &ht)))
		return err;
	tdiff_init(&d, git, &hc);
	if (!(err = tdiff_run(&d, base && *base ? &bt : NULL, &ht))) {
		out->v = gi_xcalloc(d.nr ? d.nr : 1, sizeof(*out->v));
		for (size_t i = 0; i < d.nr; i++) {
			struct lineage_tree_change *c = &out->v[i];

			c->status = d.v[i].status;
			c->old_mode = d.v[i].old_mode;
			c->new_mode = d.v[i].new_mode;
			git_oid_tostr(c->old_blob, sizeof(c->old_blob), &d.v[i].old_id);
			git_oid_tostr(c->new_blob, sizeof(c->new_blob), &d.v[i].new_id);
			c->path = gi_xstrndup(d.names.ptr + d.v[i].path_off, d.v[i].path_len);
		}
		out->nr = d.nr;
		out->adds = d.adds;
		out->dels = d.dels;
	}
	tdiff_release(&d);
	return err;
}

void lineage_tree_diff_release(struct lineage_tree_diff *d)
{
	for (size_t i = 0; d && i < d->nr; i++)
		free(d->v[i].path);
	if (d)
		free(d->v);
	if (d)
		memset(d, 0, sizeof(*d));
}
