/*
 * result.c - the selection result: its tests, the selection reasons, the
 * fallback, thresholding, and the summary (counts and expected seconds).
 * Unknown durations count at the median of the known ones (1 s if none).
 */
#include "selector.h"

#include <math.h>

static const char *const reason_names[SELECTOR_REASON_NR] = {
	"not-impacted", "safe-set", "new", "failed-last",
	"always-run", "predicted", "audit", "fallback", "unplaced",
};

const char *selector_reason_name(int reason)
{
	if (reason < 0 || reason >= SELECTOR_REASON_NR)
		return "?";
	return reason_names[reason];
}

void selector_result_init(struct selector_result *r)
{
	memset(r, 0, sizeof(*r));
	r->median_duration = 1.0;
	r->guarantee.bound = 1.0;
}

void selector_result_release(struct selector_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nr; i++) {
		free(r->v[i].id);
		free(r->v[i].path);
	}
	free(r->v);
	free(r->fallback);
	free(r->shard_seconds);
	free(r->shard_tests);
	selector_result_init(r);
}

struct selector_test *selector_result_add(struct selector_result *r, const char *id,
					  double duration)
{
	struct selector_test *t;

	GI_ALLOC_GROW(r->v, r->nr + 1, r->alloc);
	t = &r->v[r->nr++];
	memset(t, 0, sizeof(*t));
	t->id = gi_xstrdup(id);
	t->reason = SELECTOR_NOT_IMPACTED;
	t->score = -1;
	t->duration = isfinite(duration) ? duration : -1;
	return t;
}

void selector_test_set_path(struct selector_test *t, const char *path)
{
	free(t->path);
	t->path = path ? gi_xstrdup(path) : NULL;
}

void selector_test_select(struct selector_test *t, int reason)
{
	if (t->selected)
		return;
	t->selected = 1;
	t->reason = reason;
}

void selector_result_fallback(struct selector_result *r, const char *why)
{
	free(r->fallback);
	r->fallback = gi_xstrdup(why ? why : "unknown reason");
	for (size_t i = 0; i < r->nr; i++)
		selector_test_select(&r->v[i], SELECTOR_FALLBACK);
}

void selector_apply_threshold(struct selector_result *r, double threshold)
{
	for (size_t i = 0; i < r->nr; i++) {
		struct selector_test *t = &r->v[i];

		if (t->score >= 0 && t->score >= threshold)
			selector_test_select(t, SELECTOR_PREDICTED);
	}
}

static int cmp_test_id(const void *a, const void *b)
{
	return strcmp(((const struct selector_test *)a)->id, ((const struct selector_test *)b)->id);
}

void selector_result_sort(struct selector_result *r)
{
	if (r->nr > 1)
		gi_qsort(r->v, r->nr, sizeof(*r->v), cmp_test_id);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of the known (>= 0) durations, or 1 s when none is known. */
static double median_known(const struct selector_result *r)
{
	double *d = NULL, med = 1.0;
	size_t n = 0;

	d = gi_xmallocarray(r->nr ? r->nr : 1, sizeof(*d));
	for (size_t i = 0; i < r->nr; i++)
		if (r->v[i].duration >= 0)
			d[n++] = r->v[i].duration;
	if (n) {
		gi_qsort(d, n, sizeof(*d), cmp_double);
		med = n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
	}
	free(d);
	return med;
}

double selector_expected(const struct selector_result *r, const struct selector_test *t)
{
	return t->duration >= 0 ? t->duration : r->median_duration;
}

void selector_summarize(struct selector_result *r)
{
	r->median_duration = median_known(r);
	r->nselected = 0;
	r->seconds_selected = r->seconds_total = 0;
	memset(r->by_reason, 0, sizeof(r->by_reason));
	for (size_t i = 0; i < r->nr; i++) {
		const struct selector_test *t = &r->v[i];
		double s = selector_expected(r, t);

		if (t->reason >= 0 && t->reason < SELECTOR_REASON_NR)
			r->by_reason[t->reason]++;
		r->seconds_total += s;
		if (t->selected) {
			r->nselected++;
			r->seconds_selected += s;
		}
	}
}
