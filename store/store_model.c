/*
 * store_model.c - what the scoring model reads and keeps: every run in
 * time order with its results (for the replay that trains and calibrates
 * the model), and the audit tests of the latest selection of a commit (so
 * that `record` can mark audit results).
 */
#include "store_int.h"

int store_runs_each(struct store *s, int (*fn)(void *data, const struct store_run *run),
		    void *data)
{
	return store_runs_after_each(s, INT64_MIN, INT64_MIN, fn, data);
}

int store_runs_after_each(struct store *s, int64_t time, int64_t id,
			  int (*fn)(void *data, const struct store_run *run), void *data)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, commit_oid, time, full, kind, audit_share, "
					 "audit_seed, coalesce(audit_values, -1) FROM runs "
					 "WHERE time > ?1 OR (time = ?1 AND id > ?2) ORDER BY time, id");
	struct store_run run;
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, time);
	sqlite3_bind_int64(st, 2, id);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *c = sqlite3_column_text(st, 1), *k = sqlite3_column_text(st, 4);

		run.id = sqlite3_column_int64(st, 0);
		snprintf(run.commit, sizeof(run.commit), "%s", c ? (const char *)c : "");
		run.time = sqlite3_column_int64(st, 2);
		run.full = sqlite3_column_int(st, 3);
		snprintf(run.kind, sizeof(run.kind), "%s", k ? (const char *)k : "");
		run.audit_share = sqlite3_column_double(st, 5);
		run.audit_seed = (uint64_t)sqlite3_column_int64(st, 6);
		run.audit_values = (long)sqlite3_column_int64(st, 7);
		err = fn(data, &run);
	}
	if (!err && rc != SQLITE_DONE)
		err = store_sqlerr(s, "reading runs");
	sqlite3_reset(st);
	return err;
}

/* One row of a results statement selecting run_id, test_id, outcome, duration, audit. */
static void result_of(sqlite3_stmt *st, struct store_run_result *row)
{
	row->run = sqlite3_column_int64(st, 0);
	row->test = sqlite3_column_int64(st, 1);
	row->outcome = sqlite3_column_int(st, 2);
	row->duration = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
			sqlite3_column_double(st, 3);
	row->audit = sqlite3_column_int(st, 4);
}

int store_run_results_of(struct store *s, int64_t run,
			 int (*fn)(void *data, const struct store_run_result *row), void *data)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT run_id, test_id, outcome, duration, audit "
					 "FROM results WHERE run_id = ?1 ORDER BY test_id");
	struct store_run_result row;
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, run);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		result_of(st, &row);
		err = fn(data, &row);
	}
	if (!err && rc != SQLITE_DONE)
		err = store_sqlerr(s, "reading a run's results");
	sqlite3_reset(st);
	return err;
}

int store_run_results_each(struct store *s,
			   int (*fn)(void *data, const struct store_run_result *row), void *data)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT run_id, test_id, outcome, duration, audit "
					 "FROM results ORDER BY run_id, test_id");
	struct store_run_result row;
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return GI_ERROR;
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		result_of(st, &row);
		err = fn(data, &row);
	}
	if (!err && rc != SQLITE_DONE)
		err = store_sqlerr(s, "reading results");
	sqlite3_reset(st);
	return err;
}

int store_selection_audit_tests(struct store *s, const char *head_oid, struct gi_strvec *out)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT name FROM selection_tests WHERE audit = 1 AND selection_id = "
		"(SELECT max(id) FROM selections WHERE head_oid = ?1)");
	int rc;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, head_oid, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		gi_strvec_push(out, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "reading a selection's audit tests");
	gi_strvec_sort_uniq(out);
	return 0;
}

/* One count(*)-like number from `sql`, into *out. */
static int count_one(struct store *s, const char *sql, size_t *out)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;

	if (!st)
		return GI_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, "counting calibration runs");
	return 0;
}

int store_calibration_count(struct store *s, int level_test, size_t *out, size_t *audit)
{
	size_t full = 0, sample = 0;
	int err;

	if (level_test)
		err = count_one(s, "SELECT count(*) FROM runs r JOIN results x ON x.run_id = r.id "
				   "WHERE r.full = 1 AND x.outcome IN (1, 2)", &full) ||
		      count_one(s, "SELECT coalesce(sum(audit_values), 0) FROM runs "
				   "WHERE full = 0 AND audit_share > 0 AND audit_values > 0", &sample);
	else
		err = count_one(s, "SELECT count(*) FROM runs r WHERE r.full = 1 AND EXISTS "
				   "(SELECT 1 FROM results x WHERE x.run_id = r.id AND x.outcome IN (1, 2))",
				&full);
	if (err)
		return GI_ERROR;
	*out = full + sample;
	if (audit)
		*audit = sample;
	return 0;
}
