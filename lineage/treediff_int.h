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

struct tdiff {
	git_repository *git;
	const git_oid *commit; /* for messages */
	struct gi_buf dir;     /* the current folder, with a final '/' */
	struct gi_buf names;   /* every changed path, back to back */
	struct tchange *v;
	size_t nr, alloc;
	int adds, dels, depth;
};

void tdiff_init(struct tdiff *d, git_repository *git, const git_oid *commit);
/* Diff two trees (either may be NULL: empty) into d; 0 or a negative code. */
int tdiff_run(struct tdiff *d, const git_oid *old_tree, const git_oid *new_tree);
void tdiff_release(struct tdiff *d);

#endif
