/*
 * store_report.c - the read-only queries behind `git impact report`:
 * selections, runs, per-test figures and failures inside a time window, and
 * point look-ups (a test's outcomes at a commit, the selection made there).
 * Rows stream to callbacks and are borrowed for the call.
 */
#include "store_int.h"

static double column_opt_double(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 : sqlite3_column_double(st, col);
}

static const char *column_str(sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);

	return v ? v : "";
}

static void bind_window(sqlite3_stmt *st, int64_t since, int64_t until)
{
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until);
}

/* Finish a row loop: the error of fn, of the step, or 0; resets st. */
static int loop_end(struct store *s, sqlite3_stmt *st, int err, int rc, const char *what)
{
	if (!err && rc != SQLITE_DONE)
		err = store_sqlerr(s, what);
	sqlite3_reset(st);
	return err;
}

int store_report_selections_each(struct store *s, int64_t since, int64_t until,
				 store_report_selection_fn fn, void *data)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT id, time, head_oid, mode, fallback, total, selected, est_total,"
		" est_selected, kinds, recall, bound, calib_runs FROM selections"
		" WHERE time >= ?1 AND time < ?2 ORDER BY time, id");
	struct store_report_selection row;
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return GI_ERROR;
	bind_window(st, since, until);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.id = sqlite3_column_int64(st, 0);
		row.time = sqlite3_column_int64(st, 1);
		row.head_oid = column_str(st, 2);
		row.mode = column_str(st, 3);
		row.fallback = (const char *)sqlite3_column_text(st, 4);
		row.total = (long)sqlite3_column_int64(st, 5);
		row.selected = (long)sqlite3_column_int64(st, 6);
		row.est_total = column_opt_double(st, 7);
		row.est_selected = column_opt_double(st, 8);
		row.kinds = (unsigned)sqlite3_column_int64(st, 9);
		row.recall = column_opt_double(st, 10);
		row.bound = column_opt_double(st, 11);
		row.calib_runs = (long)sqlite3_column_int64(st, 12);
		err = fn(data, &row);
	}
	return loop_end(s, st, err, rc, "reading selections");
}

int store_report_selected_names(struct store *s, int64_t since, int64_t until,
				struct gi_strvec *out)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT DISTINCT st.name FROM selection_tests st"
		" JOIN selections s ON s.id = st.selection_id"
		" WHERE s.time >= ?1 AND s.time < ?2 AND st.audit = 0");
	int rc = SQLITE_DONE;

	if (!st)
		return GI_ERROR;
	bind_window(st, since, until);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		gi_strvec_push(out, column_str(st, 0));
	return loop_end(s, st, 0, rc, "reading selected tests");
}

int store_report_runs_each(struct store *s, int64_t since, int64_t until,
			   store_report_run_fn fn, void *data)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT u.id, u.commit_oid, u.time, u.full, u.kind, count(r.test_id),"
		" total(r.audit), total(r.duration), count(r.duration), total(r.outcome IN (1, 2))"
		" FROM runs u LEFT JOIN results r ON r.run_id = u.id"
		" WHERE u.time >= ?1 AND u.time < ?2 GROUP BY u.id ORDER BY u.time, u.id");
	struct store_report_run row;
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return GI_ERROR;
	bind_window(st, since, until);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.id = sqlite3_column_int64(st, 0);
		row.commit = column_str(st, 1);
		row.time = sqlite3_column_int64(st, 2);
		row.full = sqlite3_column_int(st, 3);
		row.kind = column_str(st, 4);
		row.results = (long)sqlite3_column_int64(st, 5);
		row.audits = (long)sqlite3_column_double(st, 6);
		row.seconds = sqlite3_column_double(st, 7);
		row.timed = (long)sqlite3_column_int64(st, 8);
		row.failures = (long)sqlite3_column_double(st, 9);
		err = fn(data, &row);
	}
	return loop_end(s, st, err, rc, "reading runs");
}

int store_report_tests_each(struct store *s, int64_t since, int64_t until,
			    store_report_test_fn fn, void *data)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT t.id, t.name, t.first_seen,"
		" (SELECT avg(a.duration) FROM results a WHERE a.test_id = t.id),"
		" w.seconds, w.runs, w.fails"
		" FROM tests t LEFT JOIN ("
		"  SELECT r.test_id AS tid, total(r.duration) AS seconds, count(*) AS runs,"
		"  total(r.outcome IN (1, 2)) AS fails"
		"  FROM results r JOIN runs u ON u.id = r.run_id"
		"  WHERE u.time >= ?1 AND u.time < ?2 GROUP BY r.test_id) w ON w.tid = t.id"
		" ORDER BY t.id");
	struct store_report_test row;
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return GI_ERROR;
	bind_window(st, since, until);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.id = sqlite3_column_int64(st, 0);
		row.name = column_str(st, 1);
		row.first_seen = sqlite3_column_int64(st, 2);
		row.mean_duration = column_opt_double(st, 3);
		row.seconds = sqlite3_column_double(st, 4);
		row.runs = (long)sqlite3_column_int64(st, 5);
		row.fails = (long)sqlite3_column_double(st, 6);
		err = fn(data, &row);
	}
	return loop_end(s, st, err, rc, "reading tests");
}

int store_report_flaky_each(struct store *s, int64_t since, int64_t until,
			    store_report_flaky_fn fn, void *data)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT r.test_id, u.commit_oid, min(u.time), total(r.outcome = 4),"
		" total(r.outcome = 0) > 0 AND total(r.outcome IN (1, 2)) > 0"
		" FROM results r JOIN runs u ON u.id = r.run_id"
		" WHERE u.time >= ?1 AND u.time < ?2 GROUP BY r.test_id, u.commit_oid"
		" HAVING total(r.outcome = 4) > 0"
		"  OR (total(r.outcome = 0) > 0 AND total(r.outcome IN (1, 2)) > 0)");
	struct store_report_flaky row;
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return GI_ERROR;
	bind_window(st, since, until);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.test = sqlite3_column_int64(st, 0);
		row.commit = column_str(st, 1);
		row.time = sqlite3_column_int64(st, 2);
		row.flaky = (long)sqlite3_column_double(st, 3);
		row.flip = sqlite3_column_int(st, 4);
		err = fn(data, &row);
	}
	return loop_end(s, st, err, rc, "reading flaky results");
}

int store_report_failures_each(struct store *s, int64_t since, int64_t until,
			       store_report_failure_fn fn, void *data)
{
	sqlite3_stmt *st = store_stmt(s,
		/*
		 * f finds the failures through the covering index results_by_test;
		 * only those rows are then looked up in results (r) for `audit`,
		 * which that index lacks (reading it for every result: 60x slower
		 * at 3.7 million results).
		 */
		"SELECT f.test_id, t.name, u.commit_oid, min(u.time),"
		" max(CASE WHEN u.full OR u.kind = 'full' THEN 2"
		"      WHEN r.audit OR u.kind = 'audit' THEN 1 ELSE 0 END)"
		" FROM results f JOIN runs u ON u.id = f.run_id"
		" JOIN results r ON r.run_id = f.run_id AND r.test_id = f.test_id"
		" JOIN tests t ON t.id = f.test_id"
		" WHERE u.time >= ?1 AND u.time < ?2 AND f.outcome IN (1, 2)"
		" GROUP BY f.test_id, u.commit_oid ORDER BY min(u.time), f.test_id");
	struct store_report_failure row;
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return GI_ERROR;
	bind_window(st, since, until);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.test = sqlite3_column_int64(st, 0);
		row.name = column_str(st, 1);
		row.commit = column_str(st, 2);
		row.time = sqlite3_column_int64(st, 3);
		row.found_by = sqlite3_column_int(st, 4);
		err = fn(data, &row);
	}
	return loop_end(s, st, err, rc, "reading failures");
}

int store_report_outcomes_at(struct store *s, int64_t test, const char *commit,
			     long *passed, long *failed, int *found_by)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT total(r.outcome = 0), total(r.outcome IN (1, 2)),"
		" max(CASE WHEN r.outcome NOT IN (1, 2) THEN -1"
		"      WHEN u.full OR u.kind = 'full' THEN 2"
		"      WHEN r.audit OR u.kind = 'audit' THEN 1 ELSE 0 END)"
		" FROM runs u JOIN results r ON r.run_id = u.id"
		" WHERE u.commit_oid = ?1 AND r.test_id = ?2");
	int rc;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, commit, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, test);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*passed = (long)sqlite3_column_double(st, 0);
		*failed = (long)sqlite3_column_double(st, 1);
		*found_by = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 2);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_sqlerr(s, "reading a test's outcomes");
}

int store_report_choice_at(struct store *s, const char *commit, const char *test,
			   struct store_report_choice *out)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT s.id, s.time, s.kinds, s.fallback IS NOT NULL OR s.mode = 'all',"
		" (SELECT min(st.audit) FROM selection_tests st WHERE st.selection_id = s.id"
		"  AND (st.name = ?2 OR substr(?2, 1, length(st.name) + 2) = st.name || '::'))"
		" FROM selections s WHERE s.head_oid = ?1 ORDER BY s.time, s.id LIMIT 1");
	int rc;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, commit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, test, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->selection = sqlite3_column_int64(st, 0);
		out->time = sqlite3_column_int64(st, 1);
		out->kinds = (unsigned)sqlite3_column_int64(st, 2);
		out->all = sqlite3_column_int(st, 3);
		out->listed = sqlite3_column_type(st, 4) != SQLITE_NULL;
		out->audit = out->listed && sqlite3_column_int(st, 4);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? GI_ENOTFOUND : store_sqlerr(s, "reading a selection");
}

int store_report_commits_with(struct store *s, int what, struct gi_strvec *out)
{
	sqlite3_stmt *st = store_stmt(s, what == STORE_REPORT_WITH_RUNS ?
		"SELECT DISTINCT commit_oid FROM runs" :
		"SELECT DISTINCT head_oid FROM selections");
	int rc;

	if (!st)
		return GI_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		gi_strvec_push(out, column_str(st, 0));
	gi_strvec_sort_uniq(out);
	return loop_end(s, st, 0, rc, "reading the commits with runs or selections");
}
