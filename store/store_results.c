/*
 * store_results.c - runs, the files they came from, tests and their
 * results (tables runs, run_files, tests, results).  Writes need an open
 * transaction; reads stream rows to a callback so callers hold no more
 * than they need.
 */
#include "store_int.h"

static void copy_text(char *dst, size_t size, const unsigned char *src)
{
	snprintf(dst, size, "%s", src ? (const char *)src : "");
}

int store_run_find(struct store *s, const char *key, struct store_run *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, commit_oid, time, full, kind, audit_share, "
					 "audit_seed, coalesce(audit_values, -1) FROM runs WHERE run_key = ?1");
	int rc;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		copy_text(out->commit, sizeof(out->commit), sqlite3_column_text(st, 1));
		out->time = sqlite3_column_int64(st, 2);
		out->full = sqlite3_column_int(st, 3);
		copy_text(out->kind, sizeof(out->kind), sqlite3_column_text(st, 4));
		out->audit_share = sqlite3_column_double(st, 5);
		out->audit_seed = (uint64_t)sqlite3_column_int64(st, 6);
		out->audit_values = (long)sqlite3_column_int64(st, 7);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? GI_ENOTFOUND : store_sqlerr(s, "reading a run");
}

int store_run_add(struct store *s, const char *key, struct store_run *run, const char *source)
{
	sqlite3_stmt *st;
	int err;

	if (store_need_tx(s, "store_run_add"))
		return GI_ERROR;
	st = store_stmt(s, "INSERT INTO runs(run_key, commit_oid, time, full, kind, source) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, run->commit, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, run->time);
	sqlite3_bind_int(st, 4, run->full);
	sqlite3_bind_text(st, 5, run->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, source, -1, SQLITE_STATIC);
	if ((err = store_step_done(s, st, "adding a run")))
		return err;
	run->id = sqlite3_last_insert_rowid(s->db);
	return store_replay_touch_run(s, run->id, run->time);
}

int store_run_set_full(struct store *s, int64_t run)
{
	sqlite3_stmt *st;

	if (store_need_tx(s, "store_run_set_full"))
		return GI_ERROR;
	st = store_stmt(s, "UPDATE runs SET full = 1 WHERE id = ?1");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, run);
	if (store_step_done(s, st, "updating a run"))
		return GI_ERROR;
	return store_replay_touch_run(s, run, -1);
}

int store_run_file_has(struct store *s, int64_t run, const char *hash)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM run_files WHERE run_id = ?1 AND hash = ?2");
	int rc;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc == SQLITE_ROW;
	return store_sqlerr(s, "reading a run's files");
}

int store_run_file_add(struct store *s, int64_t run, const char *hash, const char *name)
{
	sqlite3_stmt *st;

	if (store_need_tx(s, "store_run_file_add"))
		return GI_ERROR;
	st = store_stmt(s, "INSERT OR IGNORE INTO run_files(run_id, hash, name) VALUES (?1, ?2, ?3)");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	return store_step_done(s, st, "adding a run's file");
}

static int test_lookup(struct store *s, const char *name, int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM tests WHERE name = ?1");
	int rc;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? GI_ENOTFOUND : store_sqlerr(s, "reading a test");
}

int store_test_ensure(struct store *s, const char *name, const char *file,
		      int64_t first_seen, int64_t *id)
{
	sqlite3_stmt *st;
	int err;

	if (store_need_tx(s, "store_test_ensure"))
		return GI_ERROR;
	if ((err = test_lookup(s, name, id)) != GI_ENOTFOUND)
		return err;
	st = store_stmt(s, "INSERT INTO tests(name, file, first_seen) VALUES (?1, ?2, ?3)");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, first_seen);
	if ((err = store_step_done(s, st, "adding a test")))
		return err;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static void bind_duration(sqlite3_stmt *st, int col, double duration)
{
	if (duration >= 0)
		sqlite3_bind_double(st, col, duration);
	else
		sqlite3_bind_null(st, col);
}

int store_result_add(struct store *s, int64_t run, int64_t test, int outcome,
		     double duration, int audit)
{
	sqlite3_stmt *st;
	int err;

	if (store_need_tx(s, "store_result_add"))
		return GI_ERROR;
	st = store_stmt(s, "INSERT OR IGNORE INTO results(run_id, test_id, outcome, duration, audit) "
			   "VALUES (?1, ?2, ?3, ?4, ?5)");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, test);
	sqlite3_bind_int(st, 3, outcome);
	bind_duration(st, 4, duration);
	sqlite3_bind_int(st, 5, audit);
	if ((err = store_step_done(s, st, "adding a result")))
		return err;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	if ((err = store_summary_add(s, run, test, outcome, duration)) ||
	    (err = store_replay_touch_run(s, run, -1)))
		return err;
	return 1;
}

int store_result_get(struct store *s, int64_t run, int64_t test, int *outcome, double *duration)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT outcome, duration FROM results "
					 "WHERE run_id = ?1 AND test_id = ?2");
	int rc;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, test);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*outcome = sqlite3_column_int(st, 0);
		*duration = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 :
			    sqlite3_column_double(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? GI_ENOTFOUND : store_sqlerr(s, "reading a result");
}

int store_result_set(struct store *s, int64_t run, int64_t test, int outcome, double duration)
{
	sqlite3_stmt *st;
	int err;

	if (store_need_tx(s, "store_result_set"))
		return GI_ERROR;
	st = store_stmt(s, "UPDATE results SET outcome = ?3, duration = ?4 "
			   "WHERE run_id = ?1 AND test_id = ?2 "
			   "AND (outcome IS NOT ?3 OR duration IS NOT ?4)");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, test);
	sqlite3_bind_int(st, 3, outcome);
	bind_duration(st, 4, duration);
	if ((err = store_step_done(s, st, "updating a result")))
		return err;
	/* rare (a test seen twice in a run): its summary is summed up again */
	if (!sqlite3_changes(s->db))
		return 0;
	if ((err = store_replay_touch_run(s, run, -1)))
		return err;
	return store_summary_refresh(s, test);
}

int store_run_outcomes(struct store *s, int64_t run, size_t *counts, int n)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT outcome, count(*) FROM results "
					 "WHERE run_id = ?1 GROUP BY outcome");
	int rc;

	if (!st)
		return GI_ERROR;
	memset(counts, 0, sizeof(*counts) * (size_t)n);
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int o = sqlite3_column_int(st, 0);

		if (o >= 0 && o < n)
			counts[o] = (size_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_sqlerr(s, "counting a run's results");
}

int store_tests_id_max(struct store *s, int64_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT max(id) FROM tests");
	int rc;

	if (!st)
		return GI_ERROR;
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_sqlerr(s, "reading tests");
}

int store_tests_each(struct store *s, int (*fn)(void *data, const struct store_test_row *row),
		     void *data)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, name, file, first_seen FROM tests ORDER BY id");
	struct store_test_row row;
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return GI_ERROR;
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.id = sqlite3_column_int64(st, 0);
		row.name = (const char *)sqlite3_column_text(st, 1);
		row.file = (const char *)sqlite3_column_text(st, 2);
		row.first_seen = sqlite3_column_int64(st, 3);
		err = fn(data, &row);
	}
	if (!err && rc != SQLITE_DONE)
		err = store_sqlerr(s, "reading tests");
	sqlite3_reset(st);
	return err;
}

static void run_map_add(struct store_run_map *m, sqlite3_stmt *st)
{
	struct store_run_info *r;

	GI_ALLOC_GROW(m->v, m->nr + 1, m->alloc);
	r = &m->v[m->nr++];
	r->id = sqlite3_column_int64(st, 0);
	r->time = sqlite3_column_int64(st, 1);
	r->commit = gi_xstrdup(sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "");
	r->full = sqlite3_column_int(st, 3);
}

void store_run_map_release(struct store_run_map *m)
{
	for (size_t i = 0; i < m->nr; i++)
		free(m->v[i].commit);
	free(m->v);
}

int store_run_map_load(struct store *s, struct store_run_map *m)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, time, commit_oid, full FROM runs ORDER BY id");
	int rc;

	if (!st)
		return GI_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		run_map_add(m, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_sqlerr(s, "reading runs");
}

const struct store_run_info *store_run_map_find(struct store *s, struct store_run_map *m,
						int64_t id)
{
	size_t lo = 0, hi = m->nr;
	sqlite3_stmt *st;

	if (m->last < m->nr && m->v[m->last].id == id)
		return &m->v[m->last];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->nr && m->v[lo].id == id)
		return &m->v[m->last = lo];
	st = store_stmt(s, "SELECT id, time, commit_oid, full FROM runs WHERE id = ?1");
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		run_map_add(m, st); /* out of order at the end: found by the scan below */
		m->last = m->nr - 1;
	}
	sqlite3_reset(st);
	for (size_t i = m->nr; i-- > 0;)
		if (m->v[i].id == id)
			return &m->v[m->last = i];
	return NULL;
}

/* One result row of `st` with its run; 1 if the run is gone (the row is skipped). */
static int result_row(struct store *s, sqlite3_stmt *st, struct store_run_map *m,
		      struct store_result_row *row)
{
	const struct store_run_info *r;

	row->test = sqlite3_column_int64(st, 0);
	row->run = sqlite3_column_int64(st, 1);
	row->outcome = sqlite3_column_int(st, 2);
	row->duration = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
			sqlite3_column_double(st, 3);
	if (!(r = store_run_map_find(s, m, row->run)))
		return 1;
	row->time = r->time;
	row->commit = r->commit;
	row->full = r->full;
	return 0;
}

/*
 * The runs are read once into memory and the results straight from their
 * covering index: no join per result row (the hot path of every select).
 * A result whose run is gone is left out, as the join did.
 */
int store_results_each(struct store *s,
		       int (*fn)(void *data, const struct store_result_row *row), void *data)
{
	sqlite3_stmt *st = NULL;
	struct store_result_row row;
	struct store_run_map m = { 0 };
	int rc = SQLITE_DONE, err;

	if ((err = store_run_map_load(s, &m)))
		goto done;
	st = store_stmt(s, "SELECT test_id, run_id, outcome, duration "
			   "FROM results INDEXED BY results_by_test ORDER BY test_id");
	if (!st) {
		err = GI_ERROR;
		goto done;
	}
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!result_row(s, st, &m, &row))
			err = fn(data, &row);
	if (!err && rc != SQLITE_DONE)
		err = store_sqlerr(s, "reading results");
	sqlite3_reset(st);
done:
	store_run_map_release(&m);
	return err;
}

int store_test_results_each(struct store *s, int64_t test,
			    int (*fn)(void *data, const struct store_result_row *row), void *data)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT r.test_id, r.run_id, r.outcome, r.duration, "
					 "u.time, u.commit_oid, u.full FROM results r "
					 "INDEXED BY results_by_test JOIN runs u ON u.id = r.run_id "
					 "WHERE r.test_id = ?1");
	struct store_result_row row;
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, test);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.test = sqlite3_column_int64(st, 0);
		row.run = sqlite3_column_int64(st, 1);
		row.outcome = sqlite3_column_int(st, 2);
		row.duration = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
			       sqlite3_column_double(st, 3);
		row.time = sqlite3_column_int64(st, 4);
		row.commit = (const char *)sqlite3_column_text(st, 5);
		row.full = sqlite3_column_int(st, 6);
		err = fn(data, &row);
	}
	if (!err && rc != SQLITE_DONE)
		err = store_sqlerr(s, "reading a test's results");
	sqlite3_reset(st);
	return err;
}
