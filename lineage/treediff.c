/*
 * treediff.c - a tree diff of our own, for speed: it skips identical
 * subtrees by id, as `git diff-tree -r` does (libgit2 1.5 opens every
 * folder of both trees), and parses tree objects itself (libgit2's
 * parser cost a fifth of an ingest).  It records adds, deletes, edits
 * and type changes in path order, without rename detection: callers that
 * need renames use libgit2 when a diff has both adds and deletes.
 */
#include <git2.h>
#include <stdlib.h>
#include <string.h>

#include "treediff_int.h"

#define TDIFF_MAX_DEPTH 512
#define TDIFF_MIN_ENTRY 24 /* "1 a\0" and a 20-byte id */

static int tdiff_git_err(const struct tdiff *d, const git_oid *tree)
{
	const git_error *e = git_error_last();
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), tree);
	return gi_error_set("cannot read tree '%s' of commit '%s': %s", hex,
			    d->commit ? git_oid_tostr_s(d->commit) : "?",
			    e && e->message ? e->message : "unknown error");
}

static int tdiff_corrupt(const struct tdiff *d, const git_oid *tree, size_t at, const char *why)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), tree);
	return gi_error_setc(GI_EINPUT, "cannot parse tree '%s' of commit '%s' at byte %zu: %s",
			     hex, d->commit ? git_oid_tostr_s(d->commit) : "?", at, why);
}

/* ---- tree objects ---- */

/* A file mode as libgit2's git_tree_entry_filemode() gives it. */
static uint32_t tree_mode(uint32_t raw)
{
	uint32_t type = raw & ~0777u;

	if (type == GIT_FILEMODE_TREE)
		return GIT_FILEMODE_TREE;
	if (raw & 0111)
		return GIT_FILEMODE_BLOB_EXECUTABLE;
	if (type == GIT_FILEMODE_COMMIT)
		return GIT_FILEMODE_COMMIT;
	if (type == GIT_FILEMODE_LINK)
		return GIT_FILEMODE_LINK;
	return GIT_FILEMODE_BLOB;
}

/*
 * Parse one entry "<octal mode> <name>\0<20-byte id>" at p (end at end)
 * into e; the next entry's start, or NULL with *why set.
 */
static const char *tree_entry(const char *p, const char *end, struct tentry *e, const char **why)
{
	uint32_t mode = 0;
	const char *nul;
	int digits = 0;

	while (p < end && *p >= '0' && *p <= '7' && digits++ < 7)
		mode = mode * 8 + (uint32_t)(*p++ - '0');
	if (!digits || digits > 6 || p >= end || *p++ != ' ') {
		*why = "bad file mode";
		return NULL;
	}
	nul = memchr(p, '\0', (size_t)(end - p));
	if (!nul || nul == p || nul - p > UINT16_MAX) {
		*why = "bad file name";
		return NULL;
	}
	if (end - (nul + 1) < GIT_OID_RAWSZ) {
		*why = "truncated object id";
		return NULL;
	}
	e->mode = tree_mode(mode);
	e->name = p;
	e->name_len = (uint16_t)(nul - p);
	e->id = (const unsigned char *)nul + 1;
	return nul + 1 + GIT_OID_RAWSZ;
}

static void ttree_free(struct ttree *t)
{
	if (!t)
		return;
	git_odb_object_free(t->obj);
	free(t->v);
	free(t);
}

/* Read and parse tree `oid`; *out is the caller's (ttree_free). */
static int ttree_read(struct tdiff *d, const git_oid *oid, struct ttree **out)
{
	struct ttree *t = gi_xcalloc(1, sizeof(*t));
	const char *start, *p, *end, *why = "";
	size_t size;

	if (git_odb_read(&t->obj, d->odb, oid) < 0) {
		ttree_free(t);
		return tdiff_git_err(d, oid);
	}
	if (git_odb_object_type(t->obj) != GIT_OBJECT_TREE) {
		ttree_free(t);
		return tdiff_corrupt(d, oid, 0, "not a tree");
	}
	start = p = git_odb_object_data(t->obj);
	size = git_odb_object_size(t->obj);
	end = start + size;
	t->v = gi_xmallocarray(size / TDIFF_MIN_ENTRY + 1, sizeof(*t->v));
	while (p < end) {
		const char *next = tree_entry(p, end, &t->v[t->nr], &why);

		if (!next) {
			int err = tdiff_corrupt(d, oid, (size_t)(p - start), why);

			ttree_free(t);
			return err;
		}
		t->nr++;
		p = next;
	}
	t->bytes = sizeof(*t) + size + t->nr * sizeof(*t->v);
	*out = t;
	return 0;
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
	c->bytes -= s->tree->bytes;
	ttree_free(s->tree);
	s->tree = NULL;
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
 * Keep tree t (id oid) in the cache if its slot is free or holds a tree
 * no current diff uses: 1 when the cache took it, 0 when the caller keeps it.
 */
static int tcache_put(struct tcache *c, const git_oid *oid, struct ttree *t)
{
	struct tcache_slot *s = tcache_slot(c, oid);

	if (s->tree && s->gen == c->gen)
		return 0;
	if (s->tree)
		tcache_drop(c, s);
	if (c->bytes + t->bytes > c->max_bytes)
		tcache_flush(c);
	if (c->bytes + t->bytes > c->max_bytes)
		return 0;
	git_oid_cpy(&s->oid, oid);
	s->tree = t;
	s->gen = c->gen;
	c->bytes += t->bytes;
	return 1;
}

/*
 * Tree `oid` into *out, from d's cache or read.  *owned is 1 when the
 * caller must free it (it is not in the cache), else 0 (borrowed for the
 * current diff).
 */
static int tdiff_tree(struct tdiff *d, const git_oid *oid, struct ttree **out, int *owned)
{
	struct tcache_slot *s = d->cache ? tcache_slot(d->cache, oid) : NULL;
	int err;

	*owned = 0;
	if (s && s->tree && git_oid_equal(&s->oid, oid)) {
		s->gen = d->cache->gen;
		d->cache->hits++;
		*out = s->tree;
		return 0;
	}
	if ((err = ttree_read(d, oid, out)))
		return err;
	if (d->cache)
		d->cache->misses++;
	*owned = !d->cache || !tcache_put(d->cache, oid, *out);
	return 0;
}

/* ---- the diff ---- */

static int tdiff_is_tree(const struct tentry *e)
{
	return e->mode == GIT_FILEMODE_TREE;
}

/* Git's tree order: a folder sorts as if its name ended in '/'. */
static int tdiff_cmp(const struct tentry *a, const struct tentry *b)
{
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, n);
	unsigned ca, cb;

	if (c)
		return c;
	ca = a->name_len > n ? (unsigned char)a->name[n] : tdiff_is_tree(a) ? '/' : 0;
	cb = b->name_len > n ? (unsigned char)b->name[n] : tdiff_is_tree(b) ? '/' : 0;
	return ca < cb ? -1 : ca > cb;
}

static int tdiff_record(struct tdiff *d, char status, const struct tentry *o,
			const struct tentry *n)
{
	const struct tentry *e = o ? o : n;
	struct tchange *c;

	GI_ALLOC_GROW(d->v, d->nr + 1, d->alloc);
	c = memset(&d->v[d->nr], 0, sizeof(*c));
	c->status = status;
	c->path_off = d->names.len;
	if (gi_buf_add(&d->names, d->dir.ptr ? d->dir.ptr : "", d->dir.len) ||
	    gi_buf_add(&d->names, e->name, e->name_len))
		return gi_error_setc(GI_ELIMIT, "commit '%s' changes too many paths",
				     git_oid_tostr_s(d->commit));
	c->path_len = d->names.len - c->path_off;
	if (o) {
		c->old_mode = o->mode;
		git_oid_fromraw(&c->old_id, o->id);
	}
	if (n) {
		c->new_mode = n->mode;
		git_oid_fromraw(&c->new_id, n->id);
	}
	d->adds |= status == 'A';
	d->dels |= status == 'D';
	d->nr++;
	return 0;
}

static int tdiff_trees(struct tdiff *d, const git_oid *a, const git_oid *b);

/* Descend into folder e (old id a, new id b, either may be NULL). */
static int tdiff_enter(struct tdiff *d, const struct tentry *e, const unsigned char *a,
		       const unsigned char *b)
{
	size_t len = d->dir.len;
	git_oid oa, ob;
	int err;

	if (d->depth >= TDIFF_MAX_DEPTH)
		return gi_error_setc(GI_ELIMIT, "commit '%s' nests folders deeper than %d",
				     git_oid_tostr_s(d->commit), TDIFF_MAX_DEPTH);
	if (gi_buf_add(&d->dir, e->name, e->name_len) || gi_buf_addch(&d->dir, '/'))
		return gi_error_setc(GI_ELIMIT, "a path in commit '%s' is too long",
				     git_oid_tostr_s(d->commit));
	if (a)
		git_oid_fromraw(&oa, a);
	if (b)
		git_oid_fromraw(&ob, b);
	d->depth++;
	err = tdiff_trees(d, a ? &oa : NULL, b ? &ob : NULL);
	d->depth--;
	d->dir.len = len;
	d->dir.ptr[len] = '\0';
	return err;
}

/* An entry only on one side: a file, or every file under a folder. */
static int tdiff_side(struct tdiff *d, const struct tentry *e, int added)
{
	if (!tdiff_is_tree(e))
		return tdiff_record(d, added ? 'A' : 'D', added ? NULL : e, added ? e : NULL);
	return tdiff_enter(d, e, added ? NULL : e->id, added ? e->id : NULL);
}

/* The same name on both sides (both folders, or both not). */
static int tdiff_pair(struct tdiff *d, const struct tentry *a, const struct tentry *b)
{
	if (a->mode == b->mode && !memcmp(a->id, b->id, GIT_OID_RAWSZ))
		return 0;
	if (tdiff_is_tree(a))
		return tdiff_enter(d, a, a->id, b->id);
	return tdiff_record(d, (a->mode & 0170000) != (b->mode & 0170000) ? 'T' : 'M', a, b);
}

static int tdiff_trees(struct tdiff *d, const git_oid *a, const git_oid *b)
{
	struct ttree *ta = NULL, *tb = NULL;
	int owna = 0, ownb = 0;
	size_t i = 0, j = 0, na, nb;
	int err = 0;

	if ((a && (err = tdiff_tree(d, a, &ta, &owna))) ||
	    (b && (err = tdiff_tree(d, b, &tb, &ownb))))
		goto done;
	na = ta ? ta->nr : 0;
	nb = tb ? tb->nr : 0;
	while (!err && (i < na || j < nb)) {
		const struct tentry *ea = i < na ? &ta->v[i] : NULL;
		const struct tentry *eb = j < nb ? &tb->v[j] : NULL;
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
		ttree_free(ta);
	if (ownb)
		ttree_free(tb);
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
	int err;

	if (!d->odb && git_repository_odb(&d->odb, d->git) < 0)
		return tdiff_git_err(d, old_tree ? old_tree : new_tree);
	err = tdiff_trees(d, old_tree, new_tree);
	return err;
}

void tdiff_release(struct tdiff *d)
{
	git_odb_free(d->odb);
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
