/*
 * store_select.c - selections: what `git impact select` decided, kept so
 * that the weekly report and `evaluate` can compare it with what ran.
 */
#include "store_int.h"

static void bind_opt_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_opt_double(sqlite3_stmt *st, int i, double v)
{
	if (v >= 0)
		sqlite3_bind_double(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static int insert_selection(struct store *s, const struct store_selection *sel, int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO selections(time, head_oid, base_oid, mode, fallback, total, selected,"
		" est_total, est_selected, kinds, recall, confidence, bound, calib_runs, audit_share,"
		" audit_seed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)");

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, sel->time);
	sqlite3_bind_text(st, 2, sel->head_oid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sel->base_oid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, sel->mode, -1, SQLITE_STATIC);
	bind_opt_text(st, 5, sel->fallback);
	sqlite3_bind_int64(st, 6, sel->total);
	sqlite3_bind_int64(st, 7, sel->selected);
	bind_opt_double(st, 8, sel->est_total);
	bind_opt_double(st, 9, sel->est_selected);
	sqlite3_bind_int64(st, 10, sel->kinds);
	sqlite3_bind_double(st, 11, sel->recall);
	sqlite3_bind_double(st, 12, sel->confidence);
	bind_opt_double(st, 13, sel->bound);
	sqlite3_bind_int64(st, 14, sel->calib_runs);
	sqlite3_bind_double(st, 15, sel->audit_share);
	sqlite3_bind_int64(st, 16, (sqlite3_int64)sel->audit_seed);
	if (store_step_done(s, st, "storing a selection"))
		return GI_ERROR;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static int insert_tests(struct store *s, int64_t id, const struct store_selected_test *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st = store_stmt(s,
			"INSERT OR IGNORE INTO selection_tests(selection_id, name, reason, kinds, audit)"
			" VALUES (?1, ?2, ?3, ?4, ?5)");

		if (!st)
			return GI_ERROR;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, t[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, t[i].reason, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, t[i].kinds);
		sqlite3_bind_int(st, 5, t[i].audit);
		if (store_step_done(s, st, "storing a selected test"))
			return GI_ERROR;
	}
	return 0;
}

int store_selection_add(struct store *s, const struct store_selection *sel,
			const struct store_selected_test *tests, size_t ntests, int64_t *id)
{
	int64_t sid = 0;
	int err;

	if ((err = store_begin(s)))
		return err;
	/* a covered full run at this head may read this selection's safe set */
	if ((err = insert_selection(s, sel, &sid)) || (err = insert_tests(s, sid, tests, ntests)) ||
	    (err = store_replay_touch_commit(s, sel->head_oid, 1))) {
		store_rollback(s);
		return err;
	}
	if ((err = store_commit(s)))
		return err;
	if (id)
		*id = sid;
	return 0;
}

int store_selection_lineage_tests(struct store *s, const char *head_oid, struct gi_strvec *out)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT (SELECT max(id) FROM selections WHERE head_oid = ?1), t.name "
		"FROM (SELECT 1) LEFT JOIN selection_tests t ON t.selection_id = "
		"(SELECT max(id) FROM selections WHERE head_oid = ?1) AND t.reason IN "
		"('safe-set', 'unplaced', 'fallback', 'always-run')");
	int rc, found = 0;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, head_oid, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		found |= sqlite3_column_type(st, 0) != SQLITE_NULL;
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			gi_strvec_push(out, (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "reading a selection's tests");
	gi_strvec_sort_uniq(out);
	return found ? 0 : GI_ENOTFOUND;
}
