/*
 * store_replay.c - the model's replay snapshot (table replay_snapshot) and
 * the checks that keep it true.  A snapshot is invalidated by deleting it
 * in the very transaction of a write that changes what a replay of a run
 * it covers reads; appending runs after it changes nothing it covers.  A
 * snapshot computed from an older state of the store cannot be saved: it
 * is written by upgrading the read transaction it was computed in, which
 * SQLite refuses when another connection has committed since.  So no
 * counter has to be kept by every writer, and a stale writer never
 * replaces a newer snapshot.  Tests are only ever added (never renamed or
 * deleted), and a new one has no result in a covered run: no check.  A
 * migration or another replay version is caught by the reader (the
 * snapshot names its schema and format).
 */
#include "store_int.h"

void store_replay_forget(struct store *s)
{
	s->replay.known = 0;
	s->replay.checked = 0;
}

/* Learn whether a snapshot is stored and what it covers (once per transaction). */
static int cover_load(struct store *s)
{
	sqlite3_stmt *st;
	int rc;

	if (s->replay.known)
		return 0;
	if (!(st = store_stmt(s, "SELECT last_time, last_id FROM replay_snapshot WHERE id = 1")))
		return GI_ERROR;
	rc = sqlite3_step(st);
	s->replay.exists = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW) {
		s->replay.time = sqlite3_column_int64(st, 0);
		s->replay.id = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlerr(s, "reading the replay snapshot");
	s->replay.known = 1;
	return 0;
}

int store_replay_drop(struct store *s)
{
	sqlite3_stmt *st;
	int err;

	if (store_need_tx(s, "store_replay_drop"))
		return GI_ERROR;
	if (!(st = store_stmt(s, "DELETE FROM replay_snapshot")))
		return GI_ERROR;
	if ((err = store_step_done(s, st, "dropping the replay snapshot")))
		return err;
	s->replay.known = 1;
	s->replay.exists = 0;
	return 0;
}

static int run_time(struct store *s, int64_t run, int64_t *time)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT time FROM runs WHERE id = ?1");
	int rc;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, run);
	rc = sqlite3_step(st);
	*time = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : INT64_MAX;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_sqlerr(s, "reading a run");
}

int store_replay_touch_run(struct store *s, int64_t run, int64_t time)
{
	int err;

	if (s->replay.checked == run && s->replay.known)
		return 0;
	if ((err = cover_load(s)))
		return err;
	s->replay.checked = run;
	if (!s->replay.exists)
		return 0;
	if (time < 0 && (err = run_time(s, run, &time)))
		return err;
	if (time < s->replay.time || (time == s->replay.time && run <= s->replay.id))
		return store_replay_drop(s);
	return 0;
}

int store_replay_touch_commit(struct store *s, const char *oid, int lineage_only)
{
	sqlite3_stmt *st;
	int err, covered;

	if ((err = cover_load(s)) || !s->replay.exists)
		return err;
	st = lineage_only ? store_stmt(s, "SELECT 1 FROM runs WHERE commit_oid = ?1 AND "
				       "(full = 1 OR audit_share > 0) "
				       "AND (time < ?2 OR (time = ?2 AND id <= ?3)) LIMIT 1")
		       : store_stmt(s, "SELECT 1 FROM runs WHERE commit_oid = ?1 AND "
				       "(time < ?2 OR (time = ?2 AND id <= ?3)) LIMIT 1");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, oid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, s->replay.time);
	sqlite3_bind_int64(st, 3, s->replay.id);
	err = sqlite3_step(st);
	covered = err == SQLITE_ROW;
	sqlite3_reset(st);
	if (err != SQLITE_ROW && err != SQLITE_DONE)
		return store_sqlerr(s, "reading runs");
	return covered ? store_replay_drop(s) : 0;
}

void store_replay_snapshot_release(struct store_replay_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->format);
	free(snap->data);
	memset(snap, 0, sizeof(*snap));
}

int store_replay_get(struct store *s, struct store_replay_snapshot *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT format, schema, last_time, last_id, runs, data "
					 "FROM replay_snapshot WHERE id = 1");
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return GI_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(st, 5);
		int len = sqlite3_column_bytes(st, 5);

		out->format = gi_xstrdup(sqlite3_column_text(st, 0) ?
					 (const char *)sqlite3_column_text(st, 0) : "");
		out->schema = sqlite3_column_int(st, 1);
		out->last_time = sqlite3_column_int64(st, 2);
		out->last_id = sqlite3_column_int64(st, 3);
		out->runs = (size_t)sqlite3_column_int64(st, 4);
		out->len = len > 0 ? (size_t)len : 0;
		out->data = gi_xmalloc(out->len ? out->len : 1);
		if (out->len)
			memcpy(out->data, blob, out->len);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? GI_ENOTFOUND : store_sqlerr(s, "reading the replay snapshot");
}

/* The database refused to upgrade a read transaction: someone wrote first. */
static int busy_or_error(struct store *s, const char *what)
{
	if (sqlite3_errcode(s->db) == SQLITE_BUSY)
		return gi_error_setc(GI_EBUSY, "store '%s': %s: another process wrote first",
				     s->path, what);
	return store_sqlerr(s, what);
}

int store_replay_put(struct store *s, const struct store_replay_snapshot *snap)
{
	sqlite3_stmt *st;
	int err;

	if (store_need_tx(s, "store_replay_put"))
		return GI_ERROR;
	if ((err = cover_load(s)))
		return err;
	if (s->replay.exists && (s->replay.time > snap->last_time ||
	    (s->replay.time == snap->last_time && s->replay.id > snap->last_id)))
		return 1;
	st = store_stmt(s, "INSERT OR REPLACE INTO replay_snapshot(id, format, schema, last_time, "
			   "last_id, runs, data) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, snap->format, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, snap->schema);
	sqlite3_bind_int64(st, 3, snap->last_time);
	sqlite3_bind_int64(st, 4, snap->last_id);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)snap->runs);
	sqlite3_bind_blob64(st, 6, snap->data, snap->len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		err = busy_or_error(s, "writing the replay snapshot");
		sqlite3_reset(st);
		return err;
	}
	sqlite3_reset(st);
	s->replay.known = 1;
	s->replay.exists = 1;
	s->replay.time = snap->last_time;
	s->replay.id = snap->last_id;
	return 0;
}

int store_runs_count_upto(struct store *s, int64_t time, int64_t id, size_t *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM runs "
					 "WHERE time < ?1 OR (time = ?1 AND id <= ?2)");
	int rc;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, time);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_sqlerr(s, "counting runs");
}
