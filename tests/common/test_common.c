/* Unit tests for common/: buffers, globs, number and duration parsing, hashing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static void test_common_buf__limit(void **state)
{
	struct gi_buf b;

	(void)state;
	gi_buf_init(&b, 8);
	assert_int_equal(gi_buf_adds(&b, "12345678"), 0);
	assert_int_equal(gi_buf_addch(&b, 'x'), GI_ELIMIT);
	assert_string_equal(gi_buf_cstr(&b), "12345678");
	gi_buf_reset(&b);
	assert_int_equal(gi_buf_printf(&b, "%d-%s", 42, "ab"), 0);
	assert_string_equal(gi_buf_cstr(&b), "42-ab");
	gi_buf_release(&b);
	assert_string_equal(gi_buf_cstr(&b), "");
}

static void test_common_glob__segments(void **state)
{
	(void)state;
	assert_true(gi_glob_match("*.md", "docs/a/README.md"));
	assert_true(gi_glob_match("docs/**", "docs/a/b.txt"));
	assert_false(gi_glob_match("docs/**", "src/docs.c"));
	assert_true(gi_glob_match("tests/**/test_*.py", "tests/test_a.py"));
	assert_true(gi_glob_match("tests/**/test_*.py", "tests/x/y/test_a.py"));
	assert_false(gi_glob_match("tests/*.py", "tests/x/test_a.py"));
	assert_true(gi_glob_match("**/*_test.c", "a/b/foo_test.c"));
	assert_true(gi_glob_match("**/*_test.c", "foo_test.c"));
	assert_true(gi_glob_match("data/[ab].csv", "data/a.csv"));
	assert_false(gi_glob_match("data/[!ab].csv", "data/a.csv"));
	assert_true(gi_glob_match("f?o", "foo"));
}

static void test_common_parse__numbers(void **state)
{
	long l;
	double d;

	(void)state;
	assert_int_equal(gi_parse_long("42", &l), 0);
	assert_int_equal(l, 42);
	assert_int_equal(gi_parse_long("4x", &l), GI_EINPUT);
	assert_int_equal(gi_parse_long("", &l), GI_EINPUT);
	assert_int_equal(gi_parse_double("0.99", &d), 0);
	assert_true(d > 0.98 && d < 1.0);
	assert_int_equal(gi_parse_double("nan", &d), GI_EINPUT);
}

static void test_common_parse__durations(void **state)
{
	double s;

	(void)state;
	assert_int_equal(gi_parse_duration("5m", &s), 0);
	assert_true(s == 300);
	assert_int_equal(gi_parse_duration("1h30m", &s), 0);
	assert_true(s == 5400);
	assert_int_equal(gi_parse_duration("250ms", &s), 0);
	assert_true(s == 0.25);
	assert_int_equal(gi_parse_duration("90", &s), 0);
	assert_true(s == 90);
	assert_int_equal(gi_parse_duration("-3s", &s), GI_EINPUT);
	assert_int_equal(gi_parse_duration("5x", &s), GI_EINPUT);
	assert_int_equal(gi_parse_duration("", &s), GI_EINPUT);
}

static void test_common_hash__stable(void **state)
{
	char hex[17];

	(void)state;
	assert_true(gi_hash_node("file", "a.py", 4) == gi_hash_node("file", "a.py", 4));
	assert_true(gi_hash_node("file", "a.py", 4) != gi_hash_node("param", "a.py", 4));
	gi_hex64(0x0123456789abcdefULL, hex);
	assert_string_equal(hex, "0123456789abcdef");
}

static void test_common_strvec__sort_uniq(void **state)
{
	struct gi_strvec sv = GI_STRVEC_INIT;

	(void)state;
	gi_strvec_push(&sv, "b");
	gi_strvec_push(&sv, "a");
	gi_strvec_pushf(&sv, "%s", "b");
	gi_strvec_sort_uniq(&sv);
	assert_int_equal(sv.nr, 2);
	assert_int_equal(gi_strvec_find_sorted(&sv, "b"), 1);
	assert_int_equal(gi_strvec_find_sorted(&sv, "c"), -1);
	gi_strvec_clear(&sv);
}

/* After the heap is tuned for huge pages, memory of every size still works as memory. */
static void test_common_alloc__huge_pages(void **state)
{
	static const size_t sizes[] = { 1, 4096, (size_t)3 << 20, (size_t)40 << 20, 100 };
	unsigned char *p[GI_ARRAY_SIZE(sizes)];

	(void)state;
	gi_alloc_prefer_huge_pages();
	gi_alloc_prefer_huge_pages(); /* twice: harmless */
	for (size_t i = 0; i < GI_ARRAY_SIZE(sizes); i++) {
		p[i] = gi_xmalloc(sizes[i]);
		for (size_t k = 0; k < sizes[i]; k += 997)
			p[i][k] = (unsigned char)(i + k);
	}
	p[1] = gi_xrealloc(p[1], (size_t)5 << 20);
	for (size_t i = 0; i < GI_ARRAY_SIZE(sizes); i++) {
		for (size_t k = 0; k < sizes[i]; k += 997)
			assert_int_equal(p[i][k], (unsigned char)(i + k));
		free(p[i]);
	}
}

static void test_common_error__message(void **state)
{
	(void)state;
	assert_int_equal(gi_error_setc(GI_EINPUT, "cannot parse '%s' at line %d", "x.xml", 3), GI_EINPUT);
	assert_string_equal(gi_error_last(), "cannot parse 'x.xml' at line 3");
	gi_error_clear();
	assert_string_equal(gi_error_last(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_buf__limit),
		cmocka_unit_test(test_common_glob__segments),
		cmocka_unit_test(test_common_parse__numbers),
		cmocka_unit_test(test_common_parse__durations),
		cmocka_unit_test(test_common_hash__stable),
		cmocka_unit_test(test_common_strvec__sort_uniq),
		cmocka_unit_test(test_common_error__message),
		cmocka_unit_test(test_common_alloc__huge_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
