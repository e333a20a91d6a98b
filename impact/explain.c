/*
 * explain.c - `why TEST` for a change: the selection `select` makes
 * (impact_select), narrowed to one test, with what stands behind it: the
 * changed nodes that reach the test and by which path, the changed nodes
 * next to what it depends on, and its history.  Pure explanation: every
 * decision is impact_select()'s.
 */
#include "impact.h"

#include "store.h"

#define EXPLAIN_MAX_NEAR 20              /* "near" lines kept */
#define EXPLAIN_MAX_SUGGEST 3            /* nearest names offered for an unknown test */
#define EXPLAIN_MAX_NAME 512             /* longer names are not compared for suggestions */

void impact_explanation_release(struct impact_explanation *e)
{
	for (size_t i = 0; i < e->nreach; i++) {
		free(e->reach[i].node);
		free(e->reach[i].path);
	}
	free(e->reach);
	for (size_t i = 0; i < e->nmembers; i++)
		free(e->members[i].id);
	free(e->members);
	free(e->test);
	free(e->path);
	free(e->fallback);
	free(e->base_desc);
	gi_strvec_clear(&e->near);
	gi_strvec_clear(&e->changed);
	gi_strvec_clear(&e->notes);
	memset(e, 0, sizeof(*e));
}

/* Does result id `id` belong to `test` (the same id, or a test of that file)? */
static int names_test(const char *id, const char *test)
{
	size_t n = strlen(test);

	return !strcmp(id, test) || (!strncmp(id, test, n) && !strncmp(id + n, "::", 2));
}

static void add_member(struct impact_explanation *e, const struct selector_test *t)
{
	struct impact_explain_member *m;

	e->members = gi_xreallocarray(e->members, e->nmembers + 1, sizeof(*e->members));
	m = &e->members[e->nmembers++];
	m->id = gi_xstrdup(t->id);
	m->selected = t->selected;
	m->reason = t->reason;
}

/* Take the verdict of the test (or the first selected test of the file). */
static void take_verdict(struct impact_explanation *e, const struct selector_test *t)
{
	free(e->path);
	e->path = t->path ? gi_xstrdup(t->path) : NULL;
	e->selected = t->selected;
	e->reason = t->reason;
	e->score = t->score;
	e->duration = t->duration;
}

/*
 * An id no run has recorded, whose test file the selection knows only as
 * a whole ("tests/t.py" for "tests/t.py::test_new"): the file's verdict.
 */
static size_t find_file_of(struct impact_explanation *e, const struct selector_result *r)
{
	const char *sep = strstr(e->test, "::");
	size_t n = sep ? (size_t)(sep - e->test) : 0;

	for (size_t i = 0; n && i < r->nr; i++) {
		if (strlen(r->v[i].id) != n || strncmp(r->v[i].id, e->test, n))
			continue;
		take_verdict(e, &r->v[i]);
		e->kinds = r->v[i].kinds;
		gi_strvec_pushf(&e->notes, "no recorded run has '%s': it is known by its test file '%s'",
				e->test, r->v[i].id);
		return 1;
	}
	return 0;
}

/*
 * Find `e->test` in the selection: an exact id wins; else every id of that
 * test file; else the test file of an unrecorded id.  Returns the number
 * of tests found.
 */
static size_t find_tests(struct impact_explanation *e, const struct selector_result *r)
{
	size_t found = 0;

	for (size_t i = 0; i < r->nr; i++) {
		if (!strcmp(r->v[i].id, e->test)) {
			take_verdict(e, &r->v[i]);
			e->kinds = r->v[i].kinds;
			return 1;
		}
	}
	for (size_t i = 0; i < r->nr; i++) {
		const struct selector_test *t = &r->v[i];

		if (!names_test(t->id, e->test))
			continue;
		add_member(e, t);
		e->kinds |= t->kinds;
		if (!found++ || (t->selected && !e->selected))
			take_verdict(e, t);
	}
	return found ? found : find_file_of(e, r);
}

/* Levenshtein distance of two short strings. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d;
	size_t *row = gi_xmallocarray(lb + 1, sizeof(*row));

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

struct suggest {
	const char *name[EXPLAIN_MAX_SUGGEST];
	size_t dist[EXPLAIN_MAX_SUGGEST];
	size_t nr;
};

/* Keep `name` among the nearest (ties: the first seen). */
static void suggest_add(struct suggest *s, const char *want, const char *name)
{
	size_t d, i;

	if (strlen(name) > EXPLAIN_MAX_NAME)
		return;
	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->name[i], name))
			return;
	d = edit_distance(want, name);
	for (i = s->nr; i > 0 && s->dist[i - 1] > d; i--) {
		if (i < EXPLAIN_MAX_SUGGEST) {
			s->name[i] = s->name[i - 1];
			s->dist[i] = s->dist[i - 1];
		}
	}
	if (i >= EXPLAIN_MAX_SUGGEST)
		return;
	s->name[i] = name;
	s->dist[i] = d;
	if (s->nr < EXPLAIN_MAX_SUGGEST)
		s->nr++;
}

/* GI_ENOTFOUND naming `test` and the nearest test names known. */
static int not_found(const char *test, const struct selector_result *r)
{
	struct suggest s = { { 0 }, { 0 }, 0 };
	struct gi_buf b;
	int err;

	if (strlen(test) > EXPLAIN_MAX_NAME)
		return gi_error_setc(GI_ENOTFOUND, "no test '%s' in the graph or history", test);
	for (size_t i = 0; i < r->nr; i++)
		suggest_add(&s, test, r->v[i].id);
	gi_buf_init(&b, 1 << 16);
	for (size_t i = 0; i < s.nr; i++)
		gi_buf_printf(&b, "%s'%s'", i ? ", " : "", s.name[i]);
	if (s.nr)
		err = gi_error_setc(GI_ENOTFOUND, "no test '%s' in the graph or history; nearest: %s",
				    test, gi_buf_cstr(&b));
	else
		err = gi_error_setc(GI_ENOTFOUND, "no test '%s' in the graph or history (none known)",
				    test);
	gi_buf_release(&b);
	return err;
}

/* The test's history, when the store has it (an exact id only). */
static void load_history(struct impact_explanation *e, struct store *store, int *known)
{
	struct history_stats st = { 0 };
	const struct history_test_stats *t;

	*known = 0;
	if (!store || history_stats_load(store, IMPACT_HALF_LIFE, 0, &st)) {
		gi_error_clear();
		return;
	}
	if ((t = history_stats_find(&st, e->test))) {
		e->hist = *t;
		e->hist.id = NULL;
		e->hist.file = NULL;
		e->has_history = *known = 1;
	}
	for (size_t i = 0; !*known && i < st.nr; i++)
		*known = names_test(st.v[i].id, e->test);
	history_stats_release(&st);
}

/* Mark every node `from` depends on, transitively, in `g`.  Returns the count. */
static size_t mark_deps(const struct lineage_graph *g, uint32_t from, unsigned char *mark)
{
	uint32_t n = lineage_graph_nnodes(g), *queue = gi_xmallocarray(n ? n : 1, sizeof(*queue));
	size_t head = 0, tail = 0;

	mark[from] = 1;
	queue[tail++] = from;
	while (head < tail) {
		const struct lineage_edge *e;
		size_t ne = lineage_graph_deps(g, queue[head++], &e);

		for (size_t i = 0; i < ne; i++) {
			if (mark[e[i].node])
				continue;
			mark[e[i].node] = 1;
			queue[tail++] = e[i].node;
		}
	}
	free(queue);
	return tail - 1;
}

/* The test node of `e->test` in `g`, or LINEAGE_NONE. */
static uint32_t test_node(const struct lineage_graph *g, const char *test)
{
	uint32_t n = lineage_graph_test_of(g, test);

	return n != LINEAGE_NONE ? n : lineage_graph_find(g, LINEAGE_NODE_TEST, test);
}

static void add_reach(struct impact_explanation *e, const struct impact_changed *c, char *path)
{
	struct impact_explain_reach *r;

	e->reach = gi_xreallocarray(e->reach, e->nreach + 1, sizeof(*e->reach));
	r = &e->reach[e->nreach++];
	r->node = gi_xstrdup(c->name);
	r->node_kind = c->node_kind;
	r->kind = c->kind;
	r->deleted = c->deleted;
	r->path = path;
}

/* The file a node name lives in: "params.yaml" for "params.yaml:train.lr". */
static size_t file_part(const char *name)
{
	const char *colon = strchr(name, ':');

	return colon ? (size_t)(colon - name) : strlen(name);
}

/*
 * A changed node that does not reach the test but sits in a file the test
 * depends on through other nodes (another key of the same params file,
 * another stage of dvc.yaml): one line naming what it does depend on.
 */
static void add_near(struct impact_explanation *e, const struct lineage_graph *g,
		     const unsigned char *mark, const struct impact_changed *c)
{
	size_t len = file_part(c->name), shown = 0;
	struct gi_buf b;

	if (!c->name[len] || e->near.nr >= EXPLAIN_MAX_NEAR)
		return;
	gi_buf_init(&b, 1 << 16);
	for (uint32_t n = 0; n < lineage_graph_nnodes(g); n++) {
		const char *name = lineage_node_name(g, n);

		if (!mark[n] || lineage_node_kind(g, n) != c->node_kind || file_part(name) != len ||
		    strncmp(name, c->name, len))
			continue;
		if (shown++ < 5)
			gi_buf_printf(&b, "%s'%s'", shown > 1 ? ", " : "", name);
	}
	if (shown)
		gi_strvec_pushf(&e->near, "'%s' changed; the test depends on %s%s of '%.*s', not on it",
				c->name, gi_buf_cstr(&b), shown > 5 ? " and more" : "", (int)len, c->name);
	gi_buf_release(&b);
}

/* The changed nodes of one side (`deleted`) that reach the test in graph `g`. */
static void reach_side(struct impact_explanation *e, const struct impact_analysis *a,
		       const struct lineage_graph *g, int deleted)
{
	uint32_t t = test_node(g, e->test), nn = lineage_graph_nnodes(g);
	unsigned char *mark;
	struct gi_buf b;

	if (t == LINEAGE_NONE)
		return;
	mark = gi_xcalloc(nn ? nn : 1, 1);
	if (!deleted)
		e->ndeps = mark_deps(g, t, mark);
	else
		mark_deps(g, t, mark);
	gi_buf_init(&b, 1 << 16);
	for (size_t i = 0; i < a->nchanged; i++) {
		const struct impact_changed *c = &a->changed[i];
		uint32_t n;

		if (c->deleted != deleted)
			continue;
		n = lineage_graph_find(g, c->node_kind, c->name);
		gi_buf_reset(&b);
		if (n != LINEAGE_NONE && mark[n] && !lineage_graph_path(g, t, n, &b))
			add_reach(e, c, gi_xstrdup(gi_buf_cstr(&b)));
		else if (!deleted)
			add_near(e, g, mark, c);
	}
	gi_buf_release(&b);
	free(mark);
}

static void note_changed(struct impact_explanation *e, const struct impact_analysis *a)
{
	for (size_t i = 0; i < a->nchanged; i++)
		gi_strvec_pushf(&e->changed, "%s %s%s", lineage_node_kind_name(a->changed[i].node_kind),
				a->changed[i].name, a->changed[i].deleted ? " (deleted)" : "");
	e->nignored = a->ignored.nr;
	e->nunplaced = a->unplaced.nr;
}

/* Analyse the change again, for what the selection does not keep. */
static void explain_change(struct impact_explanation *e, struct lineage_repo *repo,
			   struct store *store, const struct impact_changeset *cs)
{
	struct impact_analysis a = { 0 };

	if (impact_analyze(repo, store, cs, &a)) {
		gi_strvec_pushf(&e->notes, "the change could not be analysed: %s", gi_error_last());
		gi_error_clear();
		return;
	}
	e->analysed = 1;
	note_changed(e, &a);
	reach_side(e, &a, a.head, 0);
	if (a.base)
		reach_side(e, &a, a.base, 1);
	impact_analysis_release(&a);
}

/* Copy what the selection says about the change as a whole. */
static void take_selection(struct impact_explanation *e, const struct impact_selection *sel)
{
	const struct selector_result *r = &sel->result;

	e->fallback = r->fallback ? gi_xstrdup(r->fallback) : NULL;
	for (size_t i = 0; i < sel->notes.nr; i++)
		gi_strvec_push(&e->notes, sel->notes.v[i]);
	memcpy(e->base, sel->cs.base, sizeof(e->base));
	memcpy(e->head, sel->cs.head, sizeof(e->head));
	e->base_desc = sel->cs.base_desc ? gi_xstrdup(sel->cs.base_desc) : NULL;
	e->npaths = sel->cs.nr;
}

int impact_explain(struct lineage_repo *repo, struct store *store, const char *store_problem,
		   const struct impact_select_opts *opts, const char *test,
		   struct impact_explanation *out)
{
	struct impact_explanation e = { 0 };
	struct impact_selection sel = { 0 };
	int err, in_history;

	e.test = gi_xstrdup(test);
	e.score = e.duration = -1;
	if ((err = impact_select(repo, store, store_problem, opts, &sel)))
		goto done;
	take_selection(&e, &sel);
	load_history(&e, store, &in_history);
	if (!find_tests(&e, &sel.result)) {
		if (!in_history) {
			err = not_found(test, &sel.result);
			goto done;
		}
		e.gone = 1; /* recorded, but its test file is gone: it cannot run */
	}
	if (*sel.cs.base || sel.cs.nr)
		explain_change(&e, repo, store, &sel.cs);
done:
	impact_selection_release(&sel);
	if (err) {
		impact_explanation_release(&e);
		return err;
	}
	*out = e;
	return 0;
}
