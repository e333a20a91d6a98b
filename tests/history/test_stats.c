/*
 * Unit tests for history/stats.c: the statistics read from the store's
 * per-test summary equal those of a scan of every result (many runs,
 * flaky tests, reruns, skips, unknown durations, runs recorded out of
 * time order, decay), also for a store filled by the migration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "store.h"
#include "testlib.h"

#define NTESTS 40
#define NRUNS 150
#define T0 1700000000

struct fx {
	char dir[32];
	char *db;
	struct store *s;
	int64_t max_time;
};

static int setup(void **state)
{
	struct fx *f = gi_xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/gi-stats-XXXXXX");
	assert_non_null(test_tmpdir(f->dir));
	f->db = gi_xstrfmt("%s/impact.db", f->dir);
	assert_int_equal(store_open(&f->s, f->db, STORE_CREATE), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_free(f->s);
	free(f->db);
	free(f);
	return 0;
}

static uint32_t rnd(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*seed >> 33);
}

/* pass 60%, fail 10%, error 4%, skip 16%, flaky 10% */
static int pick_outcome(uint64_t *seed)
{
	uint32_t r = rnd(seed) % 100;

	return r < 60 ? HISTORY_PASS : r < 70 ? HISTORY_FAIL : r < 74 ? HISTORY_ERROR :
	       r < 90 ? HISTORY_SKIP : HISTORY_FLAKY;
}

static double pick_duration(uint64_t *seed)
{
	return rnd(seed) % 5 ? (double)(rnd(seed) % 10000) / 1000.0 : -1;
}

/*
 * NRUNS runs of a random subset of NTESTS tests.  Run times go back and
 * forth (runs pulled from notes arrive late), some share a time; one in
 * ten results is written twice in its run (a rerun: outcomes merged, the
 * longer duration kept, sometimes an unknown one replaced).
 */
static void fill(struct fx *f, uint64_t seed)
{
	int64_t tests[NTESTS];

	assert_int_equal(store_begin(f->s), 0);
	for (int i = 0; i < NTESTS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "tests/t.py::test_%02d", i);
		assert_int_equal(store_test_ensure(f->s, name, "tests/t.py", T0, &tests[i]), 0);
	}
	for (int r = 0; r < NRUNS; r++) {
		struct store_run run = { 0 };
		char key[16];

		snprintf(key, sizeof(key), "run-%d", r);
		snprintf(run.commit, sizeof(run.commit), "%040d", r);
		run.time = T0 + (r % 7 == 3 ? (int64_t)(NRUNS - r) * 3600 : (int64_t)(r / 2) * 7200);
		if (run.time > f->max_time)
			f->max_time = run.time;
		snprintf(run.kind, sizeof(run.kind), "ci");
		assert_int_equal(store_run_add(f->s, key, &run, NULL), 0);
		for (int i = 0; i < NTESTS; i++) {
			int outcome, old;
			double d, oldd;

			if (i && rnd(&seed) % 10 < 3)
				continue; /* test 0 runs every time: more than 32 durations */
			outcome = pick_outcome(&seed);
			d = pick_duration(&seed);
			assert_int_equal(store_result_add(f->s, run.id, tests[i], outcome, d, 0), 1);
			if (rnd(&seed) % 10)
				continue;
			assert_int_equal(store_result_get(f->s, run.id, tests[i], &old, &oldd), 0);
			outcome = history_outcome_merge(old, pick_outcome(&seed));
			d = pick_duration(&seed);
			assert_int_equal(store_result_set(f->s, run.id, tests[i], outcome,
							  rnd(&seed) % 3 ? (d > oldd ? d : oldd) : -1), 0);
		}
	}
	assert_int_equal(store_commit(f->s), 0);
}

static void assert_same(const struct history_stats *a, const struct history_stats *b)
{
	assert_int_equal(a->nr, b->nr);
	for (size_t i = 0; i < a->nr; i++) {
		const struct history_test_stats *x = &a->v[i], *y = &b->v[i];

		assert_string_equal(x->id, y->id);
		assert_int_equal(x->test, y->test);
		assert_int_equal(x->runs, y->runs);
		assert_int_equal(x->skips, y->skips);
		assert_int_equal(x->failures, y->failures);
		assert_int_equal(x->flaky, y->flaky);
		assert_int_equal(x->last_outcome, y->last_outcome);
		assert_int_equal(x->last_time, y->last_time);
		assert_string_equal(x->last_commit, y->last_commit);
		assert_int_equal(x->first_seen, y->first_seen);
		assert_true(x->median_duration == y->median_duration);
		assert_true(fabs(x->mean_duration - y->mean_duration) <= 1e-12 * fabs(y->mean_duration));
		assert_true(fabs(x->decayed_weight - y->decayed_weight) <= 1e-12 * y->decayed_weight);
		assert_true(fabs(x->decayed_failure_rate - y->decayed_failure_rate) <= 1e-12);
	}
}

/* history_stats_load (from the summary) against history_stats_scan at `now`. */
static void compare(struct fx *f, int64_t now)
{
	struct history_stats sum, scan;

	assert_int_equal(history_stats_load(f->s, HISTORY_HALF_LIFE, now, &sum), 0);
	assert_int_equal(history_stats_scan(f->s, HISTORY_HALF_LIFE, now, &scan), 0);
	assert_same(&sum, &scan);
	history_stats_release(&sum);
	history_stats_release(&scan);
}

static void sql(const char *db, const char *text)
{
	sqlite3 *h;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, text, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static void test_history_stats__summary_equals_scan(void **state)
{
	struct fx *f = *state;
	struct history_stats st;
	const struct history_test_stats *t;

	fill(f, 42);
	assert_int_equal(store_summary_ready(f->s), 1);
	compare(f, f->max_time + 86400);
	compare(f, f->max_time + 400 * 86400);
	assert_int_equal(history_stats_verify(f->s, f->max_time + 86400), 0);
	/* the mixture the store holds is what the comparison needs to mean something */
	assert_int_equal(history_stats_scan(f->s, HISTORY_HALF_LIFE, f->max_time, &st), 0);
	t = history_stats_find(&st, "tests/t.py::test_00");
	assert_non_null(t);
	assert_true(t->runs > HISTORY_RECENT_DURATIONS + 10);
	assert_true(t->failures > 0 && t->flaky > 0 && t->skips > 0);
	assert_true(t->decayed_failure_rate > 0 && t->decayed_failure_rate < 1);
	history_stats_release(&st);
}

/* A result after `now` weighs 1 in the scan: such tests are read from their results. */
static void test_history_stats__now_before_results(void **state)
{
	struct fx *f = *state;

	fill(f, 7);
	compare(f, T0 + 40 * 7200);
	compare(f, T0 - 1);
	compare(f, 0);
}

/* Another half-life than the summary's: a scan. */
static void test_history_stats__other_half_life(void **state)
{
	struct fx *f = *state;
	struct history_stats a, b;

	fill(f, 9);
	assert_int_equal(history_stats_load(f->s, 86400, f->max_time, &a), 0);
	assert_int_equal(history_stats_scan(f->s, 86400, f->max_time, &b), 0);
	assert_same(&a, &b);
	history_stats_release(&a);
	history_stats_release(&b);
	assert_int_equal(history_stats_load(f->s, 0, 0, &a), GI_EUSAGE);
}

/* The check finds a summary that disagrees with the results; the rebuild mends it. */
static void test_history_stats__verify_and_rebuild(void **state)
{
	struct fx *f = *state;

	fill(f, 11);
	store_free(f->s);
	sql(f->db, "UPDATE test_summary SET n_fail = n_fail + 1 "
		   "WHERE test_id = (SELECT id FROM tests WHERE name = 'tests/t.py::test_03')");
	assert_int_equal(store_open(&f->s, f->db, 0), 0);
	assert_int_equal(history_stats_verify(f->s, f->max_time), GI_ECORRUPT);
	assert_non_null(strstr(gi_error_last(), "summary of 'tests/t.py::test_03' differs from its "
				"results (result counts)"));
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_summary_rebuild(f->s), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(history_stats_verify(f->s, f->max_time), 0);
	compare(f, f->max_time);
}

/* A store from before the summary: filled from its results when opened for writing. */
static void test_history_stats__migration_backfills(void **state)
{
	struct fx *f = *state;
	struct history_stats scan, st;
	struct store *ro;

	fill(f, 5);
	assert_int_equal(history_stats_scan(f->s, HISTORY_HALF_LIFE, f->max_time, &scan), 0);
	store_free(f->s);
	f->s = NULL;
	/* what the schema held before the summary (version 2; 4 added the audit
	 * columns, 5 the index of failing results, 6 the replay snapshot) */
	sql(f->db, "DROP INDEX results_failed; DROP TABLE test_summary; DROP TABLE test_recent; "
		   "DROP TABLE replay_snapshot; "
		   "ALTER TABLE selections DROP COLUMN audit_share; "
		   "ALTER TABLE selections DROP COLUMN audit_seed; "
		   "ALTER TABLE runs DROP COLUMN audit_share; ALTER TABLE runs DROP COLUMN audit_seed; "
		   "ALTER TABLE runs DROP COLUMN audit_expect; ALTER TABLE runs DROP COLUMN audit_values; "
		   "DELETE FROM meta WHERE key = 'test_summary'; PRAGMA user_version = 2");
	assert_int_equal(store_open(&ro, f->db, STORE_READONLY), GI_ECORRUPT); /* needs migration */
	assert_int_equal(store_open(&f->s, f->db, 0), 0);
	assert_int_equal(store_summary_ready(f->s), 1);
	assert_int_equal(history_stats_load(f->s, HISTORY_HALF_LIFE, f->max_time, &st), 0);
	assert_same(&st, &scan);
	history_stats_release(&st);
	assert_int_equal(history_stats_verify(f->s, f->max_time), 0);
	/* a summary not (yet) filled is never read: a read-only store scans */
	store_free(f->s);
	f->s = NULL;
	sql(f->db, "DELETE FROM meta WHERE key = 'test_summary'; DELETE FROM test_summary");
	assert_int_equal(store_open(&ro, f->db, STORE_READONLY), 0);
	assert_int_equal(store_summary_ready(ro), 0);
	assert_int_equal(history_stats_load(ro, HISTORY_HALF_LIFE, f->max_time, &st), 0);
	assert_same(&st, &scan);
	history_stats_release(&st);
	store_free(ro);
	history_stats_release(&scan);
}

static void test_history_stats__half_lives_agree(void **state)
{
	(void)state;
	assert_true(HISTORY_HALF_LIFE == (double)STORE_SUMMARY_HALF_LIFE);
	assert_int_equal(HISTORY_RECENT_DURATIONS, STORE_SUMMARY_RECENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_history_stats__summary_equals_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_stats__now_before_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_stats__other_half_life, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_stats__verify_and_rebuild, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_stats__migration_backfills, setup, teardown),
		cmocka_unit_test(test_history_stats__half_lives_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
