/*
 * treediff_int.h - private to lineage/: the tree diff that skips identical
 * subtrees (treediff.c), for ingest; impact/ uses lineage_tree_diff().
 */
#ifndef GI_TREEDIFF_INT_H
#define GI_TREEDIFF_INT_H

#include <git2.h>

#include "lineage.h"

struct tchange {
	char status;               /* A D M T */
	uint32_t old_mode, new_mode;
	git_oid old_id, new_id;
	size_t path_off, path_len; /* in tdiff.names */
};

/* One entry of a tree object; name and id point into the object's data. */
struct tentry {
	const char *name;        /* name_len bytes (NUL-terminated in the object) */
	const unsigned char *id; /* 20 bytes */
	uint32_t mode;           /* as git_tree_entry_filemode() gives it */
	uint16_t name_len;
};

/* A parsed tree object. */
struct ttree {
	git_odb_object *obj; /* owns the bytes the entries point into */
	struct tentry *v;
	size_t nr;
	size_t bytes; /* memory held, for the cache's bound */
};

/*
 * Parsed trees kept across the diffs of one walk, so that the trees a
 * commit's diff reads as new are not read again as old by its child's
 * diff.  Direct-mapped by tree id; a tree the current diff still uses is
 * never evicted; everything is dropped when the estimated size passes
 * max_bytes.
 */
struct tcache_slot {
	git_oid oid;
	struct ttree *tree; /* NULL: empty slot */
	unsigned gen;       /* the last diff that used it */
};

struct tcache {
	struct tcache_slot *slot;
	size_t nr_slots;           /* a power of 2 */
	size_t bytes, max_bytes;
	unsigned gen;
	size_t hits, misses;
};

/* A cache of `slots` trees (rounded up to a power of 2), at most about max_bytes. */
void tcache_init(struct tcache *c, size_t slots, size_t max_bytes);
void tcache_release(struct tcache *c);

struct tdiff {
	git_repository *git;
	git_odb *odb;          /* git's, taken by tdiff_run */
	struct tcache *cache;  /* NULL: read every tree */
	const git_oid *commit; /* for messages */
	struct gi_buf dir;     /* the current folder, with a final '/' */
	struct gi_buf names;   /* every changed path, back to back */
	struct tchange *v;
	size_t nr, alloc;
	int adds, dels, depth;
};

/* Set up d to diff trees of `commit` (named in messages); it reads every tree. */
void tdiff_init(struct tdiff *d, git_repository *git, const git_oid *commit);
/* Let d read trees through cache c, which outlives d (call after tdiff_init). */
void tdiff_cache(struct tdiff *d, struct tcache *c);
/* Diff two trees (either may be NULL: empty) into d; 0 or a negative code. */
int tdiff_run(struct tdiff *d, const git_oid *old_tree, const git_oid *new_tree);
void tdiff_release(struct tdiff *d);

#endif
