/*
 * ingest.c - git history into the store.  Our own commit walk (libgit2 1.5
 * does not know shallow clones, and its revwalk fails on their missing
 * parents): a date-ordered queue of interesting and hidden commits, as
 * git's limit_list, then a topological order, oldest first, in which each
 * new commit is stored with its first-parent diff, in batches.
 */
#include "lineage.h"
#include "store.h"
#include "treediff_int.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

#define INGEST_BATCH 1000
#define INGEST_SHALLOW_MAX ((size_t)64 << 20)
#define INGEST_TREE_SLOTS 256
#define INGEST_TREE_BYTES ((size_t)8 << 20)

enum {
	N_UNINTERESTING = 1 << 0, /* reachable from a hidden tip */
	N_QUEUED = 1 << 1,        /* has been in the queue */
	N_POPPED = 1 << 2,        /* left the queue: its parents were looked at */
	N_SHALLOW = 1 << 3,       /* listed in $GIT_DIR/shallow */
	N_MISSING = 1 << 4,       /* not in the object database */
	N_BOUNDARY = 1 << 5,      /* a parent is not walked: shallow or missing */
	N_RESULT = 1 << 6,        /* interesting when popped */
	N_VISITED = 1 << 7,       /* reached by the topological sort */
};

struct ingest_node {
	git_oid oid;
	git_oid tree;
	int64_t time;
	unsigned flags;
	unsigned nparents; /* as listed in the commit */
	git_oid *parents;
	char *author;      /* "name\0email" (NULL: none), kept so the commit is read once */
};

/* Open addressing, keyed by the oid's first bytes; at most half full. */
struct ingest_map {
	struct ingest_node **slot;
	size_t cap, nr;
};

struct ingest_walk {
	git_repository *git;
	struct ingest_map map;
	struct ingest_node **heap; /* max-heap by commit time */
	size_t heap_nr, heap_alloc;
	size_t interesting; /* queued nodes not (yet) uninteresting */
	struct ingest_node **result; /* interesting nodes, in pop order */
	size_t result_nr, result_alloc;
	git_oid *shallow; /* sorted */
	size_t shallow_nr;
};

static int ingest_git_err(const char *what, const git_oid *oid)
{
	const git_error *e = git_error_last();
	char hex[GIT_OID_HEXSZ + 1] = "";

	if (oid)
		git_oid_tostr(hex, sizeof(hex), oid);
	return gi_error_set("%s%s%s%s: %s", what, oid ? " '" : "", hex, oid ? "'" : "",
			    e && e->message ? e->message : "unknown libgit2 error");
}

/* ---- the node map ------------------------------------------------------ */

static size_t map_index(const struct ingest_map *m, const git_oid *oid)
{
	uint64_t h;

	memcpy(&h, oid->id, sizeof(h));
	return (size_t)h & (m->cap - 1);
}

static struct ingest_node *map_get(const struct ingest_map *m, const git_oid *oid)
{
	if (!m->cap)
		return NULL;
	for (size_t i = map_index(m, oid);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slot[i])
			return NULL;
		if (git_oid_equal(&m->slot[i]->oid, oid))
			return m->slot[i];
	}
}

static void map_insert(struct ingest_map *m, struct ingest_node *n)
{
	size_t i = map_index(m, &n->oid);

	while (m->slot[i])
		i = (i + 1) & (m->cap - 1);
	m->slot[i] = n;
	m->nr++;
}

static void map_put(struct ingest_map *m, struct ingest_node *n)
{
	if (gi_st_mult(m->nr + 1, 2) > m->cap) {
		struct ingest_map bigger = { NULL, m->cap ? gi_st_mult(m->cap, 2) : 1024, 0 };

		bigger.slot = gi_xcalloc(bigger.cap, sizeof(*bigger.slot));
		for (size_t i = 0; i < m->cap; i++)
			if (m->slot[i])
				map_insert(&bigger, m->slot[i]);
		free(m->slot);
		*m = bigger;
	}
	map_insert(m, n);
}

/* ---- the date-ordered queue --------------------------------------------- */

static int heap_less(const struct ingest_node *a, const struct ingest_node *b)
{
	return a->time < b->time;
}

static void heap_push(struct ingest_walk *w, struct ingest_node *n)
{
	size_t i = w->heap_nr++;

	GI_ALLOC_GROW(w->heap, w->heap_nr, w->heap_alloc);
	while (i && heap_less(w->heap[(i - 1) / 2], n)) {
		w->heap[i] = w->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	w->heap[i] = n;
}

static struct ingest_node *heap_pop(struct ingest_walk *w)
{
	struct ingest_node *top = w->heap[0], *last = w->heap[--w->heap_nr];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= w->heap_nr)
			break;
		if (c + 1 < w->heap_nr && heap_less(w->heap[c], w->heap[c + 1]))
			c++;
		if (!heap_less(last, w->heap[c]))
			break;
		w->heap[i] = w->heap[c];
		i = c;
	}
	if (w->heap_nr)
		w->heap[i] = last;
	return top;
}

/* ---- loading commits ------------------------------------------------------ */

static int oid_cmp(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

static int is_shallow(const struct ingest_walk *w, const git_oid *oid)
{
	return w->shallow_nr &&
	       bsearch(oid, w->shallow, w->shallow_nr, sizeof(*w->shallow), oid_cmp) != NULL;
}

/* Read $GIT_DIR/shallow (absent in a full clone) into w->shallow, sorted. */
static int read_shallow(struct ingest_walk *w, const char *commondir)
{
	char *path = gi_xstrfmt("%s%sshallow", commondir, gi_ends_with(commondir, "/") ? "" : "/");
	struct gi_buf b = GI_BUF_INIT;
	size_t alloc = 0;
	int err, line = 0;

	if ((err = gi_read_file(path, INGEST_SHALLOW_MAX, &b))) {
		if (err == GI_ENOTFOUND) {
			gi_error_clear();
			err = 0;
		}
		goto done;
	}
	for (char *p = b.ptr, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		line++;
		if (nl)
			*nl = '\0';
		if (!*p)
			continue;
		GI_ALLOC_GROW(w->shallow, w->shallow_nr + 1, alloc);
		if (strlen(p) != GIT_OID_HEXSZ || git_oid_fromstr(&w->shallow[w->shallow_nr++], p)) {
			err = gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d: not an object id",
					    path, line);
			goto done;
		}
	}
	if (w->shallow_nr)
		gi_qsort(w->shallow, w->shallow_nr, sizeof(*w->shallow), oid_cmp);
done:
	gi_buf_release(&b);
	free(path);
	return err;
}

static struct ingest_node *node_new(struct ingest_walk *w, const git_oid *oid)
{
	struct ingest_node *n = gi_xcalloc(1, sizeof(*n));

	git_oid_cpy(&n->oid, oid);
	map_put(&w->map, n);
	return n;
}

static void node_set_author(struct ingest_node *n, const git_signature *sig)
{
	size_t name, email;

	if (!sig || !sig->name || !sig->email)
		return;
	name = strlen(sig->name);
	email = strlen(sig->email);
	n->author = gi_xmalloc(gi_st_add(gi_st_add(name, email), 2));
	memcpy(n->author, sig->name, name + 1);
	memcpy(n->author + name + 1, sig->email, email + 1);
}

/*
 * The node of commit `oid`, reading the commit the first time.  A commit
 * missing from the object database gives a node flagged N_MISSING.
 */
static int load_node(struct ingest_walk *w, const git_oid *oid, struct ingest_node **out)
{
	struct ingest_node *n = map_get(&w->map, oid);
	git_commit *c = NULL;
	int rc;

	if (n)
		goto done;
	rc = git_commit_lookup(&c, w->git, oid);
	if (rc < 0 && rc != GIT_ENOTFOUND)
		return ingest_git_err("cannot read commit", oid);
	n = node_new(w, oid);
	if (rc == GIT_ENOTFOUND) {
		n->flags |= N_MISSING;
		goto done;
	}
	node_set_author(n, git_commit_author(c));
	git_oid_cpy(&n->tree, git_commit_tree_id(c));
	n->time = (int64_t)git_commit_time(c);
	n->nparents = git_commit_parentcount(c);
	n->parents = gi_xmallocarray(n->nparents ? n->nparents : 1, sizeof(*n->parents));
	for (unsigned i = 0; i < n->nparents; i++)
		git_oid_cpy(&n->parents[i], git_commit_parent_id(c, i));
	if (is_shallow(w, oid))
		n->flags |= N_SHALLOW;
	git_commit_free(c);
done:
	*out = n;
	return 0;
}

/* ---- the walk --------------------------------------------------------------- */

/* Flag n and every already-walked ancestor as hidden (git's mark_parents_uninteresting). */
static void mark_uninteresting(struct ingest_walk *w, struct ingest_node *n)
{
	struct ingest_node **stack = NULL;
	size_t nr = 0, alloc = 0;

	GI_ALLOC_GROW(stack, 1, alloc);
	stack[nr++] = n;
	while (nr) {
		struct ingest_node *x = stack[--nr];

		if (x->flags & N_UNINTERESTING)
			continue;
		x->flags |= N_UNINTERESTING;
		if ((x->flags & (N_QUEUED | N_POPPED)) == N_QUEUED)
			w->interesting--;
		if (!(x->flags & N_POPPED))
			continue;
		for (unsigned i = 0; i < x->nparents; i++) {
			struct ingest_node *p = map_get(&w->map, &x->parents[i]);

			if (p && !(p->flags & N_UNINTERESTING)) {
				GI_ALLOC_GROW(stack, nr + 1, alloc);
				stack[nr++] = p;
			}
		}
	}
	free(stack);
}

static void enqueue(struct ingest_walk *w, struct ingest_node *n)
{
	if (n->flags & (N_QUEUED | N_MISSING))
		return;
	n->flags |= N_QUEUED;
	if (!(n->flags & N_UNINTERESTING))
		w->interesting++;
	heap_push(w, n);
}

/* Start the walk at commit `oid`, hidden or not.  A missing tip is skipped. */
static int walk_add_tip(struct ingest_walk *w, const git_oid *oid, int hide)
{
	struct ingest_node *n;
	int err = load_node(w, oid, &n);

	if (err)
		return err;
	if (hide)
		mark_uninteresting(w, n);
	enqueue(w, n);
	return 0;
}

/* Look at the parents of a popped node. */
static int walk_parents(struct ingest_walk *w, struct ingest_node *n)
{
	int err;

	if (n->flags & N_SHALLOW && n->nparents) {
		n->flags |= N_BOUNDARY;
		return 0;
	}
	for (unsigned i = 0; i < n->nparents; i++) {
		struct ingest_node *p;

		if ((err = load_node(w, &n->parents[i], &p)))
			return err;
		if (p->flags & N_MISSING) {
			n->flags |= N_BOUNDARY;
			continue;
		}
		if (n->flags & N_UNINTERESTING)
			mark_uninteresting(w, p);
		enqueue(w, p);
	}
	return 0;
}

/* Pop newest first until only hidden commits are left (git's limit_list). */
static int walk_run(struct ingest_walk *w)
{
	int err;

	while (w->heap_nr && w->interesting) {
		struct ingest_node *n = heap_pop(w);

		n->flags |= N_POPPED;
		if (!(n->flags & N_UNINTERESTING)) {
			w->interesting--;
			n->flags |= N_RESULT;
			GI_ALLOC_GROW(w->result, w->result_nr + 1, w->result_alloc);
			w->result[w->result_nr++] = n;
		}
		if ((err = walk_parents(w, n)))
			return err;
	}
	return 0;
}

static int wanted(const struct ingest_node *n)
{
	return n && (n->flags & (N_RESULT | N_UNINTERESTING)) == N_RESULT;
}

/*
 * The interesting commits in topological order, parents first (an
 * iterative depth-first post-order).  *out is the caller's.
 */
static size_t walk_order(struct ingest_walk *w, struct ingest_node ***out)
{
	struct ingest_node **order = gi_xmallocarray(w->result_nr + 1, sizeof(*order));
	struct { struct ingest_node *n; unsigned next; } *stack = NULL;
	size_t nr = 0, sp = 0, salloc = 0;

	for (size_t r = w->result_nr; r-- > 0;) {
		if (!wanted(w->result[r]) || w->result[r]->flags & N_VISITED)
			continue;
		w->result[r]->flags |= N_VISITED;
		GI_ALLOC_GROW(stack, sp + 1, salloc);
		stack[sp].n = w->result[r];
		stack[sp++].next = 0;
		while (sp) {
			struct ingest_node *top = stack[sp - 1].n, *p;

			if (stack[sp - 1].next >= top->nparents) {
				order[nr++] = top;
				sp--;
				continue;
			}
			p = map_get(&w->map, &top->parents[stack[sp - 1].next++]);
			if (!wanted(p) || p->flags & N_VISITED)
				continue;
			p->flags |= N_VISITED;
			GI_ALLOC_GROW(stack, sp + 1, salloc);
			stack[sp].n = p;
			stack[sp++].next = 0;
		}
	}
	free(stack);
	*out = order;
	return nr;
}

static void walk_release(struct ingest_walk *w)
{
	for (size_t i = 0; i < w->map.cap; i++) {
		if (w->map.slot[i]) {
			free(w->map.slot[i]->author);
			free(w->map.slot[i]->parents);
			free(w->map.slot[i]);
		}
	}
	free(w->map.slot);
	free(w->heap);
	free(w->result);
	free(w->shallow);
}

/* ---- choosing the tips ------------------------------------------------------- */

/* HEAD and refs under heads/, remotes/ and tags/, peeled to commits; others skipped. */
static int want_ref(const char *name)
{
	return !strcmp(name, "HEAD") || gi_starts_with(name, "refs/heads/") ||
	       gi_starts_with(name, "refs/remotes/") || gi_starts_with(name, "refs/tags/");
}

static void push_ref_tip(git_reference *ref, struct gi_strvec *tips)
{
	git_object *obj = NULL;
	char hex[GIT_OID_HEXSZ + 1];

	/* a dangling, unborn or non-commit ref has no history to ingest */
	if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) < 0) {
		git_error_clear();
		return;
	}
	git_oid_tostr(hex, sizeof(hex), git_object_id(obj));
	gi_strvec_push(tips, hex);
	git_object_free(obj);
}

/* Every wanted ref, as hex oids into tips (sorted, unique). */
static int all_ref_tips(struct ingest_walk *w, struct gi_strvec *tips)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	int rc, err = 0;

	if (git_reference_lookup(&ref, w->git, "HEAD") == 0)
		push_ref_tip(ref, tips);
	git_reference_free(ref);
	git_error_clear();
	if (git_reference_iterator_new(&it, w->git) < 0)
		return ingest_git_err("cannot list references", NULL);
	while ((rc = git_reference_next(&ref, it)) == 0) {
		if (want_ref(git_reference_name(ref)))
			push_ref_tip(ref, tips);
		git_reference_free(ref);
	}
	if (rc != GIT_ITEROVER)
		err = ingest_git_err("cannot list references", NULL);
	git_reference_iterator_free(it);
	gi_strvec_sort_uniq(tips);
	return err;
}

static int add_hex_tip(struct ingest_walk *w, const char *hex, int hide)
{
	git_oid oid;

	if (git_oid_fromstr(&oid, hex))
		return gi_error_set("internal error: bad object id '%s'", hex);
	return walk_add_tip(w, &oid, hide);
}

/* Hide the merge bases of a and b (for A...B). */
static int hide_merge_bases(struct ingest_walk *w, const char *a, const char *b)
{
	git_oidarray bases = { 0 };
	git_oid oa, ob;
	int rc, err = 0;

	git_oid_fromstr(&oa, a);
	git_oid_fromstr(&ob, b);
	rc = git_merge_bases(&bases, w->git, &oa, &ob);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		return 0;
	}
	if (rc < 0)
		return ingest_git_err("cannot compute the merge base of", &oa);
	for (size_t i = 0; i < bases.count && !err; i++)
		err = walk_add_tip(w, &bases.ids[i], 1);
	git_oidarray_dispose(&bases);
	return err;
}

/*
 * Tips for --rev: "REV", "A..B", "A...B" (empty side: HEAD).  The walked
 * tip of a plain REV goes into tips (its whole history will be stored).
 */
static int rev_tips(struct ingest_walk *w, struct lineage_repo *r, const char *rev,
		    struct gi_strvec *tips)
{
	const char *dots = strstr(rev, "..");
	char left[41], right[41];
	char *lname = NULL;
	const char *rname;
	int sym, err;

	if (!dots) {
		if ((err = lineage_repo_resolve(r, rev, left)))
			return err;
		gi_strvec_push(tips, left);
		return add_hex_tip(w, left, 0);
	}
	sym = dots[2] == '.';
	lname = dots == rev ? gi_xstrdup("HEAD") : gi_xstrndup(rev, (size_t)(dots - rev));
	rname = dots[sym ? 3 : 2] ? dots + (sym ? 3 : 2) : "HEAD";
	if ((err = lineage_repo_resolve(r, lname, left)) ||
	    (err = lineage_repo_resolve(r, rname, right)))
		goto done;
	if ((err = add_hex_tip(w, right, 0)) || (err = add_hex_tip(w, left, !sym)))
		goto done;
	if (sym)
		err = hide_merge_bases(w, left, right);
done:
	free(lname);
	return err;
}

/* Hide the tips of the last complete ingest that still exist. */
static int hide_known_tips(struct ingest_walk *w, struct store *s)
{
	struct gi_strvec old = GI_STRVEC_INIT;
	int err = store_git_tips_get(s, &old);

	for (size_t i = 0; !err && i < old.nr; i++)
		err = add_hex_tip(w, old.v[i], 1);
	gi_strvec_clear(&old);
	return err;
}

/* ---- storing ------------------------------------------------------------------ */

struct ingest_run {
	struct ingest_walk *walk;
	struct store *store;
	struct lineage_ingest_stats *stats;
	git_diff_options diffopts;
	git_diff_find_options findopts;
	struct tcache trees; /* across commits: a diff's new trees are the next one's old */
};

static char change_status(git_delta_t t)
{
	switch (t) {
	case GIT_DELTA_ADDED: return 'A';
	case GIT_DELTA_DELETED: return 'D';
	case GIT_DELTA_MODIFIED: return 'M';
	case GIT_DELTA_RENAMED: return 'R';
	case GIT_DELTA_COPIED: return 'C';
	case GIT_DELTA_TYPECHANGE: return 'T';
	default: return 0;
	}
}

/* ch from libgit2's delta d; 0 when d is not a change we store. */
static int change_from_delta(struct store_git_change *ch, const git_diff_delta *d)
{
	memset(ch, 0, sizeof(*ch));
	ch->status = change_status(d->status);
	if (!ch->status)
		return 0;
	if (ch->status != 'A') {
		ch->old_path = d->old_file.path;
		ch->old_len = strlen(d->old_file.path);
		git_oid_tostr(ch->old_blob, sizeof(ch->old_blob), &d->old_file.id);
		ch->old_mode = d->old_file.mode;
	}
	if (ch->status != 'D') {
		ch->new_path = d->new_file.path;
		ch->new_len = strlen(d->new_file.path);
		git_oid_tostr(ch->new_blob, sizeof(ch->new_blob), &d->new_file.id);
		ch->new_mode = d->new_file.mode;
	}
	if (ch->status == 'R' || ch->status == 'C')
		ch->similarity = d->similarity;
	return 1;
}

/* ch from our tree diff's change c (paths borrowed from d). */
static void change_from_tdiff(struct store_git_change *ch, const struct tdiff *d,
			      const struct tchange *c)
{
	memset(ch, 0, sizeof(*ch));
	ch->status = c->status;
	if (c->status != 'A') {
		ch->old_path = d->names.ptr + c->path_off;
		ch->old_len = c->path_len;
		git_oid_tostr(ch->old_blob, sizeof(ch->old_blob), &c->old_id);
		ch->old_mode = c->old_mode;
	}
	if (c->status != 'D') {
		ch->new_path = d->names.ptr + c->path_off;
		ch->new_len = c->path_len;
		git_oid_tostr(ch->new_blob, sizeof(ch->new_blob), &c->new_id);
		ch->new_mode = c->new_mode;
	}
}

/* The order of git_delta_t, the second key of libgit2's diff order. */
static int status_rank(char status)
{
	static const char order[] = "ADMRCT";
	const char *p = strchr(order, status);

	return p ? (int)(p - order) : (int)sizeof(order);
}

/* libgit2's order of a diff with renames: new path (old path if deleted), then status. */
static int change_cmp(const void *a, const void *b)
{
	const struct store_git_change *x = a, *y = b;
	const char *px = x->new_path ? x->new_path : x->old_path;
	const char *py = y->new_path ? y->new_path : y->old_path;
	size_t lx = x->new_path ? x->new_len : x->old_len;
	size_t ly = y->new_path ? y->new_len : y->old_len;
	int c = memcmp(px, py, lx < ly ? lx : ly);

	if (c)
		return c;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return status_rank(x->status) - status_rank(y->status);
}

static int store_changes(struct ingest_run *run, int64_t commit_id,
			 const struct store_git_change *v, size_t nr)
{
	int err = 0;

	for (size_t i = 0; !err && i < nr; i++) {
		run->stats->changes++;
		err = store_git_change_add(run->store, commit_id, &v[i]);
	}
	return err;
}

/* Rename detection only pays when a diff both adds and deletes. */
static int find_renames(struct ingest_run *run, git_diff *diff, const git_oid *oid)
{
	size_t n = git_diff_num_deltas(diff);
	int adds = 0, dels = 0;

	for (size_t i = 0; i < n && !(adds && dels); i++) {
		git_delta_t t = git_diff_get_delta(diff, i)->status;

		adds |= t == GIT_DELTA_ADDED;
		dels |= t == GIT_DELTA_DELETED;
	}
	if (adds && dels && git_diff_find_similar(diff, &run->findopts) < 0)
		return ingest_git_err("cannot detect renames in commit", oid);
	return 0;
}

/*
 * libgit2's diff of n's trees limited to the paths d adds, deletes or
 * retypes (the only rename sources and targets when copies and rewrites
 * are not looked for), with rename detection: it reads only the folders
 * on those paths, where a whole-tree diff reads every folder of both.
 */
static int rename_diff(struct ingest_run *run, const struct tdiff *d, const git_oid *old_tree,
		       const struct ingest_node *n, git_diff **diff)
{
	git_diff_options opts = run->diffopts;
	git_tree *old = NULL, *new = NULL;
	char **paths = gi_xmallocarray(d->nr ? d->nr : 1, sizeof(*paths));
	size_t npaths = 0;
	int err = 0;

	for (size_t i = 0; i < d->nr; i++)
		if (d->v[i].status != 'M')
			paths[npaths++] = gi_xstrndup(d->names.ptr + d->v[i].path_off,
						      d->v[i].path_len);
	opts.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	opts.pathspec.strings = paths;
	opts.pathspec.count = npaths;
	if ((old_tree && git_tree_lookup(&old, run->walk->git, old_tree) < 0) ||
	    git_tree_lookup(&new, run->walk->git, &n->tree) < 0 ||
	    git_diff_tree_to_tree(diff, run->walk->git, old, new, &opts) < 0)
		err = ingest_git_err("cannot diff commit", &n->oid);
	else
		err = find_renames(run, *diff, &n->oid);
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	git_tree_free(old);
	git_tree_free(new);
	return err;
}

/*
 * Store the diff of a commit that both adds and deletes: renames found as
 * a whole-tree libgit2 diff finds them, with d's edits, in the order that
 * diff gives them (sorted by change_cmp when it has renames; without,
 * change_cmp keeps the path order both diffs have).
 */
static int store_renames(struct ingest_run *run, const struct tdiff *d, const git_oid *old_tree,
			 const struct ingest_node *n, int64_t commit_id)
{
	struct store_git_change *v = NULL;
	git_diff *diff = NULL;
	size_t nr = 0, nd;
	int err;

	if ((err = rename_diff(run, d, old_tree, n, &diff)))
		goto done;
	nd = git_diff_num_deltas(diff);
	v = gi_xmallocarray(gi_st_add(nd, d->nr) + 1, sizeof(*v));
	for (size_t i = 0; i < nd; i++)
		nr += change_from_delta(&v[nr], git_diff_get_delta(diff, i));
	for (size_t i = 0; i < d->nr; i++)
		if (d->v[i].status == 'M')
			change_from_tdiff(&v[nr++], d, &d->v[i]);
	gi_qsort(v, nr, sizeof(*v), change_cmp);
	err = store_changes(run, commit_id, v, nr);
done:
	free(v);
	git_diff_free(diff);
	return err;
}

static int tdiff_store(struct ingest_run *run, const struct tdiff *d, int64_t commit_id)
{
	int err = 0;

	for (size_t i = 0; !err && i < d->nr; i++) {
		struct store_git_change ch;

		change_from_tdiff(&ch, d, &d->v[i]);
		err = store_changes(run, commit_id, &ch, 1);
	}
	return err;
}

/* Store the diff of n against its first parent (or the empty tree). */
static int store_diff(struct ingest_run *run, struct ingest_node *n, int64_t commit_id)
{
	struct ingest_node *parent = n->nparents ? map_get(&run->walk->map, &n->parents[0]) : NULL;
	const git_oid *old_tree = parent ? &parent->tree : NULL;
	struct tdiff d;
	int err;

	tdiff_init(&d, run->walk->git, &n->oid);
	tdiff_cache(&d, &run->trees);
	err = tdiff_run(&d, old_tree, &n->tree);
	if (!err && d.adds && d.dels)
		err = store_renames(run, &d, old_tree, n, commit_id);
	else if (!err)
		err = tdiff_store(run, &d, commit_id);
	tdiff_release(&d);
	return err;
}

static char *parents_hex(const struct ingest_node *n)
{
	char *s = gi_xmallocarray(n->nparents ? n->nparents : 1, GIT_OID_HEXSZ + 1);

	s[0] = '\0';
	for (unsigned i = 0; i < n->nparents; i++) {
		git_oid_tostr(s + i * (GIT_OID_HEXSZ + 1), GIT_OID_HEXSZ + 1, &n->parents[i]);
		if (i + 1 < n->nparents)
			s[i * (GIT_OID_HEXSZ + 1) + GIT_OID_HEXSZ] = ' ';
	}
	return s;
}

/*
 * 1 when n is stored already and needs nothing; 0 when it must be stored
 * (a stored boundary whose parents are now here is deleted first).
 */
static int already_stored(struct ingest_run *run, const struct ingest_node *n, const char *hex)
{
	struct store_git_commit old;
	int err = store_git_commit_get(run->store, hex, &old), redo;

	if (err)
		return err == GI_ENOTFOUND ? 0 : err;
	redo = old.boundary && !(n->flags & N_BOUNDARY);
	store_git_commit_release(&old);
	if (!redo)
		return 1;
	err = store_git_commit_delete(run->store, hex);
	return err ? err : 0;
}

static int store_node(struct ingest_run *run, struct ingest_node *n)
{
	struct store_git_commit c = { 0 };
	int err;

	git_oid_tostr(c.oid, sizeof(c.oid), &n->oid);
	if (n->flags & N_BOUNDARY && !run->stats->boundaries++)
		snprintf(run->stats->boundary_oid, sizeof(run->stats->boundary_oid), "%s", c.oid);
	if ((err = already_stored(run, n, c.oid)))
		goto done;
	c.time = n->time;
	c.author_name = n->author;
	c.author_email = n->author ? n->author + strlen(n->author) + 1 : NULL;
	c.parents = parents_hex(n);
	c.boundary = !!(n->flags & N_BOUNDARY);
	if ((err = store_git_commit_add(run->store, &c)))
		goto done;
	run->stats->commits++;
	if (!c.boundary)
		err = store_diff(run, n, c.id);
done:
	if (err == 1) {
		run->stats->known++;
		err = 0;
	}
	free(c.parents);
	return err;
}

/* Store order[0..nr) in transactions of `batch` commits. */
static int store_all(struct ingest_run *run, struct ingest_node **order, size_t nr, size_t batch)
{
	int err = 0;

	for (size_t i = 0; !err && i < nr; i += batch) {
		if ((err = store_begin(run->store)))
			break;
		for (size_t j = i; !err && j < nr && j < i + batch; j++)
			err = store_node(run, order[j]);
		if (err)
			store_rollback(run->store);
		else
			err = store_commit(run->store);
	}
	return err;
}

/* ---- the entry point ------------------------------------------------------------ */

/*
 * libgit2's process-wide settings for the walk (on), and back to libgit2's
 * defaults (off).  Off during ingest: the object cache, which would keep
 * every tree read (up to 256 MB; malloc on the fragmented heap then cost a
 * quarter of the time) although a first-parent walk reads each tree at most
 * twice; and the SHA-1 check of every object read (a third of the time),
 * which git does not do on read either (zlib still checks each object's
 * adler32 checksum).
 */
static void ingest_tune(int on)
{
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, !on);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, !on);
}

static void run_init(struct ingest_run *run, struct ingest_walk *w, struct store *s,
		     struct lineage_ingest_stats *stats)
{
	memset(run, 0, sizeof(*run));
	run->walk = w;
	run->store = s;
	run->stats = stats;
	git_diff_options_init(&run->diffopts, GIT_DIFF_OPTIONS_VERSION);
	run->diffopts.flags = GIT_DIFF_INCLUDE_TYPECHANGE | GIT_DIFF_SKIP_BINARY_CHECK;
	git_diff_find_options_init(&run->findopts, GIT_DIFF_FIND_OPTIONS_VERSION);
	run->findopts.flags = GIT_DIFF_FIND_RENAMES;
	tcache_init(&run->trees, INGEST_TREE_SLOTS, INGEST_TREE_BYTES);
}

/* Record the walked tips when their whole history is now stored. */
static int save_tips(struct store *s, const struct gi_strvec *tips, int replace)
{
	struct gi_strvec all = GI_STRVEC_INIT;
	int err = 0;

	if (!replace)
		err = store_git_tips_get(s, &all);
	for (size_t i = 0; i < tips->nr; i++)
		gi_strvec_push(&all, tips->v[i]);
	gi_strvec_sort_uniq(&all);
	if (!err && !(err = store_begin(s))) {
		if ((err = store_git_tips_set(s, &all)))
			store_rollback(s);
		else
			err = store_commit(s);
	}
	gi_strvec_clear(&all);
	return err;
}

/* Walk: the tips asked for, hiding what the last complete ingest stored. */
static int plan(struct ingest_walk *w, struct lineage_repo *repo, struct store *s,
		const char *rev, struct gi_strvec *tips, int *complete)
{
	int err;

	if ((err = read_shallow(w, lineage_repo_commondir(repo))))
		return err;
	*complete = !rev || !strstr(rev, "..");
	if (rev)
		err = rev_tips(w, repo, rev, tips);
	else if (!(err = all_ref_tips(w, tips)))
		for (size_t i = 0; !err && i < tips->nr; i++)
			err = add_hex_tip(w, tips->v[i], 0);
	if (!err)
		err = hide_known_tips(w, s);
	return err ? err : walk_run(w);
}

int lineage_ingest(struct lineage_repo *repo, struct store *store,
		   const struct lineage_ingest_opts *opts, struct lineage_ingest_stats *stats)
{
	struct lineage_ingest_stats dummy;
	struct ingest_walk w = { 0 };
	struct ingest_run run;
	struct ingest_node **order = NULL;
	struct gi_strvec tips = GI_STRVEC_INIT;
	double start = gi_now();
	size_t nr, batch = opts && opts->batch > 0 ? (size_t)opts->batch : INGEST_BATCH;
	int complete = 0, err;

	if (!stats)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	w.git = lineage_repo_git(repo);
	run_init(&run, &w, store, stats);
	ingest_tune(1);
	if ((err = plan(&w, repo, store, opts ? opts->rev : NULL, &tips, &complete)))
		goto done;
	nr = walk_order(&w, &order);
	if ((err = store_all(&run, order, nr, batch)))
		goto done;
	/* a shallow history is walked again next time, to notice a deepening */
	if (complete && !stats->boundaries)
		err = save_tips(store, &tips, !(opts && opts->rev));
done:
	tcache_release(&run.trees);
	ingest_tune(0);
	stats->seconds = gi_now() - start;
	free(order);
	gi_strvec_clear(&tips);
	walk_release(&w);
	return err;
}
