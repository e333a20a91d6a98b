/*
 * evaluate.c - `evaluate`: replay the recorded history and, before each
 * full run, select as the tool would have (model trained and calibrated
 * on strictly earlier runs, no look-ahead); measure test- and change-level
 * recall, the share of tests and time selected, whether the stated bound
 * held, and the curve of recall against time share over one threshold.
 */
#include <math.h>

#include "predict_int.h"

#include "history.h"

#define ALWAYS 2.0            /* the replay's value for tests that must run */
#define UNKNOWN_SECONDS 1.0   /* a result without a duration counts as one second */
#define CURVE_POINTS 21

/* One scored result kept for the curve. */
struct point {
	double value, seconds;
	uint32_t run;             /* index into out->v */
	int failed;
};

struct evaluator {
	const struct impact_eval_opts *o;
	struct impact_eval *out;
	size_t alloc;
	struct point *pts;
	size_t npts, apts;
};

/* The threshold the policy would apply before this run, and its guarantee. */
static double policy_threshold(const struct evaluator *ev, const struct impact_replay *rp,
			       struct selector_guarantee *g)
{
	const struct impact_eval_opts *o = ev->o;
	const double *v = o->level_test ? rp->test_values : rp->change_values;
	size_t n = o->level_test ? rp->ntest_values : rp->nchange_values;

	memset(g, 0, sizeof(*g));
	impact_replay_guarantee(rp, o->recall, o->confidence, o->level_test, g);
	if (o->mode == IMPACT_MODE_ALL)
		return -1;
	if (o->mode == IMPACT_MODE_SAFE)
		return ALWAYS;
	if (g->stated)
		return g->threshold;
	if (o->mode == IMPACT_MODE_AUTO)
		return ALWAYS;
	selector_guarantee_at(v, n, selector_threshold_empirical(v, n, o->recall), o->confidence, g);
	g->stated = 0;
	return g->threshold;
}

static void count_result(struct evaluator *ev, struct impact_eval_run *er, const struct impact_hres *r,
			 double value, double threshold)
{
	double secs = r->duration >= 0 ? r->duration : UNKNOWN_SECONDS;
	int sel = value >= threshold, failed = impact_failed(r->outcome);

	er->tests++;
	er->seconds += secs;
	er->selected += sel;
	er->seconds_selected += sel ? secs : 0;
	er->failing += failed;
	er->caught += failed && sel;
	GI_ALLOC_GROW(ev->pts, ev->npts + 1, ev->apts);
	ev->pts[ev->npts].value = value;
	ev->pts[ev->npts].seconds = secs;
	ev->pts[ev->npts].run = (uint32_t)ev->out->nr;
	ev->pts[ev->npts++].failed = failed;
}

static void add_totals(struct impact_eval *e, const struct impact_eval_run *er)
{
	e->tests += er->tests;
	e->selected += er->selected;
	e->seconds += er->seconds;
	e->seconds_selected += er->seconds_selected;
	e->failing_tests += er->failing;
	e->caught_tests += er->caught;
	e->failing_runs += er->failing > 0;
	e->caught_runs += er->caught > 0;
	if (!er->stated)
		return;
	e->stated_runs++;
	e->stated_failing += er->failing > 0;
	e->stated_caught += er->caught > 0;
	if (e->stated_runs == 1 || er->bound > e->worst_bound)
		e->worst_bound = er->bound;
}

static void count_audit(struct impact_eval *e, const struct impact_hist *h,
			const struct impact_hrun *run)
{
	for (size_t i = 0; i < run->nr; i++) {
		const struct impact_hres *r = &h->res[run->first + i];

		e->audit_results += r->audit;
		e->audit_failures += r->audit && impact_failed(r->outcome);
	}
}

static int on_run(void *data, const struct impact_replay *rp, const struct impact_hrun *run,
		  const double *value)
{
	struct evaluator *ev = data;
	struct impact_eval *e = ev->out;
	struct impact_eval_run *er;
	struct selector_guarantee g;
	double t;

	e->runs++;
	count_audit(e, &rp->hist, run);
	if (!run->full || run->time < ev->o->since)
		return 0;
	t = policy_threshold(ev, rp, &g);
	GI_ALLOC_GROW(e->v, e->nr + 1, ev->alloc);
	er = &e->v[e->nr];
	memset(er, 0, sizeof(*er));
	memcpy(er->commit, run->commit, sizeof(er->commit));
	er->time = run->time;
	er->stated = g.stated;
	er->bound = g.bound;
	er->calib = g.runs;
	for (size_t i = 0; i < run->nr; i++)
		if (value[i] >= 0)
			count_result(ev, er, &rp->hist.res[run->first + i], value[i], t);
	if (!er->tests)
		return 0;
	add_totals(e, er);
	e->nr++;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Recall and shares when every run uses threshold t. */
static void curve_point(const struct evaluator *ev, double t, unsigned char *hit,
			struct impact_eval_point *p)
{
	const struct impact_eval *e = ev->out;
	double secs = 0, total = 0;
	size_t sel = 0, caught = 0, runs = 0;

	memset(hit, 0, e->nr ? e->nr : 1);
	for (size_t i = 0; i < ev->npts; i++) {
		const struct point *q = &ev->pts[i];
		int s = q->value >= t;

		total += q->seconds;
		secs += s ? q->seconds : 0;
		sel += s;
		caught += s && q->failed;
		if (s && q->failed && !hit[q->run]) {
			hit[q->run] = 1;
			runs++;
		}
	}
	p->threshold = t;
	p->time_share = total > 0 ? secs / total : 0;
	p->test_share = ev->npts ? (double)sel / (double)ev->npts : 0;
	p->test_recall = e->failing_tests ? (double)caught / (double)e->failing_tests : 1;
	p->change_recall = e->failing_runs ? (double)runs / (double)e->failing_runs : 1;
}

/* Thresholds at the quantiles of the scores (not of tests that must run). */
static void build_curve(struct evaluator *ev)
{
	struct impact_eval *e = ev->out;
	double *scores = gi_xmallocarray(ev->npts ? ev->npts : 1, sizeof(*scores));
	unsigned char *hit = gi_xmalloc(e->nr ? e->nr : 1);
	size_t n = 0;

	for (size_t i = 0; i < ev->npts; i++)
		if (ev->pts[i].value < ALWAYS)
			scores[n++] = ev->pts[i].value;
	if (n > 1)
		gi_qsort(scores, n, sizeof(*scores), cmp_double);
	e->curve = gi_xcalloc(CURVE_POINTS + 1, sizeof(*e->curve));
	curve_point(ev, ALWAYS, hit, &e->curve[e->ncurve++]);
	for (int k = 1; n && k <= CURVE_POINTS - 1; k++) {
		double q = 1 - (double)k / (CURVE_POINTS - 1);
		size_t idx = (size_t)floor(q * (double)(n - 1));

		curve_point(ev, scores[idx], hit, &e->curve[e->ncurve++]);
	}
	free(scores);
	free(hit);
}

int impact_evaluate(struct store *s, const struct impact_eval_opts *o, struct impact_eval *out)
{
	struct evaluator ev;
	struct impact_replay rp;
	int err;

	memset(out, 0, sizeof(*out));
	memset(&ev, 0, sizeof(ev));
	ev.o = o;
	ev.out = out;
	out->worst_bound = 1;
	if (!(o->recall > 0 && o->recall < 1 && o->confidence > 0 && o->confidence < 1)) {
		err = gi_error_setc(GI_EUSAGE, "--recall and --confidence must be between 0 and 1 "
				    "(exclusive), not %g and %g", o->recall, o->confidence);
		goto done;
	}
	/* every step is needed; the state it ends with saves the next select a replay */
	if ((err = impact_replay_all_saved(s, &rp, on_run, &ev)))
		goto done;
	out->runs_with_change = rp.hist.runs_with_change;
	out->runs_with_lineage = rp.hist.runs_with_lineage;
	out->audit_runs = rp.hist.audit_runs;
	out->audit_dropped = rp.hist.audit_dropped;
	out->calib_audit = rp.ntest_audit;
	out->calib_full = rp.ntest_values - rp.ntest_audit;
	impact_replay_release(&rp);
	build_curve(&ev);
	out->bound_held = (double)(out->stated_failing - out->stated_caught) <=
			  (1 - o->recall) * (double)out->stated_failing + 1e-9;
done:
	free(ev.pts);
	if (err)
		impact_eval_release(out);
	return err;
}

void impact_eval_release(struct impact_eval *e)
{
	if (!e)
		return;
	free(e->v);
	free(e->curve);
	memset(e, 0, sizeof(*e));
}
