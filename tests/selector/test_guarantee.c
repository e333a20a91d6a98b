/*
 * Unit tests for selector/guarantee.c: binomial tails and Clopper-Pearson
 * bounds against values computed exactly (60-digit decimal sums), the
 * runs-needed count, and the threshold choice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "selector.h"

#define assert_close(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static void test_selector_guarantee__binom_cdf(void **state)
{
	(void)state;
	assert_close(selector_binom_cdf(3, 10, 0.5), 0.171875, 1e-14);
	assert_close(selector_binom_cdf(0, 299, 0.01), 0.04953625663766248, 1e-14);
	/* large n: the log-space walk stays exact */
	assert_close(selector_binom_cdf(1000, 100000, 0.01), 0.5084094733514329, 1e-10);
	assert_close(selector_binom_cdf(10, 10, 0.3), 1.0, 0);
	assert_close(selector_binom_cdf(0, 5, 0.0), 1.0, 0);
	assert_close(selector_binom_cdf(4, 5, 1.0), 0.0, 0);
	/* far tail: no underflow to garbage */
	assert_true(selector_binom_cdf(0, 100000, 0.5) == 0.0 ||
		    selector_binom_cdf(0, 100000, 0.5) < 1e-300);
}

static void test_selector_guarantee__upper_bound(void **state)
{
	(void)state;
	/* k = 0: 1 - alpha^(1/n); n = 299, C = 0.95 gives ~0.01 */
	assert_close(selector_binom_upper(0, 299, 0.95), 0.009969146792899271, 1e-12);
	assert_close(selector_binom_upper(1, 10, 0.95), 0.3941633024365048, 1e-12);
	assert_close(selector_binom_upper(5, 1000, 0.95), 0.010484076911415654, 1e-12);
	assert_close(selector_binom_upper(3, 3, 0.95), 1.0, 0);
	/* more misses, looser bound; more confidence, looser bound */
	assert_true(selector_binom_upper(2, 100, 0.95) > selector_binom_upper(1, 100, 0.95));
	assert_true(selector_binom_upper(1, 100, 0.99) > selector_binom_upper(1, 100, 0.95));
}

static void test_selector_guarantee__runs_needed(void **state)
{
	(void)state;
	assert_int_equal(selector_runs_needed(0.99, 0.95), 299);
	assert_int_equal(selector_runs_needed(0.95, 0.95), 59);
	assert_int_equal(selector_runs_needed(0.9, 0.9), 22);
	assert_int_equal(selector_runs_needed(0.999, 0.95), 2995);
}

static void test_selector_guarantee__too_few_runs(void **state)
{
	double v[100];
	struct selector_guarantee g = { 0 };

	(void)state;
	for (int i = 0; i < 100; i++)
		v[i] = i / 100.0;
	g.level_test = 1;
	assert_int_equal(selector_guarantee_compute(v, 100, 0.99, 0.95, &g), 0);
	assert_false(g.stated);
	assert_int_equal(g.runs, 100);
	assert_int_equal(g.runs_needed, 199);
	assert_int_equal(g.level_test, 1);
	assert_true(g.bound > 0.01 && g.bound < 0.04); /* the best 100 runs can show */
	assert_int_equal(selector_guarantee_compute(NULL, 0, 0.99, 0.95, &g), 0);
	assert_int_equal(g.runs_needed, 299);
	assert_true(g.bound == 1.0);
	assert_int_equal(selector_guarantee_compute(v, 100, 1.5, 0.95, &g), GI_EUSAGE);
	assert_int_equal(selector_guarantee_compute(v, 100, 0.99, 0, &g), GI_EUSAGE);
}

static void test_selector_guarantee__threshold(void **state)
{
	double *v = malloc(1000 * sizeof(*v));
	struct selector_guarantee g = { 0 };

	(void)state;
	/* shuffled 0.000 .. 0.999: k* = 4 (P(Bin(1000, .01) <= 4) = 0.029, <= 5 = 0.066) */
	for (int i = 0; i < 1000; i++)
		v[i] = ((i * 7919) % 1000) / 1000.0;
	assert_int_equal(selector_guarantee_compute(v, 1000, 0.99, 0.95, &g), 0);
	assert_true(g.stated);
	assert_close(g.threshold, 0.004, 1e-12);
	assert_int_equal(g.misses, 4);
	assert_true(g.bound <= 0.01);
	assert_true(g.bound > selector_binom_upper(3, 1000, 0.95));
	assert_int_equal(g.runs_needed, 0);
	/* a run caught at t means needed >= t: exactly 4 values are below */
	{
		int below = 0;

		for (int i = 0; i < 1000; i++)
			below += v[i] < g.threshold;
		assert_int_equal(below, 4);
	}
	/* the bound a lower threshold achieves: no misses */
	selector_guarantee_at(v, 1000, 0.0, 0.95, &g);
	assert_int_equal(g.misses, 0);
	assert_close(g.bound, selector_binom_upper(0, 1000, 0.95), 1e-15);
	free(v);
}

static void test_selector_guarantee__ties_and_nan(void **state)
{
	double v[1000];
	struct selector_guarantee g = { 0 };

	(void)state;
	/* 700 runs the safe set caught (2), 300 that needed 0.5, one NaN (a miss) */
	for (int i = 0; i < 1000; i++)
		v[i] = i < 700 ? 2.0 : 0.5;
	v[0] = NAN;
	assert_int_equal(selector_guarantee_compute(v, 1000, 0.99, 0.95, &g), 0);
	assert_true(g.stated);
	/* 4 misses are allowed at n = 1000; ties at the threshold are never misses */
	assert_close(g.threshold, 0.5, 0);
	assert_int_equal(g.misses, 1);
	assert_true(g.bound <= 0.01);
}

static void test_selector_guarantee__large_n(void **state)
{
	size_t n = 100000;
	double *v = malloc(n * sizeof(*v));
	struct selector_guarantee g = { 0 };

	(void)state;
	for (size_t i = 0; i < n; i++)
		v[i] = (double)((i * 104729) % n) / (double)n;
	assert_int_equal(selector_guarantee_compute(v, n, 0.99, 0.95, &g), 0);
	assert_true(g.stated);
	/* about 1% minus the confidence margin may be missed */
	assert_true(g.misses > 900 && g.misses < 1000);
	assert_true(g.bound <= 0.01 && g.bound > 0.0099);
	free(v);
}

static void test_selector_guarantee__empirical(void **state)
{
	double v[10] = { 0.9, 0.1, 0.5, 0.3, 0.7, 2, 2, 0.2, 0.6, 0.4 };
	double nan_v[3] = { NAN, 0.5, 0.8 };

	(void)state;
	/* 10 values, recall 0.8: at most 2 below the threshold */
	assert_close(selector_threshold_empirical(v, 10, 0.8), 0.3, 1e-12);
	/* recall 0.95: none may miss, the threshold is the smallest value */
	assert_close(selector_threshold_empirical(v, 10, 0.95), 0.1, 1e-12);
	/* NaN counts as a miss below everything */
	assert_close(selector_threshold_empirical(nan_v, 3, 0.6), 0.5, 1e-12);
	/* no values: every scored test (more, never fewer) */
	assert_close(selector_threshold_empirical(NULL, 0, 0.99), 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selector_guarantee__binom_cdf),
		cmocka_unit_test(test_selector_guarantee__upper_bound),
		cmocka_unit_test(test_selector_guarantee__runs_needed),
		cmocka_unit_test(test_selector_guarantee__too_few_runs),
		cmocka_unit_test(test_selector_guarantee__threshold),
		cmocka_unit_test(test_selector_guarantee__ties_and_nan),
		cmocka_unit_test(test_selector_guarantee__large_n),
		cmocka_unit_test(test_selector_guarantee__empirical),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
