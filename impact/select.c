/*
 * select.c - the safe selection: the tests a change reaches through the
 * lineage graph, plus the tests that always run (new, failed last,
 * always_run, and tests the graph cannot place).  Fail-safe: whenever the
 * change, the graph or the history cannot be trusted, every known test is
 * selected and the reason kept in the result.
 */
#include "impact.h"

#include "history.h"
#include "store.h"


int impact_select_opts_check(const struct impact_select_opts *o)
{
	if (!(o->recall > 0 && o->recall < 1))
		return gi_error_setc(GI_EUSAGE, "--recall must be between 0 and 1 (exclusive), not %g",
				     o->recall);
	if (!(o->confidence > 0 && o->confidence < 1))
		return gi_error_setc(GI_EUSAGE,
				     "--confidence must be between 0 and 1 (exclusive), not %g",
				     o->confidence);
	if (!(o->audit >= 0 && o->audit <= 1))
		return gi_error_setc(GI_EUSAGE, "--audit must be between 0 and 1, not %g", o->audit);
	if (o->shards < 1 || o->shards > 10000)
		return gi_error_setc(GI_EUSAGE, "--shards must be from 1 to 10000, not %ld", o->shards);
	if (o->budget < 0)
		return gi_error_setc(GI_EUSAGE, "--budget must not be negative");
	if (o->time < 0)
		return gi_error_setc(GI_EUSAGE, "--time needs unix seconds, not %ld", o->time);
	return 0;
}

void impact_selection_release(struct impact_selection *sel)
{
	selector_result_release(&sel->result);
	gi_strvec_clear(&sel->notes);
	impact_changeset_release(&sel->cs);
	memset(sel, 0, sizeof(*sel));
}

/* Does the path part of a test id name a file ("tests/t.py::x")?  Sets `file`. */
static int id_names_file(const char *id, struct gi_buf *file)
{
	const char *sep = strstr(id, "::");
	size_t n = sep ? (size_t)(sep - id) : 0;

	if (!n || gi_buf_add(file, id, n))
		return 0;
	return memchr(id, '/', n) || gi_ends_with(file->ptr, ".py") ||
	       gi_ends_with(file->ptr, ".js") || gi_ends_with(file->ptr, ".ts") ||
	       gi_ends_with(file->ptr, ".go");
}

static int matches_any(const struct gi_strvec *pats, const char *id)
{
	for (size_t i = 0; pats && i < pats->nr; i++)
		if (gi_glob_match(pats->v[i], id))
			return 1;
	return 0;
}

/* The lineage side of one history test; 0 when its test file is gone. */
static int decide_lineage(struct selector_test *t, const struct impact_analysis *a,
			  unsigned char *covered)
{
	uint32_t n = lineage_graph_test_of(a->head, t->id);
	struct gi_buf file;
	int gone;

	if (n == LINEAGE_NONE) {
		gi_buf_init(&file, 1 << 16);
		gone = id_names_file(t->id, &file) &&
		       lineage_graph_find(a->head, LINEAGE_NODE_FILE, file.ptr) == LINEAGE_NONE;
		gi_buf_release(&file);
		if (!gone)
			selector_test_select(t, SELECTOR_UNPLACED);
		return !gone;
	}
	covered[n] = 1;
	t->kinds = a->reach[n].kinds;
	if (a->reach[n].distance >= 0) {
		selector_test_set_path(t, a->reach[n].path);
		selector_test_select(t, SELECTOR_SAFE_SET);
	}
	if (gi_strvec_find_sorted(&a->new_tests, lineage_node_name(a->head, n)) >= 0)
		selector_test_select(t, SELECTOR_NEW);
	return 1;
}

/* Decide one history test (a NULL analysis: no graph, the test is unplaced). */
static void decide_known(struct impact_selection *sel, const struct history_test_stats *st,
			 const struct impact_analysis *a, unsigned char *covered)
{
	struct selector_result *r = &sel->result;
	struct selector_test *t = selector_result_add(r, st->id, st->median_duration);

	if (!a) {
		selector_test_select(t, SELECTOR_UNPLACED);
		return;
	}
	if (!decide_lineage(t, a, covered)) {
		free(t->id);
		free(t->path);
		r->nr--; /* its test file is gone: it cannot run */
		sel->gone++;
		return;
	}
	if (!st->runs && !st->skips)
		selector_test_select(t, SELECTOR_NEW); /* seen in no run (always-skipped is not new) */
	if (st->last_outcome == HISTORY_FAIL || st->last_outcome == HISTORY_ERROR)
		selector_test_select(t, SELECTOR_FAILED_LAST);
	if (matches_any(lineage_graph_always_run(a->head), t->id))
		selector_test_select(t, SELECTOR_ALWAYS_RUN);
}

/* Test files the graph knows that no history id covers: new tests. */
static void add_unseen_files(struct impact_selection *sel, const struct impact_analysis *a,
			     const unsigned char *covered)
{
	const uint32_t *tests;
	size_t nt = lineage_graph_tests(a->head, &tests);

	for (size_t i = 0; i < nt; i++) {
		struct selector_test *t;
		uint32_t n = tests[i];

		if (covered[n])
			continue;
		t = selector_result_add(&sel->result, lineage_node_name(a->head, n), -1);
		t->kinds = a->reach[n].kinds;
		selector_test_set_path(t, a->reach[n].path);
		selector_test_select(t, SELECTOR_NEW);
	}
}

static void build_universe(struct impact_selection *sel, const struct history_stats *stats,
			   const struct impact_analysis *a)
{
	uint32_t nn = a ? lineage_graph_nnodes(a->head) : 0;
	unsigned char *covered = gi_xcalloc(nn ? nn : 1, 1);

	for (size_t i = 0; stats && i < stats->nr; i++)
		decide_known(sel, &stats->v[i], a, covered);
	if (a)
		add_unseen_files(sel, a, covered);
	free(covered);
	if (sel->gone)
		gi_strvec_pushf(&sel->notes,
				"%zu recorded tests are gone (their test file no longer exists)",
				sel->gone);
}

static void note_analysis(struct impact_selection *sel, const struct impact_analysis *a)
{
	sel->nchanged = a->nchanged;
	for (size_t i = 0; i < a->nchanged; i++)
		sel->kinds |= a->changed[i].kind;
	gi_strvec_pushf(&sel->notes, "change: %zu paths from the %s; %zu changed nodes, %zu ignored paths",
			sel->cs.nr, sel->cs.base_desc, a->nchanged, a->ignored.nr);
	for (size_t i = 0; i < a->unplaced.nr && i < 5; i++)
		gi_strvec_pushf(&sel->notes, "unplaced: '%s' changed and no test is known to depend on it",
				a->unplaced.v[i]);
	if (a->unplaced.nr > 5)
		gi_strvec_pushf(&sel->notes, "unplaced: and %zu more paths", a->unplaced.nr - 5);
}

/*
 * With no change set to analyse, still learn the head's test files, so
 * that a fallback selects them too: an analysis where nothing is reached.
 */
static int head_only(struct lineage_repo *repo, struct store *store, struct impact_analysis *a)
{
	char head[41];
	uint32_t n;

	if (lineage_repo_resolve(repo, "HEAD", head) ||
	    lineage_graph_for_commit(repo, store, head, &a->head)) {
		gi_error_clear();
		return GI_ERROR;
	}
	n = lineage_graph_nnodes(a->head);
	a->reach = gi_xcalloc(n ? n : 1, sizeof(*a->reach));
	for (uint32_t i = 0; i < n; i++)
		a->reach[i].distance = -1;
	return 0;
}

/* Set the first fallback reason (later ones are consequences). */
static void set_fallback(char **fallback, char *why)
{
	if (*fallback)
		free(why);
	else
		*fallback = why;
}

/* Load what selection needs; on trouble set *fallback and go on. */
static int gather(struct lineage_repo *repo, struct store *store, const char *store_problem,
		  const struct impact_select_opts *opts, struct impact_selection *sel,
		  struct history_stats *stats, struct impact_analysis *a, int *have_analysis,
		  char **fallback)
{
	int err;

	if (!store)
		set_fallback(fallback, gi_xstrfmt("no store (%s)",
						  store_problem ? store_problem : "not opened"));
	else if (history_stats_load(store, IMPACT_HALF_LIFE, 0, stats))
		set_fallback(fallback, gi_xstrfmt("cannot read the test history: %s", gi_error_last()));
	err = impact_changeset_compute(repo, &opts->range, &sel->cs);
	if (err == GI_EUSAGE)
		return err;
	if (err) {
		set_fallback(fallback, gi_xstrfmt("cannot compute the change: %s", gi_error_last()));
		*have_analysis = !head_only(repo, store, a);
		return 0;
	}
	if (impact_analyze(repo, store, &sel->cs, a)) {
		set_fallback(fallback, gi_xstrfmt("cannot build the lineage graph: %s", gi_error_last()));
		*have_analysis = !head_only(repo, store, a);
		return 0;
	}
	*have_analysis = 1;
	note_analysis(sel, a);
	if (a->unplaced.nr)
		set_fallback(fallback, gi_xstrfmt("%zu changed path%s cannot be placed in the lineage graph ('%s'%s)",
						  a->unplaced.nr, a->unplaced.nr == 1 ? "" : "s",
						  a->unplaced.v[0], a->unplaced.nr > 1 ? ", ..." : ""));
	return 0;
}

/* A seed for the audit sample that differs per change but repeats for one. */
static unsigned long long audit_seed(const struct impact_select_opts *o,
				     const struct impact_changeset *cs)
{
	if (o->seed)
		return o->seed;
	return gi_hash64(cs->head, strlen(cs->head)) ^ gi_hash64(cs->base, strlen(cs->base));
}

/* The guarantee before any model: nothing stated, and what a bound would need. */
static void guarantee_init(struct selector_guarantee *g, const struct impact_select_opts *o)
{
	memset(g, 0, sizeof(*g));
	g->recall = o->recall;
	g->confidence = o->confidence;
	g->level_test = o->level_test;
	g->bound = 1;
	g->runs_needed = selector_runs_needed(o->recall, o->confidence);
}

/* Safe mode, a fallback, or no store: no model; a budget still applies. */
static int policy_without_model(struct impact_selection *sel, const struct impact_select_opts *o)
{
	int err;

	if (o->mode == IMPACT_MODE_SAFE)
		gi_strvec_pushf(&sel->notes, "guarantee: none stated (--mode safe: lineage and "
				"always-selected tests only)");
	if (o->budget <= 0 || sel->result.fallback)
		return 0;
	if ((err = selector_budget(&sel->result, o->budget)))
		return err;
	return 0;
}

/*
 * The guarantee, the budget and the audit sample.  In auto and predictive
 * mode the model scores the tests and only adds to the safe set
 * (impact_predict); the audit sample is drawn last, from what is skipped.
 */
static int apply_policy(struct impact_selection *sel, const struct impact_select_opts *o,
			struct store *store)
{
	int n, err, model = store && !sel->result.fallback &&
			    (o->mode == IMPACT_MODE_AUTO || o->mode == IMPACT_MODE_PREDICTIVE);

	guarantee_init(&sel->result.guarantee, o);
	err = model ? impact_predict(store, o, sel) : policy_without_model(sel, o);
	if (err && err != GI_EUSAGE && model) {
		/* fail safe: a history the model cannot read runs everything */
		char *why = gi_xstrfmt("cannot score the tests: %s", gi_error_last());

		gi_error_clear();
		selector_result_fallback(&sel->result, why);
		free(why);
		guarantee_init(&sel->result.guarantee, o);
		err = 0;
	}
	if (err)
		return err;
	if (o->budget > 0 && sel->result.budget_exceeded)
		gi_strvec_pushf(&sel->notes, "budget: the safe set alone exceeds %.0f s; it runs whole",
				o->budget);
	if (o->audit > 0 && !sel->result.fallback) {
		if ((n = selector_audit(&sel->result, o->audit, audit_seed(o, &sel->cs))) < 0)
			return n;
		gi_strvec_pushf(&sel->notes, "audit: %d skipped tests added as an audit sample "
				"(record marks them as audit results)", n);
	}
	return 0;
}

static const char *mode_name(const struct impact_select_opts *o, const struct selector_result *r)
{
	if (r->fallback)
		return "all";
	if (o->budget > 0)
		return "budget";
	return r->by_reason[SELECTOR_PREDICTED] || o->mode == IMPACT_MODE_PREDICTIVE ? "predictive" :
											    "safe";
}

int impact_selection_save(struct store *store, const struct impact_select_opts *opts,
			  const struct impact_selection *sel)
{
	const struct selector_result *r = &sel->result;
	struct store_selected_test *tests = gi_xcalloc(r->nselected ? r->nselected : 1, sizeof(*tests));
	struct store_selection row = { 0 };
	size_t n = 0;
	int err;

	row.time = opts->time > 0 ? opts->time : gi_unix_now();
	row.head_oid = sel->cs.head;
	row.base_oid = sel->cs.base;
	row.mode = mode_name(opts, r);
	row.fallback = r->fallback;
	row.total = (long)r->nr;
	row.selected = (long)r->nselected;
	row.est_total = r->seconds_total;
	row.est_selected = r->seconds_selected;
	row.kinds = sel->kinds;
	row.recall = r->guarantee.recall;
	row.confidence = r->guarantee.confidence;
	row.bound = r->guarantee.stated ? r->guarantee.bound : -1;
	row.calib_runs = (long)r->guarantee.runs;
	row.audit_share = opts->audit;
	row.audit_seed = audit_seed(opts, &sel->cs);
	for (size_t i = 0; i < r->nr && n < r->nselected; i++) {
		if (!r->v[i].selected)
			continue;
		tests[n].name = r->v[i].id;
		tests[n].reason = selector_reason_name(r->v[i].reason);
		tests[n].kinds = r->v[i].kinds;
		tests[n].audit = r->v[i].reason == SELECTOR_AUDIT;
		n++;
	}
	err = store_selection_add(store, &row, tests, n, NULL);
	free(tests);
	return err;
}

int impact_select(struct lineage_repo *repo, struct store *store, const char *store_problem,
		  const struct impact_select_opts *opts, struct impact_selection *out)
{
	struct impact_selection sel = { 0 };
	struct history_stats stats = { 0 };
	struct impact_analysis a = { 0 };
	char *fallback = NULL;
	int have_analysis = 0, err;

	selector_result_init(&sel.result);
	if ((err = impact_select_opts_check(opts)))
		goto done;
	if ((err = gather(repo, store, store_problem, opts, &sel, &stats, &a, &have_analysis,
			  &fallback)))
		goto done;
	build_universe(&sel, &stats, have_analysis ? &a : NULL);
	selector_result_sort(&sel.result);
	if (opts->mode == IMPACT_MODE_ALL)
		selector_result_fallback(&sel.result, "--mode all");
	else if (fallback)
		selector_result_fallback(&sel.result, fallback);
	if ((err = apply_policy(&sel, opts, store)))
		goto done;
	selector_summarize(&sel.result);
done:
	free(fallback);
	history_stats_release(&stats);
	if (have_analysis)
		impact_analysis_release(&a);
	if (err) {
		impact_selection_release(&sel);
		return err;
	}
	*out = sel;
	return 0;
}
