/*
 * predict.c - the scoring model over the recorded history: replay every
 * run in time order, scoring its tests with the model as it stood before
 * the run (the conformal calibration values come from full runs with real
 * failures, and at test level from audited runs too), then fold the run
 * into the model (an incremental logistic update, flaky failures
 * down-weighted) and into the per-test state.
 */
#include <math.h>

#include "predict_int.h"

#include "history.h"
#include "store.h"

#define MODEL_LAMBDA 1.0   /* prior precision of a fresh model */
#define MODEL_FORGET 0.97  /* older runs weigh less in each update */
#define FLAKY_WEIGHT 0.1   /* a flaky failure is weak evidence, not a regression */
#define ALWAYS_VALUE 2.0   /* above every score: selected whatever the threshold */
/* a in score * (m / (m + d))^a; on iofrol 1 beat 0.5 and 2 at 40% of test time */
#define PRIORITY_POWER 1.0
#define REPLAY_FORMAT 1 /* of the replay snapshot: see replay_format() */

double impact_priority(double score, double duration, double median)
{
	double d = duration >= 0 ? duration : median;

	if (!(median > 0))
		return score;
	return score * pow(median / (median + d), PRIORITY_POWER);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double impact_median_duration(const struct impact_hist *h, const struct impact_tstate *st)
{
	double *d = gi_xmallocarray(h->ntests ? h->ntests : 1, sizeof(*d)), m = 1;
	size_t n = 0;

	for (size_t i = 0; i < h->ntests; i++)
		if (st[i].duration > 0)
			d[n++] = st[i].duration;
	if (n) {
		gi_qsort(d, n, sizeof(*d), cmp_dbl);
		m = d[n / 2];
	}
	free(d);
	return m;
}

static void push_value(double **v, size_t *nr, size_t *alloc, double x)
{
	GI_ALLOC_GROW(*v, *nr + 1, *alloc);
	(*v)[(*nr)++] = x;
}

/* Score a run's results with the model as it stands; value[i] < 0 for skips. */
static void score_run(struct impact_replay *rp, const struct impact_hrun *run, double *value)
{
	const struct impact_hist *h = &rp->hist;
	double median = impact_median_duration(h, rp->st);

	for (size_t i = 0; i < run->nr; i++) {
		const struct impact_hres *r = &h->res[run->first + i];
		struct selector_features f;
		double x[SELECTOR_NFEATURES];

		if (r->outcome == HISTORY_SKIP) {
			value[i] = -1;
			continue;
		}
		if (r->lineage || impact_always(&rp->st[r->test])) {
			value[i] = ALWAYS_VALUE;
			continue;
		}
		impact_features(h, rp->st, r->test, run->paths, run->npaths, run->tokens,
				run->ntokens, run->time, &f);
		selector_features_vector(&f, x);
		value[i] = impact_priority(selector_model_score(&rp->model, x),
					   rp->st[r->test].duration, median);
	}
}

/* Full runs with real failures give the calibration values. */
static void calibrate(struct impact_replay *rp, const struct impact_hrun *run, const double *value)
{
	const struct impact_hist *h = &rp->hist;
	double need = -1;
	int any = 0;

	if (!run->full)
		return;
	rp->full_runs++;
	for (size_t i = 0; i < run->nr; i++) {
		if (!impact_failed(h->res[run->first + i].outcome))
			continue;
		any = 1;
		need = fmax(need, value[i]);
		push_value(&rp->test_values, &rp->ntest_values, &rp->test_alloc, value[i]);
	}
	if (any)
		push_value(&rp->change_values, &rp->nchange_values, &rp->change_alloc, need);
}

/*
 * Test-level values from an audited run.  The audit coin of a test is a
 * hash of the selection's seed and the test id (gi_coin), so it is
 * independent of the test's outcome and score.  Hence the run's real
 * failures whose coin is heads -- selected tests with a heads coin as well
 * as the skipped ones the sample drew -- are a Bernoulli(F) subsample of
 * all the failures the run would have shown had every test run, whatever
 * the selection was: each failure is in it with probability F, independently
 * of its value.  Their values therefore have the distribution of a full
 * run's failing tests, and are calibration values under the same
 * exchangeability the full runs' values rest on.  Taking every selected
 * failure instead would favour high scores (the selection ran them because
 * they scored high) and understate misses.  This holds only if no heads
 * failure went unseen: record keeps the listed tests with a heads coin and
 * a run where one of them reported no result gives nothing
 * (audit_values < 0).  A full run counts whole above, not here.  At change
 * level a subsample cannot give the highest value over all of a run's
 * failures, so only full runs count there.
 */
static void calibrate_audit(struct impact_replay *rp, const struct impact_hrun *run,
			    const double *value)
{
	const struct impact_hist *h = &rp->hist;

	if (run->full || !(run->audit_share > 0) || run->audit_values < 0)
		return;
	for (size_t i = 0; i < run->nr; i++) {
		const struct impact_hres *r = &h->res[run->first + i];

		if (!impact_failed(r->outcome) ||
		    !(gi_coin(run->audit_seed, h->names[r->test]) < run->audit_share))
			continue;
		push_value(&rp->test_values, &rp->ntest_values, &rp->test_alloc, value[i]);
		rp->ntest_audit++;
	}
}

/* One incremental update of the model with the run's results. */
static int train(struct impact_replay *rp, const struct impact_hrun *run,
		 struct selector_example *ex)
{
	const struct impact_hist *h = &rp->hist;
	size_t n = 0;

	for (size_t i = 0; i < run->nr; i++) {
		const struct impact_hres *r = &h->res[run->first + i];
		struct selector_features f;

		if (r->outcome == HISTORY_SKIP)
			continue;
		impact_features(h, rp->st, r->test, run->paths, run->npaths, run->tokens,
				run->ntokens, run->time, &f);
		selector_features_vector(&f, ex[n].x);
		ex[n].y = impact_failed(r->outcome) || r->outcome == HISTORY_FLAKY;
		ex[n].weight = r->outcome == HISTORY_FLAKY ? FLAKY_WEIGHT : 1;
		n++;
	}
	return n ? selector_model_update(&rp->model, ex, n, MODEL_FORGET) : 0;
}

void impact_replay_release(struct impact_replay *rp)
{
	if (!rp)
		return;
	impact_hist_release(&rp->hist);
	free(rp->st);
	free(rp->change_values);
	free(rp->test_values);
	memset(rp, 0, sizeof(*rp));
}

static size_t max_run_size(const struct impact_hist *h)
{
	size_t m = 1;

	for (size_t i = 0; i < h->nruns; i++)
		if (h->runs[i].nr > m)
			m = h->runs[i].nr;
	return m;
}

/* Replay runs [0, upto) of rp->hist from the state *rp holds. */
static int replay_runs(struct impact_replay *rp, size_t upto, impact_replay_fn fn, void *data)
{
	size_t max = max_run_size(&rp->hist);
	struct selector_example *ex = gi_xmallocarray(max, sizeof(*ex));
	double *value = gi_xmallocarray(max, sizeof(*value));
	int err = 0;

	for (size_t i = 0; i < upto; i++) {
		const struct impact_hrun *run = &rp->hist.runs[i];

		score_run(rp, run, value);
		if (fn && (err = fn(data, rp, run, value)))
			goto done;
		calibrate(rp, run, value);
		calibrate_audit(rp, run, value);
		if ((err = train(rp, run, ex)))
			goto done;
		impact_states_update(rp->st, &rp->hist, run);
		rp->nruns++;
		rp->last_time = run->time;
		rp->last_id = run->id;
	}
done:
	free(ex);
	free(value);
	return err;
}

/* Load the whole history into a fresh replay (released on failure). */
static int replay_start(struct store *s, struct impact_replay *rp)
{
	int err;

	memset(rp, 0, sizeof(*rp));
	selector_model_init(&rp->model, MODEL_LAMBDA);
	if ((err = impact_hist_load(s, &rp->hist)))
		return err;
	rp->st = impact_states_new(&rp->hist);
	return 0;
}

int impact_replay_history(struct store *s, struct impact_replay *rp, impact_replay_fn fn,
			  void *data)
{
	int err;

	if ((err = replay_start(s, rp)))
		return err;
	if ((err = replay_runs(rp, rp->hist.nruns, fn, data)))
		impact_replay_release(rp);
	return err;
}

/*
 * What a snapshot must have been written with to be resumed: every
 * constant the replay computes with.  Change REPLAY_FORMAT with anything
 * else that changes what a replay computes (features, calibration).
 */
static const char *replay_format(void)
{
	static char text[256];

	if (!*text)
		snprintf(text, sizeof(text), "replay %d model %d/%d lambda %.17g forget %.17g "
			 "flaky %.17g always %.17g power %.17g states %s", REPLAY_FORMAT,
			 SELECTOR_MODEL_VERSION, SELECTOR_NFEATURES, MODEL_LAMBDA, MODEL_FORGET,
			 FLAKY_WEIGHT, ALWAYS_VALUE, PRIORITY_POWER, impact_states_params());
	return text;
}

/* Whether the snapshot was written by this replay on this schema, covering what it says. */
static int snapshot_usable(struct store *s, const struct store_replay_snapshot *snap)
{
	size_t runs = 0;
	int err;

	if (strcmp(snap->format, replay_format()) || snap->schema != STORE_SCHEMA_VERSION)
		return gi_error_setc(GI_ECORRUPT, "it was written by another version ('%s', "
				     "schema %d)", snap->format, snap->schema);
	if ((err = store_runs_count_upto(s, snap->last_time, snap->last_id, &runs)))
		return err;
	if (runs != snap->runs)
		return gi_error_setc(GI_ECORRUPT, "it covers %zu runs, the store holds %zu up to "
				     "its last", snap->runs, runs);
	return 0;
}

/* Resume from the snapshot: load only the runs after it.  GI_ECORRUPT: unusable. */
static int resume(struct store *s, struct impact_replay *rp,
		  const struct store_replay_snapshot *snap)
{
	int err;

	memset(rp, 0, sizeof(*rp));
	if ((err = snapshot_usable(s, snap)) ||
	    (err = impact_hist_load_after(s, &rp->hist, snap->last_time, snap->last_id)))
		return err;
	rp->st = impact_states_new(&rp->hist);
	if ((err = impact_snapshot_decode(rp, snap->data, snap->len))) {
		impact_replay_release(rp);
		return err;
	}
	rp->nruns = snap->runs;
	rp->last_time = snap->last_time;
	rp->last_id = snap->last_id;
	return 0;
}

/*
 * Write the state as the store's snapshot, in the read transaction it was
 * computed in.  Never fatal: a store another process wrote since (GI_EBUSY)
 * keeps its snapshot, anything else is a warning.  0, or -1 to roll back.
 */
static int save_snapshot(struct store *s, const struct impact_replay *rp)
{
	struct store_replay_snapshot snap = { 0 };
	struct gi_buf b;
	int err;

	if ((err = impact_snapshot_encode(rp, &b)))
		goto done;
	snap.format = (char *)replay_format();
	snap.schema = STORE_SCHEMA_VERSION;
	snap.last_time = rp->last_time;
	snap.last_id = rp->last_id;
	snap.runs = rp->nruns;
	snap.data = b.ptr;
	snap.len = b.len;
	err = store_replay_put(s, &snap);
done:
	gi_buf_release(&b);
	if (err < 0 && err != GI_EBUSY)
		gi_warn("cannot save the replay snapshot: %s", gi_error_last());
	gi_error_clear();
	return err < 0 ? -1 : 0;
}

/* Resume from the stored snapshot when it is usable; 1 if resumed. */
static int try_resume(struct store *s, struct impact_replay *rp, int *err)
{
	struct store_replay_snapshot snap;

	*err = store_replay_get(s, &snap);
	if (*err == GI_ENOTFOUND) {
		gi_error_clear();
		*err = 0;
		return 0;
	}
	if (!*err && (*err = resume(s, rp, &snap)) == GI_ECORRUPT) {
		gi_warn("store '%s': the replay snapshot is ignored and rebuilt: %s",
			store_path(s), gi_error_last());
		gi_error_clear();
		*err = 0;
	}
	store_replay_snapshot_release(&snap);
	return !*err && rp->st;
}

/* The replay (resumed when `resume` and the snapshot allows), saved as the snapshot. */
static int replay_saved(struct store *s, struct impact_replay *rp, int resume,
			impact_replay_fn fn, void *data)
{
	int err = 0, resumed = 0;

	memset(rp, 0, sizeof(*rp));
	if ((err = store_begin_read(s)))
		return err;
	if (resume)
		resumed = try_resume(s, rp, &err);
	if (!err && !resumed)
		err = replay_start(s, rp);
	if (!err)
		err = replay_runs(rp, rp->hist.nruns, fn, data);
	if (!err && rp->nruns && (!resumed || rp->hist.nruns) && !store_is_readonly(s) &&
	    save_snapshot(s, rp)) {
		store_rollback(s);
		return 0;
	}
	if (err) {
		store_rollback(s);
		impact_replay_release(rp);
		return err;
	}
	if (store_commit(s)) {
		gi_warn("%s", gi_error_last());
		gi_error_clear();
	}
	return 0;
}

int impact_replay_latest(struct store *s, struct impact_replay *rp)
{
	return replay_saved(s, rp, 1, NULL, NULL);
}

int impact_replay_all_saved(struct store *s, struct impact_replay *rp, impact_replay_fn fn,
			    void *data)
{
	return replay_saved(s, rp, 0, fn, data);
}

/* The snapshot a full replay of the first snap->runs runs gives, compared. */
static int snapshot_agrees(struct store *s, const struct store_replay_snapshot *snap)
{
	struct impact_replay rp;
	struct gi_buf b = GI_BUF_INIT;
	int err;

	if ((err = snapshot_usable(s, snap)) || (err = replay_start(s, &rp)))
		return err;
	if (snap->runs > rp.hist.nruns)
		err = gi_error_setc(GI_ECORRUPT, "it covers more runs than the store holds");
	else if (!(err = replay_runs(&rp, snap->runs, NULL, NULL)) &&
		 !(err = impact_snapshot_encode(&rp, &b)) &&
		 (b.len != snap->len || memcmp(b.ptr, snap->data, b.len)))
		err = gi_error_setc(GI_ECORRUPT, "it disagrees with a replay of the %zu runs it covers",
				    snap->runs);
	gi_buf_release(&b);
	impact_replay_release(&rp);
	return err;
}

static int drop_snapshot(struct store *s)
{
	int err;

	if ((err = store_begin(s)))
		return err;
	if ((err = store_replay_drop(s))) {
		store_rollback(s);
		return err;
	}
	return store_commit(s);
}

int impact_replay_verify(struct store *s, int repair, int *dropped)
{
	struct store_replay_snapshot snap;
	int err = store_replay_get(s, &snap);

	if (err == GI_ENOTFOUND) {
		gi_error_clear();
		return 0;
	}
	if (!err && (err = snapshot_agrees(s, &snap)) == GI_ECORRUPT)
		err = gi_error_setc(GI_ECORRUPT, "store '%s': the replay snapshot is wrong: %s; "
				    "'git impact init --repair' drops it", store_path(s),
				    gi_error_last());
	store_replay_snapshot_release(&snap);
	if (err != GI_ECORRUPT || !repair)
		return err;
	fprintf(stderr, "repair: %s\n", gi_error_last());
	gi_error_clear();
	if ((err = drop_snapshot(s)))
		return err;
	*dropped = 1;
	return 0;
}

int impact_replay_guarantee(const struct impact_replay *rp, double recall, double confidence,
			    int level_test, struct selector_guarantee *g)
{
	int err;

	g->level_test = level_test;
	if (!level_test)
		return selector_guarantee_compute(rp->change_values, rp->nchange_values, recall,
						  confidence, g);
	err = selector_guarantee_compute(rp->test_values, rp->ntest_values, recall, confidence, g);
	g->audit_values = rp->ntest_audit;
	return err;
}

/* " (F from full runs, A from audit samples)" when some of n came from audit samples. */
static const char *origin(char *buf, size_t size, size_t n, size_t audit)
{
	if (!audit)
		return "";
	snprintf(buf, size, " (%zu from full runs, %zu from audit samples)", n - audit, audit);
	return buf;
}

/* Path and token hashes of the change being selected for. */
static void change_hashes(const struct impact_changeset *cs, uint64_t **paths, size_t *np,
			  uint64_t **tokens, size_t *nt)
{
	size_t pa = 0, ta = 0;

	for (size_t i = 0; i < cs->nr; i++) {
		const char *p = impact_change_path(&cs->v[i]);

		GI_ALLOC_GROW(*paths, *np + 1, pa);
		(*paths)[(*np)++] = gi_hash64(p, strlen(p));
		selector_token_hashes(p, tokens, nt, &ta);
	}
	*np = selector_hashes_uniq(*paths, *np);
	*nt = selector_hashes_uniq(*tokens, *nt);
}

/* Score every test of the selection the history knows (others keep -1). */
static void score_selection(const struct impact_replay *rp, struct impact_selection *sel)
{
	uint64_t *paths = NULL, *tokens = NULL;
	size_t np = 0, nt = 0;
	int64_t now = gi_unix_now();
	double median = impact_median_duration(&rp->hist, rp->st);

	change_hashes(&sel->cs, &paths, &np, &tokens, &nt);
	for (size_t i = 0; i < sel->result.nr; i++) {
		struct selector_test *t = &sel->result.v[i];
		long k = impact_hist_find(&rp->hist, t->id);
		struct selector_features f;
		double x[SELECTOR_NFEATURES];

		if (k < 0)
			continue;
		impact_features(&rp->hist, rp->st, (uint32_t)k, paths, np, tokens, nt, now, &f);
		selector_features_vector(&f, x);
		t->score = impact_priority(selector_model_score(&rp->model, x), rp->st[k].duration,
					   median);
	}
	free(paths);
	free(tokens);
}

static void values_of(const struct impact_replay *rp, int level_test, const double **v,
		      size_t *n)
{
	*v = level_test ? rp->test_values : rp->change_values;
	*n = level_test ? rp->ntest_values : rp->nchange_values;
}

/* The lowest score the budget took (2 when it took none): its bound. */
static double budget_threshold(const struct selector_result *r)
{
	double t = ALWAYS_VALUE;

	for (size_t i = 0; i < r->nr; i++)
		if (r->v[i].selected && r->v[i].reason == SELECTOR_PREDICTED && r->v[i].score >= 0)
			t = fmin(t, r->v[i].score);
	return t;
}

static void note_stated(struct impact_selection *sel, const struct selector_guarantee *g)
{
	char buf[96];

	gi_strvec_pushf(&sel->notes,
			"guarantee: at most %.4g of failing %ss slip through, at confidence %g, "
			"from %zu calibration runs%s (threshold %.4g, %zu calibration misses)",
			g->bound, g->level_test ? "test" : "change", g->confidence, g->runs,
			origin(buf, sizeof(buf), g->runs, g->audit_values), g->threshold, g->misses);
}

/* No threshold meets the target: the safe set, or (forced) the empirical threshold. */
/* The note of a selection that states no bound: the safe set runs. */
static void note_none_stated(struct impact_selection *sel, const struct impact_select_opts *o,
			     size_t have, size_t audit, size_t more)
{
	char buf[96];

	gi_strvec_pushf(&sel->notes,
			"guarantee: none stated: %zu calibration runs%s, recall %g at confidence %g "
			"needs %zu more; the safe set runs", have, origin(buf, sizeof(buf), have, audit),
			o->recall, o->confidence, more);
}

static void unstated(const struct impact_replay *rp, const struct impact_select_opts *o,
		     struct impact_selection *sel)
{
	struct selector_guarantee *g = &sel->result.guarantee;
	size_t need = g->runs_needed, n, audit = o->level_test ? rp->ntest_audit : 0;
	const double *v;
	char buf[96];

	values_of(rp, o->level_test, &v, &n);
	if (o->mode != IMPACT_MODE_PREDICTIVE) {
		note_none_stated(sel, o, n, audit, need);
		return;
	}
	selector_guarantee_at(v, n, selector_threshold_empirical(v, n, o->recall), o->confidence, g);
	g->stated = 0;
	g->runs_needed = need;
	g->audit_values = audit;
	selector_apply_threshold(&sel->result, g->threshold);
	gi_strvec_pushf(&sel->notes,
			"guarantee: --mode predictive without the target: bound %.4g at confidence %g "
			"from %zu calibration runs%s (recall %g needs %zu more)",
			g->bound, o->confidence, n, origin(buf, sizeof(buf), n, audit), o->recall, need);
}

/*
 * Auto mode without a budget needs a bound; when the full runs cannot give
 * enough calibration values for one, say so without replaying the history
 * (the replay is the cost of a select on a long history).  1 if handled.
 */
static int cannot_state(struct store *store, const struct impact_select_opts *o,
			struct impact_selection *sel, int *err)
{
	struct selector_guarantee *g = &sel->result.guarantee;
	size_t have = 0, audit = 0, need;

	if (o->mode != IMPACT_MODE_AUTO || o->budget > 0)
		return 0;
	if ((*err = store_calibration_count(store, o->level_test, &have, &audit)))
		return 1;
	need = selector_runs_needed(o->recall, o->confidence);
	if (have >= need)
		return 0;
	g->stated = 0;
	g->bound = 1;
	g->runs = have;
	g->audit_values = audit;
	g->runs_needed = need - have;
	note_none_stated(sel, o, have, audit, need - have);
	return 1;
}

int impact_predict(struct store *store, const struct impact_select_opts *o,
		   struct impact_selection *sel)
{
	struct impact_replay rp;
	struct selector_guarantee *g = &sel->result.guarantee;
	int err = 0;

	if (cannot_state(store, o, sel, &err))
		return err;
	if ((err = impact_replay_latest(store, &rp)))
		return err;
	score_selection(&rp, sel);
	if ((err = impact_replay_guarantee(&rp, o->recall, o->confidence, o->level_test, g)))
		goto done;
	if (o->budget > 0) {
		size_t n, audit = o->level_test ? rp.ntest_audit : 0;
		const double *v;
		char buf[96];

		if ((err = selector_budget(&sel->result, o->budget)))
			goto done;

		values_of(&rp, o->level_test, &v, &n);
		selector_guarantee_at(v, n, budget_threshold(&sel->result), o->confidence, g);
		g->audit_values = audit;
		gi_strvec_pushf(&sel->notes, "guarantee: within the budget, bound %.4g at confidence %g "
				"from %zu calibration runs%s", g->bound, o->confidence, n,
				origin(buf, sizeof(buf), n, audit));
	} else if (g->stated) {
		selector_apply_threshold(&sel->result, g->threshold);
		note_stated(sel, g);
	} else {
		unstated(&rp, o, sel);
	}
done:
	impact_replay_release(&rp);
	return err;
}
