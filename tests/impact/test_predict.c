/*
 * Unit tests for impact/predict.c: the ranking value (failure probability
 * discounted by duration against the median) and the median of the known
 * durations it is measured against.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "predict_int.h"

static void test_impact_predict__priority(void **state)
{
	(void)state;
	/* a test as long as the median keeps half its score */
	assert_float_equal(impact_priority(0.4, 10, 10), 0.2, 1e-12);
	/* unknown duration counts as the median */
	assert_float_equal(impact_priority(0.4, -1, 10), 0.2, 1e-12);
	/* equal risk: the cheap test ranks first; never above the score */
	assert_true(impact_priority(0.3, 1, 10) > impact_priority(0.3, 100, 10));
	assert_true(impact_priority(0.3, 0, 10) <= 0.3);
	/* a riskier long test can still outrank a safe cheap one */
	assert_true(impact_priority(0.9, 20, 10) > impact_priority(0.05, 1, 10));
	/* no median known: the score unchanged */
	assert_float_equal(impact_priority(0.7, 5, 0), 0.7, 1e-12);
}

static void test_impact_predict__median(void **state)
{
	struct impact_hist h;
	struct impact_tstate st[4];

	(void)state;
	memset(&h, 0, sizeof(h));
	memset(st, 0, sizeof(st));
	h.ntests = 4;
	st[0].duration = 30;
	st[1].duration = -1; /* unknown: not counted */
	st[2].duration = 10;
	st[3].duration = 20;
	assert_float_equal(impact_median_duration(&h, st), 20, 1e-12);
	st[0].duration = st[2].duration = st[3].duration = -1;
	assert_float_equal(impact_median_duration(&h, st), 1, 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impact_predict__priority),
		cmocka_unit_test(test_impact_predict__median),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
