/*
 * shard.c - splitting the selection into duration-balanced shards
 * (longest processing time first, to the least loaded shard) and spending
 * a time budget on the tests with the most expected failures per second.
 * Both are deterministic: every tie is broken by test id, then shard index.
 */
#include "selector.h"

/* Sort context: the result, so comparators can see expected durations. */
struct order {
	const struct selector_result *r;
	size_t *idx;
	double *key; /* per test index: the sort key, larger first */
};

static const struct order *sort_ctx;

/* Larger key first, then id ascending. */
static int cmp_key_desc(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	double x = sort_ctx->key[i], y = sort_ctx->key[j];

	if (x != y)
		return x > y ? -1 : 1;
	return strcmp(sort_ctx->r->v[i].id, sort_ctx->r->v[j].id);
}

static void sort_by_key(struct order *o, size_t n)
{
	sort_ctx = o;
	if (n > 1)
		gi_qsort(o->idx, n, sizeof(*o->idx), cmp_key_desc);
	sort_ctx = NULL;
}

/* A binary min-heap of shard indices keyed by (load, index). */
static int heap_less(const double *load, int a, int b)
{
	return load[a] < load[b] || (load[a] == load[b] && a < b);
}

static void heap_down(int *h, int n, const double *load, int i)
{
	for (;;) {
		int l = 2 * i + 1, m = i;

		if (l < n && heap_less(load, h[l], h[m]))
			m = l;
		if (l + 1 < n && heap_less(load, h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		int tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

/* Assign the tests idx[0..n) in order, each to the least loaded shard. */
static void assign_lpt(struct selector_result *r, const size_t *idx, size_t n)
{
	int *heap = gi_xmallocarray((size_t)r->nshards, sizeof(*heap));

	for (int s = 0; s < r->nshards; s++)
		heap[s] = s; /* loads all 0: already a heap in index order */
	for (size_t k = 0; k < n; k++) {
		struct selector_test *t = &r->v[idx[k]];
		int s = heap[0];

		t->shard = s + 1;
		r->shard_seconds[s] += selector_expected(r, t);
		r->shard_tests[s]++;
		heap_down(heap, r->nshards, r->shard_seconds, 0);
	}
	free(heap);
}

int selector_shard(struct selector_result *r, int n)
{
	struct order o = { r, NULL, NULL };
	size_t m = 0;

	if (n < 1 || n > 10000)
		return gi_error_setc(GI_EUSAGE, "shard count must be from 1 to 10000, not %d", n);
	selector_summarize(r);
	free(r->shard_seconds);
	free(r->shard_tests);
	r->nshards = n;
	r->shard_seconds = gi_xcalloc((size_t)n, sizeof(*r->shard_seconds));
	r->shard_tests = gi_xcalloc((size_t)n, sizeof(*r->shard_tests));
	o.idx = gi_xmallocarray(r->nr ? r->nr : 1, sizeof(*o.idx));
	o.key = gi_xmallocarray(r->nr ? r->nr : 1, sizeof(*o.key));
	for (size_t i = 0; i < r->nr; i++) {
		r->v[i].shard = 0;
		o.key[i] = selector_expected(r, &r->v[i]);
		if (r->v[i].selected)
			o.idx[m++] = i;
	}
	sort_by_key(&o, m);
	assign_lpt(r, o.idx, m);
	free(o.idx);
	free(o.key);
	return 0;
}

/* Kept by a budget: every selection reason but predicted and audit. */
static int budget_keeps(const struct selector_test *t)
{
	return t->selected && t->reason != SELECTOR_PREDICTED && t->reason != SELECTOR_AUDIT;
}

int selector_budget(struct selector_result *r, double seconds)
{
	struct order o = { r, NULL, NULL };
	double used = 0;
	size_t m = 0;

	if (!(seconds > 0))
		return gi_error_setc(GI_EUSAGE, "budget must be a positive duration, not %g", seconds);
	selector_summarize(r);
	o.idx = gi_xmallocarray(r->nr ? r->nr : 1, sizeof(*o.idx));
	o.key = gi_xmallocarray(r->nr ? r->nr : 1, sizeof(*o.key));
	for (size_t i = 0; i < r->nr; i++) {
		struct selector_test *t = &r->v[i];
		double d = selector_expected(r, t);

		if (budget_keeps(t)) {
			used += d;
			continue;
		}
		t->selected = 0;
		t->reason = SELECTOR_NOT_IMPACTED;
		o.key[i] = (t->score > 0 ? t->score : 0) / (d > 1e-3 ? d : 1e-3);
		o.idx[m++] = i;
	}
	r->budget = seconds;
	r->budget_exceeded = used > seconds;
	sort_by_key(&o, m);
	for (size_t k = 0; k < m; k++) {
		struct selector_test *t = &r->v[o.idx[k]];
		double d = selector_expected(r, t);

		if (used + d <= seconds) {
			selector_test_select(t, SELECTOR_PREDICTED);
			used += d;
		}
	}
	free(o.idx);
	free(o.key);
	selector_summarize(r);
	return 0;
}
