/*
 * graph_int.h - private to lineage/: the graph's in-memory layout, the
 * mutable builder a graph is made from, and its serialised form.
 *
 * A frozen graph is flat: nodes sorted by id, edges in CSR form in both
 * directions, names in one string pool.  The serialised form is the same
 * arrays behind a checked header, so loading is one copy plus validation.
 */
#ifndef GI_LINEAGE_GRAPH_INT_H
#define GI_LINEAGE_GRAPH_INT_H

#include "lineage.h"

/* A node as stored (24 bytes, serialised as is). */
struct lineage_gnode {
	uint64_t id;
	uint64_t hash;
	uint32_t name;   /* offset of the NUL-terminated name in the pool */
	uint8_t kind;
	uint8_t flags;
	uint16_t pad;
};

struct lineage_graph {
	char *mem;                  /* the one allocation the arrays point into */
	struct lineage_gnode *nodes;
	uint32_t nnodes;
	size_t nedges;
	uint32_t *fwd_off, *rev_off; /* nnodes + 1 offsets each */
	struct lineage_edge *fwd, *rev;
	uint32_t *tests, *unplaced;
	size_t ntests, nunplaced;
	const char *pool;
	size_t pool_len;
	struct gi_strvec ignore, always_run, warnings;
	int lists_in_mem;           /* tests and unplaced point into mem (decoded) */
};

/* ---- builder ----------------------------------------------------------- */

struct lineage_bnode {
	uint64_t id, hash;
	char *name;
	uint8_t kind, flags;
};

struct lineage_bedge {
	uint32_t from, to, kind;
};

/*
 * A graph under construction: nodes are added by kind and name (added
 * once; adding again returns the same index), edges by node index.
 * lineage_builder_init() allocates nothing; lineage_builder_release()
 * frees everything.
 */
struct lineage_builder {
	struct lineage_bnode *nodes;
	size_t nr, alloc;
	uint32_t *slots;            /* open addressing on id: index + 1, 0 empty */
	size_t nslots;
	struct lineage_bedge *edges;
	size_t enr, ealloc;
	struct gi_strvec ignore, always_run, warnings;
};

void lineage_builder_init(struct lineage_builder *b);
void lineage_builder_release(struct lineage_builder *b);

/* The index of node (kind, name), added with hash 0 and no flags if new. */
uint32_t lineage_builder_node(struct lineage_builder *b, int kind, const char *name);
/* The index of node (kind, name), or LINEAGE_NONE. */
uint32_t lineage_builder_find(const struct lineage_builder *b, int kind, const char *name);
/* Add the edge "from depends on to" (duplicates are dropped when frozen). */
void lineage_builder_edge(struct lineage_builder *b, uint32_t from, uint32_t to, int kind);

/*
 * Freeze: sort and deduplicate, compute UNPLACED (a FILE node no TEST node
 * reaches, neither IGNORED nor MANIFEST; or any BROKEN node) and the test and unplaced
 * lists.  The builder is left empty.  *out is the caller's.
 */
void lineage_builder_finish(struct lineage_builder *b, struct lineage_graph **out);

/*
 * Thaw a graph back into a builder (to update it incrementally), keeping
 * nodes, edges, flags (but UNPLACED, recomputed at finish) and lists.
 */
void lineage_builder_from_graph(struct lineage_builder *b, const struct lineage_graph *g);

/* ---- serialised form --------------------------------------------------- */

#define LINEAGE_GRAPH_FORMAT 1
#define LINEAGE_GRAPH_MAX_BYTES ((size_t)1 << 30)

/* Append the serialised graph to `out` (GI_ELIMIT if it does not fit). */
int lineage_graph_encode(const struct lineage_graph *g, struct gi_buf *out);

/*
 * Load a serialised graph.  Every offset and index is checked: a damaged
 * or foreign blob is GI_ECORRUPT naming `what` (e.g. "graph of commit
 * 1234abcd"), never a crash.  *out is the caller's.
 */
int lineage_graph_decode(const void *data, size_t len, const char *what,
			 struct lineage_graph **out);

/*
 * The same, taking the blob's memory instead of copying it (a stored graph
 * is megabytes): on success the graph owns it and `buf` is left empty; on
 * error `buf` is left empty or unchanged, to be released by the caller.
 */
int lineage_graph_decode_take(struct gi_buf *buf, const char *what, struct lineage_graph **out);

#endif
