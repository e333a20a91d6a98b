/*
 * store_audit.c - the audit sample behind each run: the share and seed of
 * the selection it ran and the listed tests whose coin is heads (kept at
 * record time, so later selections do not change the past), and whether
 * every one of those reported a result (runs.audit_values), which decides
 * whether the run's heads failures are calibration values.
 */
#include "store_int.h"

#define AUDIT_EXPECT_MAX ((size_t)64 << 20) /* bytes of heads names kept per run */

/* The names selection `id` listed, appended to `listed`. */
static int listed_names(struct store *s, int64_t id, struct gi_strvec *listed)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT name FROM selection_tests WHERE selection_id = ?1");
	int rc;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		gi_strvec_push(listed, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "reading a selection's tests");
	gi_strvec_sort_uniq(listed);
	return 0;
}

int store_selection_audit_link(struct store *s, const char *head_oid, double *share,
			       uint64_t *seed, struct gi_strvec *listed)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT id, audit_share, audit_seed FROM selections "
		"WHERE id = (SELECT max(id) FROM selections WHERE head_oid = ?1)");
	int64_t id = 0;
	int rc;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, head_oid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		*share = sqlite3_column_double(st, 1);
		*seed = (uint64_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return GI_ENOTFOUND;
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, "reading a selection's audit sample");
	return *share > 0 ? listed_names(s, id, listed) : 0;
}

int store_run_set_audit_packed(struct store *s, int64_t run, double share, uint64_t seed,
			       const char *expect, size_t len)
{
	sqlite3_stmt *st;

	if (store_need_tx(s, "store_run_set_audit"))
		return GI_ERROR;
	if (len > AUDIT_EXPECT_MAX)
		return gi_error_setc(GI_ELIMIT, "store: the audit sample of a run lists over %zu MiB "
				     "of test names", AUDIT_EXPECT_MAX >> 20);
	st = store_stmt(s, "UPDATE runs SET audit_share = ?2, audit_seed = ?3, audit_expect = ?4 "
			   "WHERE id = ?1");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_double(st, 2, share);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seed);
	sqlite3_bind_blob(st, 4, len ? expect : "", (int)len, SQLITE_STATIC);
	if (store_step_done(s, st, "linking a run to its audit sample"))
		return GI_ERROR;
	return store_replay_touch_run(s, run, -1);
}

int store_run_set_audit(struct store *s, int64_t run, double share, uint64_t seed,
			const struct gi_strvec *expect)
{
	struct gi_buf b;
	int err = 0;

	gi_buf_init(&b, AUDIT_EXPECT_MAX);
	for (size_t i = 0; !err && i < expect->nr; i++)
		err = gi_buf_add(&b, expect->v[i], strlen(expect->v[i]) + 1);
	if (err)
		err = gi_error_setc(GI_ELIMIT, "store: the audit sample of a run lists over %zu MiB "
				    "of test names", AUDIT_EXPECT_MAX >> 20);
	else
		err = store_run_set_audit_packed(s, run, share, seed, b.ptr, b.len);
	gi_buf_release(&b);
	return err;
}

/* 1 if run `run` has a result of test `name` or of a test "name::...", 0 if not, or an error. */
static int has_result(struct store *s, int64_t run, const char *name)
{
	sqlite3_stmt *st = store_stmt(s,
		/* CROSS JOIN: look the name up in the index first, not scan the run's results */
		"SELECT 1 FROM tests t CROSS JOIN results x ON x.run_id = ?1 AND x.test_id = t.id "
		"WHERE t.name = ?2 OR (t.name >= ?2 || '::' AND t.name < ?2 || ':;') LIMIT 1");
	int rc;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlerr(s, "reading a run's results");
	return rc == SQLITE_ROW;
}

/* The run's audit link; *found 0 when it has none (or is full: it calibrates whole). */
static int read_link(struct store *s, int64_t run, double *share, uint64_t *seed,
		     struct gi_buf *expect, int *found)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT audit_share, audit_seed, audit_expect FROM runs "
					 "WHERE id = ?1 AND full = 0 AND audit_share > 0");
	int rc, err = 0;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, run);
	rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (*found) {
		*share = sqlite3_column_double(st, 0);
		*seed = (uint64_t)sqlite3_column_int64(st, 1);
		err = gi_buf_add(expect, sqlite3_column_blob(st, 2),
				 (size_t)sqlite3_column_bytes(st, 2));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlerr(s, "reading a run's audit sample");
	return err ? gi_error_setc(GI_ELIMIT, "store: a run's audit sample is too large") : 0;
}

/* How many of the run's real failures have a heads coin. */
static int heads_failures(struct store *s, int64_t run, double share, uint64_t seed, long *n)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT t.name FROM results x JOIN tests t ON t.id = x.test_id "
					 "WHERE x.run_id = ?1 AND x.outcome IN (1, 2)");
	int rc;

	if (!st)
		return GI_ERROR;
	*n = 0;
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n += gi_coin(seed, (const char *)sqlite3_column_text(st, 0)) < share;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_sqlerr(s, "reading a run's failures");
}

static int set_values(struct store *s, int64_t run, long n)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE runs SET audit_values = ?2 WHERE id = ?1");

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, n);
	if (store_step_done(s, st, "updating a run's audit values"))
		return GI_ERROR;
	return store_replay_touch_run(s, run, -1);
}

int store_run_audit_refresh(struct store *s, int64_t run)
{
	struct gi_buf expect;
	double share = 0;
	uint64_t seed = 0;
	long n = 0;
	int found, err;

	if (store_need_tx(s, "store_run_audit_refresh"))
		return GI_ERROR;
	gi_buf_init(&expect, AUDIT_EXPECT_MAX + 1);
	if ((err = read_link(s, run, &share, &seed, &expect, &found)) || !found)
		goto done;
	for (size_t at = 0; at < expect.len && n >= 0; at += strlen(expect.ptr + at) + 1) {
		if ((err = has_result(s, run, expect.ptr + at)) < 0)
			goto done;
		n = err ? 0 : -1;
	}
	if (n >= 0 && (err = heads_failures(s, run, share, seed, &n)))
		goto done;
	err = set_values(s, run, n);
done:
	gi_buf_release(&expect);
	return err;
}

int store_audit_runs(struct store *s, size_t *runs, size_t *dropped)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*), total(audit_values < 0) FROM runs "
					 "WHERE full = 0 AND audit_share > 0");
	int rc;

	if (!st)
		return GI_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*runs = (size_t)sqlite3_column_int64(st, 0);
		*dropped = (size_t)sqlite3_column_double(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_sqlerr(s, "counting audited runs");
}
