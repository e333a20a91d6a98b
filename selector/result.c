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

static void swap_double(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/* The middle value of three. */
static double middle_of(double a, double b, double c)
{
	if (a < b)
		return b < c ? b : a < c ? c : a;
	return a < c ? a : b < c ? c : b;
}

/*
 * Move the k-th smallest of d[0..n) to d[k], the smaller ones before it
 * (selection with three-way partitions, so runs of equal durations cost
 * nothing): O(n) on average where sorting 10,000 durations on every select
 * cost O(n log n) calls of a comparison function.
 */
static void select_kth(double *d, size_t n, size_t k)
{
	size_t lo = 0, hi = n; /* [lo, hi) holds the k-th */

	while (hi - lo > 1) {
		double pivot = middle_of(d[lo], d[lo + (hi - lo) / 2], d[hi - 1]);
		size_t lt = lo, i = lo, gt = hi;

		while (i < gt) {
			if (d[i] < pivot)
				swap_double(&d[lt++], &d[i++]);
			else if (pivot < d[i])
				swap_double(&d[i], &d[--gt]);
			else
				i++;
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return; /* d[lt..gt) all equal the pivot */
	}
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
		select_kth(d, n, n / 2);
		med = d[n / 2];
		if (n % 2 == 0) { /* and the largest of the lower half */
			double below = d[0];

			for (size_t i = 1; i < n / 2; i++)
				below = d[i] > below ? d[i] : below;
			med = (below + med) / 2;
		}
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
