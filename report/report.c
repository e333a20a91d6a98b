/*
 * report.c - report_build(): the window of ISO weeks, and the figures that
 * come from selections (how many, how much they kept) and from runs (what
 * ran, what everything would have cost).  Tests and flaky results are
 * gathered in report_tests.c, failures caught and missed in report_miss.c.
 */
#include "report_int.h"

#include <math.h>
#include <time.h>

#include "impact.h"

static const char *const kind_names[REPORT_NKINDS] = { "code", "data", "param", "model", "none" };
static const char *const run_kind_names[REPORT_NRUNKINDS] = { "ci", "hook", "audit", "full", "other" };

const char *report_kind_name(int kind)
{
	return kind >= 0 && kind < REPORT_NKINDS ? kind_names[kind] : "?";
}

const char *report_run_kind_name(int kind)
{
	return kind >= 0 && kind < REPORT_NRUNKINDS ? run_kind_names[kind] : "?";
}

size_t report_kinds_of(unsigned kinds, int out[REPORT_NKINDS])
{
	static const unsigned bits[] = { IMPACT_KIND_CODE, IMPACT_KIND_DATA, IMPACT_KIND_PARAM,
					 IMPACT_KIND_MODEL };
	size_t n = 0;

	for (size_t i = 0; i < GI_ARRAY_SIZE(bits); i++)
		if (kinds & bits[i])
			out[n++] = (int)i;
	if (!n)
		out[n++] = REPORT_NONE;
	return n;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int report_parse_date(const char *s, int64_t *out)
{
	int y, m, d, n = 0;
	long v;

	if (!gi_parse_long(s, &v) && v > 0) {
		*out = v;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] || strlen(s) != 10 ||
	    y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return gi_error_setc(GI_EUSAGE,
			"option '--since' needs a date (YYYY-MM-DD) or unix seconds, not '%s'", s);
	*out = days_from_civil(y, m, d) * 86400;
	return 0;
}

int64_t report_week_start(int64_t t)
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t wd = ((days + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday: Monday = 0 */

	return (days - wd) * 86400;
}

void report_week_label(int64_t t, char out[16])
{
	time_t thursday = (time_t)(report_week_start(t) + 3 * 86400);
	struct tm tm;

	gmtime_r(&thursday, &tm);
	snprintf(out, 16, "%04d-W%02d", (tm.tm_year + 1900) % 10000, (tm.tm_yday / 7 + 1) % 100);
}

size_t report_week_of(const struct report *r, int64_t t)
{
	if (t < r->since || t >= r->until)
		return r->nweeks;
	return (size_t)((t - r->since) / REPORT_WEEK_SECONDS);
}

struct report_week *report_week_at(struct report *r, size_t i)
{
	return i < r->nweeks ? &r->weeks[i] : &r->total;
}

static void week_init(struct report_week *w)
{
	memset(w, 0, sizeof(*w));
	w->selected_mean = w->total_mean = -1;
	for (int i = 0; i < 5; i++)
		w->share[i] = -1;
	w->recall = w->target = -1;
}

/* Lay out the window's weeks from the options. */
static int window_set(struct report *r, const struct report_opts *o)
{
	int64_t last = report_week_start(o->now), first;
	long weeks = o->weeks;

	if (o->since > 0) {
		if (o->since > o->now)
			return gi_error_setc(GI_EUSAGE, "option '--since' is after the end of the window");
		first = report_week_start(o->since);
		if (!weeks)
			weeks = (long)((last - first) / REPORT_WEEK_SECONDS) + 1;
	} else {
		if (!weeks)
			weeks = REPORT_WEEKS_DEFAULT;
		first = last - (int64_t)(weeks - 1) * REPORT_WEEK_SECONDS;
	}
	if (weeks < 1 || weeks > REPORT_WEEKS_MAX)
		return gi_error_setc(GI_EUSAGE, "option '--weeks' needs 1 to %d weeks, not %ld",
				     REPORT_WEEKS_MAX, weeks);
	r->nweeks = (size_t)weeks;
	r->weeks = gi_xcalloc(r->nweeks, sizeof(*r->weeks));
	r->since = first;
	r->until = first + (int64_t)weeks * REPORT_WEEK_SECONDS;
	for (size_t i = 0; i < r->nweeks; i++) {
		week_init(&r->weeks[i]);
		r->weeks[i].start = first + (int64_t)i * REPORT_WEEK_SECONDS;
		r->weeks[i].end = r->weeks[i].start + REPORT_WEEK_SECONDS;
		report_week_label(r->weeks[i].start, r->weeks[i].label);
	}
	week_init(&r->total);
	snprintf(r->total.label, sizeof(r->total.label), "total");
	r->total.start = r->since;
	r->total.end = r->until;
	return 0;
}

static void acc_selection(struct report_week *w, struct report_acc *a,
			  const struct store_report_selection *row, double share)
{
	w->selections++;
	w->fallbacks += row->fallback || !strcmp(row->mode, "all");
	GI_ALLOC_GROW(a->shares, a->n + 1, a->alloc);
	a->shares[a->n++] = share;
	a->selected_sum += (double)row->selected;
	a->total_sum += (double)row->total;
	if (row->recall >= 0) {
		a->target_sum += row->recall;
		a->targets++;
	}
	w->stated += row->bound >= 0;
	if (row->est_total >= 0 && row->est_selected >= 0) {
		w->est_full = (w->est_full < 0 ? 0 : w->est_full) + row->est_total;
		w->est_run = (w->est_run < 0 ? 0 : w->est_run) + row->est_selected;
	} else {
		a->est_unknown = 1;
	}
}

static int on_selection(void *data, const struct store_report_selection *row)
{
	struct report_ctx *c = data;
	struct report *r = c->r;
	size_t wi = report_week_of(r, row->time);
	double share = row->total > 0 ? (double)row->selected / (double)row->total : 1.0;
	int kinds[REPORT_NKINDS];
	size_t nk = report_kinds_of(row->kinds, kinds);

	if (wi == r->nweeks)
		return 0;
	acc_selection(&r->weeks[wi], &c->acc[wi], row, share);
	acc_selection(&r->total, &c->acc[r->nweeks], row, share);
	for (size_t k = 0; k < nk; k++) {
		r->kinds[kinds[k]].selections++;
		r->kinds[kinds[k]].share_sum += share;
	}
	return 0;
}

static int run_kind_of(const struct store_report_run *row)
{
	if (row->full)
		return REPORT_RUN_FULL;
	for (int k = 0; k < REPORT_RUN_OTHER; k++)
		if (!strcmp(row->kind, run_kind_names[k]))
			return k;
	return REPORT_RUN_OTHER;
}

/* What running every test known by the end of week wi would cost; 0 if unknown. */
static double suite_cost(struct report_ctx *c, size_t wi)
{
	const struct report_week *w = report_week_at(c->r, wi);
	struct report_acc *a = &c->acc[wi];

	if (a->cost_known)
		return a->cost;
	a->cost = 0;
	for (size_t i = 0; i < c->ntests; i++)
		if (c->tests[i].first_seen < w->end && c->tests[i].mean >= 0)
			a->cost += c->tests[i].mean;
	a->cost_known = 1;
	return a->cost;
}

static void acc_run(struct report_week *w, struct report_acc *a, const struct store_report_run *row,
		    int kind, double cost)
{
	w->runs[kind]++;
	w->checks += (kind == REPORT_RUN_FULL) + row->audits +
		     (kind == REPORT_RUN_AUDIT && !row->audits ? row->results : 0);
	w->failures += row->failures;
	if (kind == REPORT_RUN_FULL)
		return;
	a->partial_runs++;
	if (row->results && !row->timed)
		a->time_unknown = 1;
	w->time_run = (w->time_run < 0 ? 0 : w->time_run) + row->seconds;
	w->time_full = (w->time_full < 0 ? 0 : w->time_full) + cost;
	if (cost <= 0)
		a->time_unknown = 1;
}

static int on_run(void *data, const struct store_report_run *row)
{
	struct report_ctx *c = data;
	struct report *r = c->r;
	size_t wi = report_week_of(r, row->time);
	int kind = run_kind_of(row);
	double cost;

	if (wi == r->nweeks)
		return 0;
	cost = kind == REPORT_RUN_FULL ? 0 : suite_cost(c, wi);
	acc_run(&r->weeks[wi], &c->acc[wi], row, kind, cost);
	acc_run(&r->total, &c->acc[r->nweeks], row, kind, cost);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile (0..1) of sorted values, interpolated linearly. */
static double quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)floor(pos);

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (v[lo + 1] - v[lo]) * (pos - (double)lo);
}

/* Turn one week's sums into means, quartiles, times and recall. */
static void week_finish(struct report_week *w, struct report_acc *a)
{
	static const double qs[5] = { 0, 0.25, 0.5, 0.75, 1 };

	if (a->n) {
		gi_qsort(a->shares, a->n, sizeof(*a->shares), cmp_double);
		for (int i = 0; i < 5; i++)
			w->share[i] = quantile(a->shares, a->n, qs[i]);
		w->selected_mean = a->selected_sum / (double)a->n;
		w->total_mean = a->total_sum / (double)a->n;
	}
	if (a->targets)
		w->target = a->target_sum / (double)a->targets;
	if (a->est_unknown)
		w->est_run = w->est_full = -1;
	if (!a->partial_runs)
		w->time_run = w->time_full = 0;
	if (a->time_unknown)
		w->time_full = -1;
	w->saved = w->time_full < 0 || w->time_run < 0 ? -1 : w->time_full - w->time_run;
	if (w->checks && w->caught + w->missed)
		w->recall = (double)w->caught / (double)(w->caught + w->missed);
}

static void finish(struct report_ctx *c)
{
	struct report *r = c->r;

	long caught = 0, missed = 0;

	for (size_t i = 0; i < r->nweeks; i++) {
		week_finish(&r->weeks[i], &c->acc[i]);
		if (r->weeks[i].checks) {
			r->verified_weeks++;
			caught += r->weeks[i].caught;
			missed += r->weeks[i].missed;
		}
	}
	week_finish(&r->total, &c->acc[r->nweeks]);
	/* the window's recall rests on the weeks that were checked only */
	r->total.recall = caught + missed ? (double)caught / (double)(caught + missed) : -1;
}

static void ctx_release(struct report_ctx *c)
{
	if (c->acc)
		for (size_t i = 0; i <= c->r->nweeks; i++)
			free(c->acc[i].shares);
	free(c->acc);
	for (size_t i = 0; i < c->ntests; i++)
		free(c->tests[i].name);
	free(c->tests);
}

int report_build(struct store *s, const struct report_opts *opts, struct report **out)
{
	struct report *r = gi_xcalloc(1, sizeof(*r));
	struct report_ctx c = { s, r, NULL, NULL, 0, 0 };
	int err;

	r->generated = opts->now;
	/* misses are traced by point lookups into results: keep the B-tree's pages */
	if ((err = store_cache_size(s, 64)) || (err = window_set(r, opts)))
		goto done;
	c.acc = gi_xcalloc(r->nweeks + 1, sizeof(*c.acc));
	if ((err = report_tests_gather(&c)) ||
	    (err = store_report_selections_each(s, r->since, r->until, on_selection, &c)) ||
	    (err = store_report_runs_each(s, r->since, r->until, on_run, &c)) ||
	    (err = report_misses_gather(&c)) || (err = report_never_gather(&c)))
		goto done;
	finish(&c);
done:
	ctx_release(&c);
	if (err) {
		report_free(r);
		return err;
	}
	*out = r;
	return 0;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nmisses; i++)
		free(r->misses[i].test);
	free(r->misses);
	for (size_t i = 0; i < r->ncostly; i++)
		free(r->costly[i].name);
	for (size_t i = 0; i < r->nflaky; i++)
		free(r->flaky[i].name);
	gi_strvec_clear(&r->never);
	free(r->weeks);
	free(r);
}
