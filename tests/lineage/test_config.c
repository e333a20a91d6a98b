/* Unit tests for lineage/config.c: impact.yaml. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "manifest_int.h"

#define FIX GI_SOURCE_DIR "/fixtures/manifests/get-started/"

static void test_lineage_config__design_shape(void **state)
{
	struct gi_buf b;
	struct lineage_config *c = NULL;
	const struct lineage_config_test *t;

	(void)state;
	assert_int_equal(gi_read_file(FIX "impact.yaml", 1 << 20, &b), 0);
	assert_int_equal(lineage_config_parse("impact.yaml", b.ptr, b.len, &c), 0);
	assert_int_equal(c->roots.nr, 2);
	assert_string_equal(c->roots.v[0], "src");
	assert_string_equal(c->include_dirs.v[0], "include");
	assert_string_equal(c->test_patterns.v[1], "**/*_test.c");
	assert_int_equal(c->ignore.nr, 2);
	assert_string_equal(c->always_run.v[0], "tests/test_smoke.py::*");
	assert_string_equal(c->params_files.v[0], "configs/model.json");
	assert_int_equal(c->tests_nr, 3);
	t = &c->tests[0];
	assert_string_equal(t->pattern, "tests/test_train.py::*");
	assert_int_equal(t->line, 10);
	assert_int_equal(t->deps_nr, 4);
	assert_int_equal(t->deps[0].kind, LINEAGE_DEP_PARAM);
	assert_string_equal(t->deps[0].target, "params.yaml");
	assert_string_equal(t->deps[0].key, "train.n_est");
	assert_int_equal(t->deps[1].kind, LINEAGE_DEP_PATH);
	assert_int_equal(t->deps[3].kind, LINEAGE_DEP_MODEL);
	assert_string_equal(t->deps[3].target, "clf");
	assert_string_equal(t->deps[3].key, "@champion");
	t = &c->tests[1];
	assert_int_equal(t->deps[1].kind, LINEAGE_DEP_GLOB);
	assert_int_equal(t->deps[2].kind, LINEAGE_DEP_STAGE);
	assert_string_equal(t->deps[2].target, "evaluate");
	assert_string_equal(t->deps[3].key, "2");
	assert_int_equal(t->deps[3].line, 17);
	assert_int_equal(c->tests[2].deps_nr, 1);
	lineage_config_free(c);
	gi_buf_release(&b);
}

static void test_lineage_config__defaults(void **state)
{
	struct lineage_config *c = NULL;

	(void)state;
	assert_int_equal(lineage_config_parse("impact.yaml", "", 0, &c), 0);
	assert_int_equal(c->roots.nr, 1);
	assert_string_equal(c->roots.v[0], ".");
	assert_int_equal(c->version, 1);
	lineage_config_free(c);
	assert_int_equal(lineage_config_parse("impact.yaml", "ignore: docs/**\n", 16, &c), 0);
	assert_string_equal(c->ignore.v[0], "docs/**");
	lineage_config_free(c);
}

static void expect_bad(const char *text, const char *needle)
{
	struct lineage_config *c = NULL;

	gi_error_clear();
	assert_int_equal(lineage_config_parse("impact.yaml", text, strlen(text), &c), GI_EINPUT);
	assert_null(c);
	if (!strstr(gi_error_last(), needle))
		fail_msg("error '%s' lacks '%s'", gi_error_last(), needle);
}

static void test_lineage_config__bad_input(void **state)
{
	(void)state;
	expect_bad("roots: [src]\nalways-run: [x]\n", "'impact.yaml' at line 2: 'always-run' is not a known key");
	expect_bad("roots: {a: 1}\n", "at line 1: 'roots' must be a list of strings");
	expect_bad("ignore:\n  - docs\n  - [x]\n", "at line 3: 'ignore' must be a list of strings");
	expect_bad("tests: [a]\n", "at line 1: 'tests' must be a mapping");
	expect_bad("tests:\n  t::*:\n    depend: [x]\n", "at line 3: 'depend' is not a known key of a test entry");
	expect_bad("tests:\n  t::*:\n    always_run: maybe\n", "at line 3: 'always_run' must be true or false");
	expect_bad("tests:\n  t::*:\n    depends: [../outside]\n", "at line 3: 'depends' entry '../outside'");
	expect_bad("version: 2\n", "at line 1: 'version' must be 1");
	expect_bad("roots: [src\n", "cannot parse 'impact.yaml' at line");
	expect_bad("- a\n", "the top level must be a mapping");
}

static void test_lineage_config__dep_kinds(void **state)
{
	struct lineage_config_dep d;

	(void)state;
	assert_int_equal(lineage_config_dep_parse("conf/a.json:opt", &d), 0);
	assert_int_equal(d.kind, LINEAGE_DEP_PARAM);
	assert_string_equal(d.target, "conf/a.json");
	free(d.target);
	free(d.key);
	assert_int_equal(lineage_config_dep_parse("models:/clf", &d), 0);
	assert_string_equal(d.key, "");
	free(d.target);
	free(d.key);
	assert_int_equal(lineage_config_dep_parse("./data//raw.csv", &d), 0);
	assert_string_equal(d.target, "data/raw.csv");
	assert_null(d.key);
	free(d.target);
	assert_int_equal(lineage_config_dep_parse("", &d), GI_EINPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lineage_config__design_shape),
		cmocka_unit_test(test_lineage_config__defaults),
		cmocka_unit_test(test_lineage_config__bad_input),
		cmocka_unit_test(test_lineage_config__dep_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
