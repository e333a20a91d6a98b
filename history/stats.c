/*
 * stats.c - per-test statistics: counts, last outcome, mean and median
 * duration, and a failure rate where each result weighs 2^(-age/half_life).
 * Read from the store's per-test summary (one query, O(tests)); the scan of
 * every result (two queries, O(results)) is the reference it must equal, and
 * what a test whose results lie after `now` or another half-life needs.
 */
#include <math.h>
#include <time.h>

#include "history.h"
#include "store.h"

_Static_assert(HISTORY_RECENT_DURATIONS == STORE_SUMMARY_RECENT,
	       "the scan and the store's summary take the median of as many durations");

/* A known duration with the run it came from (the median takes the newest). */
struct dur {
	int64_t time, run;
	double dur;
};

struct loader {
	struct history_stats *out;
	size_t alloc;
	size_t cur;       /* index of the test the results belong to */
	int64_t now;
	double half_life;
	struct dur *durs; /* durations of the current test */
	size_t ndurs, adurs;
	double dursum;
	double wfail;     /* sum of weights of failed results */
	int have_ran;     /* the current test has a result that did not skip */
	int have_any;
	int64_t last_time, last_run;
};

/* Storage for the ids and files of a load: chunks freed together. */
struct strchunk {
	struct strchunk *next;
	size_t used, size;
	char data[];
};

#define STRCHUNK_SIZE ((size_t)64 << 10)

/* A copy of `s` in the chunks of `st` (one malloc per chunk, not per string). */
static char *pool_strdup(struct history_stats *st, const char *s)
{
	struct strchunk *c = st->strings;
	size_t n = strlen(s) + 1;

	if (!c || c->size - c->used < n) {
		size_t size = n > STRCHUNK_SIZE ? n : STRCHUNK_SIZE;

		c = gi_xmalloc(gi_st_add(sizeof(*c), size));
		c->next = st->strings;
		c->used = 0;
		c->size = size;
		st->strings = c;
	}
	memcpy(c->data + c->used, s, n);
	c->used += n;
	return c->data + c->used - n;
}

static int add_test(void *data, const struct store_test_row *row)
{
	struct loader *l = data;
	struct history_test_stats *t;

	GI_ALLOC_GROW(l->out->v, l->out->nr + 1, l->alloc);
	t = &l->out->v[l->out->nr++];
	memset(t, 0, sizeof(*t));
	t->test = row->id;
	t->id = pool_strdup(l->out, row->name);
	t->file = row->file ? pool_strdup(l->out, row->file) : NULL;
	t->first_seen = row->first_seen;
	t->last_outcome = -1;
	t->mean_duration = t->median_duration = -1;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_dur(const void *a, const void *b)
{
	const struct dur *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->run < y->run ? -1 : x->run > y->run;
}

/* The median of the HISTORY_RECENT_DURATIONS newest durations (by run time, then run). */
static double median_recent(struct dur *d, size_t n)
{
	double v[HISTORY_RECENT_DURATIONS];
	size_t first = 0;

	if (n > HISTORY_RECENT_DURATIONS) {
		gi_qsort(d, n, sizeof(*d), cmp_dur);
		first = n - HISTORY_RECENT_DURATIONS;
	}
	n -= first;
	for (size_t i = 0; i < n; i++)
		v[i] = d[first + i].dur;
	gi_qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Close the current test: durations, decayed rate; reset the accumulators. */
static void finish_test(struct loader *l)
{
	struct history_test_stats *t = &l->out->v[l->cur];

	if (l->ndurs) {
		t->mean_duration = l->dursum / (double)l->ndurs;
		t->median_duration = median_recent(l->durs, l->ndurs);
	}
	if (t->decayed_weight > 0)
		t->decayed_failure_rate = l->wfail / t->decayed_weight;
	l->ndurs = 0;
	l->dursum = 0;
	l->wfail = 0;
	l->have_ran = l->have_any = 0;
}

/* Move the cursor to the test `id` (results come in test id order). */
static int seek_test(struct loader *l, int64_t id)
{
	if (l->cur < l->out->nr && l->out->v[l->cur].test == id)
		return 0;
	if (l->cur < l->out->nr)
		finish_test(l);
	while (l->cur < l->out->nr && l->out->v[l->cur].test < id)
		l->cur++;
	if (l->cur >= l->out->nr || l->out->v[l->cur].test != id)
		return gi_error_setc(GI_ECORRUPT, "store: a result names test %lld, which does not exist",
				     (long long)id);
	return 0;
}

static int newer(const struct loader *l, const struct store_result_row *row)
{
	return row->time > l->last_time || (row->time == l->last_time && row->run > l->last_run);
}

/* The last run: the newest that did not skip the test, else the newest. */
static void note_last(struct loader *l, struct history_test_stats *t,
		      const struct store_result_row *row)
{
	int ran = row->outcome != HISTORY_SKIP;

	if (ran ? (l->have_ran && !newer(l, row)) : (l->have_ran || (l->have_any && !newer(l, row))))
		return;
	l->have_ran |= ran;
	l->have_any = 1;
	l->last_time = row->time;
	l->last_run = row->run;
	t->last_outcome = row->outcome;
	t->last_time = row->time;
	snprintf(t->last_commit, sizeof(t->last_commit), "%s", row->commit ? row->commit : "");
}

/* Take one result of the current test l->out->v[l->cur]. */
static void take_result(struct loader *l, const struct store_result_row *row)
{
	struct history_test_stats *t = &l->out->v[l->cur];
	double age, w;

	note_last(l, t, row);
	if (row->outcome == HISTORY_SKIP) {
		t->skips++;
		return;
	}
	t->runs++;
	t->failures += row->outcome == HISTORY_FAIL || row->outcome == HISTORY_ERROR;
	t->flaky += row->outcome == HISTORY_FLAKY;
	age = row->time < l->now ? (double)(l->now - row->time) : 0;
	w = exp2(-age / l->half_life);
	t->decayed_weight += w;
	if (row->outcome == HISTORY_FAIL || row->outcome == HISTORY_ERROR)
		l->wfail += w;
	if (row->duration >= 0) {
		GI_ALLOC_GROW(l->durs, l->ndurs + 1, l->adurs);
		l->durs[l->ndurs].time = row->time;
		l->durs[l->ndurs].run = row->run;
		l->durs[l->ndurs++].dur = row->duration;
		l->dursum += row->duration;
	}
}

static int add_result(void *data, const struct store_result_row *row)
{
	struct loader *l = data;
	int err;

	if ((err = seek_test(l, row->test)))
		return err;
	take_result(l, row);
	return 0;
}

static int cmp_stats(const void *a, const void *b)
{
	return strcmp(((const struct history_test_stats *)a)->id,
		      ((const struct history_test_stats *)b)->id);
}

static int loader_init(struct loader *l, struct history_stats *out, double half_life, int64_t now)
{
	memset(out, 0, sizeof(*out));
	memset(l, 0, sizeof(*l));
	if (!(half_life > 0))
		return gi_error_setc(GI_EUSAGE, "the half-life must be positive");
	l->out = out;
	l->now = now ? now : (int64_t)time(NULL);
	l->half_life = half_life;
	return 0;
}

/* Sort the loaded tests by id, free the loader; on error free *out too. */
static int loader_done(struct loader *l, int err)
{
	if (!err && l->out->nr)
		gi_qsort(l->out->v, l->out->nr, sizeof(*l->out->v), cmp_stats);
	free(l->durs);
	if (err)
		history_stats_release(l->out);
	return err;
}

int history_stats_scan(struct store *s, double half_life, int64_t now, struct history_stats *out)
{
	struct loader l;
	int err;

	if ((err = loader_init(&l, out, half_life, now)))
		return err;
	if ((err = store_tests_each(s, add_test, &l)) ||
	    (err = store_results_each(s, add_result, &l)))
		goto done;
	if (l.cur < out->nr)
		finish_test(&l);
done:
	return loader_done(&l, err);
}

/* ---- from the store's per-test summary -------------------------------- */

/* The statistics of one summary row; 1 when only a scan can give them (a result after `now`). */
static int from_summary(struct loader *l, struct history_test_stats *t,
			const struct store_summary_row *row)
{
	const unsigned *o = row->outcomes;

	t->runs = o[HISTORY_PASS] + o[HISTORY_FAIL] + o[HISTORY_ERROR] + o[HISTORY_FLAKY];
	t->skips = o[HISTORY_SKIP];
	t->failures = o[HISTORY_FAIL] + o[HISTORY_ERROR];
	t->flaky = o[HISTORY_FLAKY];
	t->last_outcome = row->last_outcome;
	if (row->last_outcome >= 0) {
		size_t n = strnlen(row->last_commit, sizeof(t->last_commit) - 1);

		t->last_time = row->last_time;
		memcpy(t->last_commit, row->last_commit, n);
		t->last_commit[n] = '\0';
	}
	if (row->n_dur) {
		t->mean_duration = row->dur_sum / (double)row->n_dur;
		t->median_duration = row->dur_median;
	}
	if (!t->runs)
		return 0;
	if (row->ref_time > l->now)
		return 1; /* weights of results newer than now are capped at 1 */
	t->decayed_weight = row->w_all * exp2(-(double)(l->now - row->ref_time) / l->half_life);
	if (t->decayed_weight > 0)
		t->decayed_failure_rate = row->w_fail / row->w_all;
	return 0;
}

struct summary_loader {
	struct loader *l;
	size_t *rescan;  /* tests only a scan of their results can give */
	size_t nrescan, arescan;
};

static int add_summary(void *data, const struct store_summary_row *row)
{
	struct summary_loader *sl = data;
	struct store_test_row test = { row->test, row->name, row->file, row->first_seen };
	struct history_stats *out = sl->l->out;

	add_test(sl->l, &test);
	if (from_summary(sl->l, &out->v[out->nr - 1], row)) {
		GI_ALLOC_GROW(sl->rescan, sl->nrescan + 1, sl->arescan);
		sl->rescan[sl->nrescan++] = out->nr - 1;
	}
	return 0;
}

static int take_test_result(void *data, const struct store_result_row *row)
{
	take_result(data, row);
	return 0;
}

/* Statistics of test l->out->v[i] from its results. */
static int rescan_test(struct store *s, struct loader *l, size_t i)
{
	struct history_test_stats *t = &l->out->v[i];
	int err;

	t->runs = t->skips = t->failures = t->flaky = 0;
	t->last_outcome = -1;
	t->mean_duration = t->median_duration = -1;
	t->decayed_weight = t->decayed_failure_rate = 0;
	l->cur = i;
	if ((err = store_test_results_each(s, t->test, take_test_result, l)))
		return err;
	finish_test(l);
	return 0;
}

/* Room for every test at once: growing an array of 10,000 tests costs more than reading them. */
static int presize(struct store *s, struct loader *l)
{
	int64_t max;
	int err;

	if ((err = store_tests_id_max(s, &max)))
		return err;
	if (max > 0 && max < ((int64_t)1 << 24)) {
		l->alloc = (size_t)max;
		l->out->v = gi_xmallocarray(l->alloc, sizeof(*l->out->v));
	}
	return 0;
}

int history_stats_load(struct store *s, double half_life, int64_t now, struct history_stats *out)
{
	struct loader l;
	struct summary_loader sl = { &l, NULL, 0, 0 };
	int err;

	if ((err = loader_init(&l, out, half_life, now)))
		return err;
	if (half_life != (double)STORE_SUMMARY_HALF_LIFE)
		return history_stats_scan(s, half_life, now, out);
	if ((err = store_summary_ready(s)) <= 0)
		return err < 0 ? err : history_stats_scan(s, half_life, now, out);
	if ((err = presize(s, &l)) || (err = store_summary_each(s, add_summary, &sl)))
		goto done;
	for (size_t i = 0; !err && i < sl.nrescan; i++)
		err = rescan_test(s, &l, sl.rescan[i]);
done:
	free(sl.rescan);
	return loader_done(&l, err);
}

/* ---- checking the summary --------------------------------------------- */

static int near(double a, double b)
{
	return a == b || fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

/* The name of the first figure of `a` that differs from `b`, or NULL. */
static const char *stats_differ(const struct history_test_stats *a,
				const struct history_test_stats *b)
{
	if (a->runs != b->runs || a->skips != b->skips || a->failures != b->failures ||
	    a->flaky != b->flaky)
		return "result counts";
	if (a->last_outcome != b->last_outcome || a->last_time != b->last_time ||
	    strcmp(a->last_commit, b->last_commit))
		return "last outcome";
	if (!near(a->mean_duration, b->mean_duration) || a->median_duration != b->median_duration)
		return "durations";
	if (!near(a->decayed_weight, b->decayed_weight) ||
	    !near(a->decayed_failure_rate, b->decayed_failure_rate))
		return "decayed failure rate";
	return NULL;
}

int history_stats_verify(struct store *s, int64_t now)
{
	struct history_stats sum = { 0 }, scan = { 0 };
	const char *what = NULL;
	size_t i;
	int err;

	if (!now)
		now = (int64_t)time(NULL);
	if ((err = history_stats_load(s, HISTORY_HALF_LIFE, now, &sum)) ||
	    (err = history_stats_scan(s, HISTORY_HALF_LIFE, now, &scan)))
		goto done;
	if (sum.nr != scan.nr) {
		err = gi_error_setc(GI_ECORRUPT, "store '%s': the test summary knows %zu tests, the "
				    "results %zu", store_path(s), sum.nr, scan.nr);
		goto done;
	}
	for (i = 0; i < sum.nr && !what; i++)
		if (strcmp(sum.v[i].id, scan.v[i].id))
			what = "test id";
		else
			what = stats_differ(&sum.v[i], &scan.v[i]);
	if (what)
		err = gi_error_setc(GI_ECORRUPT, "store '%s': the test summary of '%s' differs from "
				    "its results (%s); 'git impact init --repair' rebuilds it",
				    store_path(s), sum.v[i - 1].id, what);
done:
	history_stats_release(&sum);
	history_stats_release(&scan);
	return err;
}

int history_stats_rebuild(struct store *s)
{
	int err;

	if ((err = store_begin(s)))
		return err;
	if ((err = store_summary_rebuild(s))) {
		store_rollback(s);
		return err;
	}
	return store_commit(s);
}

const struct history_test_stats *history_stats_find(const struct history_stats *st, const char *id)
{
	struct history_test_stats key;

	if (!st || !st->nr)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.id = (char *)id;
	return bsearch(&key, st->v, st->nr, sizeof(*st->v), cmp_stats);
}

void history_stats_release(struct history_stats *st)
{
	struct strchunk *c, *next;

	if (!st)
		return;
	for (c = st->strings; c; c = next) {
		next = c->next;
		free(c);
	}
	free(st->v);
	memset(st, 0, sizeof(*st));
}
