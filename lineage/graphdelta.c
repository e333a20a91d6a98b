/*
 * graphdelta.c - a graph as another graph plus what changed: the delta
 * between two frozen graphs, applying one in linear time (merges by node
 * id, no sort of the whole graph), and its checked serialised form, bound
 * to the checksum of the whole graph it applies to.
 */
#include "graph_int.h"

void lineage_delta_init(struct lineage_delta *d)
{
	memset(d, 0, sizeof(*d));
	gi_buf_init(&d->pool, LINEAGE_GRAPH_MAX_BYTES);
}

void lineage_delta_release(struct lineage_delta *d)
{
	free(d->nodes);
	free(d->removed);
	free(d->from);
	free(d->list_off);
	free(d->edges);
	gi_buf_release(&d->pool);
	gi_strvec_clear(&d->ignore);
	gi_strvec_clear(&d->always_run);
	gi_strvec_clear(&d->warnings);
	lineage_delta_init(d);
}

void lineage_delta_node(struct lineage_delta *d, const struct lineage_gnode *n, const char *name)
{
	struct lineage_gnode *m;

	GI_ALLOC_GROW(d->nodes, d->nnodes + 1, d->anodes);
	m = &d->nodes[d->nnodes++];
	*m = *n;
	m->flags &= (uint8_t)~LINEAGE_NODE_UNPLACED;
	m->pad = 0;
	m->name = (uint32_t)d->pool.len;
	if (gi_buf_add(&d->pool, name, strlen(name) + 1))
		gi_die("lineage delta: names exceed %zu bytes", d->pool.max);
}

void lineage_delta_list(struct lineage_delta *d, uint64_t from, const struct lineage_dedge *e,
			size_t ne)
{
	if (!d->list_off)
		d->list_off = gi_xcalloc(1, sizeof(*d->list_off));
	GI_ALLOC_GROW(d->from, d->nlists + 1, d->alists);
	d->list_off = gi_xreallocarray(d->list_off, d->alists + 1, sizeof(*d->list_off));
	GI_ALLOC_GROW(d->edges, d->nedges + ne, d->aedges);
	if (ne)
		memcpy(d->edges + d->nedges, e, ne * sizeof(*e));
	d->nedges += ne;
	if (d->nedges >= UINT32_MAX)
		gi_die("lineage delta: too many edges");
	d->from[d->nlists++] = from;
	d->list_off[d->nlists] = (uint32_t)d->nedges;
}

static void add_removed(struct lineage_delta *d, uint64_t id)
{
	GI_ALLOC_GROW(d->removed, d->nremoved + 1, d->aremoved);
	d->removed[d->nremoved++] = id;
}

/* ---- diff ------------------------------------------------------------------ */

static int same_strvec(const struct gi_strvec *a, const struct gi_strvec *b)
{
	if (a->nr != b->nr)
		return 0;
	for (size_t i = 0; i < a->nr; i++)
		if (strcmp(a->v[i], b->v[i]))
			return 0;
	return 1;
}

static void copy_strvec(struct gi_strvec *to, const struct gi_strvec *from)
{
	for (size_t i = 0; i < from->nr; i++)
		gi_strvec_push(to, from->v[i]);
}

/* Node n of g's out-edges as (to id, kind) into *e (grown); the count. */
static size_t id_edges(const struct lineage_graph *g, uint32_t n, struct lineage_dedge **e,
		       size_t *alloc)
{
	size_t ne = g->fwd_off[n + 1] - g->fwd_off[n];

	GI_ALLOC_GROW(*e, ne, *alloc);
	for (size_t i = 0; i < ne; i++) {
		const struct lineage_edge *x = &g->fwd[g->fwd_off[n] + i];

		(*e)[i].to = g->nodes[x->node].id;
		(*e)[i].kind = x->kind;
		(*e)[i].pad = 0;
	}
	return ne;
}

/* 1 if node i of a and node j of b have the same out-edges (by id). */
static int same_edges(const struct lineage_graph *a, uint32_t i, const struct lineage_graph *b,
		      uint32_t j)
{
	uint32_t n = a->fwd_off[i + 1] - a->fwd_off[i];

	if (n != b->fwd_off[j + 1] - b->fwd_off[j])
		return 0;
	for (uint32_t k = 0; k < n; k++) {
		const struct lineage_edge *x = &a->fwd[a->fwd_off[i] + k], *y = &b->fwd[b->fwd_off[j] + k];

		if (x->kind != y->kind || a->nodes[x->node].id != b->nodes[y->node].id)
			return 0;
	}
	return 1;
}

static int same_node(const struct lineage_gnode *x, const struct lineage_gnode *y)
{
	uint8_t mask = (uint8_t)~LINEAGE_NODE_UNPLACED;

	return x->hash == y->hash && x->kind == y->kind && (x->flags & mask) == (y->flags & mask);
}

void lineage_graph_diff(const struct lineage_graph *a, const struct lineage_graph *b,
			struct lineage_delta *out)
{
	struct lineage_dedge *e = NULL;
	size_t ealloc = 0;
	uint32_t i = 0, j = 0;

	lineage_delta_init(out);
	while (i < a->nnodes || j < b->nnodes) {
		uint64_t x = i < a->nnodes ? a->nodes[i].id : UINT64_MAX;
		uint64_t y = j < b->nnodes ? b->nodes[j].id : UINT64_MAX;

		if (j >= b->nnodes || (i < a->nnodes && x < y)) {
			add_removed(out, x);
			i++;
			continue;
		}
		if (i >= a->nnodes || y < x) {
			lineage_delta_node(out, &b->nodes[j], b->pool + b->nodes[j].name);
			if (b->fwd_off[j + 1] > b->fwd_off[j])
				lineage_delta_list(out, y, e, id_edges(b, j, &e, &ealloc));
			j++;
			continue;
		}
		if (!same_node(&a->nodes[i], &b->nodes[j]) ||
		    strcmp(a->pool + a->nodes[i].name, b->pool + b->nodes[j].name))
			lineage_delta_node(out, &b->nodes[j], b->pool + b->nodes[j].name);
		if (!same_edges(a, i, b, j))
			lineage_delta_list(out, y, e, id_edges(b, j, &e, &ealloc));
		i++;
		j++;
	}
	if (!same_strvec(&a->ignore, &b->ignore) || !same_strvec(&a->always_run, &b->always_run) ||
	    !same_strvec(&a->warnings, &b->warnings)) {
		out->strs = 1;
		copy_strvec(&out->ignore, &b->ignore);
		copy_strvec(&out->always_run, &b->always_run);
		copy_strvec(&out->warnings, &b->warnings);
	}
	free(e);
}

/* ---- apply ----------------------------------------------------------------- */

/* Index of id among the n sorted ids of g's nodes, or LINEAGE_NONE. */
static uint32_t find_id(const struct lineage_gnode *nodes, uint32_t n, uint64_t id)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (nodes[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && nodes[lo].id == id ? lo : LINEAGE_NONE;
}

/* Where a merged node comes from: old index (or NONE), delta node (or NONE). */
struct origin {
	uint32_t old, dn;
};

/*
 * The merged node list of a + d in id order: origins and, for every old
 * node, its new index (map) or LINEAGE_NONE when removed.  -1 when the
 * delta is not sorted or the result is too large.
 */
static int merge_nodes(const struct lineage_graph *a, const struct lineage_delta *d,
		       struct origin **orig, uint32_t *n, uint32_t *map)
{
	size_t i = 0, j = 0, r = 0, k = 0, cap = gi_st_add(a->nnodes, d->nnodes);

	*orig = gi_xmallocarray(cap ? cap : 1, sizeof(**orig));
	while (i < a->nnodes || j < d->nnodes) {
		uint64_t x = i < a->nnodes ? a->nodes[i].id : UINT64_MAX;
		uint64_t y = j < d->nnodes ? d->nodes[j].id : UINT64_MAX;
		struct origin o = { LINEAGE_NONE, LINEAGE_NONE };

		if (j && j < d->nnodes && d->nodes[j - 1].id >= y)
			return -1;
		if (i < a->nnodes && x <= y) {
			while (r < d->nremoved && d->removed[r] < x)
				r++;
			if (r < d->nremoved && d->removed[r] == x && x != y) {
				map[i++] = LINEAGE_NONE;
				continue;
			}
			o.old = (uint32_t)i++;
		}
		if (j < d->nnodes && y <= x)
			o.dn = (uint32_t)j++;
		if (k >= LINEAGE_NONE - 1)
			return -1;
		if (o.old != LINEAGE_NONE)
			map[o.old] = (uint32_t)k;
		(*orig)[k++] = o;
	}
	*n = (uint32_t)k;
	return 0;
}

/* The replaced list of node id (lists sorted: *cursor walks them), or -1. */
static long list_of(const struct lineage_delta *d, size_t *cursor, uint64_t id)
{
	while (*cursor < d->nlists && d->from[*cursor] < id)
		(*cursor)++;
	return *cursor < d->nlists && d->from[*cursor] == id ? (long)*cursor : -1;
}

/* Nodes and names of g = a + d, in the merged order. */
static void fill_nodes(struct lineage_graph *g, const struct lineage_graph *a,
		       const struct lineage_delta *d, const struct origin *orig)
{
	size_t off = 0;

	for (uint32_t k = 0; k < g->nnodes; k++) {
		const struct origin *o = &orig[k];
		const struct lineage_gnode *src = o->dn != LINEAGE_NONE ? &d->nodes[o->dn] : &a->nodes[o->old];
		const char *name = o->dn != LINEAGE_NONE ? d->pool.ptr + src->name : a->pool + src->name;
		size_t len = strlen(name) + 1;

		g->nodes[k] = *src;
		g->nodes[k].name = (uint32_t)off;
		memcpy((char *)g->pool + off, name, len);
		off += len;
	}
}

/* Forward edges of g = a + d: replaced lists by id, kept ones remapped. */
static const char *fill_fwd(struct lineage_graph *g, const struct lineage_graph *a,
			    const struct lineage_delta *d, const struct origin *orig,
			    const uint32_t *map)
{
	size_t cur = 0, ne = 0;

	for (uint32_t k = 0; k < g->nnodes; k++) {
		const struct origin *o = &orig[k];
		long l = list_of(d, &cur, g->nodes[k].id);

		g->fwd_off[k] = (uint32_t)ne;
		if (l >= 0) {
			for (uint32_t e = d->list_off[l]; e < d->list_off[l + 1]; e++, ne++) {
				g->fwd[ne].node = find_id(g->nodes, g->nnodes, d->edges[e].to);
				g->fwd[ne].kind = d->edges[e].kind;
			}
		} else if (o->old != LINEAGE_NONE) {
			for (uint32_t e = a->fwd_off[o->old]; e < a->fwd_off[o->old + 1]; e++, ne++) {
				g->fwd[ne].node = map[a->fwd[e].node];
				g->fwd[ne].kind = a->fwd[e].kind;
			}
		}
	}
	g->fwd_off[g->nnodes] = (uint32_t)ne;
	return ne == g->nedges ? NULL : "edge count";
}

/* Node n's edge targets are found, in order, without self loops or duplicates. */
static const char *check_list(const struct lineage_graph *g, uint32_t n)
{
	for (uint32_t e = g->fwd_off[n]; e < g->fwd_off[n + 1]; e++) {
		const struct lineage_edge *x = &g->fwd[e];

		if (x->node == LINEAGE_NONE)
			return "edge to a node it does not have";
		if (x->node == n || x->kind >= LINEAGE_EDGE_NKINDS)
			return "edge";
		if (e > g->fwd_off[n] && (x[-1].node > x->node ||
		    (x[-1].node == x->node && x[-1].kind >= x->kind)))
			return "edge order";
	}
	return NULL;
}

/* check_list() for every node. */
static const char *check_fwd(const struct lineage_graph *g)
{
	const char *why = NULL;

	for (uint32_t n = 0; n < g->nnodes && !why; n++)
		why = check_list(g, n);
	return why;
}

/* The reverse CSR of g from its forward one (lists by source, as a build makes them). */
static void fill_rev(struct lineage_graph *g)
{
	uint32_t *cur = gi_xcalloc((size_t)g->nnodes + 1, sizeof(*cur));

	memset(g->rev_off, 0, ((size_t)g->nnodes + 1) * sizeof(*g->rev_off));
	for (size_t e = 0; e < g->nedges; e++)
		g->rev_off[g->fwd[e].node + 1]++;
	for (uint32_t i = 0; i < g->nnodes; i++)
		g->rev_off[i + 1] += g->rev_off[i];
	memcpy(cur, g->rev_off, sizeof(*cur) * g->nnodes);
	for (uint32_t n = 0; n < g->nnodes; n++)
		for (uint32_t e = g->fwd_off[n]; e < g->fwd_off[n + 1]; e++) {
			uint32_t at = cur[g->fwd[e].node]++;

			g->rev[at].node = n;
			g->rev[at].kind = g->fwd[e].kind;
		}
	free(cur);
}

/* Edge and name-byte counts of a + d; -1 when the delta's lists are not sorted. */
static int count_sizes(const struct lineage_graph *a, const struct lineage_delta *d,
		       const struct origin *orig, uint32_t n, size_t *ne, size_t *pool)
{
	size_t cur = 0;

	*ne = *pool = 0;
	for (size_t l = 1; l < d->nlists; l++)
		if (d->from[l - 1] >= d->from[l] || d->list_off[l] > d->list_off[l + 1])
			return -1;
	for (uint32_t k = 0; k < n; k++) {
		const struct origin *o = &orig[k];
		uint64_t id = o->dn != LINEAGE_NONE ? d->nodes[o->dn].id : a->nodes[o->old].id;
		long l = list_of(d, &cur, id);

		*pool = gi_st_add(*pool, strlen(o->dn != LINEAGE_NONE ? d->pool.ptr + d->nodes[o->dn].name
						 : a->pool + a->nodes[o->old].name) + 1);
		if (l >= 0)
			*ne = gi_st_add(*ne, d->list_off[l + 1] - d->list_off[l]);
		else if (o->old != LINEAGE_NONE)
			*ne = gi_st_add(*ne, a->fwd_off[o->old + 1] - a->fwd_off[o->old]);
	}
	return 0;
}

static void copy_lists(struct lineage_graph *g, const struct lineage_graph *a,
		       const struct lineage_delta *d)
{
	copy_strvec(&g->ignore, d->strs ? &d->ignore : &a->ignore);
	copy_strvec(&g->always_run, d->strs ? &d->always_run : &a->always_run);
	copy_strvec(&g->warnings, d->strs ? &d->warnings : &a->warnings);
}

static uint32_t *mapped_copy(const uint32_t *v, size_t n)
{
	uint32_t *out = gi_xmallocarray(n ? n : 1, sizeof(*out));

	if (n)
		memcpy(out, v, n * sizeof(*out));
	return out;
}

/* The previous list v of a, as indexes of the new graph. */
static uint32_t *mapped(const uint32_t *v, size_t n, const uint32_t *map)
{
	uint32_t *out = gi_xmallocarray(n ? n : 1, sizeof(*out));

	for (size_t i = 0; i < n; i++)
		out[i] = map[v[i]];
	return out;
}

int lineage_graph_apply(const struct lineage_graph *a, const struct lineage_delta *d,
			const char *what, struct lineage_graph **out)
{
	uint32_t *map = gi_xmallocarray(a->nnodes ? a->nnodes : 1, sizeof(*map));
	uint32_t *pt = NULL, *pu = NULL, n = 0;
	struct origin *orig = NULL;
	struct lineage_graph *g = NULL;
	size_t ne, pool;
	const char *why = NULL;
	int err = 0;

	if (merge_nodes(a, d, &orig, &n, map) || count_sizes(a, d, orig, n, &ne, &pool)) {
		err = lineage_graph_corrupt(what, "delta order");
		goto done;
	}
	g = lineage_graph_alloc(n, ne, pool);
	fill_nodes(g, a, d, orig);
	if ((why = fill_fwd(g, a, d, orig, map)) || (why = check_fwd(g))) {
		err = lineage_graph_corrupt(what, why);
		goto done;
	}
	fill_rev(g);
	copy_lists(g, a, d);
	pt = mapped(a->tests, a->ntests, map);
	pu = mapped(a->unplaced, a->nunplaced, map);
	lineage_graph_lists(g, pt, a->ntests, pu, a->nunplaced);
done:
	free(map);
	free(orig);
	free(pt);
	free(pu);
	if (err) {
		lineage_graph_free(g);
		return err;
	}
	*out = g;
	return 0;
}

/* ---- in place and composed -------------------------------------------------- */

/* The flags that decide whether a node is unplaced, less the result. */
#define REACH_FLAGS (LINEAGE_NODE_IGNORED | LINEAGE_NODE_BROKEN | LINEAGE_NODE_MANIFEST)

/*
 * Apply d to g in place when it keeps g's nodes and every replaced list's
 * length: 0 done, 1 not possible (g untouched), GI_ECORRUPT.  *relist is
 * set when the lists of tests and unplaced nodes may have changed: an edge
 * now goes elsewhere, or a flag they depend on changed.  Otherwise (an
 * edit of a body: the same edges) the walk from every test, the reverse
 * edges and the lists are all as they were.
 */
static int patch_in_place(struct lineage_graph *g, const struct lineage_delta *d, const char *what,
			  int *relist)
{
	uint32_t *at = gi_xmallocarray(d->nnodes + d->nlists + 1, sizeof(*at));
	const char *why = NULL;
	int rc = 1, moved = 0, rekinded = 0;

	*relist = 0;
	for (size_t i = 0; i < d->nremoved; i++)
		if (find_id(g->nodes, g->nnodes, d->removed[i]) != LINEAGE_NONE)
			goto done;
	for (size_t i = 0; i < d->nnodes; i++) {
		uint32_t n = find_id(g->nodes, g->nnodes, d->nodes[i].id);

		if (n == LINEAGE_NONE || g->nodes[n].kind != d->nodes[i].kind ||
		    strcmp(g->pool + g->nodes[n].name, d->pool.ptr + d->nodes[i].name))
			goto done;
		at[i] = n;
	}
	for (size_t l = 0; l < d->nlists; l++) {
		uint32_t n = find_id(g->nodes, g->nnodes, d->from[l]);

		if (n == LINEAGE_NONE || g->fwd_off[n + 1] - g->fwd_off[n] != d->list_off[l + 1] - d->list_off[l])
			goto done;
		at[d->nnodes + l] = n;
	}
	rc = 0;
	for (size_t i = 0; i < d->nnodes; i++) {
		struct lineage_gnode *n = &g->nodes[at[i]];
		uint8_t unplaced = n->flags & LINEAGE_NODE_UNPLACED;

		*relist |= (n->flags & REACH_FLAGS) != (d->nodes[i].flags & REACH_FLAGS);
		n->hash = d->nodes[i].hash;
		n->flags = (uint8_t)((d->nodes[i].flags & ~LINEAGE_NODE_UNPLACED) | unplaced);
	}
	for (size_t l = 0; l < d->nlists; l++) {
		uint32_t n = at[d->nnodes + l];
		struct lineage_edge *e = g->fwd + g->fwd_off[n];

		for (uint32_t k = d->list_off[l]; k < d->list_off[l + 1]; k++, e++) {
			uint32_t to = find_id(g->nodes, g->nnodes, d->edges[k].to);

			moved |= e->node != to;
			rekinded |= e->kind != d->edges[k].kind;
			e->node = to;
			e->kind = d->edges[k].kind;
		}
		if ((why = check_list(g, n))) {
			rc = lineage_graph_corrupt(what, why);
			goto done;
		}
	}
	*relist |= moved;
	if (moved || rekinded)
		fill_rev(g);
	if (d->strs) {
		gi_strvec_clear(&g->ignore);
		gi_strvec_clear(&g->always_run);
		gi_strvec_clear(&g->warnings);
		copy_strvec(&g->ignore, &d->ignore);
		copy_strvec(&g->always_run, &d->always_run);
		copy_strvec(&g->warnings, &d->warnings);
	}
done:
	free(at);
	return rc;
}

/* The lists of g in name order, copied (lineage_graph_lists replaces them). */
static void relist(struct lineage_graph *g)
{
	uint32_t *pt = mapped_copy(g->tests, g->ntests), *pu = mapped_copy(g->unplaced, g->nunplaced);
	size_t nt = g->ntests, nu = g->nunplaced;

	lineage_graph_lists(g, pt, nt, pu, nu);
	free(pt);
	free(pu);
}

int lineage_graph_patch(struct lineage_graph *g, const struct lineage_delta *d, const char *what)
{
	struct lineage_graph *n = NULL;
	int again, err = patch_in_place(g, d, what, &again);

	if (err <= 0) {
		if (!err && again)
			relist(g);
		g->sum = 0;
		return err;
	}
	if ((err = lineage_graph_apply(g, d, what, &n)))
		return err;
	lineage_graph_swap(g, n);
	lineage_graph_free(n);
	g->sum = 0;
	return 0;
}

/* Merge two id-sorted arrays of ids into out (deduplicated), leaving out those in `skip`. */
static void merge_ids(const uint64_t *a, size_t na, const uint64_t *b, size_t nb,
		      const struct lineage_delta *skip, struct lineage_delta *out)
{
	size_t i = 0, j = 0, s = 0;

	while (i < na || j < nb) {
		uint64_t x = i < na ? a[i] : UINT64_MAX, y = j < nb ? b[j] : UINT64_MAX;
		uint64_t id = x < y ? x : y;

		i += x == id;
		j += y == id;
		while (s < skip->nnodes && skip->nodes[s].id < id)
			s++;
		if (s < skip->nnodes && skip->nodes[s].id == id)
			continue;
		add_removed(out, id);
	}
}

/* 1 if id is among d's removed ids. */
static int removed_by(const struct lineage_delta *d, uint64_t id)
{
	size_t lo = 0, hi = d->nremoved;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->removed[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->nremoved && d->removed[lo] == id;
}

static void compose_nodes(const struct lineage_delta *p, const struct lineage_delta *c,
			  struct lineage_delta *out)
{
	size_t i = 0, j = 0;

	while (i < p->nnodes || j < c->nnodes) {
		uint64_t x = i < p->nnodes ? p->nodes[i].id : UINT64_MAX;
		uint64_t y = j < c->nnodes ? c->nodes[j].id : UINT64_MAX;

		if (y <= x) {
			lineage_delta_node(out, &c->nodes[j], c->pool.ptr + c->nodes[j].name);
			i += x == y;
			j++;
		} else {
			if (!removed_by(c, x))
				lineage_delta_node(out, &p->nodes[i], p->pool.ptr + p->nodes[i].name);
			i++;
		}
	}
}

static void compose_lists(const struct lineage_delta *p, const struct lineage_delta *c,
			  struct lineage_delta *out)
{
	size_t i = 0, j = 0;

	while (i < p->nlists || j < c->nlists) {
		uint64_t x = i < p->nlists ? p->from[i] : UINT64_MAX;
		uint64_t y = j < c->nlists ? c->from[j] : UINT64_MAX;

		if (y <= x) {
			if (!removed_by(c, y))
				lineage_delta_list(out, y, c->edges + c->list_off[j],
						   c->list_off[j + 1] - c->list_off[j]);
			i += x == y;
			j++;
		} else {
			if (!removed_by(c, x))
				lineage_delta_list(out, x, p->edges + p->list_off[i],
						   p->list_off[i + 1] - p->list_off[i]);
			i++;
		}
	}
}

void lineage_delta_compose(const struct lineage_delta *p, const struct lineage_delta *c,
			   struct lineage_delta *out)
{
	const struct lineage_delta *s = c->strs ? c : p;

	lineage_delta_init(out);
	compose_nodes(p, c, out);
	merge_ids(p->removed, p->nremoved, c->removed, c->nremoved, c, out);
	compose_lists(p, c, out);
	if (s->strs) {
		out->strs = 1;
		copy_strvec(&out->ignore, &s->ignore);
		copy_strvec(&out->always_run, &s->always_run);
		copy_strvec(&out->warnings, &s->warnings);
	}
}

/* ---- serialised form ----------------------------------------------------------- */

#define DELTA_MAGIC "GIDELTA"
#define DELTA_ENDIAN 0x01020304u

struct delta_header {
	char magic[8];
	uint32_t format, endian;
	uint64_t base_sum;         /* checksum of the whole graph it applies to */
	uint64_t nnodes, nremoved, nlists, nedges, pool_len, strs_len;
	uint32_t strs, pad;
	uint64_t checksum;         /* gi_hash64 of everything after the header */
};

static uint64_t delta_fixed(const struct delta_header *h)
{
	return h->nnodes * sizeof(struct lineage_gnode) + h->nremoved * 8 + h->nlists * 8 +
	       (h->nlists + 1) * 4 + h->nedges * sizeof(struct lineage_dedge) + h->pool_len;
}

static int add_delta_body(const struct lineage_delta *d, struct gi_buf *out)
{
	uint32_t zero = 0;
	int err = 0;

	err = err ? err : gi_buf_add(out, d->nodes, d->nnodes * sizeof(*d->nodes));
	err = err ? err : gi_buf_add(out, d->removed, d->nremoved * 8);
	err = err ? err : gi_buf_add(out, d->from, d->nlists * 8);
	err = err ? err : gi_buf_add(out, d->list_off ? d->list_off : &zero, (d->nlists + 1) * 4);
	err = err ? err : gi_buf_add(out, d->edges, d->nedges * sizeof(*d->edges));
	err = err ? err : gi_buf_add(out, d->pool.ptr, d->pool.len);
	if (d->strs) {
		err = err ? err : lineage_strvec_add(out, &d->ignore);
		err = err ? err : lineage_strvec_add(out, &d->always_run);
		err = err ? err : lineage_strvec_add(out, &d->warnings);
	}
	return err;
}

int lineage_delta_encode(const struct lineage_delta *d, uint64_t base_sum, struct gi_buf *out)
{
	struct delta_header h;
	size_t start = out->len, body;
	int err;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, DELTA_MAGIC, sizeof(DELTA_MAGIC));
	h.format = LINEAGE_DELTA_FORMAT;
	h.endian = DELTA_ENDIAN;
	h.base_sum = base_sum;
	h.nnodes = d->nnodes;
	h.nremoved = d->nremoved;
	h.nlists = d->nlists;
	h.nedges = d->nedges;
	h.pool_len = d->pool.len;
	h.strs = (uint32_t)d->strs;
	if ((err = gi_buf_add(out, &h, sizeof(h))))
		return err;
	body = out->len;
	if ((err = add_delta_body(d, out))) {
		out->len = start;
		return gi_error_setc(err, "lineage graph delta exceeds %zu bytes", out->max);
	}
	h.strs_len = out->len - body - delta_fixed(&h);
	h.checksum = gi_hash64(out->ptr + body, out->len - body);
	memcpy(out->ptr + start, &h, sizeof(h));
	return 0;
}

uint64_t lineage_delta_base_sum(const void *data, size_t len)
{
	struct delta_header h;

	if (len < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	return memcmp(h.magic, DELTA_MAGIC, sizeof(DELTA_MAGIC)) ? 0 : h.base_sum;
}

static const char *check_delta_header(const struct delta_header *h, const char *body, size_t len,
				      uint64_t base_sum)
{
	if (memcmp(h->magic, DELTA_MAGIC, sizeof(DELTA_MAGIC)))
		return "not a lineage graph delta";
	if (h->endian != DELTA_ENDIAN)
		return "written on a machine of another byte order";
	if (h->format != LINEAGE_DELTA_FORMAT)
		return "unknown format version";
	if (h->base_sum != base_sum)
		return "made for another base graph";
	if (h->nnodes > len / 24 || h->nremoved > len / 8 || h->nlists > len / 8 ||
	    h->nedges > len / 16 || h->pool_len > len || h->strs_len > len || h->strs > 1 || h->pad)
		return "sizes";
	if (delta_fixed(h) + h->strs_len != len)
		return "sizes";
	if (gi_hash64(body, len) != h->checksum)
		return "checksum";
	return NULL;
}

/* Copy n items of size sz at *p into a new array (*p advanced). */
static void *take(const char **p, size_t n, size_t sz)
{
	void *v = gi_xmallocarray(n ? n : 1, sz);

	if (n)
		memcpy(v, *p, n * sz);
	*p += n * sz;
	return v;
}

/* Names inside the pool, kinds known, ids and lists in order. */
static const char *check_delta(const struct lineage_delta *d)
{
	if (d->nnodes && (!d->pool.len || d->pool.ptr[d->pool.len - 1]))
		return "name pool";
	for (size_t i = 0; i < d->nnodes; i++)
		if (d->nodes[i].name >= d->pool.len || d->nodes[i].kind >= LINEAGE_NODE_NKINDS ||
		    (i && d->nodes[i - 1].id >= d->nodes[i].id))
			return "node";
	for (size_t i = 1; i < d->nremoved; i++)
		if (d->removed[i - 1] >= d->removed[i])
			return "removed nodes";
	if (d->list_off[0] || d->list_off[d->nlists] != d->nedges)
		return "edge lists";
	for (size_t i = 0; i < d->nlists; i++)
		if (d->list_off[i] > d->list_off[i + 1] || (i && d->from[i - 1] >= d->from[i]))
			return "edge lists";
	return NULL;
}

static const char *read_delta_body(const struct delta_header *h, const char *p, const char *end,
				   struct lineage_delta *d)
{
	d->nnodes = d->anodes = (size_t)h->nnodes;
	d->nodes = take(&p, d->nnodes, sizeof(*d->nodes));
	d->nremoved = d->aremoved = (size_t)h->nremoved;
	d->removed = take(&p, d->nremoved, 8);
	d->nlists = d->alists = (size_t)h->nlists;
	d->from = take(&p, d->nlists, 8);
	d->list_off = take(&p, d->nlists + 1, 4);
	d->nedges = d->aedges = (size_t)h->nedges;
	d->edges = take(&p, d->nedges, sizeof(*d->edges));
	if (gi_buf_add(&d->pool, p, (size_t)h->pool_len))
		return "name pool";
	p += h->pool_len;
	d->strs = (int)h->strs;
	if (d->strs && (lineage_strvec_read(&p, end, &d->ignore) ||
			lineage_strvec_read(&p, end, &d->always_run) ||
			lineage_strvec_read(&p, end, &d->warnings)))
		return "string lists";
	if (p != end)
		return "string lists";
	return check_delta(d);
}

int lineage_delta_decode(const void *data, size_t len, uint64_t base_sum, const char *what,
			 struct lineage_delta *out)
{
	struct delta_header h;
	const char *why, *body = (const char *)data + sizeof(h);

	lineage_delta_init(out);
	if (len < sizeof(h))
		return lineage_graph_corrupt(what, "truncated");
	memcpy(&h, data, sizeof(h));
	if ((why = check_delta_header(&h, body, len - sizeof(h), base_sum)) ||
	    (why = read_delta_body(&h, body, (const char *)data + len, out))) {
		lineage_delta_release(out);
		return lineage_graph_corrupt(what, why);
	}
	return 0;
}
