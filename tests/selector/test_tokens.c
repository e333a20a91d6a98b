/*
 * Unit tests for selector/tokens.c: tokens of paths and test ids, their
 * hashes, and the Jaccard overlap of hash sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "selector.h"

static void test_selector_tokens__overlap(void **state)
{
	struct gi_strvec changed = GI_STRVEC_INIT;

	(void)state;
	selector_tokenize("src/featureStore/load_data.py", &changed);
	/* feature store load data: 4 tokens ("src" and "py" are stop words) */
	assert_int_equal(changed.nr, 4);
	/* test tokens: feature store (x is too short): shared 2, union 4 */
	assert_true(fabs(selector_token_overlap(&changed, "tests/test_feature_store.py::test_x") - 0.5) < 1e-12);
	assert_true(selector_token_overlap(&changed, "tests/test_other.py::test_y") == 0);
	gi_strvec_clear(&changed);
}

static void test_selector_tokens__hashes(void **state)
{
	uint64_t *a = NULL, *b = NULL;
	size_t na = 0, nb = 0, aa = 0, ab = 0;

	(void)state;
	selector_token_hashes("src/featureStore/load_data.py", &a, &na, &aa);
	selector_token_hashes("src/data/load.py", &a, &na, &aa); /* appended: duplicates */
	assert_int_equal(na, 4 + 2);
	na = selector_hashes_uniq(a, na);
	assert_int_equal(na, 4);
	selector_token_hashes("tests/test_feature_store.py::test_x", &b, &nb, &ab);
	assert_int_equal(nb, 2); /* feature store */
	assert_true(fabs(selector_hash_overlap(a, na, b, nb) - 0.5) < 1e-12);
	assert_true(selector_hash_overlap(a, na, b, 0) == 0);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selector_tokens__overlap),
		cmocka_unit_test(test_selector_tokens__hashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
