/*
 * store_coverage.c - per-test coverage (table coverage): which repository
 * paths each test executed, the latest report per test winning.  Recording
 * coverage also drops the stored lineage graphs, whose `covers` edges it
 * would otherwise leave stale.
 */
#include "store_int.h"

int store_coverage_clear_test(struct store *s, int64_t test)
{
	sqlite3_stmt *st;

	if (store_need_tx(s, "store_coverage_clear_test"))
		return GI_ERROR;
	st = store_stmt(s, "DELETE FROM coverage WHERE test_id = ?1");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, test);
	return store_step_done(s, st, "clearing a test's coverage");
}

int store_coverage_add(struct store *s, int64_t test, const char *path, size_t len,
		       const char *commit)
{
	sqlite3_stmt *st;

	if (store_need_tx(s, "store_coverage_add"))
		return GI_ERROR;
	st = store_stmt(s, "INSERT OR REPLACE INTO coverage(test_id, path, commit_oid) "
			   "VALUES (?1, ?2, ?3)");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, test);
	sqlite3_bind_blob64(st, 2, path, (sqlite3_uint64)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, commit, -1, SQLITE_STATIC);
	return store_step_done(s, st, "adding coverage");
}

int store_coverage_each(struct store *s, int (*fn)(void *data, const struct store_coverage_row *row),
			void *data)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT t.name, t.file, c.path FROM coverage c JOIN tests t ON t.id = c.test_id "
		"ORDER BY c.test_id, c.path");
	struct store_coverage_row row;
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return GI_ERROR;
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.test = (const char *)sqlite3_column_text(st, 0);
		row.file = (const char *)sqlite3_column_text(st, 1);
		row.path = sqlite3_column_blob(st, 2);
		row.path_len = (size_t)sqlite3_column_bytes(st, 2);
		if (!row.path)
			row.path = "";
		err = fn(data, &row);
	}
	if (!err && rc != SQLITE_DONE)
		err = store_sqlerr(s, "reading coverage");
	sqlite3_reset(st);
	return err;
}

int store_coverage_count(struct store *s, int64_t *rows, int64_t *tests)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*), count(DISTINCT test_id) FROM coverage");
	int rc;

	if (!st)
		return GI_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*rows = sqlite3_column_int64(st, 0);
		if (tests)
			*tests = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_sqlerr(s, "counting coverage");
}

int store_graph_drop_all(struct store *s)
{
	sqlite3_stmt *st;

	if (store_need_tx(s, "store_graph_drop_all"))
		return GI_ERROR;
	st = store_stmt(s, "DELETE FROM graphs");
	if (!st)
		return GI_ERROR;
	return store_step_done(s, st, "dropping stored lineage graphs");
}
