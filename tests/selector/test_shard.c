/*
 * Unit tests for selector/ results, sharding and budgets: the summary,
 * the fallback, thresholds, LPT balance and determinism, and spending a
 * budget by expected failures per second.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selector.h"

static struct selector_test *find(struct selector_result *r, const char *id)
{
	for (size_t i = 0; i < r->nr; i++)
		if (!strcmp(r->v[i].id, id))
			return &r->v[i];
	fail_msg("no test '%s'", id);
	return NULL;
}

static void add_sel(struct selector_result *r, const char *id, double d)
{
	selector_test_select(selector_result_add(r, id, d), SELECTOR_SAFE_SET);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of known durations, against a sort: odd and even counts, ties, sorted input. */
static void test_selector_shard__median(void **state)
{
	uint64_t seed = 1;

	(void)state;
	for (int round = 0; round < 300; round++) {
		struct selector_result r;
		size_t n = 1 + (size_t)round % 37, k = 0;
		double d[40], want;

		selector_result_init(&r);
		for (size_t i = 0; i < n; i++) {
			char id[32];

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			d[i] = round % 5 == 0 ? (double)i : (double)((seed >> 33) % (round % 3 ? 7 : 1000));
			snprintf(id, sizeof(id), "t%zu", i);
			selector_result_add(&r, id, d[i]);
			if (i % 4 == 3)
				selector_result_add(&r, "unknown", -1);
		}
		gi_qsort(d, n, sizeof(*d), cmp_d);
		want = n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
		selector_summarize(&r);
		assert_true(r.median_duration == want);
		for (size_t i = 0; i < r.nr; i++)
			k += r.v[i].duration < 0;
		assert_int_equal(k, n / 4); /* the unknown ones kept theirs */
		selector_result_release(&r);
	}
}

static void test_selector_shard__summary(void **state)
{
	struct selector_result r;

	(void)state;
	selector_result_init(&r);
	add_sel(&r, "a", 4);
	selector_test_select(selector_result_add(&r, "b", -1), SELECTOR_NEW);
	selector_result_add(&r, "c", 2);
	selector_result_add(&r, "d", 10);
	selector_summarize(&r);
	assert_true(r.median_duration == 4);           /* of 4, 2, 10 */
	assert_int_equal(r.nselected, 2);
	assert_true(r.seconds_selected == 8);          /* b counts at the median */
	assert_true(r.seconds_total == 20);
	assert_int_equal(r.by_reason[SELECTOR_NEW], 1);
	assert_int_equal(r.by_reason[SELECTOR_NOT_IMPACTED], 2);
	/* first reason wins */
	selector_test_select(&r.v[0], SELECTOR_NEW);
	assert_int_equal(r.v[0].reason, SELECTOR_SAFE_SET);
	/* a threshold picks scored tests only */
	r.v[2].score = 0.3;
	selector_apply_threshold(&r, 0.25);
	assert_int_equal(r.v[2].reason, SELECTOR_PREDICTED);
	assert_false(r.v[3].selected); /* never scored */
	selector_result_fallback(&r, "the store is corrupt");
	selector_summarize(&r);
	assert_int_equal(r.nselected, 4);
	assert_int_equal(r.v[3].reason, SELECTOR_FALLBACK);
	assert_string_equal(r.fallback, "the store is corrupt");
	assert_string_equal(selector_reason_name(SELECTOR_FAILED_LAST), "failed-last");
	assert_string_equal(selector_reason_name(99), "?");
	selector_result_release(&r);
	selector_result_release(&r); /* released twice: still fine */
}

static void test_selector_shard__lpt(void **state)
{
	struct selector_result r;
	static const char *const ids[] = { "g", "c", "a", "e", "f", "b", "d" };
	static const double dur[] = { 1, 3, 5, 2, 2, 4, 3 };

	(void)state;
	selector_result_init(&r);
	for (size_t i = 0; i < GI_ARRAY_SIZE(ids); i++)
		add_sel(&r, ids[i], dur[i]);
	selector_result_add(&r, "skipped", 100);
	assert_int_equal(selector_shard(&r, 2), 0);
	/* a5->1, b4->2, c3->2, d3->1, e2->2, f2->1, g1->2 (ties by id, then shard) */
	assert_int_equal(find(&r, "a")->shard, 1);
	assert_int_equal(find(&r, "b")->shard, 2);
	assert_int_equal(find(&r, "c")->shard, 2);
	assert_int_equal(find(&r, "d")->shard, 1);
	assert_int_equal(find(&r, "e")->shard, 2);
	assert_int_equal(find(&r, "f")->shard, 1);
	assert_int_equal(find(&r, "g")->shard, 2);
	assert_int_equal(find(&r, "skipped")->shard, 0);
	assert_true(r.shard_seconds[0] == 10 && r.shard_seconds[1] == 10);
	assert_int_equal(r.shard_tests[0], 3);
	assert_int_equal(r.shard_tests[1], 4);
	assert_int_equal(selector_shard(&r, 0), GI_EUSAGE);
	selector_result_release(&r);
}

static void test_selector_shard__deterministic(void **state)
{
	struct selector_result a, b;
	char id[32];

	(void)state;
	selector_result_init(&a);
	selector_result_init(&b);
	for (int i = 0; i < 500; i++) {
		snprintf(id, sizeof(id), "t%03d", i);
		add_sel(&a, id, i % 7 == 0 ? -1 : (double)(i % 13));
		snprintf(id, sizeof(id), "t%03d", 499 - i);
		add_sel(&b, id, (499 - i) % 7 == 0 ? -1 : (double)((499 - i) % 13));
	}
	assert_int_equal(selector_shard(&a, 7), 0);
	assert_int_equal(selector_shard(&b, 7), 0);
	selector_result_sort(&b);
	for (int i = 0; i < 500; i++) {
		assert_string_equal(a.v[i].id, b.v[i].id);
		assert_int_equal(a.v[i].shard, b.v[i].shard);
	}
	/* balanced: LPT is within the longest test of the mean */
	for (int s = 0; s < 7; s++)
		assert_true(fabs(a.shard_seconds[s] - a.seconds_selected / 7) <= 12);
	selector_result_release(&a);
	selector_result_release(&b);
}

static void test_selector_shard__unknown_and_empty(void **state)
{
	struct selector_result r;

	(void)state;
	selector_result_init(&r);
	add_sel(&r, "x", -1);
	add_sel(&r, "y", -1);
	assert_int_equal(selector_shard(&r, 4), 0);
	assert_true(r.median_duration == 1); /* nothing known: 1 s each */
	assert_true(r.shard_seconds[0] == 1 && r.shard_seconds[1] == 1);
	assert_true(r.shard_seconds[2] == 0 && r.shard_tests[3] == 0);
	selector_result_release(&r);
}

static void test_selector_shard__budget(void **state)
{
	struct selector_result r;

	(void)state;
	selector_result_init(&r);
	add_sel(&r, "safe", 10);
	selector_result_add(&r, "x", 1)->score = 0.5;  /* 0.5 per second */
	selector_result_add(&r, "y", 10)->score = 0.9; /* 0.09 per second */
	selector_result_add(&r, "z", 1)->score = 0.2;  /* 0.2 per second */
	selector_test_select(find(&r, "y"), SELECTOR_PREDICTED); /* re-decided */
	assert_int_equal(selector_budget(&r, 13), 0);
	assert_true(find(&r, "safe")->selected);
	assert_int_equal(find(&r, "x")->reason, SELECTOR_PREDICTED);
	assert_int_equal(find(&r, "z")->reason, SELECTOR_PREDICTED);
	assert_false(find(&r, "y")->selected);
	assert_true(r.seconds_selected == 12);
	assert_false(r.budget_exceeded);
	assert_true(r.budget == 13);
	/* the kept set alone is over budget: it still runs, and says so */
	assert_int_equal(selector_budget(&r, 5), 0);
	assert_true(r.budget_exceeded);
	assert_true(find(&r, "safe")->selected);
	assert_int_equal(r.nselected, 1);
	assert_int_equal(selector_budget(&r, 0), GI_EUSAGE);
	assert_int_equal(selector_budget(&r, -3), GI_EUSAGE);
	selector_result_release(&r);
}

static void test_selector_shard__audit(void **state)
{
	struct selector_result a, b;
	char id[32];
	int n;

	(void)state;
	selector_result_init(&a);
	selector_result_init(&b);
	for (int i = 0; i < 10000; i++) {
		snprintf(id, sizeof(id), "t%05d", i);
		if (i < 1000)
			add_sel(&a, id, 1);
		else
			selector_result_add(&a, id, 1);
		snprintf(id, sizeof(id), "t%05d", 9999 - i);
		if (9999 - i < 1000)
			add_sel(&b, id, 1);
		else
			selector_result_add(&b, id, 1);
	}
	n = selector_audit(&a, 0.1, 7);
	assert_true(n > 800 && n < 1000); /* ~ 9000 * 0.1 */
	assert_int_equal(a.by_reason[SELECTOR_AUDIT], (size_t)n);
	assert_int_equal(a.by_reason[SELECTOR_SAFE_SET], 1000); /* selected ones untouched */
	/* order-independent and reproducible */
	assert_int_equal(selector_audit(&b, 0.1, 7), n);
	selector_result_sort(&b);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(a.v[i].reason, b.v[i].reason);
	assert_int_equal(selector_audit(&a, 0, 7), 0);
	assert_int_equal(selector_audit(&a, 2, 7), GI_EUSAGE);
	assert_non_null(strstr(gi_error_last(), "--audit"));
	selector_result_release(&a);
	selector_result_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selector_shard__summary),
		cmocka_unit_test(test_selector_shard__median),
		cmocka_unit_test(test_selector_shard__lpt),
		cmocka_unit_test(test_selector_shard__deterministic),
		cmocka_unit_test(test_selector_shard__unknown_and_empty),
		cmocka_unit_test(test_selector_shard__budget),
		cmocka_unit_test(test_selector_shard__audit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
