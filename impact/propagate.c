/*
 * propagate.c - from a change set to the tests it reaches.  Changed nodes
 * are the finest the graph knows: a file whose content changed, or a param
 * key, dataset, model or stage whose hash differs between the base and head
 * graphs.  A breadth-first walk over reverse edges then gives every test its
 * distance, the shortest path, and the kinds of change reaching it.  Paths
 * the graph cannot place are collected so that selection can widen.
 */
#include "impact.h"

#include "store.h"

struct bfs {
	const struct lineage_graph *g;
	int *dist;
	uint32_t *parent;
	uint32_t *pkind;
	uint32_t *queue;
	size_t qhead, qtail;
};

static const char *const kind_names[] = { "code", "data", "param", "model" };

const char *impact_kind_name(unsigned kind)
{
	for (unsigned i = 0; i < GI_ARRAY_SIZE(kind_names); i++)
		if (kind == 1u << i)
			return kind_names[i];
	return "";
}

void impact_analysis_release(struct impact_analysis *a)
{
	if (a->head)
		for (uint32_t i = 0; a->reach && i < lineage_graph_nnodes(a->head); i++)
			free(a->reach[i].path);
	free(a->reach);
	for (size_t i = 0; i < a->nchanged; i++)
		free(a->changed[i].name);
	free(a->changed);
	gi_strvec_clear(&a->unplaced);
	gi_strvec_clear(&a->ignored);
	gi_strvec_clear(&a->new_tests);
	gi_strvec_clear(&a->param_files);
	lineage_graph_free(a->head);
	lineage_graph_free(a->base);
	memset(a, 0, sizeof(*a));
}

static int is_data_path(const char *path)
{
	static const char *const ext[] = { ".csv", ".tsv", ".json", ".jsonl", ".parquet", ".xml",
		".npy", ".npz", ".h5", ".arrow", ".feather", ".txt", ".yaml", ".yml" };

	for (size_t i = 0; i < GI_ARRAY_SIZE(ext); i++)
		if (gi_ends_with(path, ext[i]))
			return 1;
	return 0;
}

/* The impact kind of a node. */
static unsigned kind_of(const struct lineage_graph *g, uint32_t n)
{
	switch (lineage_node_kind(g, n)) {
	case LINEAGE_NODE_DATASET:
		return IMPACT_KIND_DATA;
	case LINEAGE_NODE_PARAM:
		return IMPACT_KIND_PARAM;
	case LINEAGE_NODE_MODEL:
		return IMPACT_KIND_MODEL;
	case LINEAGE_NODE_FILE:
		return is_data_path(lineage_node_name(g, n)) ? IMPACT_KIND_DATA : IMPACT_KIND_CODE;
	default:
		return IMPACT_KIND_CODE;
	}
}

static void add_changed(struct impact_analysis *a, const struct lineage_graph *g, uint32_t n,
			int deleted)
{
	struct impact_changed *c;

	GI_ALLOC_GROW(a->changed, a->nchanged + 1, a->changed_alloc);
	c = &a->changed[a->nchanged++];
	c->name = gi_xstrdup(lineage_node_name(g, n));
	c->node_kind = lineage_node_kind(g, n);
	c->kind = kind_of(g, n);
	c->deleted = deleted;
}

static int is_structured_kind(int kind)
{
	return kind == LINEAGE_NODE_DATASET || kind == LINEAGE_NODE_PARAM ||
	       kind == LINEAGE_NODE_MODEL || kind == LINEAGE_NODE_STAGE;
}

/*
 * Structured nodes (datasets, params, models, stages) whose hash differs
 * between base and head, or that exist in only one of them.
 */
static void diff_structured(struct impact_analysis *a)
{
	const struct lineage_graph *h = a->head, *b = a->base;

	for (uint32_t n = 0; n < lineage_graph_nnodes(h); n++) {
		uint32_t m;

		if (!is_structured_kind(lineage_node_kind(h, n)))
			continue;
		m = b ? lineage_graph_find_id(b, lineage_node_id(h, n)) : LINEAGE_NONE;
		if (m == LINEAGE_NONE || lineage_node_hash(b, m) != lineage_node_hash(h, n))
			add_changed(a, h, n, 0);
	}
	for (uint32_t m = 0; b && m < lineage_graph_nnodes(b); m++)
		if (is_structured_kind(lineage_node_kind(b, m)) &&
		    lineage_graph_find_id(h, lineage_node_id(b, m)) == LINEAGE_NONE)
			add_changed(a, b, m, 1);
}

/* The files of the head's param nodes ("params.yaml" of "params.yaml:train.lr"), sorted. */
static void collect_param_files(struct impact_analysis *a)
{
	for (uint32_t n = 0; n < lineage_graph_nnodes(a->head); n++) {
		const char *name = lineage_node_name(a->head, n), *colon;

		if (lineage_node_kind(a->head, n) == LINEAGE_NODE_PARAM && (colon = strchr(name, ':')))
			gi_strvec_pushf(&a->param_files, "%.*s", (int)(colon - name), name);
	}
	gi_strvec_sort_uniq(&a->param_files);
}

/*
 * A params file is described by its keys: it counts as changed only when
 * one of them did (so a reformat changes nothing).  Returns -1 if `path`
 * has no param nodes, 1 if it has and none changed, 0 if one changed.
 */
static int params_file_state(const struct impact_analysis *a, const char *path)
{
	size_t plen = strlen(path);

	if (gi_strvec_find_sorted(&a->param_files, path) < 0)
		return -1;
	for (size_t i = 0; i < a->nchanged; i++)
		if (a->changed[i].node_kind == LINEAGE_NODE_PARAM &&
		    !strncmp(a->changed[i].name, path, plen) && a->changed[i].name[plen] == ':')
			return 0;
	return 1;
}

/* impact.yaml steers the graph itself: a change to it cannot be placed. */
static int is_config_path(const char *path)
{
	return !strcmp(path, "impact.yaml");
}

/* Place one path that exists at the head; returns 1 if it was placed. */
static int place_head_path(struct impact_analysis *a, const struct impact_change *c)
{
	uint32_t n = lineage_graph_find(a->head, LINEAGE_NODE_FILE, c->new_path);
	int params;

	if (n == LINEAGE_NONE)
		n = lineage_graph_find(a->head, LINEAGE_NODE_TEST, c->new_path);
	if (n == LINEAGE_NONE)
		return 0;
	if (lineage_node_kind(a->head, n) == LINEAGE_NODE_TEST &&
	    (c->status == IMPACT_ADDED || c->status == IMPACT_RENAMED))
		gi_strvec_push(&a->new_tests, c->new_path);
	if ((params = params_file_state(a, c->new_path)) == 1)
		return 1;
	if (lineage_node_flags(a->head, n) & LINEAGE_NODE_UNPLACED)
		return 0;
	add_changed(a, a->head, n, 0);
	if (params == 0) /* whole-file readers of a params file see a param change */
		a->changed[a->nchanged - 1].kind = IMPACT_KIND_PARAM;
	return 1;
}

/* Place a path that is gone at the head, through the base graph. */
static int place_base_path(struct impact_analysis *a, const char *path)
{
	uint32_t n;

	if (!a->base)
		return 0;
	n = lineage_graph_find(a->base, LINEAGE_NODE_FILE, path);
	if (n == LINEAGE_NONE)
		n = lineage_graph_find(a->base, LINEAGE_NODE_TEST, path);
	if (n == LINEAGE_NONE || lineage_node_flags(a->base, n) & LINEAGE_NODE_UNPLACED)
		return 0;
	add_changed(a, a->base, n, 1);
	return 1;
}

static void place_change(struct impact_analysis *a, const struct impact_change *c)
{
	const char *path = impact_change_path(c);
	int placed = 1;

	if (lineage_graph_is_ignored(a->head, path) &&
	    (!c->old_path || lineage_graph_is_ignored(a->head, c->old_path))) {
		gi_strvec_push(&a->ignored, path);
		return;
	}
	if (is_config_path(path) || (c->old_path && is_config_path(c->old_path)))
		placed = 0;
	else if (c->new_path)
		placed = place_head_path(a, c);
	if (placed && c->old_path && (!c->new_path || strcmp(c->old_path, c->new_path)))
		placed = place_base_path(a, c->old_path);
	if (!placed)
		gi_strvec_push(&a->unplaced, path);
}

/* A walk's workspace for graph `g`, reused by every walk over it (bfs_reset). */
static void bfs_init(struct bfs *q, const struct lineage_graph *g)
{
	uint32_t n = lineage_graph_nnodes(g);

	q->g = g;
	q->dist = gi_xmallocarray(n ? n : 1, sizeof(*q->dist));
	q->parent = gi_xmallocarray(n ? n : 1, sizeof(*q->parent));
	q->pkind = gi_xmallocarray(n ? n : 1, sizeof(*q->pkind));
	q->queue = gi_xmallocarray(n ? n : 1, sizeof(*q->queue));
	for (uint32_t i = 0; i < n; i++)
		q->dist[i] = -1;
	q->qhead = q->qtail = 0;
}

/* Forget the last walk: only the nodes it reached (all in the queue) are reset. */
static void bfs_reset(struct bfs *q)
{
	for (size_t i = 0; i < q->qtail; i++)
		q->dist[q->queue[i]] = -1;
	q->qhead = q->qtail = 0;
}

static void bfs_release(struct bfs *q)
{
	free(q->dist);
	free(q->parent);
	free(q->pkind);
	free(q->queue);
}

static void bfs_seed(struct bfs *q, uint32_t n)
{
	if (n == LINEAGE_NONE || q->dist[n] >= 0)
		return;
	q->dist[n] = 0;
	q->parent[n] = LINEAGE_NONE;
	q->queue[q->qtail++] = n;
}

/* Walk reverse edges (towards dependents) from the seeded nodes. */
static void bfs_run(struct bfs *q)
{
	while (q->qhead < q->qtail) {
		uint32_t n = q->queue[q->qhead++];
		const struct lineage_edge *e;
		size_t ne = lineage_graph_rdeps(q->g, n, &e);

		for (size_t i = 0; i < ne; i++) {
			uint32_t m = e[i].node;

			if (q->dist[m] >= 0)
				continue;
			q->dist[m] = q->dist[n] + 1;
			q->parent[m] = n;
			q->pkind[m] = e[i].kind;
			q->queue[q->qtail++] = m;
		}
	}
}

/* "test -> kind -> dep -> ... -> changed" from the BFS parents. */
static char *bfs_path(const struct bfs *q, uint32_t n)
{
	struct gi_buf b;

	gi_buf_init(&b, 1 << 16);
	gi_buf_adds(&b, lineage_node_name(q->g, n));
	while (q->parent[n] != LINEAGE_NONE) {
		gi_buf_printf(&b, " -> %s -> %s", lineage_edge_kind_name((int)q->pkind[n]),
			      lineage_node_name(q->g, q->parent[n]));
		n = q->parent[n];
	}
	return gi_buf_detach(&b, NULL);
}

/* Seed every changed node that lives in `g` (deleted ones live in the base). */
static void seed_changed(struct bfs *q, const struct impact_analysis *a, int deleted,
			 unsigned kinds)
{
	for (size_t i = 0; i < a->nchanged; i++) {
		const struct impact_changed *c = &a->changed[i];

		if (c->deleted != deleted || !(c->kind & kinds))
			continue;
		bfs_seed(q, lineage_graph_find(q->g, c->node_kind, c->name));
	}
}

/* Map a reached test node of `q->g` to the head graph's node. */
static uint32_t head_test(const struct impact_analysis *a, const struct bfs *q, uint32_t n)
{
	if (q->g == a->head)
		return n;
	return lineage_graph_find(a->head, LINEAGE_NODE_TEST, lineage_node_name(q->g, n));
}

/* One walk from every changed node of one side: distances and paths. */
static void walk_side(struct impact_analysis *a, struct bfs *q, int deleted)
{
	const uint32_t *tests;
	size_t nt = lineage_graph_tests(q->g, &tests);

	seed_changed(q, a, deleted, ~0u);
	bfs_run(q);
	for (size_t i = 0; i < nt; i++) {
		uint32_t t = tests[i], h;

		if (q->dist[t] < 0 || (h = head_test(a, q, t)) == LINEAGE_NONE)
			continue;
		if (a->reach[h].distance >= 0 && a->reach[h].distance <= q->dist[t])
			continue;
		free(a->reach[h].path);
		a->reach[h].distance = q->dist[t];
		a->reach[h].path = bfs_path(q, t);
	}
	bfs_reset(q);
}

/* One walk per kind of change, to learn which kinds reach each test. */
static void walk_kinds(struct impact_analysis *a, struct bfs *q, int deleted)
{
	const uint32_t *tests;
	size_t nt = lineage_graph_tests(q->g, &tests);

	for (unsigned k = 0; k < GI_ARRAY_SIZE(kind_names); k++) {
		seed_changed(q, a, deleted, 1u << k);
		if (!q->qtail)
			continue;
		bfs_run(q);
		for (size_t i = 0; i < nt; i++) {
			uint32_t h;

			if (q->dist[tests[i]] >= 0 &&
			    (h = head_test(a, q, tests[i])) != LINEAGE_NONE)
				a->reach[h].kinds |= 1u << k;
		}
		bfs_reset(q);
	}
}

/* The walks over one side's graph, when a changed node lives there. */
static void walk_graph(struct impact_analysis *a, const struct lineage_graph *g, int deleted)
{
	struct bfs q;
	size_t i;

	for (i = 0; i < a->nchanged && a->changed[i].deleted != deleted; i++)
		;
	if (!g || i == a->nchanged)
		return; /* nothing to walk from: every distance stays -1 */
	bfs_init(&q, g);
	walk_side(a, &q, deleted);
	walk_kinds(a, &q, deleted);
	bfs_release(&q);
}

static void propagate(struct impact_analysis *a)
{
	uint32_t n = lineage_graph_nnodes(a->head);

	a->reach = gi_xcalloc(n ? n : 1, sizeof(*a->reach));
	for (uint32_t i = 0; i < n; i++)
		a->reach[i].distance = -1;
	walk_graph(a, a->head, 0);
	walk_graph(a, a->base, 1);
}

static int load_graphs(struct lineage_repo *repo, struct store *store,
		       const struct impact_changeset *cs, struct impact_analysis *a)
{
	char head[41];
	int err;

	if (cs->worktree) {
		if ((err = lineage_repo_resolve(repo, "HEAD", head)))
			return err;
	} else {
		memcpy(head, cs->head, sizeof(head));
	}
	if ((err = lineage_graph_for_commit(repo, store, head, &a->head)))
		return err;
	if (*cs->base && (err = lineage_graph_for_commit(repo, store, cs->base, &a->base)))
		return err;
	return 0;
}

int impact_analyze(struct lineage_repo *repo, struct store *store,
		   const struct impact_changeset *cs, struct impact_analysis *out)
{
	struct impact_analysis a = { 0 };
	int err;

	if ((err = load_graphs(repo, store, cs, &a)))
		goto done;
	diff_structured(&a);
	collect_param_files(&a);
	for (size_t i = 0; i < cs->nr; i++)
		place_change(&a, &cs->v[i]);
	gi_strvec_sort_uniq(&a.unplaced);
	gi_strvec_sort_uniq(&a.ignored);
	gi_strvec_sort_uniq(&a.new_tests);
	propagate(&a);
done:
	if (err) {
		impact_analysis_release(&a);
		return err;
	}
	*out = a;
	return 0;
}
