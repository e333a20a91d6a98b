/*
 * graph.c - the lineage graph as a data structure: the builder, freezing
 * into flat CSR arrays (nodes sorted by id, edges both ways), lookups,
 * the versioned serialised form and its checked loader.  Knows nothing of
 * git or of the formats the nodes come from (build.c does).
 */
#include "graph_int.h"

static const char *const node_kinds[LINEAGE_NODE_NKINDS] = {
	"file", "symbol", "dataset", "param", "model", "stage", "test",
};
static const char *const edge_kinds[LINEAGE_EDGE_NKINDS] = {
	"imports", "includes", "reads", "param", "produces", "covers", "declared", "cofails",
};

const char *lineage_node_kind_name(int kind)
{
	return kind >= 0 && kind < LINEAGE_NODE_NKINDS ? node_kinds[kind] : "?";
}

const char *lineage_edge_kind_name(int kind)
{
	return kind >= 0 && kind < LINEAGE_EDGE_NKINDS ? edge_kinds[kind] : "?";
}

int lineage_node_kind_parse(const char *name)
{
	for (int i = 0; i < LINEAGE_NODE_NKINDS; i++)
		if (!strcmp(node_kinds[i], name))
			return i;
	return -1;
}

static uint64_t node_id(int kind, const char *name)
{
	return gi_hash_node(lineage_node_kind_name(kind), name, strlen(name));
}

/* ---- builder ------------------------------------------------------------ */

void lineage_builder_init(struct lineage_builder *b)
{
	memset(b, 0, sizeof(*b));
}

void lineage_builder_release(struct lineage_builder *b)
{
	for (size_t i = 0; i < b->nr; i++)
		free(b->nodes[i].name);
	free(b->nodes);
	free(b->slots);
	free(b->edges);
	gi_strvec_clear(&b->ignore);
	gi_strvec_clear(&b->always_run);
	gi_strvec_clear(&b->warnings);
	memset(b, 0, sizeof(*b));
}

static void rehash(struct lineage_builder *b)
{
	size_t n = b->nslots ? b->nslots * 2 : 1024;

	free(b->slots);
	b->slots = gi_xcalloc(n, sizeof(*b->slots));
	b->nslots = n;
	for (size_t i = 0; i < b->nr; i++) {
		size_t s = (size_t)b->nodes[i].id & (n - 1);

		while (b->slots[s])
			s = (s + 1) & (n - 1);
		b->slots[s] = (uint32_t)i + 1;
	}
}

/* The slot holding id, or the empty slot where it would go. */
static size_t find_slot(const struct lineage_builder *b, uint64_t id)
{
	size_t s = (size_t)id & (b->nslots - 1);

	while (b->slots[s] && b->nodes[b->slots[s] - 1].id != id)
		s = (s + 1) & (b->nslots - 1);
	return s;
}

uint32_t lineage_builder_find(const struct lineage_builder *b, int kind, const char *name)
{
	size_t s;

	if (!b->nslots)
		return LINEAGE_NONE;
	s = find_slot(b, node_id(kind, name));
	return b->slots[s] ? b->slots[s] - 1 : LINEAGE_NONE;
}

static uint32_t add_node(struct lineage_builder *b, uint64_t id, int kind, const char *name)
{
	size_t s;

	if ((b->nr + 1) * 2 > b->nslots)
		rehash(b);
	s = find_slot(b, id);
	if (b->slots[s])
		return b->slots[s] - 1;
	if (b->nr >= LINEAGE_NONE - 1)
		gi_die("lineage graph: too many nodes");
	GI_ALLOC_GROW(b->nodes, b->nr + 1, b->alloc);
	memset(&b->nodes[b->nr], 0, sizeof(b->nodes[0]));
	b->nodes[b->nr].id = id;
	b->nodes[b->nr].kind = (uint8_t)kind;
	b->nodes[b->nr].name = gi_xstrdup(name);
	b->slots[s] = (uint32_t)++b->nr;
	return (uint32_t)(b->nr - 1);
}

uint32_t lineage_builder_node(struct lineage_builder *b, int kind, const char *name)
{
	return add_node(b, node_id(kind, name), kind, name);
}

void lineage_builder_edge(struct lineage_builder *b, uint32_t from, uint32_t to, int kind)
{
	if (from == to || from >= b->nr || to >= b->nr)
		return;
	GI_ALLOC_GROW(b->edges, b->enr + 1, b->ealloc);
	b->edges[b->enr].from = from;
	b->edges[b->enr].to = to;
	b->edges[b->enr].kind = (uint32_t)kind;
	b->enr++;
}

void lineage_builder_from_graph(struct lineage_builder *b, const struct lineage_graph *g)
{
	lineage_builder_init(b);
	for (uint32_t i = 0; i < g->nnodes; i++) {
		const struct lineage_gnode *n = &g->nodes[i];
		uint32_t k = add_node(b, n->id, n->kind, g->pool + n->name);

		b->nodes[k].hash = n->hash;
		b->nodes[k].flags = n->flags & (uint8_t)~LINEAGE_NODE_UNPLACED;
	}
	for (uint32_t i = 0; i < g->nnodes; i++)
		for (uint32_t e = g->fwd_off[i]; e < g->fwd_off[i + 1]; e++)
			lineage_builder_edge(b, i, g->fwd[e].node, (int)g->fwd[e].kind);
	for (size_t i = 0; i < g->ignore.nr; i++)
		gi_strvec_push(&b->ignore, g->ignore.v[i]);
	for (size_t i = 0; i < g->always_run.nr; i++)
		gi_strvec_push(&b->always_run, g->always_run.v[i]);
	for (size_t i = 0; i < g->warnings.nr; i++)
		gi_strvec_push(&b->warnings, g->warnings.v[i]);
}

/* ---- freezing ------------------------------------------------------------ */

static int cmp_bnode(const void *a, const void *b)
{
	uint64_t x = ((const struct lineage_bnode *)a)->id, y = ((const struct lineage_bnode *)b)->id;

	return x < y ? -1 : x > y;
}

static int cmp_bedge(const void *a, const void *b)
{
	const struct lineage_bedge *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return x->kind < y->kind ? -1 : x->kind > y->kind;
}

struct lineage_graph *lineage_graph_alloc(uint32_t nnodes, size_t nedges, size_t pool_len)
{
	struct lineage_graph *g = gi_xcalloc(1, sizeof(*g));
	size_t sz = 0, o_nodes, o_foff, o_roff, o_fwd, o_rev, o_pool;

	o_nodes = sz; sz = gi_st_add(sz, gi_st_mult(nnodes, sizeof(struct lineage_gnode)));
	o_foff = sz; sz = gi_st_add(sz, gi_st_mult((size_t)nnodes + 1, 4));
	o_roff = sz; sz = gi_st_add(sz, gi_st_mult((size_t)nnodes + 1, 4));
	sz = (sz + 7) & ~(size_t)7;
	o_fwd = sz; sz = gi_st_add(sz, gi_st_mult(nedges, sizeof(struct lineage_edge)));
	o_rev = sz; sz = gi_st_add(sz, gi_st_mult(nedges, sizeof(struct lineage_edge)));
	o_pool = sz; sz = gi_st_add(sz, pool_len + 1);
	g->mem = gi_xcalloc(1, sz);
	g->nodes = (struct lineage_gnode *)(void *)(g->mem + o_nodes);
	g->fwd_off = (uint32_t *)(void *)(g->mem + o_foff);
	g->rev_off = (uint32_t *)(void *)(g->mem + o_roff);
	g->fwd = (struct lineage_edge *)(void *)(g->mem + o_fwd);
	g->rev = (struct lineage_edge *)(void *)(g->mem + o_rev);
	g->pool = g->mem + o_pool;
	g->pool_len = pool_len;
	g->nnodes = nnodes;
	g->nedges = nedges;
	return g;
}

/* Sort nodes by id and edges by (from, to, kind) with new indexes; dedupe edges. */
static size_t sort_builder(struct lineage_builder *b, size_t *pool_len)
{
	uint32_t *map = gi_xmallocarray(b->nr ? b->nr : 1, sizeof(*map));
	size_t n = 0;

	/* map[old index] = new index, found by id once the nodes are sorted */
	{
		uint64_t *ids = gi_xmallocarray(b->nr ? b->nr : 1, sizeof(*ids));

		for (size_t i = 0; i < b->nr; i++)
			ids[i] = b->nodes[i].id;
		gi_qsort(b->nodes, b->nr, sizeof(b->nodes[0]), cmp_bnode);
		for (size_t i = 0; i < b->nr; i++) {
			size_t lo = 0, hi = b->nr;

			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (b->nodes[mid].id < ids[i])
					lo = mid + 1;
				else
					hi = mid;
			}
			map[i] = (uint32_t)lo;
		}
		free(ids);
	}
	for (size_t i = 0; i < b->enr; i++) {
		b->edges[i].from = map[b->edges[i].from];
		b->edges[i].to = map[b->edges[i].to];
	}
	free(map);
	gi_qsort(b->edges, b->enr, sizeof(b->edges[0]), cmp_bedge);
	for (size_t i = 0; i < b->enr; i++)
		if (!n || cmp_bedge(&b->edges[n - 1], &b->edges[i]))
			b->edges[n++] = b->edges[i];
	b->enr = n;
	*pool_len = 0;
	for (size_t i = 0; i < b->nr; i++)
		*pool_len = gi_st_add(*pool_len, strlen(b->nodes[i].name) + 1);
	if (*pool_len >= UINT32_MAX)
		gi_die("lineage graph: names exceed 4 GiB");
	return n;
}

/* Fill the CSR arrays of g from the sorted edges. */
static void fill_edges(struct lineage_graph *g, const struct lineage_bedge *e, size_t ne)
{
	uint32_t *cur = gi_xcalloc((size_t)g->nnodes + 1, sizeof(*cur));

	for (size_t i = 0; i < ne; i++) {
		g->fwd_off[e[i].from + 1]++;
		g->rev_off[e[i].to + 1]++;
	}
	for (uint32_t i = 0; i < g->nnodes; i++) {
		g->fwd_off[i + 1] += g->fwd_off[i];
		g->rev_off[i + 1] += g->rev_off[i];
	}
	for (size_t i = 0; i < ne; i++) {
		g->fwd[i].node = e[i].to;
		g->fwd[i].kind = e[i].kind;
	}
	memcpy(cur, g->rev_off, sizeof(*cur) * g->nnodes);
	for (size_t i = 0; i < ne; i++) {
		uint32_t at = cur[e[i].to]++;

		g->rev[at].node = e[i].from;
		g->rev[at].kind = e[i].kind;
	}
	free(cur);
}

static const struct lineage_graph *sort_graph;

/* By name, then by index (names repeat across kinds): a total order. */
static int cmp_node_name(const void *a, const void *b)
{
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	int c = strcmp(sort_graph->pool + sort_graph->nodes[i].name,
		       sort_graph->pool + sort_graph->nodes[j].name);

	return c ? c : i < j ? -1 : i > j;
}

static void sort_by_name(const struct lineage_graph *g, uint32_t *v, size_t n)
{
	sort_graph = g;
	gi_qsort(v, n, sizeof(*v), cmp_node_name);
	sort_graph = NULL;
}

/* seen[n] = 1 for every node a test reaches (tests included). */
static uint8_t *reached_by_tests(const struct lineage_graph *g)
{
	uint8_t *seen = gi_xcalloc(g->nnodes ? g->nnodes : 1, 1);
	uint32_t *stack = gi_xmallocarray(g->nnodes ? g->nnodes : 1, sizeof(*stack));
	size_t sp = 0;

	for (uint32_t i = 0; i < g->nnodes; i++)
		if (g->nodes[i].kind == LINEAGE_NODE_TEST) {
			seen[i] = 1;
			stack[sp++] = i;
		}
	while (sp) {
		uint32_t n = stack[--sp];

		for (uint32_t e = g->fwd_off[n]; e < g->fwd_off[n + 1]; e++)
			if (!seen[g->fwd[e].node]) {
				seen[g->fwd[e].node] = 1;
				stack[sp++] = g->fwd[e].node;
			}
	}
	free(stack);
	return seen;
}

/*
 * Members of v (n, in g's name order) in `in`, then the rest of `in`'s
 * members merged in by name: a sorted list without sorting it whole.
 * prev[i] are indexes of g already (LINEAGE_NONE entries skipped).
 */
static size_t merge_sorted(const struct lineage_graph *g, const uint32_t *prev, size_t nprev,
			   uint8_t *in, uint32_t *out)
{
	uint32_t *fresh = gi_xmallocarray(g->nnodes ? g->nnodes : 1, sizeof(*fresh));
	size_t nfresh = 0, nkept = 0, n = 0, i = 0, j = 0;
	uint32_t *kept = gi_xmallocarray(nprev ? nprev : 1, sizeof(*kept));

	for (size_t k = 0; k < nprev; k++)
		if (prev[k] != LINEAGE_NONE && in[prev[k]] == 1) {
			in[prev[k]] = 2;
			kept[nkept++] = prev[k];
		}
	for (uint32_t k = 0; k < g->nnodes; k++)
		if (in[k] == 1)
			fresh[nfresh++] = k;
	sort_by_name(g, fresh, nfresh);
	sort_graph = g;
	while (i < nkept || j < nfresh)
		out[n++] = j >= nfresh || (i < nkept && cmp_node_name(&kept[i], &fresh[j]) < 0) ?
			   kept[i++] : fresh[j++];
	sort_graph = NULL;
	free(fresh);
	free(kept);
	return n;
}

void lineage_graph_lists(struct lineage_graph *g, const uint32_t *ptests, size_t nptests,
			 const uint32_t *punplaced, size_t npunplaced)
{
	uint8_t *seen = reached_by_tests(g);
	uint8_t *in = gi_xcalloc(g->nnodes ? g->nnodes : 1, 1);

	if (!g->lists_in_mem) {
		free(g->tests);
		free(g->unplaced);
	}
	g->lists_in_mem = 0;
	g->tests = gi_xmallocarray(g->nnodes ? g->nnodes : 1, sizeof(*g->tests));
	g->unplaced = gi_xmallocarray(g->nnodes ? g->nnodes : 1, sizeof(*g->unplaced));
	for (uint32_t i = 0; i < g->nnodes; i++) {
		struct lineage_gnode *n = &g->nodes[i];
		int loose = n->kind == LINEAGE_NODE_FILE && !seen[i] &&
			    !(n->flags & (LINEAGE_NODE_IGNORED | LINEAGE_NODE_MANIFEST));

		n->flags &= (uint8_t)~LINEAGE_NODE_UNPLACED;
		if (loose || (n->flags & LINEAGE_NODE_BROKEN))
			n->flags |= LINEAGE_NODE_UNPLACED;
		in[i] = n->kind == LINEAGE_NODE_TEST;
	}
	g->ntests = merge_sorted(g, ptests, nptests, in, g->tests);
	for (uint32_t i = 0; i < g->nnodes; i++)
		in[i] = !!(g->nodes[i].flags & LINEAGE_NODE_UNPLACED);
	g->nunplaced = merge_sorted(g, punplaced, npunplaced, in, g->unplaced);
	free(seen);
	free(in);
}

/* Mark every node a test reaches; the rest of files/datasets are unplaced. */
static void compute_lists(struct lineage_graph *g)
{
	lineage_graph_lists(g, NULL, 0, NULL, 0);
}

static void move_strvec(struct gi_strvec *to, struct gi_strvec *from)
{
	*to = *from;
	memset(from, 0, sizeof(*from));
}

void lineage_builder_finish(struct lineage_builder *b, struct lineage_graph **out)
{
	size_t pool_len, ne = sort_builder(b, &pool_len), off = 0;
	struct lineage_graph *g = lineage_graph_alloc((uint32_t)b->nr, ne, pool_len);

	for (size_t i = 0; i < b->nr; i++) {
		size_t len = strlen(b->nodes[i].name) + 1;

		g->nodes[i].id = b->nodes[i].id;
		g->nodes[i].hash = b->nodes[i].hash;
		g->nodes[i].kind = b->nodes[i].kind;
		g->nodes[i].flags = b->nodes[i].flags;
		g->nodes[i].name = (uint32_t)off;
		memcpy((char *)g->pool + off, b->nodes[i].name, len);
		off += len;
	}
	fill_edges(g, b->edges, ne);
	move_strvec(&g->ignore, &b->ignore);
	move_strvec(&g->always_run, &b->always_run);
	move_strvec(&g->warnings, &b->warnings);
	compute_lists(g);
	lineage_builder_release(b);
	*out = g;
}

void lineage_graph_swap(struct lineage_graph *a, struct lineage_graph *b)
{
	struct lineage_graph t = *a;

	*a = *b;
	*b = t;
}

void lineage_graph_free(struct lineage_graph *g)
{
	if (!g)
		return;
	free(g->mem);
	if (!g->lists_in_mem) {
		free(g->tests);
		free(g->unplaced);
	}
	gi_strvec_clear(&g->ignore);
	gi_strvec_clear(&g->always_run);
	gi_strvec_clear(&g->warnings);
	free(g);
}

/* ---- lookups -------------------------------------------------------------- */

uint32_t lineage_graph_nnodes(const struct lineage_graph *g)
{
	return g->nnodes;
}

size_t lineage_graph_nedges(const struct lineage_graph *g)
{
	return g->nedges;
}

uint32_t lineage_graph_find_id(const struct lineage_graph *g, uint64_t id)
{
	uint32_t lo = 0, hi = g->nnodes;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (g->nodes[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->nnodes && g->nodes[lo].id == id ? lo : LINEAGE_NONE;
}

uint32_t lineage_graph_find(const struct lineage_graph *g, int kind, const char *name)
{
	uint32_t n = lineage_graph_find_id(g, node_id(kind, name));

	if (n == LINEAGE_NONE || g->nodes[n].kind != kind || strcmp(g->pool + g->nodes[n].name, name))
		return LINEAGE_NONE;
	return n;
}

int lineage_node_kind(const struct lineage_graph *g, uint32_t n)
{
	return g->nodes[n].kind;
}

const char *lineage_node_name(const struct lineage_graph *g, uint32_t n)
{
	return g->pool + g->nodes[n].name;
}

uint64_t lineage_node_id(const struct lineage_graph *g, uint32_t n)
{
	return g->nodes[n].id;
}

uint64_t lineage_node_hash(const struct lineage_graph *g, uint32_t n)
{
	return g->nodes[n].hash;
}

unsigned lineage_node_flags(const struct lineage_graph *g, uint32_t n)
{
	return g->nodes[n].flags;
}

size_t lineage_graph_deps(const struct lineage_graph *g, uint32_t n, const struct lineage_edge **out)
{
	*out = g->fwd + g->fwd_off[n];
	return g->fwd_off[n + 1] - g->fwd_off[n];
}

size_t lineage_graph_rdeps(const struct lineage_graph *g, uint32_t n, const struct lineage_edge **out)
{
	*out = g->rev + g->rev_off[n];
	return g->rev_off[n + 1] - g->rev_off[n];
}

size_t lineage_graph_tests(const struct lineage_graph *g, const uint32_t **out)
{
	*out = g->tests;
	return g->ntests;
}

size_t lineage_graph_unplaced(const struct lineage_graph *g, const uint32_t **out)
{
	*out = g->unplaced;
	return g->nunplaced;
}

uint32_t lineage_graph_test_of(const struct lineage_graph *g, const char *test_id)
{
	const char *sep = strstr(test_id, "::");
	char *path = sep ? gi_xstrndup(test_id, (size_t)(sep - test_id)) : gi_xstrdup(test_id);
	uint32_t n = lineage_graph_find(g, LINEAGE_NODE_TEST, path);

	free(path);
	return n;
}

int lineage_graph_is_ignored(const struct lineage_graph *g, const char *path)
{
	for (size_t i = 0; i < g->ignore.nr; i++)
		if (gi_glob_match(g->ignore.v[i], path))
			return 1;
	return 0;
}

const struct gi_strvec *lineage_graph_ignore(const struct lineage_graph *g)
{
	return &g->ignore;
}

const struct gi_strvec *lineage_graph_always_run(const struct lineage_graph *g)
{
	return &g->always_run;
}

const struct gi_strvec *lineage_graph_warnings(const struct lineage_graph *g)
{
	return &g->warnings;
}

/* ---- serialised form ------------------------------------------------------ */

#define GRAPH_MAGIC "GIGRAPH"
#define GRAPH_ENDIAN 0x01020304u

struct graph_header {
	char magic[8];
	uint32_t format, endian;
	uint32_t nnodes, pad;
	uint64_t nedges, ntests, nunplaced, pool_len, strs_len;
	uint64_t checksum; /* gi_hash64 of everything after the header */
};

int lineage_strvec_add(struct gi_buf *out, const struct gi_strvec *sv)
{
	uint32_t n = (uint32_t)sv->nr;
	int err = gi_buf_add(out, &n, sizeof(n));

	for (size_t i = 0; !err && i < sv->nr; i++)
		err = gi_buf_add(out, sv->v[i], strlen(sv->v[i]) + 1);
	return err;
}

/* Bytes of the fixed-size sections (all but the trailing string lists). */
static uint64_t fixed_size(uint64_t nnodes, uint64_t nedges, uint64_t ntests,
			   uint64_t nunplaced, uint64_t pool_len)
{
	return nnodes * sizeof(struct lineage_gnode) + (nnodes + 1) * 8 + nedges * 16 +
	       (ntests + nunplaced) * 4 + pool_len;
}

/* The sections after the header, in order (each a multiple of 8 up to tests). */
static int add_body(const struct lineage_graph *g, struct gi_buf *out)
{
	size_t offs = ((size_t)g->nnodes + 1) * 4;
	int err = 0;

	err = err ? err : gi_buf_add(out, g->nodes, (size_t)g->nnodes * sizeof(*g->nodes));
	err = err ? err : gi_buf_add(out, g->fwd_off, offs);
	err = err ? err : gi_buf_add(out, g->rev_off, offs);
	err = err ? err : gi_buf_add(out, g->fwd, g->nedges * sizeof(*g->fwd));
	err = err ? err : gi_buf_add(out, g->rev, g->nedges * sizeof(*g->rev));
	err = err ? err : gi_buf_add(out, g->tests, g->ntests * 4);
	err = err ? err : gi_buf_add(out, g->unplaced, g->nunplaced * 4);
	err = err ? err : gi_buf_add(out, g->pool, g->pool_len);
	err = err ? err : lineage_strvec_add(out, &g->ignore);
	err = err ? err : lineage_strvec_add(out, &g->always_run);
	err = err ? err : lineage_strvec_add(out, &g->warnings);
	return err;
}

int lineage_graph_encode(const struct lineage_graph *g, struct gi_buf *out)
{
	struct graph_header h;
	size_t start = out->len, body;
	int err;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, GRAPH_MAGIC, sizeof(GRAPH_MAGIC));
	h.format = LINEAGE_GRAPH_FORMAT;
	h.endian = GRAPH_ENDIAN;
	h.nnodes = g->nnodes;
	h.nedges = g->nedges;
	h.ntests = g->ntests;
	h.nunplaced = g->nunplaced;
	h.pool_len = g->pool_len;
	if ((err = gi_buf_add(out, &h, sizeof(h))))
		return err;
	body = out->len;
	if ((err = add_body(g, out))) {
		out->len = start;
		return gi_error_setc(err, "lineage graph: serialised form exceeds %zu bytes", out->max);
	}
	h.strs_len = out->len - body - fixed_size(h.nnodes, h.nedges, h.ntests, h.nunplaced, h.pool_len);
	h.checksum = gi_hash64(out->ptr + body, out->len - body);
	memcpy(out->ptr + start, &h, sizeof(h));
	return 0;
}

uint64_t lineage_graph_encoded_sum(const void *data, size_t len)
{
	struct graph_header h;

	if (len < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	return memcmp(h.magic, GRAPH_MAGIC, sizeof(GRAPH_MAGIC)) ? 0 : h.checksum;
}

int lineage_graph_corrupt(const char *what, const char *why)
{
	return gi_error_setc(GI_ECORRUPT, "stored %s is damaged (%s): rebuild it", what, why);
}

/* Read a counted list of NUL-terminated strings at *p (< end). */
int lineage_strvec_read(const char **p, const char *end, struct gi_strvec *sv)
{
	uint32_t n;

	if (end - *p < 4)
		return -1;
	memcpy(&n, *p, 4);
	*p += 4;
	for (uint32_t i = 0; i < n; i++) {
		const char *nul = memchr(*p, '\0', (size_t)(end - *p));

		if (!nul)
			return -1;
		gi_strvec_push(sv, *p);
		*p = nul + 1;
	}
	return 0;
}

static int check_csr(const uint32_t *off, const struct lineage_edge *e, uint32_t n, size_t ne)
{
	if (off[0] != 0 || off[n] != ne)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		if (off[i] > off[i + 1])
			return -1;
	for (size_t i = 0; i < ne; i++)
		if (e[i].node >= n || e[i].kind >= LINEAGE_EDGE_NKINDS)
			return -1;
	return 0;
}

/* Every index in bounds, ids sorted, names inside the pool. */
static const char *check_graph(const struct lineage_graph *g)
{
	if (g->nnodes && (!g->pool_len || g->pool[g->pool_len - 1]))
		return "name pool";
	for (uint32_t i = 0; i < g->nnodes; i++) {
		if (g->nodes[i].name >= g->pool_len || g->nodes[i].kind >= LINEAGE_NODE_NKINDS)
			return "node";
		if (i && g->nodes[i - 1].id >= g->nodes[i].id)
			return "node order";
	}
	if (check_csr(g->fwd_off, g->fwd, g->nnodes, g->nedges) ||
	    check_csr(g->rev_off, g->rev, g->nnodes, g->nedges))
		return "edges";
	for (size_t i = 0; i < g->ntests; i++)
		if (g->tests[i] >= g->nnodes)
			return "test list";
	for (size_t i = 0; i < g->nunplaced; i++)
		if (g->unplaced[i] >= g->nnodes)
			return "unplaced list";
	return NULL;
}

static const char *check_header(const struct graph_header *h, const char *body, size_t len)
{
	if (memcmp(h->magic, GRAPH_MAGIC, sizeof(GRAPH_MAGIC)))
		return "not a lineage graph";
	if (h->endian != GRAPH_ENDIAN)
		return "written on a machine of another byte order";
	if (h->format != LINEAGE_GRAPH_FORMAT)
		return "unknown format version";
	if (h->nedges > len / 16 || h->ntests > len / 4 || h->nunplaced > len / 4 ||
	    h->pool_len > len || h->strs_len > len || h->nnodes > len / 24)
		return "sizes";
	if (fixed_size(h->nnodes, h->nedges, h->ntests, h->nunplaced, h->pool_len) + h->strs_len != len)
		return "sizes";
	if (gi_hash64(body, len) != h->checksum)
		return "checksum";
	return NULL;
}

/* Point g's arrays at the sections of a checked blob (8-aligned at p). */
static const char *map_body(struct lineage_graph *g, char *p, const char *end)
{
	size_t offs = ((size_t)g->nnodes + 1) * 4;
	const char *q;

	g->nodes = (struct lineage_gnode *)(void *)p, p += (size_t)g->nnodes * sizeof(*g->nodes);
	g->fwd_off = (uint32_t *)(void *)p, p += offs;
	g->rev_off = (uint32_t *)(void *)p, p += offs;
	g->fwd = (struct lineage_edge *)(void *)p, p += g->nedges * sizeof(*g->fwd);
	g->rev = (struct lineage_edge *)(void *)p, p += g->nedges * sizeof(*g->rev);
	g->tests = (uint32_t *)(void *)p, p += g->ntests * 4;
	g->unplaced = (uint32_t *)(void *)p, p += g->nunplaced * 4;
	g->pool = p, p += g->pool_len;
	q = p;
	if (lineage_strvec_read(&q, end, &g->ignore) ||
	    lineage_strvec_read(&q, end, &g->always_run) ||
	    lineage_strvec_read(&q, end, &g->warnings) || q != end)
		return "string lists";
	return check_graph(g);
}

int lineage_graph_decode_take(struct gi_buf *buf, const char *what, struct lineage_graph **out)
{
	struct graph_header h;
	struct lineage_graph *g = NULL;
	size_t len = buf->len;
	const char *why;
	int err = 0;

	if (len < sizeof(h)) {
		err = lineage_graph_corrupt(what, "truncated");
		goto done;
	}
	memcpy(&h, buf->ptr, sizeof(h));
	if ((why = check_header(&h, buf->ptr + sizeof(h), len - sizeof(h)))) {
		err = lineage_graph_corrupt(what, why);
		goto done;
	}
	g = gi_xcalloc(1, sizeof(*g));
	g->mem = gi_buf_detach(buf, NULL); /* malloc'd: the body at 72 is 8-aligned */
	g->lists_in_mem = 1;
	g->nnodes = h.nnodes;
	g->nedges = (size_t)h.nedges;
	g->ntests = (size_t)h.ntests;
	g->nunplaced = (size_t)h.nunplaced;
	g->pool_len = (size_t)h.pool_len;
	g->sum = h.checksum;
	if ((why = map_body(g, g->mem + sizeof(h), g->mem + len)))
		err = lineage_graph_corrupt(what, why);
done:
	if (err) {
		lineage_graph_free(g);
		return err;
	}
	*out = g;
	return 0;
}

int lineage_graph_decode(const void *data, size_t len, const char *what,
			 struct lineage_graph **out)
{
	struct gi_buf copy;
	int err;

	gi_buf_init(&copy, len);
	if ((err = gi_buf_add(&copy, data, len)))
		return err;
	err = lineage_graph_decode_take(&copy, what, out);
	gi_buf_release(&copy);
	return err;
}

/* ---- paths ------------------------------------------------------------------ */

/*
 * Breadth-first from `from` along dependencies: prev[n] is the node n was
 * reached from (LINEAGE_NONE if unreached; `from` points to itself) and
 * kind[n] the edge kind.  The caller frees both.
 */
static void bfs(const struct lineage_graph *g, uint32_t from, uint32_t **prev, uint32_t **kind)
{
	uint32_t *q = gi_xmallocarray(g->nnodes ? g->nnodes : 1, sizeof(*q));
	size_t head = 0, tail = 0;

	*prev = gi_xmallocarray(g->nnodes ? g->nnodes : 1, sizeof(**prev));
	*kind = gi_xcalloc(g->nnodes ? g->nnodes : 1, sizeof(**kind));
	memset(*prev, 0xff, sizeof(**prev) * g->nnodes);
	(*prev)[from] = from;
	q[tail++] = from;
	while (head < tail) {
		uint32_t n = q[head++];

		for (uint32_t e = g->fwd_off[n]; e < g->fwd_off[n + 1]; e++) {
			uint32_t m = g->fwd[e].node;

			if ((*prev)[m] != LINEAGE_NONE)
				continue;
			(*prev)[m] = n;
			(*kind)[m] = g->fwd[e].kind;
			q[tail++] = m;
		}
	}
	free(q);
}

/* Write the path from the BFS root to `to` as "a -> kind -> b ...". */
static int write_path(const struct lineage_graph *g, const uint32_t *prev, const uint32_t *kind,
		      uint32_t to, struct gi_buf *out)
{
	uint32_t *chain = NULL, n = to;
	size_t nr = 0, alloc = 0;
	int err = 0;

	for (;;) {
		GI_ALLOC_GROW(chain, nr + 1, alloc);
		chain[nr++] = n;
		if (prev[n] == n)
			break;
		n = prev[n];
	}
	for (size_t i = nr; !err && i-- > 0;) {
		if (i + 1 < nr)
			err = gi_buf_printf(out, " -> %s -> ", lineage_edge_kind_name((int)kind[chain[i]]));
		if (!err)
			err = gi_buf_adds(out, lineage_node_name(g, chain[i]));
	}
	free(chain);
	return err;
}

int lineage_graph_path(const struct lineage_graph *g, uint32_t from, uint32_t to,
		       struct gi_buf *out)
{
	uint32_t *prev = NULL, *kind = NULL;
	int err;

	bfs(g, from, &prev, &kind);
	if (prev[to] == LINEAGE_NONE)
		err = gi_error_setc(GI_ENOTFOUND, "'%s' does not depend on '%s'",
				    lineage_node_name(g, from), lineage_node_name(g, to));
	else
		err = write_path(g, prev, kind, to, out);
	free(prev);
	free(kind);
	return err;
}

void lineage_graph_why(const struct lineage_graph *g, uint32_t from, struct gi_strvec *out)
{
	uint32_t *prev = NULL, *kind = NULL;
	struct gi_buf line = GI_BUF_INIT;

	bfs(g, from, &prev, &kind);
	for (uint32_t n = 0; n < g->nnodes; n++) {
		if (n == from || prev[n] == LINEAGE_NONE || g->fwd_off[n] != g->fwd_off[n + 1])
			continue;
		gi_buf_reset(&line);
		if (!write_path(g, prev, kind, n, &line))
			gi_strvec_push(out, gi_buf_cstr(&line));
	}
	gi_strvec_sort_uniq(out);
	gi_buf_release(&line);
	free(prev);
	free(kind);
}

/* ---- export ------------------------------------------------------------------ */

/* Write s as a JSON / dot string body (quotes, backslashes, controls escaped). */
static void put_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
}

static void export_json(const struct lineage_graph *g, FILE *out)
{
	char hex[17];

	fputs("{\"nodes\":[", out);
	for (uint32_t i = 0; i < g->nnodes; i++) {
		gi_hex64(g->nodes[i].hash, hex);
		fprintf(out, "%s\n{\"kind\":\"%s\",\"name\":\"", i ? "," : "",
			lineage_node_kind_name(g->nodes[i].kind));
		put_escaped(out, lineage_node_name(g, i));
		fprintf(out, "\",\"hash\":\"%s\",\"unplaced\":%s,\"ignored\":%s}", hex,
			g->nodes[i].flags & LINEAGE_NODE_UNPLACED ? "true" : "false",
			g->nodes[i].flags & LINEAGE_NODE_IGNORED ? "true" : "false");
	}
	fputs("],\n\"edges\":[", out);
	for (uint32_t i = 0, first = 1; i < g->nnodes; i++)
		for (uint32_t e = g->fwd_off[i]; e < g->fwd_off[i + 1]; e++, first = 0) {
			uint32_t to = g->fwd[e].node;

			fprintf(out, "%s\n{\"from\":\"%s:", first ? "" : ",",
				lineage_node_kind_name(g->nodes[i].kind));
			put_escaped(out, lineage_node_name(g, i));
			fprintf(out, "\",\"kind\":\"%s\",\"to\":\"%s:",
				lineage_edge_kind_name((int)g->fwd[e].kind),
				lineage_node_kind_name(g->nodes[to].kind));
			put_escaped(out, lineage_node_name(g, to));
			fputs("\"}", out);
		}
	fputs("],\n\"warnings\":[", out);
	for (size_t i = 0; i < g->warnings.nr; i++) {
		fputs(i ? ",\"" : "\"", out);
		put_escaped(out, g->warnings.v[i]);
		fputc('"', out);
	}
	fputs("]}\n", out);
}

static void export_dot(const struct lineage_graph *g, FILE *out)
{
	static const char *const shapes[LINEAGE_NODE_NKINDS] = {
		"box", "plain", "cylinder", "note", "component", "hexagon", "ellipse",
	};

	fputs("digraph lineage {\n  rankdir=LR;\n", out);
	for (uint32_t i = 0; i < g->nnodes; i++) {
		fprintf(out, "  n%u [shape=%s,label=\"", i, shapes[g->nodes[i].kind]);
		put_escaped(out, lineage_node_name(g, i));
		fprintf(out, "\"%s];\n",
			g->nodes[i].flags & LINEAGE_NODE_UNPLACED ? ",color=red" : "");
	}
	for (uint32_t i = 0; i < g->nnodes; i++)
		for (uint32_t e = g->fwd_off[i]; e < g->fwd_off[i + 1]; e++)
			fprintf(out, "  n%u -> n%u [label=\"%s\"];\n", i, g->fwd[e].node,
				lineage_edge_kind_name((int)g->fwd[e].kind));
	fputs("}\n", out);
}

int lineage_graph_export(const struct lineage_graph *g, const char *format, FILE *out)
{
	if (!strcmp(format, "json"))
		export_json(g, out);
	else if (!strcmp(format, "dot"))
		export_dot(g, out);
	else
		return gi_error_setc(GI_EUSAGE, "unknown graph format '%s' (use dot or json)", format);
	if (fflush(out) || ferror(out))
		return gi_error_set("cannot write the graph: %s", strerror(errno));
	return 0;
}
