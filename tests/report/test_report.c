/*
 * Unit tests for report/: the weekly figures computed from a store filled
 * through the public store functions (three weeks of commits, runs and
 * selections), the lists, the window and dates, and the three writers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "impact.h"
#include "report.h"
#include "store.h"

#define DAY 86400
#define W09 ((int64_t)1708905600) /* Monday 2024-02-26 */
#define W10 (W09 + 7 * DAY)
#define W11 (W10 + 7 * DAY)
#define NOW (W11 + 2 * DAY + 43200) /* Wednesday 2024-03-13 12:00 */

#define TA "tests/test_a.py::test_one"
#define TB "tests/test_b.py::test_two"
#define TC "tests/test_c.py::test_three"

struct res { const char *name; int outcome; double seconds; };

static char *oid(char c)
{
	static char v[8][41];
	static int n;
	char *o = v[n++ % 8];

	memset(o, c, 40);
	o[40] = '\0';
	return o;
}

static void add_commit(struct store *s, char c, char parent, int64_t time)
{
	struct store_git_commit g = { 0 };

	snprintf(g.oid, sizeof(g.oid), "%s", oid(c));
	g.time = time;
	g.parents = parent ? oid(parent) : "";
	assert_int_equal(store_git_commit_add(s, &g), 0);
}

static void add_run(struct store *s, const char *key, char commit, int64_t time, int full,
		    const struct res *r, size_t n)
{
	struct store_run run = { 0 };

	snprintf(run.commit, sizeof(run.commit), "%s", oid(commit));
	snprintf(run.kind, sizeof(run.kind), "%s", full ? "full" : "ci");
	run.time = time;
	run.full = full;
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_run_add(s, key, &run, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		int64_t id;

		assert_int_equal(store_test_ensure(s, r[i].name, NULL, time, &id), 0);
		assert_int_equal(store_result_add(s, run.id, id, r[i].outcome, r[i].seconds, 0), 1);
	}
	assert_int_equal(store_commit(s), 0);
}

static void add_selection(struct store *s, char head, int64_t time, unsigned kinds,
			  const char **names, size_t n)
{
	struct store_selection sel = { 0 };
	struct store_selected_test t[4] = { { 0 } };

	sel.time = time;
	sel.head_oid = oid(head);
	sel.base_oid = "";
	sel.mode = "safe";
	sel.total = 3;
	sel.selected = (long)n;
	sel.est_total = 100;
	sel.est_selected = 10 * (double)n;
	sel.kinds = kinds;
	sel.recall = 0.99;
	sel.confidence = 0.95;
	sel.bound = -1;
	for (size_t i = 0; i < n; i++) {
		t[i].name = names[i];
		t[i].reason = "safe-set";
	}
	assert_int_equal(store_selection_add(s, &sel, t, n, NULL), 0);
}

/* Three weeks: C breaks somewhere after c1 and is skipped at c2, c3, c4
 * until W10's full run at c4 shows it; W10 caught B; W11 has no full or
 * audit run, a flip of A and a flaky B. */
static void fill(struct store *s)
{
	const struct res all_pass[] = { { TA, 0, 10 }, { TB, 0, 20 }, { TC, 0, 70 } };
	const struct res a_pass[] = { { TA, 0, 10 } };
	const struct res b_fail[] = { { TB, 1, 20 } };
	const struct res full4[] = { { TA, 0, 10 }, { TB, 1, 20 }, { TC, 1, 70 } };
	const struct res ci5[] = { { TA, 0, 10 }, { TB, 0, 20 }, { TC, 1, 70 } };
	const struct res ci5b[] = { { TA, 1, 10 }, { TB, 4, 20 } };
	const char *sa[] = { TA }, *sb[] = { TB }, *s5[] = { "tests/test_a.py", TB };

	assert_int_equal(store_begin(s), 0);
	add_commit(s, '1', 0, W09);
	add_commit(s, '2', '1', W09 + DAY);
	add_commit(s, '3', '2', W10);
	add_commit(s, '4', '3', W10 + DAY);
	add_commit(s, '5', '4', W11);
	assert_int_equal(store_commit(s), 0);
	add_run(s, "r1", '1', W09 + DAY, 1, all_pass, 3);
	add_selection(s, '2', W09 + 2 * DAY, IMPACT_KIND_CODE, sa, 1);
	add_run(s, "r2", '2', W09 + 2 * DAY + 600, 0, a_pass, 1);
	add_selection(s, '3', W10 + DAY, IMPACT_KIND_DATA, sb, 1);
	add_run(s, "r3", '3', W10 + DAY + 600, 0, b_fail, 1);
	add_selection(s, '4', W10 + 2 * DAY, IMPACT_KIND_CODE | IMPACT_KIND_PARAM, sa, 1);
	add_run(s, "r4", '4', W10 + 2 * DAY + 600, 0, a_pass, 1);
	add_run(s, "r5", '4', W10 + 3 * DAY, 1, full4, 3);
	add_selection(s, '5', W11 + DAY / 2, IMPACT_KIND_MODEL, s5, 2);
	add_run(s, "r6", '5', W11 + DAY, 0, ci5, 3);
	add_run(s, "r7", '5', W11 + DAY + 600, 0, ci5b, 2);
}

static int setup(void **state)
{
	char path[] = "/tmp/gi-test-report-XXXXXX";
	int fd = mkstemp(path);
	struct store *s = NULL;

	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	assert_int_equal(store_open(&s, path, STORE_CREATE), 0);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct store *s = *state;
	char *path = strdup(store_path(s));
	char *wal = malloc(strlen(path) + 5);

	store_free(s);
	unlink(path);
	snprintf(wal, strlen(path) + 5, "%s-wal", path);
	unlink(wal);
	snprintf(wal, strlen(path) + 5, "%s-shm", path);
	unlink(wal);
	free(wal);
	free(path);
	return 0;
}

static struct report *build(struct store *s)
{
	struct report_opts o = { NOW, 0, 3 };
	struct report *r = NULL;

	fill(s);
	assert_int_equal(report_build(s, &o, &r), 0);
	assert_int_equal(r->nweeks, 3);
	return r;
}

static void test_report_report__weeks(void **state)
{
	struct report *r = build(*state);
	const struct report_week *w = r->weeks;

	assert_string_equal(w[0].label, "2024-W09");
	assert_string_equal(w[2].label, "2024-W11");
	assert_int_equal(w[0].selections, 1);
	assert_int_equal(w[1].selections, 2);
	assert_int_equal(w[1].runs[REPORT_RUN_CI], 2);
	assert_int_equal(w[1].runs[REPORT_RUN_FULL], 1);
	/* time: partial runs against the suite's mean cost (10 + 20 + 70 s each) */
	assert_true(fabs(w[0].time_run - 10) < 1e-9 && fabs(w[0].time_full - 100) < 1e-9);
	assert_true(fabs(w[1].saved - 170) < 1e-9);
	assert_true(fabs(w[2].saved - 70) < 1e-9);
	assert_true(fabs(r->total.saved - 330) < 1e-9);
	/* W10 caught B, and its skip of C at c4 was found by the full run
	 * there; W09 had a full run and no failures */
	assert_int_equal(w[0].missed, 0);
	assert_int_equal(w[0].caught, 0);
	assert_int_equal(w[0].checks, 1);
	assert_true(w[0].recall < 0);
	assert_int_equal(w[1].caught, 1);
	assert_int_equal(w[1].missed, 1);
	assert_true(fabs(w[1].recall - 0.5) < 1e-9);
	/* W11 had no full or audit run: unknown, never 100% */
	assert_int_equal(w[2].checks, 0);
	assert_true(w[2].recall < 0);
	assert_int_equal(w[2].flaky, 2);
	assert_int_equal(r->total.caught, 1);
	assert_int_equal(r->total.missed, 1);
	assert_int_equal(r->verified_weeks, 2);
	assert_true(fabs(r->total.target - 0.99) < 1e-9);
	report_free(r);
}

static void test_report_report__distribution(void **state)
{
	struct report *r = build(*state);

	assert_true(fabs(r->weeks[1].share[2] - 1.0 / 3) < 1e-9);
	assert_true(fabs(r->total.share[0] - 1.0 / 3) < 1e-9);
	assert_true(fabs(r->total.share[3] - 5.0 / 12) < 1e-9);
	assert_true(fabs(r->total.share[4] - 2.0 / 3) < 1e-9);
	assert_true(fabs(r->total.selected_mean - 1.25) < 1e-9);
	assert_true(fabs(report_reduction(&r->total) - (1 - 1.25 / 3)) < 1e-9);
	assert_int_equal(r->kinds[REPORT_CODE].selections, 2);
	assert_int_equal(r->kinds[REPORT_CODE].missed, 1);
	assert_int_equal(r->kinds[REPORT_PARAM].missed, 1);
	assert_int_equal(r->kinds[REPORT_DATA].caught, 1);
	assert_int_equal(r->kinds[REPORT_MODEL].selections, 1);
	assert_int_equal(r->kinds[REPORT_NONE].selections, 0);
	report_free(r);
}

static void test_report_report__lists(void **state)
{
	struct report *r = build(*state);

	assert_int_equal(r->nmisses, 1);
	assert_string_equal(r->misses[0].test, TC);
	assert_string_equal(r->misses[0].introduced, oid('2'));
	assert_string_equal(r->misses[0].skipped_at, oid('4'));
	assert_string_equal(r->misses[0].found_at, oid('4'));
	assert_string_equal(r->misses[0].found_by, "full");
	assert_int_equal(r->misses[0].week, 1);
	assert_int_equal(r->ncostly, 3);
	assert_string_equal(r->costly[0].name, TC);
	assert_true(fabs(r->costly[0].seconds - 210) < 1e-9);
	assert_int_equal(r->nflaky, 2);
	assert_string_equal(r->flaky[0].name, TA);
	/* A was selected by its file, B by id; C never */
	assert_int_equal(r->never.nr, 1);
	assert_string_equal(r->never.v[0], TC);
	assert_int_equal(r->tests_known, 3);
	report_free(r);
}

static void test_report_report__window(void **state)
{
	struct report_opts o = { NOW, 0, 0 };
	struct report *r = NULL;
	int64_t t;
	char label[16];

	assert_int_equal(report_week_start(NOW), W11);
	report_week_label(W09 + 3, label);
	assert_string_equal(label, "2024-W09");
	report_week_label(1704067200, label); /* 2024-01-01, a Monday */
	assert_string_equal(label, "2024-W01");
	report_week_label(1735603200, label); /* 2024-12-31 belongs to 2025-W01 */
	assert_string_equal(label, "2025-W01");
	assert_int_equal(report_parse_date("2024-02-26", &t), 0);
	assert_int_equal(t, W09);
	assert_int_equal(report_parse_date("1708905600", &t), 0);
	assert_int_equal(report_parse_date("2024-13-01", &t), GI_EUSAGE);
	assert_int_equal(report_parse_date("yesterday", &t), GI_EUSAGE);
	assert_int_equal(report_build(*state, &o, &r), 0);
	assert_int_equal(r->nweeks, REPORT_WEEKS_DEFAULT);
	assert_int_equal(r->total.selections, 0);
	assert_true(r->total.recall < 0);
	report_free(r);
	o.since = W09 + DAY;
	assert_int_equal(report_build(*state, &o, &r), 0);
	assert_int_equal(r->nweeks, 3);
	assert_int_equal(r->since, W09);
	report_free(r);
	o.since = NOW + 30 * DAY;
	assert_int_equal(report_build(*state, &o, &r), GI_EUSAGE);
}

static void test_report_report__writers(void **state)
{
	struct report *r = build(*state);
	struct gi_buf b = GI_BUF_INIT;
	json_t *doc, *w;

	assert_int_equal(report_write_md(r, &b), 0);
	assert_non_null(strstr(gi_buf_cstr(&b), "| 2024-W11 |"));
	assert_non_null(strstr(gi_buf_cstr(&b), "| unknown | unknown |"));
	assert_non_null(strstr(gi_buf_cstr(&b), TC));
	gi_buf_reset(&b);
	assert_int_equal(report_write_json(r, &b), 0);
	doc = json_loads(gi_buf_cstr(&b), 0, NULL);
	assert_non_null(doc);
	w = json_array_get(json_object_get(doc, "weeks"), 2);
	assert_true(json_is_null(json_object_get(w, "recall")));
	assert_string_equal(json_string_value(json_object_get(w, "recall_status")), "unknown");
	w = json_array_get(json_object_get(doc, "weeks"), 1);
	assert_true(fabs(json_real_value(json_object_get(w, "recall")) - 0.5) < 1e-9);
	w = json_array_get(json_object_get(doc, "weeks"), 0);
	assert_string_equal(json_string_value(json_object_get(w, "recall_status")), "no failures");
	assert_int_equal(json_array_size(json_object_get(doc, "missed")), 1);
	json_decref(doc);
	gi_buf_reset(&b);
	assert_int_equal(report_write_html(r, &b), 0);
	assert_non_null(strstr(gi_buf_cstr(&b), "<svg"));
	assert_non_null(strstr(gi_buf_cstr(&b), "class=\"reduction\""));
	assert_non_null(strstr(gi_buf_cstr(&b), "class=\"recall\""));
	assert_non_null(strstr(gi_buf_cstr(&b), "class=\"recall-unknown\""));
	assert_non_null(strstr(gi_buf_cstr(&b), "@media print"));
	assert_null(strstr(gi_buf_cstr(&b), "<script"));
	assert_null(strstr(gi_buf_cstr(&b), "http"));
	gi_buf_release(&b);
	report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_report_report__weeks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_report__distribution, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_report__lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_report__window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_report__writers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
