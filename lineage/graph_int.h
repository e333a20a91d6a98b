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
	uint64_t sum;               /* checksum of the serialised form it was
				       loaded from or saved as; 0 if neither */
};

/* A graph with room for the counts given (arrays zeroed, lists empty). */
struct lineage_graph *lineage_graph_alloc(uint32_t nnodes, size_t nedges, size_t pool_len);

/*
 * Recompute the UNPLACED flags and the test and unplaced lists of g (its
 * nodes and edges set).  The previous lists, as node indexes of g in name
 * order (LINEAGE_NONE entries skipped), make this a merge, not a sort;
 * pass NULL, 0 when there are none.
 */
void lineage_graph_lists(struct lineage_graph *g, const uint32_t *ptests, size_t nptests,
			 const uint32_t *punplaced, size_t npunplaced);

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

#define LINEAGE_GRAPH_FORMAT 1 /* a whole graph (store format column) */
#define LINEAGE_DELTA_FORMAT 2 /* a delta against a stored whole graph */
#define LINEAGE_DELTA_RATIO 8  /* a delta bigger than 1/8 of the whole: store whole */
#define LINEAGE_DELTA_SMALL 4096 /* ... unless it is this small */
#define LINEAGE_GRAPH_MAX_BYTES ((size_t)1 << 30)

/* Shared by the graph and delta serialisers (graph.c). */
/* GI_ECORRUPT: "stored WHAT is damaged (WHY): rebuild it". */
int lineage_graph_corrupt(const char *what, const char *why);
/* Append a u32 count, then each string with its NUL. */
int lineage_strvec_add(struct gi_buf *out, const struct gi_strvec *sv);
/* Read what lineage_strvec_add wrote at *p (< end) into sv; -1 when truncated. */
int lineage_strvec_read(const char **p, const char *end, struct gi_strvec *sv);

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

/* The checksum an encoded graph (whole, at `data`) carries in its header; 0 if none. */
uint64_t lineage_graph_encoded_sum(const void *data, size_t len);

/* ---- deltas (graphdelta.c) ----------------------------------------------- */

/* An edge of a delta: the other node by id (indexes differ between graphs). */
struct lineage_dedge {
	uint64_t to;
	uint32_t kind, pad;
};

/*
 * What turns graph A into graph B: the nodes B adds or changes (hash,
 * kind or flags other than UNPLACED), the ids of A's nodes B lacks, and the
 * whole out-edge list of every node whose out-edges differ (a node not
 * listed keeps A's list; a new node not listed has none).  Every array is
 * sorted by id (edges within a list by (to, kind), as in a graph); names
 * are offsets in `pool`.  The string lists replace A's when `strs` is 1.
 * lineage_delta_init() allocates nothing; lineage_delta_release() frees
 * everything.
 */
struct lineage_delta {
	struct lineage_gnode *nodes;
	size_t nnodes, anodes;
	uint64_t *removed;
	size_t nremoved, aremoved;
	uint64_t *from;            /* the nodes whose lists are replaced */
	uint32_t *list_off;        /* nlists + 1 offsets into edges */
	size_t nlists, alists;
	struct lineage_dedge *edges;
	size_t nedges, aedges;
	struct gi_buf pool;
	int strs;
	struct gi_strvec ignore, always_run, warnings;
};

void lineage_delta_init(struct lineage_delta *d);
void lineage_delta_release(struct lineage_delta *d);

/* Builders of a delta, called in ascending id order each. */
void lineage_delta_node(struct lineage_delta *d, const struct lineage_gnode *n, const char *name);
void lineage_delta_list(struct lineage_delta *d, uint64_t from, const struct lineage_dedge *e,
			size_t ne);

/* The delta that turns a into b (both frozen graphs). */
void lineage_graph_diff(const struct lineage_graph *a, const struct lineage_graph *b,
			struct lineage_delta *out);

/*
 * The graph a + d, with its lists computed (as a full build would).  A
 * delta that does not fit a (an edge to a node that does not exist, more
 * than 2^32 nodes) is GI_ECORRUPT naming `what`.  *out is the caller's.
 */
int lineage_graph_apply(const struct lineage_graph *a, const struct lineage_delta *d,
			const char *what, struct lineage_graph **out);

/*
 * g becomes g + d: in place when d keeps g's nodes and the length of every
 * list it replaces (an edit that changes no edge and no node's placement
 * flags costs O(changes log nodes): no walk from the tests; one that moves
 * an edge, O(changes + graph walk)), else through lineage_graph_apply().
 * GI_ECORRUPT as there; g is then unchanged or, for a delta damaged past
 * its checks, must be freed.
 */
int lineage_graph_patch(struct lineage_graph *g, const struct lineage_delta *d, const char *what);

/* The delta c after p, as one delta from p's base. */
void lineage_delta_compose(const struct lineage_delta *p, const struct lineage_delta *c,
			   struct lineage_delta *out);

/* Exchange the contents of two graphs. */
void lineage_graph_swap(struct lineage_graph *a, struct lineage_graph *b);

/*
 * The serialised delta, for a base whose encoded form has checksum
 * `base_sum` (so it can never be applied to another graph).
 */
int lineage_delta_encode(const struct lineage_delta *d, uint64_t base_sum, struct gi_buf *out);

/*
 * Load a serialised delta; every size, offset and order is checked, and its
 * base checksum must be `base_sum`: else GI_ECORRUPT naming `what`.
 */
int lineage_delta_decode(const void *data, size_t len, uint64_t base_sum, const char *what,
			 struct lineage_delta *out);

/* The base checksum a serialised delta names (0 if it is not one). */
uint64_t lineage_delta_base_sum(const void *data, size_t len);

#endif
