/*
 * store_int.h - private to store/: the store struct and the statement
 * cache every store_*.c file uses.
 */
#ifndef GI_STORE_INT_H
#define GI_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

#define STORE_STMT_CACHE 64

struct store {
	sqlite3 *db;
	char *path;
	int in_tx;
	int readonly;
	struct {
		const char *sql; /* a string literal: compared by address */
		sqlite3_stmt *stmt;
	} cache[STORE_STMT_CACHE];
	int ncache;
	struct {
		int64_t id, time; /* the run whose results are being written (id 0: none) */
	} run_cache;
	struct {
		int known;        /* 1: the fields below hold for this transaction */
		int exists;       /* a replay snapshot is stored */
		int64_t time, id; /* the last run it covers */
		int64_t checked;  /* the run whose writes were last checked against it */
	} replay;
};

/*
 * A prepared, reset statement for `sql`, which must be a string literal
 * (cached by address).  Returns NULL after setting the error.
 */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);

/* Set the error from the database's last message; returns GI_ERROR (or GI_ECORRUPT). */
int store_sqlerr(struct store *s, const char *what);

/* Run a statement that returns no rows; GI_ERROR on failure. */
int store_step_done(struct store *s, sqlite3_stmt *st, const char *what);

/* Execute plain SQL (no parameters). */
int store_exec(struct store *s, const char *sql);

/* Fail unless a transaction is open (every write must be inside one). */
int store_need_tx(struct store *s, const char *what);

/* A run as results need it; the runs of a store are few next to its results. */
struct store_run_info {
	int64_t id, time;
	int full;
	char *commit;
};

/* Every run by id (store_results.c), loaded once instead of a join per result. */
struct store_run_map {
	struct store_run_info *v;
	size_t nr, alloc, last;
};

/* Load every run, in id order, into an empty map. */
int store_run_map_load(struct store *s, struct store_run_map *m);
/* The run `id` (one recorded since the map was loaded is read then), or NULL. */
const struct store_run_info *store_run_map_find(struct store *s, struct store_run_map *m,
						int64_t id);
/* Free what the map holds. */
void store_run_map_release(struct store_run_map *m);

/*
 * The per-test summary (store_summary.c), kept inside the transaction
 * that writes results: take a result just added; recompute one test's
 * summary from its results (after a result was rewritten); fill the
 * summary of an older store when it is opened for writing.
 */
int store_summary_add(struct store *s, int64_t run, int64_t test, int outcome, double duration);
int store_summary_refresh(struct store *s, int64_t test);
int store_summary_ensure(struct store *s);

/*
 * Keep the replay snapshot true (store_replay.c), inside the transaction
 * that writes: drop it when run `run` (time < 0: read it) is one it
 * covers, or when a run it covers (with `lineage_only` a full or audited
 * run: the replay reads a commit's selection for those only) is at
 * commit `oid`.
 */
int store_replay_touch_run(struct store *s, int64_t run, int64_t time);
int store_replay_touch_commit(struct store *s, const char *oid, int lineage_only);
/* Forget what is known of the snapshot (a transaction begins or ends). */
void store_replay_forget(struct store *s);

/* The schema: migrations[i] brings user_version i to i + 1. */
extern const char *const store_migrations[];
extern const int store_nmigrations;

#endif
