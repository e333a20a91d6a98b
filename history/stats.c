/*
 * stats.c - per-test statistics from the store in two queries (tests,
 * then every result in test order): counts, last outcome, mean and median
 * duration, and a failure rate where each result weighs 2^(-age/half_life).
 */
#include <math.h>
#include <time.h>

#include "history.h"
#include "store.h"

struct loader {
	struct history_stats *out;
	size_t alloc;
	size_t cur;       /* index of the test the results belong to */
	int64_t now;
	double half_life;
	double *durs;     /* durations of the current test */
	size_t ndurs, adurs;
	double wfail;     /* sum of weights of failed results */
	int have_ran;     /* the current test has a result that did not skip */
	int have_any;
	int64_t last_time, last_run;
};

static int add_test(void *data, const struct store_test_row *row)
{
	struct loader *l = data;
	struct history_test_stats *t;

	GI_ALLOC_GROW(l->out->v, l->out->nr + 1, l->alloc);
	t = &l->out->v[l->out->nr++];
	memset(t, 0, sizeof(*t));
	t->test = row->id;
	t->id = gi_xstrdup(row->name);
	t->file = row->file ? gi_xstrdup(row->file) : NULL;
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

/* Close the current test: durations, decayed rate; reset the accumulators. */
static void finish_test(struct loader *l)
{
	struct history_test_stats *t = &l->out->v[l->cur];
	double sum = 0;

	if (l->ndurs) {
		for (size_t i = 0; i < l->ndurs; i++)
			sum += l->durs[i];
		gi_qsort(l->durs, l->ndurs, sizeof(*l->durs), cmp_double);
		t->mean_duration = sum / (double)l->ndurs;
		t->median_duration = l->ndurs % 2 ? l->durs[l->ndurs / 2] :
			(l->durs[l->ndurs / 2 - 1] + l->durs[l->ndurs / 2]) / 2;
	}
	if (t->decayed_weight > 0)
		t->decayed_failure_rate = l->wfail / t->decayed_weight;
	l->ndurs = 0;
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

static int add_result(void *data, const struct store_result_row *row)
{
	struct loader *l = data;
	struct history_test_stats *t;
	double age, w;
	int err;

	if ((err = seek_test(l, row->test)))
		return err;
	t = &l->out->v[l->cur];
	note_last(l, t, row);
	if (row->outcome == HISTORY_SKIP) {
		t->skips++;
		return 0;
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
		l->durs[l->ndurs++] = row->duration;
	}
	return 0;
}

static int cmp_stats(const void *a, const void *b)
{
	return strcmp(((const struct history_test_stats *)a)->id,
		      ((const struct history_test_stats *)b)->id);
}

int history_stats_load(struct store *s, double half_life, int64_t now, struct history_stats *out)
{
	struct loader l;
	int err;

	memset(out, 0, sizeof(*out));
	memset(&l, 0, sizeof(l));
	if (!(half_life > 0))
		return gi_error_setc(GI_EUSAGE, "the half-life must be positive");
	l.out = out;
	l.now = now ? now : (int64_t)time(NULL);
	l.half_life = half_life;
	if ((err = store_tests_each(s, add_test, &l)) ||
	    (err = store_results_each(s, add_result, &l)))
		goto done;
	if (l.cur < out->nr)
		finish_test(&l);
	if (out->nr)
		gi_qsort(out->v, out->nr, sizeof(*out->v), cmp_stats);
done:
	free(l.durs);
	if (err)
		history_stats_release(out);
	return err;
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
	if (!st)
		return;
	for (size_t i = 0; i < st->nr; i++) {
		free(st->v[i].id);
		free(st->v[i].file);
	}
	free(st->v);
	st->v = NULL;
	st->nr = 0;
}
