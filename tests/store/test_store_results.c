/* Unit tests for store/store_results.c: runs, run files, tests, results, streaming reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "testlib.h"

#define C1 "1111111111111111111111111111111111111111"

static struct store *open_tmp(char *dir)
{
	struct store *s = NULL;
	char *db;

	assert_non_null(test_tmpdir(dir));
	db = gi_xstrfmt("%s/impact.db", dir);
	assert_int_equal(store_open(&s, db, STORE_CREATE), 0);
	free(db);
	return s;
}

static void test_store_store_results__runs_and_files(void **state)
{
	char dir[] = "/tmp/gi-sres-XXXXXX";
	struct store *s = open_tmp(dir);
	struct store_run run = { 0, C1, 100, 0, "ci" }, got;

	(void)state;
	assert_int_equal(store_run_find(s, "k", &got), GI_ENOTFOUND);
	assert_int_equal(store_run_add(s, "k", &run, "a.xml"), GI_ERROR); /* no transaction */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_run_add(s, "k", &run, "a.xml"), 0);
	assert_true(run.id > 0);
	assert_int_equal(store_run_file_has(s, run.id, "abcd"), 0);
	assert_int_equal(store_run_file_add(s, run.id, "abcd", "a.xml"), 0);
	assert_int_equal(store_run_file_has(s, run.id, "abcd"), 1);
	assert_int_equal(store_run_set_full(s, run.id), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_run_find(s, "k", &got), 0);
	assert_int_equal(got.id, run.id);
	assert_string_equal(got.commit, C1);
	assert_int_equal(got.time, 100);
	assert_int_equal(got.full, 1);
	assert_string_equal(got.kind, "ci");
	store_free(s);
}

struct rows {
	int n;
	int64_t last_test;
	double sum;
};

static int count_result(void *data, const struct store_result_row *row)
{
	struct rows *r = data;

	assert_true(row->test >= r->last_test);
	assert_string_equal(row->commit, C1);
	r->last_test = row->test;
	r->n++;
	if (row->duration >= 0)
		r->sum += row->duration;
	return 0;
}

static int count_test(void *data, const struct store_test_row *row)
{
	int *n = data;

	(*n)++;
	return row->file && !strcmp(row->file, "stop.py") ? 7 : 0;
}

static void test_store_store_results__results(void **state)
{
	char dir[] = "/tmp/gi-sres-XXXXXX";
	struct store *s = open_tmp(dir);
	struct store_run run = { 0, C1, 100, 0, "ci" };
	int64_t t1, t2, again;
	int outcome, ntests = 0;
	double dur;
	size_t counts[5];
	struct rows rows = { 0, 0, 0 };

	(void)state;
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_run_add(s, "k", &run, NULL), 0);
	assert_int_equal(store_test_ensure(s, "b::t", NULL, 100, &t2), 0);
	assert_int_equal(store_test_ensure(s, "a::t", "stop.py", 100, &t1), 0);
	assert_int_equal(store_test_ensure(s, "b::t", "x.py", 200, &again), 0);
	assert_true(again == t2 && t1 != t2);
	assert_int_equal(store_result_add(s, run.id, t1, 0, 1.5, 0), 1);
	assert_int_equal(store_result_add(s, run.id, t1, 1, 9.0, 0), 0); /* kept the first */
	assert_int_equal(store_result_get(s, run.id, t1, &outcome, &dur), 0);
	assert_int_equal(outcome, 0);
	assert_true(dur == 1.5);
	assert_int_equal(store_result_set(s, run.id, t1, 4, -1), 0);
	assert_int_equal(store_result_get(s, run.id, t1, &outcome, &dur), 0);
	assert_int_equal(outcome, 4);
	assert_true(dur < 0);
	assert_int_equal(store_result_add(s, run.id, t2, 1, 2.0, 0), 1);
	assert_int_equal(store_result_get(s, run.id, t2 + 100, &outcome, &dur), GI_ENOTFOUND);
	assert_int_equal(store_commit(s), 0);

	assert_int_equal(store_run_outcomes(s, run.id, counts, 5), 0);
	assert_int_equal(counts[1], 1);
	assert_int_equal(counts[4], 1);
	assert_int_equal(counts[0], 0);
	assert_int_equal(store_results_each(s, count_result, &rows), 0);
	assert_int_equal(rows.n, 2);
	assert_true(rows.sum == 2.0);
	assert_int_equal(store_tests_each(s, count_test, &ntests), 7); /* the callback stopped it */
	assert_int_equal(ntests, 2);
	store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_store_results__runs_and_files),
		cmocka_unit_test(test_store_store_results__results),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
