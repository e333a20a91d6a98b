/* Unit tests for store/store.c: create, migrate, reopen, refuse newer or foreign files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "store.h"
#include "store_int.h"
#include "testlib.h"

static char *tmp_path(const char *name)
{
	char dir[] = "/tmp/gi-store-XXXXXX";

	assert_non_null(test_tmpdir(dir));
	return gi_xstrfmt("%s/sub/%s", dir, name);
}

static void test_store_store__create_and_meta(void **state)
{
	char *path = tmp_path("impact.db");
	struct store *s = NULL;
	char *v = NULL;

	(void)state;
	assert_int_equal(store_open(&s, path, 0), GI_ENOTFOUND);
	assert_int_equal(store_open(&s, path, STORE_CREATE), 0);
	assert_int_equal(store_meta_set(s, "k", "v"), GI_ERROR); /* outside a transaction */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_meta_set(s, "k", "v1"), 0);
	assert_int_equal(store_meta_set(s, "k", "v2"), 0);
	assert_int_equal(store_commit(s), 0);
	store_free(s);

	assert_int_equal(store_open(&s, path, STORE_READONLY), 0);
	assert_int_equal(store_meta_get(s, "k", &v), 0);
	assert_string_equal(v, "v2");
	free(v);
	assert_int_equal(store_meta_get(s, "missing", &v), GI_ENOTFOUND);
	assert_int_equal(store_check(s), 0);
	store_free(s);
	free(path);
}

static void test_store_store__rollback_keeps_old(void **state)
{
	char *path = tmp_path("impact.db");
	struct store *s = NULL;
	char *v = NULL;

	(void)state;
	assert_int_equal(store_open(&s, path, STORE_CREATE), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_meta_set(s, "k", "old"), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_meta_set(s, "k", "new"), 0);
	store_rollback(s);
	assert_int_equal(store_meta_get(s, "k", &v), 0);
	assert_string_equal(v, "old");
	free(v);
	store_free(s);
	free(path);
}

static void test_store_store__newer_schema_refused(void **state)
{
	char *path = tmp_path("impact.db");
	struct store *s = NULL;
	sqlite3 *db;

	(void)state;
	assert_int_equal(store_open(&s, path, STORE_CREATE), 0);
	store_free(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&s, path, 0), GI_ECORRUPT);
	assert_non_null(strstr(gi_error_last(), "newer"));
	free(path);
}

/* A store of schema 3 (before audit samples) opens, migrates to the latest, and keeps its runs. */
static void test_store_store__migrate_from_3(void **state)
{
	char *path = tmp_path("impact.db"), *dir = gi_xstrdup(path);
	struct store *s = NULL;
	struct store_run run;
	struct store_replay_snapshot snap;
	sqlite3 *db;
	size_t n = 9, audit = 9;

	(void)state;
	*strrchr(dir, '/') = '\0';
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sqlite3_exec(db, store_migrations[i], NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 3;"
				      "INSERT INTO runs(run_key, commit_oid, time) VALUES ('r', 'c', 5);"
				      "INSERT INTO selections(time, head_oid, base_oid, mode, total, selected)"
				      " VALUES (1, 'c', '', 'safe', 1, 1);", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&s, path, 0), 0);
	assert_int_equal(store_run_find(s, "r", &run), 0);
	assert_int_equal(run.time, 5);
	assert_true(run.audit_share == 0);
	assert_int_equal(store_calibration_count(s, 1, &n, &audit), 0);
	assert_int_equal(n + audit, 0);
	assert_int_equal(store_replay_get(s, &snap), GI_ENOTFOUND); /* 5 -> 6 ran: no snapshot yet */
	store_replay_snapshot_release(&snap);
	store_free(s);
	free(dir);
	free(path);
}

/*
 * A schema-4 store migrates to 5 (and on): the partial index of failing results,
 * which the calibration count reads, and the counts it gives are right
 * (full runs only, fail and error only).
 */
static void test_store_store__migrate_failed_index(void **state)
{
	char *path = tmp_path("impact.db");
	struct store *s = NULL;
	sqlite3 *db;
	sqlite3_stmt *st;
	size_t n = 99;

	(void)state;
	assert_int_equal(store_open(&s, path, STORE_CREATE), 0);
	store_free(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"DROP INDEX results_failed; DROP TABLE replay_snapshot; PRAGMA user_version = 4;"
		"INSERT INTO tests(id, name, first_seen) VALUES (1, 'a', 0), (2, 'b', 0);"
		"INSERT INTO runs(id, run_key, commit_oid, time, full) VALUES "
		"  (1, 'r1', 'c', 1, 1), (2, 'r2', 'c', 2, 1), (3, 'r3', 'c', 3, 0), (4, 'r4', 'c', 4, 1);"
		"INSERT INTO results(run_id, test_id, outcome) VALUES "
		"  (1, 1, 0), (1, 2, 1), (2, 1, 2), (2, 2, 2), (3, 1, 1), (4, 1, 3), (4, 2, 4);",
		NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_open(&s, path, 0), 0);
	assert_int_equal(store_calibration_count(s, 0, &n, NULL), 0);
	assert_int_equal(n, 2); /* runs 1 and 2: run 3 is not full, run 4 has no failure */
	assert_int_equal(store_calibration_count(s, 1, &n, NULL), 0);
	assert_int_equal(n, 3);
	store_free(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM sqlite_master WHERE "
					    "name = 'results_failed'), user_version FROM pragma_user_version",
					    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	assert_int_equal(sqlite3_column_int(st, 1), STORE_SCHEMA_VERSION);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
}

static void test_store_store__garbage_file(void **state)
{
	char *path = tmp_path("impact.db");
	struct store *s = NULL;
	FILE *f;

	(void)state;
	assert_int_equal(store_open(&s, path, STORE_CREATE), 0);
	store_free(s);
	unlink(path);
	f = fopen(path, "wb");
	assert_non_null(f);
	for (int i = 0; i < 4096; i++)
		fputc("garbage!"[i % 8], f);
	fclose(f);
	assert_int_equal(store_open(&s, path, 0), GI_ECORRUPT);
	assert_non_null(strstr(gi_error_last(), path));
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_store__create_and_meta),
		cmocka_unit_test(test_store_store__rollback_keeps_old),
		cmocka_unit_test(test_store_store__newer_schema_refused),
		cmocka_unit_test(test_store_store__migrate_failed_index),
		cmocka_unit_test(test_store_store__migrate_from_3),
		cmocka_unit_test(test_store_store__garbage_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
