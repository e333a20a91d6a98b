/*
 * store_git.c - the ingested git history: commits, their first-parent
 * changes (paths as raw BLOBs), and the tips the last complete ingest
 * walked.  Writes must run inside a transaction; reads need none.
 */
#include "store_int.h"

#include <string.h>

int store_git_commit_add(struct store *s, struct store_git_commit *c)
{
	sqlite3_stmt *st;
	int err;

	if ((err = store_need_tx(s, "store_git_commit_add")))
		return err;
	st = store_stmt(s, "INSERT INTO commits(oid, time, author_name, author_email, parents,"
			   " boundary) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, c->oid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->time);
	sqlite3_bind_text(st, 3, c->author_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->author_email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->parents ? c->parents : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, !!c->boundary);
	if ((err = store_step_done(s, st, "storing a commit")))
		return err;
	c->id = sqlite3_last_insert_rowid(s->db);
	/* its changes come next: a covered run at this commit would read them */
	return store_replay_touch_commit(s, c->oid, 0);
}

/* Bind a path side: NULL stays NULL; otherwise a BLOB of exactly len bytes. */
static void bind_side(sqlite3_stmt *st, int col, const char *path, size_t len,
		      const char *blob, uint32_t mode)
{
	if (!path) {
		sqlite3_bind_null(st, col);
		sqlite3_bind_null(st, col + 2);
		sqlite3_bind_null(st, col + 4);
		return;
	}
	sqlite3_bind_blob64(st, col, path, len, SQLITE_STATIC);
	if (*blob)
		sqlite3_bind_text(st, col + 2, blob, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, col + 4, mode);
}

int store_git_change_add(struct store *s, int64_t commit_id, const struct store_git_change *ch)
{
	sqlite3_stmt *st;
	char status[2] = { ch->status, '\0' };
	int err;

	if ((err = store_need_tx(s, "store_git_change_add")))
		return err;
	st = store_stmt(s, "INSERT INTO changes(commit_id, status, old_path, new_path, old_blob,"
			   " new_blob, old_mode, new_mode, similarity)"
			   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, commit_id);
	sqlite3_bind_text(st, 2, status, 1, SQLITE_TRANSIENT);
	bind_side(st, 3, ch->old_path, ch->old_len, ch->old_blob, ch->old_mode);
	bind_side(st, 4, ch->new_path, ch->new_len, ch->new_blob, ch->new_mode);
	if (ch->status == 'R' || ch->status == 'C')
		sqlite3_bind_int(st, 9, ch->similarity);
	return store_step_done(s, st, "storing a change");
}

int store_git_commit_delete(struct store *s, const char *oid)
{
	sqlite3_stmt *st;
	int err;

	if ((err = store_need_tx(s, "store_git_commit_delete")) ||
	    (err = store_replay_touch_commit(s, oid, 0)))
		return err;
	/* explicit, so it does not depend on PRAGMA foreign_keys */
	st = store_stmt(s, "DELETE FROM changes WHERE commit_id ="
			   " (SELECT id FROM commits WHERE oid = ?1)");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, oid, -1, SQLITE_STATIC);
	if ((err = store_step_done(s, st, "deleting changes")))
		return err;
	st = store_stmt(s, "DELETE FROM commits WHERE oid = ?1");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, oid, -1, SQLITE_STATIC);
	return store_step_done(s, st, "deleting a commit");
}

static char *column_strdup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? gi_xstrdup((const char *)t) : NULL;
}

static void fill_commit(sqlite3_stmt *st, const char *oid, struct store_git_commit *out)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	snprintf(out->oid, sizeof(out->oid), "%s", oid);
	out->time = sqlite3_column_int64(st, 1);
	out->author_name = column_strdup(st, 2);
	out->author_email = column_strdup(st, 3);
	out->parents = column_strdup(st, 4);
	if (!out->parents)
		out->parents = gi_xstrdup("");
	out->boundary = sqlite3_column_int(st, 5);
}

int store_git_commit_get(struct store *s, const char *oid, struct store_git_commit *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, time, author_name, author_email, parents,"
					 " boundary FROM commits WHERE oid = ?1");
	int rc, err = 0;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, oid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (out)
			fill_commit(st, oid, out);
	} else if (rc == SQLITE_DONE) {
		err = GI_ENOTFOUND; /* a plain "no": callers decide whether it is an error */
	} else {
		err = store_sqlerr(s, "reading a commit");
	}
	sqlite3_reset(st);
	return err;
}

void store_git_commit_release(struct store_git_commit *c)
{
	if (!c)
		return;
	free(c->author_name);
	free(c->author_email);
	free(c->parents);
	c->author_name = c->author_email = c->parents = NULL;
}

/* Read one side of a change row: path BLOB at col, blob at col + 2, mode at col + 4. */
static void read_side(sqlite3_stmt *st, int col, const char **path, size_t *len,
		      char blob[41], uint32_t *mode)
{
	const unsigned char *b;

	*path = NULL;
	*len = 0;
	blob[0] = '\0';
	*mode = 0;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return;
	*path = sqlite3_column_blob(st, col);
	*len = (size_t)sqlite3_column_bytes(st, col);
	if (!*path)
		*path = ""; /* an empty BLOB */
	b = sqlite3_column_text(st, col + 2);
	if (b)
		snprintf(blob, 41, "%s", (const char *)b);
	*mode = (uint32_t)sqlite3_column_int64(st, col + 4);
}

static void read_change(sqlite3_stmt *st, struct store_git_change *ch)
{
	const unsigned char *status = sqlite3_column_text(st, 0);

	memset(ch, 0, sizeof(*ch));
	ch->status = status ? (char)status[0] : '?';
	read_side(st, 1, &ch->old_path, &ch->old_len, ch->old_blob, &ch->old_mode);
	read_side(st, 2, &ch->new_path, &ch->new_len, ch->new_blob, &ch->new_mode);
	ch->similarity = sqlite3_column_int(st, 7);
}

int store_git_changes_each(struct store *s, const char *oid, store_git_change_fn fn, void *data)
{
	struct store_git_commit c;
	sqlite3_stmt *st;
	int rc, err;

	if ((err = store_git_commit_get(s, oid, &c)))
		return err == GI_ENOTFOUND ?
			gi_error_setc(GI_ENOTFOUND, "commit '%s' is not in the store: run 'git impact ingest'", oid) : err;
	store_git_commit_release(&c);
	/* columns: status, old_path, new_path, old_blob, new_blob, old_mode, new_mode, similarity */
	st = store_stmt(s, "SELECT status, old_path, new_path, old_blob, new_blob, old_mode,"
			   " new_mode, similarity FROM changes WHERE commit_id = ?1 ORDER BY rowid");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, c.id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_git_change ch;

		read_change(st, &ch);
		if ((err = fn(data, &ch)))
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = store_sqlerr(s, "reading changes");
	sqlite3_reset(st);
	return err;
}

int store_git_commit_count(struct store *s, int64_t *commits, int64_t *boundaries)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*), coalesce(sum(boundary), 0) FROM commits");
	int err = 0;

	if (!st)
		return GI_ERROR;
	if (sqlite3_step(st) != SQLITE_ROW) {
		err = store_sqlerr(s, "counting commits");
		goto done;
	}
	*commits = sqlite3_column_int64(st, 0);
	if (boundaries)
		*boundaries = sqlite3_column_int64(st, 1);
done:
	sqlite3_reset(st);
	return err;
}

int store_git_tips_get(struct store *s, struct gi_strvec *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT oid FROM ingest_tips ORDER BY oid");
	int rc;

	if (!st)
		return GI_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		gi_strvec_push(out, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_sqlerr(s, "reading ingest tips");
}

int store_git_tips_set(struct store *s, const struct gi_strvec *tips)
{
	sqlite3_stmt *st;
	int err;

	if ((err = store_need_tx(s, "store_git_tips_set")))
		return err;
	if (!(st = store_stmt(s, "DELETE FROM ingest_tips")) ||
	    (err = store_step_done(s, st, "clearing ingest tips")))
		return err ? err : GI_ERROR;
	for (size_t i = 0; i < tips->nr; i++) {
		st = store_stmt(s, "INSERT OR IGNORE INTO ingest_tips(oid) VALUES (?1)");
		if (!st)
			return GI_ERROR;
		sqlite3_bind_text(st, 1, tips->v[i], -1, SQLITE_STATIC);
		if ((err = store_step_done(s, st, "storing ingest tips")))
			return err;
	}
	return 0;
}
