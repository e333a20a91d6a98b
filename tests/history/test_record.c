/* Unit tests for history/record.c and history/stats.c on a scratch store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"
#include "store.h"
#include "teststore.h"

#define C1 "1111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222"
#define DAY 86400.0

struct fx {
	char dir[32];
	struct store *s;
};

static int setup(void **state)
{
	struct fx *f = gi_xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/gi-record-XXXXXX");
	assert_non_null(test_store(f->dir, &f->s));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_free(f->s);
	free(f);
	return 0;
}

static char *write_xml(struct fx *f, const char *name, const char *xml)
{
	char *path = gi_xstrfmt("%s/%s", f->dir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(xml, fp);
	fclose(fp);
	return path;
}

static int record(struct fx *f, const char *commit, const char *run_id, int64_t time,
		  const char **files, size_t n, struct history_record_result *res)
{
	struct history_record_opts o = { commit, run_id, NULL, 0, time };

	return history_record(f->s, &o, files, n, res);
}

static const char XML_A[] =
	"<testsuites><testsuite name='pytest'>"
	"<testcase classname='tests.test_a' name='test_ok' time='1.0'/>"
	"<testcase classname='tests.test_a' name='test_bad' time='3.0'><failure/></testcase>"
	"<testcase classname='tests.test_a' name='test_skip'><skipped/></testcase>"
	"</testsuite></testsuites>";
static const char XML_B[] =
	"<testsuite name='pytest'>"
	"<testcase classname='tests.test_a' name='test_ok' time='2.0'><failure/></testcase>"
	"<testcase classname='tests.test_a' name='test_skip' time='0.5'/>"
	"</testsuite>";

static void test_history_record__twice_no_double_count(void **state)
{
	struct fx *f = *state;
	struct history_record_result r1, r2;
	const char *files[1];
	char *a = write_xml(f, "a.xml", XML_A);

	files[0] = a;
	assert_int_equal(record(f, C1, NULL, 1000, files, 1, &r1), 0);
	assert_false(r1.already);
	assert_int_equal(r1.tests, 3);
	assert_int_equal(r1.by_outcome[HISTORY_FAIL], 1);
	assert_true(gi_starts_with(r1.run_key, "auto-"));
	assert_int_equal(record(f, C1, NULL, 2000, files, 1, &r2), 0);
	assert_true(r2.already);
	assert_string_equal(r1.run_key, r2.run_key);
	assert_int_equal(r2.tests, 3);
	history_record_result_release(&r1);
	history_record_result_release(&r2);
	/* another commit is another run */
	assert_int_equal(record(f, C2, NULL, 3000, files, 1, &r1), 0);
	assert_false(r1.already);
	assert_true(r1.run != r2.run);
	history_record_result_release(&r1);
	free(a);
}

static void test_history_record__flaky_across_files(void **state)
{
	struct fx *f = *state;
	struct history_record_result r;
	const char *files[2];
	struct history_stats st;
	const struct history_test_stats *t;

	files[0] = write_xml(f, "a.xml", XML_A);
	files[1] = write_xml(f, "b.xml", XML_B);
	assert_int_equal(record(f, C1, NULL, 1000, files, 2, &r), 0);
	assert_int_equal(r.files_new, 2);
	assert_int_equal(r.cases, 5);
	assert_int_equal(r.tests, 3);
	assert_int_equal(r.by_outcome[HISTORY_FLAKY], 1); /* test_ok passed and failed */
	assert_int_equal(r.by_outcome[HISTORY_FAIL], 1);
	assert_int_equal(r.by_outcome[HISTORY_PASS], 1); /* test_skip: skip then pass */
	history_record_result_release(&r);

	assert_int_equal(history_stats_load(f->s, DAY, 1000, &st), 0);
	assert_int_equal(st.nr, 3);
	t = history_stats_find(&st, "tests/test_a.py::test_ok");
	assert_non_null(t);
	assert_int_equal(t->flaky, 1);
	assert_int_equal(t->failures, 0);
	assert_true(fabs(t->mean_duration - 2.0) < 1e-9); /* the longer of the two */
	assert_null(history_stats_find(&st, "tests/test_a.py::nope"));
	history_stats_release(&st);
	free((void *)files[0]);
	free((void *)files[1]);
}

static void test_history_record__run_id_merges_shards(void **state)
{
	struct fx *f = *state;
	struct history_record_result r;
	const char *files[1];
	char *a = write_xml(f, "a.xml", XML_A), *b = write_xml(f, "b.xml", XML_B);
	struct history_record_opts o = { C2, "ci-42", NULL, 0, 1000 };

	files[0] = a;
	assert_int_equal(record(f, C1, "ci-42", 1000, files, 1, &r), 0);
	history_record_result_release(&r);
	files[0] = b;
	assert_int_equal(record(f, C1, "ci-42", 1100, files, 1, &r), 0);
	assert_false(r.already);
	assert_int_equal(r.files_new, 1);
	assert_int_equal(r.tests, 3);
	assert_string_equal(r.run_key, "ci-42");
	history_record_result_release(&r);
	files[0] = a;
	assert_int_equal(record(f, C1, "ci-42", 1200, files, 1, &r), 0);
	assert_true(r.already);
	history_record_result_release(&r);
	/* the same run id for another commit is refused */
	assert_int_equal(history_record(f->s, &o, files, 1, &r), GI_EUSAGE);
	assert_non_null(strstr(gi_error_last(), "run 'ci-42' was recorded for commit 111111111111"));
	history_record_result_release(&r);
	free(a);
	free(b);
}

static void test_history_record__bad_file_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct history_record_result r;
	struct history_stats st;
	const char *files[2];

	files[0] = write_xml(f, "a.xml", XML_A);
	files[1] = write_xml(f, "bad.xml", "<testsuite>\n<testcase name='x'>\n");
	assert_int_equal(record(f, C1, NULL, 1000, files, 2, &r), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "bad.xml' at 3:1: no element found"));
	history_record_result_release(&r);
	assert_int_equal(history_stats_load(f->s, DAY, 1000, &st), 0);
	assert_int_equal(st.nr, 0);
	history_stats_release(&st);
	free((void *)files[0]);
	free((void *)files[1]);
}

static void test_history_record__bad_opts(void **state)
{
	struct fx *f = *state;
	struct history_record_result r;
	const char *files[1] = { "x.xml" };
	struct history_record_opts o = { C1, NULL, "nightly", 0, 0 };

	assert_int_equal(history_record(f->s, &o, files, 1, &r), GI_EUSAGE);
	assert_non_null(strstr(gi_error_last(), "unknown run kind 'nightly'"));
	o.kind = NULL;
	assert_int_equal(history_record(f->s, &o, files, 0, &r), GI_EUSAGE);
	o.commit = "HEAD";
	assert_int_equal(history_record(f->s, &o, files, 1, &r), GI_EUSAGE);
}

static void test_history_record__outcome_merge(void **state)
{
	(void)state;
	assert_int_equal(history_outcome_merge(HISTORY_PASS, HISTORY_PASS), HISTORY_PASS);
	assert_int_equal(history_outcome_merge(HISTORY_PASS, HISTORY_FAIL), HISTORY_FLAKY);
	assert_int_equal(history_outcome_merge(HISTORY_ERROR, HISTORY_PASS), HISTORY_FLAKY);
	assert_int_equal(history_outcome_merge(HISTORY_SKIP, HISTORY_FAIL), HISTORY_FAIL);
	assert_int_equal(history_outcome_merge(HISTORY_PASS, HISTORY_SKIP), HISTORY_PASS);
	assert_int_equal(history_outcome_merge(HISTORY_FAIL, HISTORY_ERROR), HISTORY_ERROR);
	assert_int_equal(history_outcome_merge(HISTORY_FLAKY, HISTORY_FAIL), HISTORY_FLAKY);
}

/* Three runs a day apart: counts, last outcome, median, decayed rate. */
static void test_history_record__stats_decay(void **state)
{
	struct fx *f = *state;
	struct history_record_result r;
	struct history_stats st;
	const struct history_test_stats *t;
	const char *files[1];
	char *p[3];
	const char *xml[3] = {
		"<testsuite><testcase classname='k' name='t' time='1'><failure/></testcase></testsuite>",
		"<testsuite><testcase classname='k' name='t' time='4'/></testsuite>",
		("<testsuite><testcase classname='k' name='t' time='2'/>"
		 "<testcase classname='k' name='u'><skipped/></testcase></testsuite>"),
	};
	const char *commits[3] = { C1, C2, "3333333333333333333333333333333333333333" };

	for (int i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "r%d.xml", i);
		p[i] = write_xml(f, name, xml[i]);
		files[0] = p[i];
		assert_int_equal(record(f, commits[i], NULL, 1000000 + (int64_t)(i * DAY), files, 1, &r), 0);
		history_record_result_release(&r);
	}
	assert_int_equal(history_stats_load(f->s, DAY, 1000000 + (int64_t)(2 * DAY), &st), 0);
	t = history_stats_find(&st, "k::t");
	assert_non_null(t);
	assert_int_equal(t->runs, 3);
	assert_int_equal(t->failures, 1);
	assert_int_equal(t->last_outcome, HISTORY_PASS);
	assert_string_equal(t->last_commit, commits[2]);
	assert_int_equal(t->first_seen, 1000000);
	assert_true(fabs(t->median_duration - 2.0) < 1e-9);
	assert_true(fabs(t->mean_duration - 7.0 / 3) < 1e-9);
	/* weights 1/4, 1/2, 1: the failure two half-lives ago weighs 0.25 of 1.75 */
	assert_true(fabs(t->decayed_failure_rate - 0.25 / 1.75) < 1e-9);
	assert_true(fabs(t->decayed_weight - 1.75) < 1e-9);
	t = history_stats_find(&st, "k::u");
	assert_non_null(t);
	assert_int_equal(t->runs, 0);
	assert_int_equal(t->skips, 1);
	assert_int_equal(t->last_outcome, HISTORY_SKIP);
	assert_true(t->mean_duration < 0);
	history_stats_release(&st);
	assert_int_equal(history_stats_load(f->s, 0, 0, &st), GI_EUSAGE);
	for (int i = 0; i < 3; i++)
		free(p[i]);
}

/* 10,000 tests x 3 runs load in one pass each. */
static void test_history_record__stats_many(void **state)
{
	struct fx *f = *state;
	struct gi_buf xml;
	struct history_record_result r;
	struct history_stats st;
	const char *files[1];
	char *path;

	gi_buf_init(&xml, (size_t)8 << 20);
	for (int run = 0; run < 3; run++) {
		char name[16];

		gi_buf_reset(&xml);
		gi_buf_adds(&xml, "<testsuite>");
		for (int i = 0; i < 10000; i++)
			gi_buf_printf(&xml, "<testcase classname='m.T' name='t%05d' time='%d'>%s</testcase>",
				      i, run + 1, i % 100 == run ? "<failure/>" : "");
		gi_buf_adds(&xml, "</testsuite>");
		snprintf(name, sizeof(name), "m%d.xml", run);
		path = write_xml(f, name, gi_buf_cstr(&xml));
		files[0] = path;
		assert_int_equal(record(f, run ? C2 : C1, run == 2 ? "r3" : NULL, 5000 + run, files, 1, &r), 0);
		free(path);
		history_record_result_release(&r);
	}
	gi_buf_release(&xml);
	assert_int_equal(history_stats_load(f->s, 30 * DAY, 6000, &st), 0);
	assert_int_equal(st.nr, 10000);
	assert_string_equal(st.v[0].id, "m.T::t00000");
	assert_int_equal(st.v[0].runs, 3);
	assert_int_equal(st.v[0].failures, 1);
	assert_int_equal(st.v[3].failures, 0);
	assert_true(fabs(st.v[9999].median_duration - 2.0) < 1e-9);
	history_stats_release(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_history_record__twice_no_double_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_record__flaky_across_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_record__run_id_merges_shards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_record__bad_file_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_record__bad_opts, setup, teardown),
		cmocka_unit_test(test_history_record__outcome_merge),
		cmocka_unit_test_setup_teardown(test_history_record__stats_decay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_record__stats_many, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
