/* Unit tests for history/testid.c: canonical test ids for every dialect's naming. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

static void expect_id(const char *file, const char *cls, const char *name, int python,
		      const char *want)
{
	struct gi_buf b = GI_BUF_INIT;

	assert_int_equal(history_test_id(&b, file, cls, name, python), 0);
	assert_string_equal(gi_buf_cstr(&b), want);
	gi_buf_release(&b);
}

static void test_history_testid__pytest(void **state)
{
	(void)state;
	expect_id(NULL, "tests.test_model.TestEval", "test_auc[small]", 0,
		  "tests/test_model.py::TestEval::test_auc[small]");
	expect_id(NULL, "tests.test_model.TestEval.Inner", "test_x", 0,
		  "tests/test_model.py::TestEval::Inner::test_x");
	expect_id(NULL, "tests.data_test", "test_x", 0, "tests/data_test.py::test_x");
	expect_id(NULL, "pkg.checks", "test_x", 1, "pkg/checks.py::test_x");
	expect_id("tests/test_model.py", "tests.test_model.TestEval", "test_auc[small]", 0,
		  "tests/test_model.py::TestEval::test_auc[small]");
	expect_id("./tests/test_m.py", "tests.test_m", "test_y", 0, "tests/test_m.py::test_y");
	expect_id("test_m.py", "test_m", "test_y", 1, "test_m.py::test_y");
}

static void test_history_testid__others(void **state)
{
	(void)state;
	/* Java: not a Python test module, so classname::name */
	expect_id(NULL, "com.example.CartTest", "addsItem", 0, "com.example.CartTest::addsItem");
	expect_id("src/test/java/com/example/CartTest.java", "com.example.CartTest", "addsItem", 0,
		  "src/test/java/com/example/CartTest.java::addsItem");
	/* go: a package path */
	expect_id(NULL, "example.com/shop/cart", "TestAdd/sub", 0, "example.com/shop/cart::TestAdd/sub");
	/* ctest and jest: classname repeats the name */
	expect_id(NULL, "unit_test_store", "unit_test_store", 0, "unit_test_store");
	expect_id("src/a.test.js", "Calc adds", "Calc adds", 0, "src/a.test.js::Calc adds");
	expect_id(NULL, "", "lonely", 0, "lonely");
	expect_id(NULL, NULL, "lonely", 0, "lonely");
	/* not identifiers: never turned into a path */
	expect_id(NULL, "tests.test-x", "t", 0, "tests.test-x::t");
	expect_id(NULL, "tests..test_x", "t", 0, "tests..test_x::t");
	expect_id(NULL, "tests.test_x.", "t", 0, "tests.test_x.::t");
	expect_id(NULL, "Upper.test_x", "t", 0, "Upper.test_x::t");
}

static void test_history_testid__limit(void **state)
{
	struct gi_buf b;

	(void)state;
	gi_buf_init(&b, 10);
	assert_int_equal(history_test_id(&b, NULL, "a", "a_very_long_name", 0), GI_ELIMIT);
	assert_non_null(strstr(gi_error_last(), "longer than 10 bytes"));
	gi_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_testid__pytest),
		cmocka_unit_test(test_history_testid__others),
		cmocka_unit_test(test_history_testid__limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
