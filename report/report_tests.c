/*
 * report_tests.c - the per-test side of the report: every known test with
 * its time in the window, flaky tests per week (a flaky result, or a pass
 * and a failure at one commit), the costliest and flakiest five, and the
 * tests no selection in the window picked.
 */
#include "report_int.h"

static int on_test(void *data, const struct store_report_test *row)
{
	struct report_ctx *c = data;
	struct report_tinfo *t;

	GI_ALLOC_GROW(c->tests, c->ntests + 1, c->atests);
	t = &c->tests[c->ntests++];
	t->id = row->id;
	t->name = gi_xstrdup(row->name);
	t->first_seen = row->first_seen;
	t->mean = row->mean_duration;
	t->seconds = row->seconds;
	t->runs = row->runs;
	t->flaky = 0;
	return 0;
}

struct report_tinfo *report_test_find(struct report_ctx *c, int64_t id)
{
	size_t lo = 0, hi = c->ntests;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->tests[mid].id == id)
			return &c->tests[mid];
		if (c->tests[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* (week, test) pairs seen flaky, counted distinct per week afterwards. */
struct flaky_pairs {
	struct report_ctx *c;
	struct { size_t week; int64_t test; } *v;
	size_t nr, alloc;
};

static int on_flaky(void *data, const struct store_report_flaky *row)
{
	struct flaky_pairs *p = data;
	struct report_tinfo *t = report_test_find(p->c, row->test);
	size_t wi = report_week_of(p->c->r, row->time);

	if (t)
		t->flaky++;
	if (wi == p->c->r->nweeks)
		return 0;
	GI_ALLOC_GROW(p->v, p->nr + 1, p->alloc);
	p->v[p->nr].week = wi;
	p->v[p->nr].test = row->test;
	p->nr++;
	return 0;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct { size_t week; int64_t test; } *x = a, *y = b;

	if (x->week != y->week)
		return x->week < y->week ? -1 : 1;
	return (x->test > y->test) - (x->test < y->test);
}

static int flaky_gather(struct report_ctx *c)
{
	struct flaky_pairs p = { c, NULL, 0, 0 };
	struct report *r = c->r;
	int err;

	if ((err = store_report_flaky_each(c->s, r->since, r->until, on_flaky, &p)))
		goto done;
	if (p.nr)
		gi_qsort(p.v, p.nr, sizeof(*p.v), cmp_pair);
	for (size_t i = 0; i < p.nr; i++)
		if (!i || cmp_pair(&p.v[i], &p.v[i - 1]))
			r->weeks[p.v[i].week].flaky++;
	for (size_t i = 0; i < c->ntests; i++)
		r->total.flaky += c->tests[i].flaky > 0;
done:
	free(p.v);
	return err;
}

static int cmp_costly(const void *a, const void *b)
{
	const struct report_tinfo *x = *(const struct report_tinfo *const *)a;
	const struct report_tinfo *y = *(const struct report_tinfo *const *)b;

	if (x->seconds != y->seconds)
		return x->seconds > y->seconds ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_flaky(const void *a, const void *b)
{
	const struct report_tinfo *x = *(const struct report_tinfo *const *)a;
	const struct report_tinfo *y = *(const struct report_tinfo *const *)b;

	if (x->flaky != y->flaky)
		return x->flaky > y->flaky ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The first REPORT_TOP tests by `cmp` whose figure is positive, into top[]. */
static size_t top_of(struct report_ctx *c, int (*cmp)(const void *, const void *), int by_flaky,
		     struct report_test *top)
{
	struct report_tinfo **v = gi_xcalloc(c->ntests ? c->ntests : 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < c->ntests; i++)
		v[i] = &c->tests[i];
	if (c->ntests)
		gi_qsort(v, c->ntests, sizeof(*v), cmp);
	for (size_t i = 0; i < c->ntests && n < REPORT_TOP; i++) {
		if (by_flaky ? v[i]->flaky <= 0 : v[i]->seconds <= 0)
			break;
		top[n].name = gi_xstrdup(v[i]->name);
		top[n].seconds = v[i]->seconds;
		top[n].runs = v[i]->runs;
		top[n].flaky = v[i]->flaky;
		n++;
	}
	free(v);
	return n;
}

int report_tests_gather(struct report_ctx *c)
{
	struct report *r = c->r;
	int err;

	if ((err = store_report_tests_each(c->s, r->since, r->until, on_test, c)) ||
	    (err = flaky_gather(c)))
		return err;
	for (size_t i = 0; i < c->ntests; i++)
		r->tests_known += c->tests[i].first_seen < r->until;
	r->ncostly = top_of(c, cmp_costly, 0, r->costly);
	r->nflaky = top_of(c, cmp_flaky, 1, r->flaky);
	return 0;
}

/* 1 if `name` or its file part (before "::") was selected. */
static int was_selected(const struct gi_strvec *sel, const char *name)
{
	const char *sep = strstr(name, "::");
	char *file;
	int found;

	if (gi_strvec_find_sorted(sel, name) >= 0)
		return 1;
	if (!sep)
		return 0;
	file = gi_xstrndup(name, (size_t)(sep - name));
	found = gi_strvec_find_sorted(sel, file) >= 0;
	free(file);
	return found;
}

int report_never_gather(struct report_ctx *c)
{
	struct gi_strvec sel = GI_STRVEC_INIT;
	struct report *r = c->r;
	int err;

	if (!r->total.selections) /* nothing to compare with: the writers say so */
		return 0;
	if ((err = store_report_selected_names(c->s, r->since, r->until, &sel)))
		goto done;
	gi_strvec_sort_uniq(&sel);
	for (size_t i = 0; i < c->ntests; i++) {
		if (c->tests[i].first_seen >= r->until || was_selected(&sel, c->tests[i].name))
			continue;
		gi_strvec_push(&r->never, c->tests[i].name);
	}
	gi_strvec_sort_uniq(&r->never);
done:
	gi_strvec_clear(&sel);
	return err;
}
