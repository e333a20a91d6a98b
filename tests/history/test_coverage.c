/* Unit tests for history/coverage.c: coverage.py JSON and lcov readers, paths, recording. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"
#include "store.h"

#define C1 "1111111111111111111111111111111111111111"

/* Collects pairs as "test>path" lines. */
static int collect(void *data, const char *test, const char *path)
{
	gi_strvec_pushf(data, "%s>%s", test, path);
	return 0;
}

static int read_str(const char *text, int format, struct gi_strvec *out)
{
	return history_coverage_read_mem("r.json", text, strlen(text), format, out ? collect : NULL,
					 out);
}

static void expect_error(const char *text, int format, int code, const char *msg)
{
	assert_int_equal(read_str(text, format, NULL), code);
	if (!strstr(gi_error_last(), msg))
		fail_msg("error '%s' lacks '%s'", gi_error_last(), msg);
}

static const char report[] =
	"{\"meta\": {\"version\": \"7.4\", \"show_contexts\": true},\n"
	" \"files\": {\n"
	"  \"/w/src/a.py\": {\"executed_lines\": [1, 2], \"summary\": {\"pct\": 1.5e2},\n"
	"   \"contexts\": {\"1\": [\"\", \"tests/t.py::test_a|run\", \"tests/t.py::test_a|setup\"],\n"
	"                  \"2\": [\"tests/t.py::TestX::test_b[1]|run\", \"tests/t.py::test_a|run\"]},\n"
	"   \"functions\": {\"f\": {\"contexts\": {\"1\": [\"tests/t.py::hidden|run\"]}}}},\n"
	"  \"src/caf\\u00e9.py\": {\"contexts\": {\"3\": [\"tests.test_m.test_c\"]}},\n"
	"  \"empty.py\": {\"contexts\": {}}\n"
	" },\n"
	" \"totals\": {\"n\": [true, false, null, -2, 0.5]}}\n";

static void test_history_coverage__coveragepy(void **state)
{
	struct gi_strvec v = GI_STRVEC_INIT;

	(void)state;
	assert_int_equal(read_str(report, HISTORY_COVERAGE_PY, &v), 0);
	assert_int_equal(v.nr, 3);
	assert_string_equal(v.v[0], "tests/t.py::test_a>/w/src/a.py");
	assert_string_equal(v.v[1], "tests/t.py::TestX::test_b[1]>/w/src/a.py");
	assert_string_equal(v.v[2], "tests/test_m.py::test_c>src/caf\xc3\xa9.py");
	gi_strvec_clear(&v);
	/* validation only */
	assert_int_equal(read_str(report, HISTORY_COVERAGE_PY, NULL), 0);
}

static void test_history_coverage__coveragepy_errors(void **state)
{
	(void)state;
	expect_error("{\"files\": {\"a.py\": {\"executed_lines\": [1]}}}", HISTORY_COVERAGE_PY,
		     GI_EINPUT, "no test contexts");
	expect_error("{\"meta\": {}}", HISTORY_COVERAGE_PY, GI_EINPUT, "no \"files\"");
	expect_error("[1, 2]", HISTORY_COVERAGE_PY, GI_EINPUT, "no top-level object");
	expect_error("{\"files\": {\"a\": {\"contexts\": {\"1\": [\"x\"]}}}", HISTORY_COVERAGE_PY,
		     GI_EINPUT, "end of file");
	expect_error("{\"files\":\n {\"a\" {}}}", HISTORY_COVERAGE_PY, GI_EINPUT,
		     "'r.json' at line 2 column 7: expected ':'");
	expect_error("{\"files\": {}, \"x\": tru}", HISTORY_COVERAGE_PY, GI_EINPUT, "bad literal");
	expect_error("{\"files\": {}} x", HISTORY_COVERAGE_PY, GI_EINPUT, "after the end");
	expect_error("{\"files\": {\"a\\q\": 1}}", HISTORY_COVERAGE_PY, GI_EINPUT, "bad escape");
	expect_error("{\"files\": {\"a\nb\": 1}}", HISTORY_COVERAGE_PY, GI_EINPUT, "control character");
	expect_error("{\"files\": {}, \"a\": 1,}", HISTORY_COVERAGE_PY, GI_EINPUT, "expected a key");
}

static void test_history_coverage__depth_limit(void **state)
{
	char deep[HISTORY_COVERAGE_MAX_DEPTH * 2 + 16] = "{\"files\": ";
	size_t n = strlen(deep);

	(void)state;
	for (int i = 0; i < HISTORY_COVERAGE_MAX_DEPTH; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	expect_error(deep, HISTORY_COVERAGE_PY, GI_ELIMIT, "nested deeper");
}

static void test_history_coverage__lcov(void **state)
{
	const char *text = "TN:\nSF:/w/src/a.py\nDA:1,0\nDA:2,0,abc\nend_of_record\n"
			   "SF:src/b.c\nFN:1,f\nFNDA:3,f\nDA:1,3\r\nLH:1\nend_of_record\n"
			   "TN:test_two\nSF:src/c.c\nDA:7,12\nend_of_record";
	struct gi_strvec v = GI_STRVEC_INIT;

	(void)state;
	assert_int_equal(history_coverage_read_mem("out/test_one.info", text, strlen(text),
						   HISTORY_COVERAGE_LCOV, collect, &v), 0);
	assert_int_equal(v.nr, 2);
	assert_string_equal(v.v[0], "test_one>src/b.c");
	assert_string_equal(v.v[1], "test_two>src/c.c");
	gi_strvec_clear(&v);
}

static void test_history_coverage__lcov_errors(void **state)
{
	(void)state;
	expect_error("SF:a.c\nDA:1,x\nend_of_record\n", HISTORY_COVERAGE_LCOV, GI_EINPUT,
		     "'r.json' at line 2: expected 'DA:<line>,<count>'");
	expect_error("SF:a.c\nDA:1,1\n", HISTORY_COVERAGE_LCOV, GI_EINPUT, "no end_of_record for 'a.c'");
	expect_error("DA:1,1\n", HISTORY_COVERAGE_LCOV, GI_EINPUT, "DA outside a record");
	expect_error("end_of_record\n", HISTORY_COVERAGE_LCOV, GI_EINPUT, "without SF");
	expect_error("SF:a\nSF:b\n", HISTORY_COVERAGE_LCOV, GI_EINPUT, "SF inside a record");
	expect_error("<html>\n", HISTORY_COVERAGE_LCOV, GI_EINPUT, "not an lcov line");
}

static void expect_path(const char *cwd, const char *path, int want, const char *rel)
{
	struct gi_buf out = GI_BUF_INIT;

	assert_int_equal(history_coverage_path("/nonexistent-gi/w/", cwd, path, &out), want);
	if (want)
		assert_string_equal(gi_buf_cstr(&out), rel);
	gi_buf_release(&out);
}

static void test_history_coverage__paths(void **state)
{
	(void)state;
	expect_path(NULL, "/nonexistent-gi/w/src/a.py", 1, "src/a.py");
	expect_path(NULL, "src/./a.py", 1, "src/a.py");
	expect_path("/nonexistent-gi/w/sub", "../src//a.py", 1, "src/a.py");
	expect_path("/nonexistent-gi/w/sub", "a.py", 1, "sub/a.py");
	expect_path(NULL, "/usr/lib/python3/os.py", 0, NULL);
	expect_path(NULL, "/nonexistent-gi/wx/a.py", 0, NULL);
	expect_path(NULL, "/nonexistent-gi/w", 0, NULL);
	expect_path(NULL, "../../etc/passwd", 0, NULL);
}

/* ---- recording ---- */

static int count_row(void *data, const struct store_coverage_row *row)
{
	gi_strvec_pushf(data, "%s>%.*s", row->test, (int)row->path_len, row->path);
	return 0;
}

static char *write_tmp(const char *dir, const char *name, const char *text)
{
	char *path = gi_xstrfmt("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void rm_rf(const char *dir)
{
	char *cmd = gi_xstrfmt("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void test_history_coverage__record(void **state)
{
	char dir[] = "/tmp/gi-cov-XXXXXX";
	struct store *s = NULL;
	struct history_coverage_result res;
	struct gi_strvec rows = GI_STRVEC_INIT;
	struct gi_buf g = GI_BUF_INIT;
	char *db, *one, *two, *bad;
	const char *files[2];
	struct history_coverage_opts o = { C1, NULL, NULL, 100 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	o.workdir = dir;
	db = gi_xstrfmt("%s/impact.db", dir);
	assert_int_equal(store_open(&s, db, STORE_CREATE), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_graph_put(s, C1, 1, "g", 1, 5), 0);
	assert_int_equal(store_commit(s), 0);
	one = write_tmp(dir, "one.info", "TN:t1\nSF:a.c\nDA:1,1\nend_of_record\n"
			"SF:b.c\nDA:1,1\nend_of_record\nSF:/elsewhere/x.c\nDA:1,1\nend_of_record\n");
	two = write_tmp(dir, "two.info", "TN:t1\nSF:c.c\nDA:1,1\nend_of_record\n");
	bad = write_tmp(dir, "bad.info", "TN:t2\nSF:d.c\nDA:1,1\n");

	files[0] = one;
	assert_int_equal(history_coverage_record(s, &o, HISTORY_COVERAGE_LCOV, files, 1, &res), 0);
	assert_int_equal(res.pairs, 2);
	assert_int_equal(res.tests, 1);
	assert_int_equal(res.outside, 1);
	assert_string_equal(res.outside_example, "/elsewhere/x.c");
	history_coverage_result_release(&res);
	assert_int_equal(store_graph_get(s, C1, &g), GI_ENOTFOUND); /* graphs dropped */
	assert_int_equal(store_coverage_each(s, count_row, &rows), 0);
	assert_int_equal(rows.nr, 2);
	assert_string_equal(rows.v[0], "t1>a.c");
	gi_strvec_clear(&rows);

	/* a later report replaces t1's coverage; a malformed one changes nothing */
	files[0] = two;
	files[1] = bad;
	assert_int_equal(history_coverage_record(s, &o, HISTORY_COVERAGE_LCOV, files, 2, &res), GI_EINPUT);
	history_coverage_result_release(&res);
	assert_int_equal(store_coverage_each(s, count_row, &rows), 0);
	assert_int_equal(rows.nr, 2);
	gi_strvec_clear(&rows);
	assert_int_equal(history_coverage_record(s, &o, HISTORY_COVERAGE_LCOV, files, 1, &res), 0);
	history_coverage_result_release(&res);
	assert_int_equal(store_coverage_each(s, count_row, &rows), 0);
	assert_int_equal(rows.nr, 1);
	assert_string_equal(rows.v[0], "t1>c.c");
	gi_strvec_clear(&rows);

	store_free(s);
	free(db), free(one), free(two), free(bad);
	gi_buf_release(&g);
	rm_rf(dir);
}

static void test_history_coverage__format(void **state)
{
	int f = -1;

	(void)state;
	assert_int_equal(history_coverage_format_parse("coveragepy", &f), 0);
	assert_int_equal(f, HISTORY_COVERAGE_PY);
	assert_int_equal(history_coverage_format_parse("lcov", &f), 0);
	assert_int_equal(f, HISTORY_COVERAGE_LCOV);
	assert_int_equal(history_coverage_format_parse("cobertura", &f), GI_EUSAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_coverage__coveragepy),
		cmocka_unit_test(test_history_coverage__coveragepy_errors),
		cmocka_unit_test(test_history_coverage__depth_limit),
		cmocka_unit_test(test_history_coverage__lcov),
		cmocka_unit_test(test_history_coverage__lcov_errors),
		cmocka_unit_test(test_history_coverage__paths),
		cmocka_unit_test(test_history_coverage__record),
		cmocka_unit_test(test_history_coverage__format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
