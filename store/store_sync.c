/*
 * store_sync.c - reading every recorded result with its run, in commit and
 * run order, so history/sync.c can write them out as git notes.  Writing
 * imported runs reuses the calls of store_results.c.
 */
#include "store_int.h"

static void fill_row(sqlite3_stmt *st, struct store_sync_row *row)
{
	row->commit = (const char *)sqlite3_column_text(st, 0);
	row->run_key = (const char *)sqlite3_column_text(st, 1);
	row->time = sqlite3_column_int64(st, 2);
	row->full = sqlite3_column_int(st, 3);
	row->kind = (const char *)sqlite3_column_text(st, 4);
	row->test = (const char *)sqlite3_column_text(st, 5);
	row->outcome = sqlite3_column_int(st, 6);
	row->duration = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sqlite3_column_double(st, 7);
	row->audit = sqlite3_column_int(st, 8);
	row->audit_share = sqlite3_column_double(st, 9);
	row->audit_seed = (uint64_t)sqlite3_column_int64(st, 10);
	row->audit_expect = sqlite3_column_blob(st, 11);
	row->audit_expect_len = (size_t)sqlite3_column_bytes(st, 11);
}

int store_sync_each(struct store *s, int (*fn)(void *data, const struct store_sync_row *row),
		    void *data)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT r.commit_oid, r.run_key, r.time, r.full, r.kind, t.name, "
		"       x.outcome, x.duration, x.audit, r.audit_share, r.audit_seed, r.audit_expect "
		"FROM runs r LEFT JOIN results x ON x.run_id = r.id "
		"LEFT JOIN tests t ON t.id = x.test_id "
		"ORDER BY r.commit_oid, r.run_key");
	struct store_sync_row row;
	int rc, err = 0;

	if (!st)
		return GI_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fill_row(st, &row);
		if ((err = fn(data, &row)))
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = store_sqlerr(s, "reading runs to share");
	sqlite3_reset(st);
	return err;
}
