/*
 * store.c - opening, migrating and closing the store; transactions; the
 * statement cache; meta values.  Connections use WAL and a busy timeout so
 * parallel CI shards on one machine wait for each other instead of failing.
 */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STORE_BUSY_MS 30000

int store_sqlerr(struct store *s, const char *what)
{
	int code = s && s->db ? sqlite3_errcode(s->db) : SQLITE_ERROR;
	const char *msg = s && s->db ? sqlite3_errmsg(s->db) : "no database";
	const char *path = s && s->path ? s->path : "?";

	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		return gi_error_setc(GI_ECORRUPT, "store '%s' is corrupt (%s): %s; "
				     "'git impact init --repair' sets it aside and rebuilds it",
				     path, what, msg);
	return gi_error_set("store '%s': %s: %s", path, what, msg);
}

sqlite3_stmt *store_stmt(struct store *s, const char *sql)
{
	sqlite3_stmt *st;

	for (int i = 0; i < s->ncache; i++) {
		if (s->cache[i].sql == sql) {
			sqlite3_reset(s->cache[i].stmt);
			sqlite3_clear_bindings(s->cache[i].stmt);
			return s->cache[i].stmt;
		}
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL)) {
		store_sqlerr(s, "prepare");
		return NULL;
	}
	if (s->ncache == STORE_STMT_CACHE) {
		sqlite3_finalize(s->cache[0].stmt);
		memmove(s->cache, s->cache + 1, sizeof(s->cache[0]) * (STORE_STMT_CACHE - 1));
		s->ncache--;
	}
	s->cache[s->ncache].sql = sql;
	s->cache[s->ncache].stmt = st;
	s->ncache++;
	return st;
}

int store_step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_sqlerr(s, what);
	return 0;
}

int store_exec(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int err = store_sqlerr(s, "exec");

		sqlite3_free(msg);
		return err;
	}
	return 0;
}

int store_need_tx(struct store *s, const char *what)
{
	if (!s->in_tx)
		return gi_error_set("internal error: %s outside a transaction", what);
	return 0;
}

int store_begin(struct store *s)
{
	if (s->in_tx)
		return gi_error_set("internal error: nested store transaction");
	s->run_cache.id = 0;
	store_replay_forget(s);
	if (store_exec(s, "BEGIN IMMEDIATE"))
		return GI_ERROR;
	s->in_tx = 1;
	return 0;
}

int store_begin_read(struct store *s)
{
	if (s->in_tx)
		return gi_error_set("internal error: nested store transaction");
	s->run_cache.id = 0;
	store_replay_forget(s);
	if (store_exec(s, "BEGIN DEFERRED"))
		return GI_ERROR;
	s->in_tx = 1;
	return 0;
}

int store_is_readonly(const struct store *s)
{
	return s->readonly;
}

int store_commit(struct store *s)
{
	if (!s->in_tx)
		return gi_error_set("internal error: commit without a transaction");
	if (store_exec(s, "COMMIT")) {
		store_rollback(s);
		return GI_ERROR;
	}
	s->in_tx = 0;
	store_replay_forget(s);
	return 0;
}

void store_rollback(struct store *s)
{
	if (!s || !s->in_tx)
		return;
	s->run_cache.id = 0;
	store_replay_forget(s);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = 0;
}

static int user_version(struct store *s, int *out)
{
	sqlite3_stmt *st = NULL;
	int err = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) ||
	    sqlite3_step(st) != SQLITE_ROW)
		err = store_sqlerr(s, "reading the schema version");
	else
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return err;
}

/*
 * Inside the write transaction: apply the migration after the version the
 * file holds now (another process may have migrated it since we looked:
 * then there is nothing to do) and set *v to the new version.
 */
static int migrate_step(struct store *s, int *v)
{
	char pragma[64];
	int err;

	if ((err = user_version(s, v)) || *v >= store_nmigrations)
		return err;
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", *v + 1);
	if (store_exec(s, store_migrations[*v]) || store_exec(s, pragma))
		return GI_ERROR;
	(*v)++;
	return 0;
}

/* Apply every migration past the file's version, each in its own transaction. */
static int migrate(struct store *s)
{
	int v = 0, err;

	if ((err = user_version(s, &v)))
		return err;
	if (v > store_nmigrations)
		return gi_error_setc(GI_ECORRUPT,
			"store '%s' has schema version %d, newer than this git-impact (%d): "
			"upgrade git-impact, or set it aside with 'git impact init --repair'",
			s->path, v, store_nmigrations);
	if (v == store_nmigrations || s->readonly)
		return v == store_nmigrations ? 0 :
			gi_error_setc(GI_ECORRUPT, "store '%s' needs migration; open it read-write", s->path);
	while (v < store_nmigrations) {
		if ((err = store_begin(s)))
			return err;
		if ((err = migrate_step(s, &v))) {
			store_rollback(s);
			return err;
		}
		if ((err = store_commit(s)))
			return err;
	}
	return 0;
}

static int make_parent_dir(const char *path)
{
	char *dir = gi_xstrdup(path);
	char *slash = strrchr(dir, '/');
	int err = 0;

	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0777) && errno != EEXIST)
			err = gi_error_set("cannot create '%s': %s", dir, strerror(errno));
	}
	free(dir);
	return err;
}

static int configure(struct store *s)
{
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	sqlite3_extended_result_codes(s->db, 0);
	if (!s->readonly && store_exec(s, "PRAGMA journal_mode=WAL"))
		return GI_ERROR;
	if (store_exec(s, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL"))
		return GI_ERROR;
	return 0;
}

int store_open(struct store **out, const char *path, int flags)
{
	struct store *s = gi_xcalloc(1, sizeof(*s));
	int oflags, err = 0;

	s->path = gi_xstrdup(path);
	s->readonly = !!(flags & STORE_READONLY);
	if (access(path, F_OK)) {
		if (!(flags & STORE_CREATE) || s->readonly) {
			err = gi_error_setc(GI_ENOTFOUND, "no store at '%s': run 'git impact init'", path);
			goto done;
		}
		if ((err = make_parent_dir(path)))
			goto done;
	}
	/* one thread per connection: no mutex around every call (column reads are hot) */
	oflags = SQLITE_OPEN_NOMUTEX |
		 (s->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (sqlite3_open_v2(path, &s->db, oflags, NULL)) {
		err = store_sqlerr(s, "open");
		goto done;
	}
	if ((err = configure(s)) || (err = migrate(s)) || (err = store_summary_ensure(s)))
		goto done;
done:
	if (err) {
		if (err == GI_ERROR && s->db &&
		    (sqlite3_errcode(s->db) == SQLITE_NOTADB || sqlite3_errcode(s->db) == SQLITE_CORRUPT))
			err = GI_ECORRUPT;
		store_free(s);
		return err;
	}
	*out = s;
	return 0;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	store_rollback(s);
	for (int i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].stmt);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

int store_meta_get(struct store *s, const char *key, char **out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT value FROM meta WHERE key = ?1");
	int rc;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = gi_xstrdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return GI_ENOTFOUND;
	return store_sqlerr(s, "reading meta");
}

int store_meta_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st;

	if (store_need_tx(s, "store_meta_set"))
		return GI_ERROR;
	st = store_stmt(s, "INSERT INTO meta(key, value) VALUES (?1, ?2) "
			   "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return store_step_done(s, st, "writing meta");
}

int store_check(struct store *s)
{
	sqlite3_stmt *st = NULL;
	int err = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL) ||
	    sqlite3_step(st) != SQLITE_ROW) {
		err = store_sqlerr(s, "integrity check");
		goto done;
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), "ok"))
		err = gi_error_setc(GI_ECORRUPT, "store '%s' fails its integrity check: %s",
				    s->path, (const char *)sqlite3_column_text(st, 0));
done:
	sqlite3_finalize(st);
	return err;
}

/* Rename `from` to `to` if `from` exists; 0 when moved or absent. */
static int rename_if_there(const char *from, const char *to)
{
	if (access(from, F_OK) && errno == ENOENT)
		return 0;
	if (rename(from, to))
		return gi_error_set("cannot move '%s' aside to '%s': %s", from, to, strerror(errno));
	return 0;
}

/* "<path>.corrupt-<UTC time>", with "-N" appended until no such file exists. */
static char *aside_name(const char *path)
{
	time_t now = (time_t)gi_unix_now();
	struct tm tm;
	char stamp[32] = "unknown";
	char *name = NULL;

	if (gmtime_r(&now, &tm))
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (int n = 1;; n++) {
		free(name);
		name = n == 1 ? gi_xstrfmt("%s.corrupt-%s", path, stamp) :
			gi_xstrfmt("%s.corrupt-%s-%d", path, stamp, n);
		if (access(name, F_OK) && errno == ENOENT)
			return name;
	}
}

int store_move_aside(const char *path, char **aside)
{
	static const char *const companions[] = { "-wal", "-shm", "-journal" };
	char *name = NULL;
	int err = 0;

	if (access(path, F_OK)) {
		err = gi_error_setc(GI_ENOTFOUND, "no store at '%s'", path);
		goto done;
	}
	name = aside_name(path);
	if ((err = rename_if_there(path, name)))
		goto done;
	for (size_t i = 0; !err && i < GI_ARRAY_SIZE(companions); i++) {
		char *from = gi_xstrfmt("%s%s", path, companions[i]);
		char *to = gi_xstrfmt("%s%s", name, companions[i]);

		err = rename_if_there(from, to);
		free(from);
		free(to);
	}
done:
	if (!err)
		*aside = name;
	else
		free(name);
	return err;
}

int store_cache_size(struct store *s, int mib)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size=-%d", mib * 1024);
	return store_exec(s, sql) ? GI_ERROR : 0;
}
