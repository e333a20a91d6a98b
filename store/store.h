/*
 * store.h - the SQLite store of git-impact ($GIT_DIR/impact/impact.db).
 *
 * The only module that speaks SQL.  Every write happens inside a
 * transaction (store_begin/store_commit); statements are prepared once and
 * cached.  The schema is versioned with PRAGMA user_version and migrated
 * forward on open; a store from a newer version is refused (GI_ECORRUPT).
 */
#ifndef GI_STORE_H
#define GI_STORE_H

#include <stdint.h>

#include "common.h"

struct store;

#define STORE_SCHEMA_VERSION 6

enum store_open_flags {
	STORE_CREATE = 1 << 0,   /* create the file (and its folder) if missing */
	STORE_READONLY = 1 << 1, /* open read-only; never migrates */
};

/*
 * Open the store at `path`.  Creates and migrates with STORE_CREATE.
 * Returns 0, GI_ENOTFOUND (no store and no STORE_CREATE), GI_ECORRUPT (not
 * a database, failed integrity, or a newer schema), or GI_ERROR.  *out is
 * the caller's, freed with store_free().
 */
int store_open(struct store **out, const char *path, int flags);

/* Close the store, rolling back an unfinished transaction.  NULL is a no-op. */
void store_free(struct store *s);

/* The file the store was opened from.  Borrowed. */
const char *store_path(const struct store *s);

/* Begin an immediate (write-locking) transaction.  Nesting is an error. */
int store_begin(struct store *s);
/* Commit the open transaction. */
int store_commit(struct store *s);
/* Roll back the open transaction, if any.  Safe to call when none is open. */
void store_rollback(struct store *s);

/* Read a meta value; *out is the caller's.  GI_ENOTFOUND if unset. */
/*
 * Let SQLite's page cache grow to `mib` MiB (its default is 2 MiB; it grows
 * only as pages are read).  For the commands that read much of a large
 * store by point lookups (report, evaluate); record and select keep the
 * default, so their memory stays flat.
 */
int store_cache_size(struct store *s, int mib);

int store_meta_get(struct store *s, const char *key, char **out);
/* Set a meta value (inside a transaction). */
int store_meta_set(struct store *s, const char *key, const char *value);

/* Run PRAGMA integrity_check; 0 when "ok", GI_ECORRUPT otherwise. */
int store_check(struct store *s);

/* ---- repair (init --check, --repair) ---------------------------------- */

/*
 * Move the store file at `path` and its companions (-wal, -shm, -journal)
 * aside to "<path>.corrupt-<UTC date and time>" ("-2", "-3"... appended if
 * taken), deleting nothing.  The store must not be open.  *aside gets the
 * new name of the main file (the caller's, free()).  Returns 0,
 * GI_ENOTFOUND when there is no file at `path`, or GI_ERROR (message set)
 * when a rename fails.
 */
int store_move_aside(const char *path, char **aside);

/* ---- git history (ingest) -------------------------------------------- */

/*
 * One ingested commit (table commits).  For store_git_commit_add() the
 * strings are borrowed; store_git_commit_get() fills owned copies, freed
 * with store_git_commit_release().
 */
struct store_git_commit {
	int64_t id;         /* row id (set by add and get) */
	char oid[41];       /* 40 hex digits */
	int64_t time;       /* committer time, unix seconds */
	char *author_name;  /* may be NULL */
	char *author_email; /* may be NULL */
	char *parents;      /* parent oids as in the commit, space-separated ("" for a root) */
	int boundary;       /* 1: a parent is missing (shallow clone); no changes stored */
};

/*
 * One entry of a commit's first-parent diff (table changes).  Paths are
 * raw bytes (any byte but NUL), not NUL-terminated in general: use the
 * lengths.  Absent sides have a NULL path, "" blob and mode 0.
 */
struct store_git_change {
	char status;          /* 'A' 'M' 'D' 'R' 'C' 'T' */
	const char *old_path; /* NULL when added */
	size_t old_len;
	const char *new_path; /* NULL when deleted */
	size_t new_len;
	char old_blob[41];    /* hex, "" when added */
	char new_blob[41];    /* hex, "" when deleted */
	uint32_t old_mode;    /* git file mode (0100644, 0120000, 0160000 ...) */
	uint32_t new_mode;
	int similarity;       /* 0..100 for R and C, else 0 */
};

/*
 * Insert a commit (inside a transaction).  Sets c->id.  Fails (GI_ERROR)
 * if the oid is already stored.
 */
int store_git_commit_add(struct store *s, struct store_git_commit *c);

/* Add one change to the commit with row id `commit_id` (inside a transaction). */
int store_git_change_add(struct store *s, int64_t commit_id, const struct store_git_change *ch);

/* Delete a commit and its changes (inside a transaction); no-op if absent. */
int store_git_commit_delete(struct store *s, const char *oid);

/*
 * Look up a commit by its 40-hex oid.  0 and *out filled (owned strings,
 * store_git_commit_release()), GI_ENOTFOUND, or GI_ERROR.  `out` may be
 * NULL to test for presence only.
 */
int store_git_commit_get(struct store *s, const char *oid, struct store_git_commit *out);

/* Free the strings of a commit filled by store_git_commit_get(); NULL is a no-op. */
void store_git_commit_release(struct store_git_commit *c);

/* Called for each change; the change is borrowed for the call.  Non-zero stops. */
typedef int (*store_git_change_fn)(void *data, const struct store_git_change *ch);

/*
 * Call fn for each change of commit `oid`, in the order they were stored
 * (libgit2's diff order: by path).  GI_ENOTFOUND if the commit is not
 * stored; a non-zero return of fn stops and is returned.
 */
int store_git_changes_each(struct store *s, const char *oid, store_git_change_fn fn, void *data);

/* Count stored commits, and (if not NULL) those that are boundaries. */
int store_git_commit_count(struct store *s, int64_t *commits, int64_t *boundaries);

/* The tips recorded by the last complete ingest (owned strings in *out, which is appended to). */
int store_git_tips_get(struct store *s, struct gi_strvec *out);

/* Replace the recorded tips (inside a transaction). */
int store_git_tips_set(struct store *s, const struct gi_strvec *tips);

/* ---- test results (history) ----------------------------------------- */

/* A recorded run (tables runs, run_files). */
struct store_run {
	int64_t id;
	char commit[41]; /* 40 hex digits */
	int64_t time;    /* unix seconds */
	int full;        /* 1: every test ran */
	char kind[16];   /* ci, hook, audit, full */
	/* the audit sample of the selection it ran (store_run_set_audit) */
	double audit_share;  /* F; 0: none known */
	uint64_t audit_seed;
	long audit_values;   /* -1: a heads test has no result; else heads real failures */
};

/* Find the run keyed `key`.  0 (fills *out), GI_ENOTFOUND, or GI_ERROR. */
int store_run_find(struct store *s, const char *key, struct store_run *out);

/*
 * Add a run (inside a transaction); out->id is set from the new row, the
 * other fields of *run are written.  `source` (file names) may be NULL.
 */
int store_run_add(struct store *s, const char *key, struct store_run *run, const char *source);

/* Mark a run full (a later record of the same run said --full). */
int store_run_set_full(struct store *s, int64_t run);

/* 1 if the run already holds a file with this content hash, 0 if not, or an error. */
int store_run_file_has(struct store *s, int64_t run, const char *hash);

/* Note that the run holds the file `name` with content hash `hash`. */
int store_run_file_add(struct store *s, int64_t run, const char *hash, const char *name);

/*
 * The id of the test named `name`, adding it (with `file`, may be NULL,
 * and `first_seen`) when new; inside a transaction.
 */
int store_test_ensure(struct store *s, const char *name, const char *file,
		      int64_t first_seen, int64_t *id);

/*
 * Add a result unless the run already has one for the test.  `duration`
 * negative means unknown.  Returns 1 when added, 0 when one existed (see
 * store_result_get/store_result_set), or an error.
 */
int store_result_add(struct store *s, int64_t run, int64_t test, int outcome,
		     double duration, int audit);

/* Read a result: GI_ENOTFOUND when the run has none for the test. */
int store_result_get(struct store *s, int64_t run, int64_t test, int *outcome, double *duration);

/* Overwrite an existing result's outcome and duration (negative: unknown). */
int store_result_set(struct store *s, int64_t run, int64_t test, int outcome, double duration);

/* Count a run's results per outcome into counts[0..n-1] (zeroed first). */
int store_run_outcomes(struct store *s, int64_t run, size_t *counts, int n);

/* A row of store_tests_each: borrowed for the duration of the callback. */
struct store_test_row {
	int64_t id;
	const char *name;
	const char *file; /* NULL when unknown */
	int64_t first_seen;
};

/* A row of store_results_each: borrowed for the duration of the callback. */
struct store_result_row {
	int64_t test;
	int64_t run;
	int outcome;
	double duration; /* negative when unknown */
	int64_t time;    /* of the run */
	const char *commit;
	int full;
};

/* The largest test id into *out (0 without tests): a bound on their number, read in O(log n). */
int store_tests_id_max(struct store *s, int64_t *out);

/* Call fn for every test, in id order; a non-zero return stops and is returned. */
int store_tests_each(struct store *s, int (*fn)(void *data, const struct store_test_row *row),
		     void *data);

/* Call fn for every result joined with its run, ordered by test id; as above. */
int store_results_each(struct store *s,
		       int (*fn)(void *data, const struct store_result_row *row), void *data);

/*
 * Call fn for every result of the test `test` joined with its run, in no
 * particular order; as above.
 */
int store_test_results_each(struct store *s, int64_t test,
			    int (*fn)(void *data, const struct store_result_row *row), void *data);

/* ---- per-test summary (store_summary.c) ------------------------------- */

/*
 * Every write of a result (store_result_add, store_result_set) keeps a
 * summary of the test's results up to date in the same transaction, so
 * that statistics load in O(tests), not O(results).  Its figures are those
 * a scan of the results gives (history_stats_scan), up to the rounding of
 * the sums.
 */
#define STORE_SUMMARY_HALF_LIFE 1209600 /* seconds (14 days): the decay of w_all, w_fail */
#define STORE_SUMMARY_RECENT 32         /* the median is of the last 32 known durations */

/* A test with its summary: borrowed for the duration of the callback. */
struct store_summary_row {
	int64_t test;
	const char *name;
	const char *file;       /* NULL when unknown */
	int64_t first_seen;
	unsigned outcomes[5];   /* results per outcome (0 pass 1 fail 2 error 3 skip 4 flaky) */
	unsigned long n_dur;    /* results that ran (not skip) with a known duration */
	double dur_sum;         /* the sum of those durations */
	double dur_median;      /* median of the last STORE_SUMMARY_RECENT of them (newest by
				 * run time, then run id); negative when none */
	int last_outcome;       /* of the newest result that ran, else of the newest; -1: none */
	int64_t last_time;      /* of that result's run */
	const char *last_commit;/* of that run; "" when none */
	int64_t ref_time;       /* newest run time among results that ran; 0 when none ran */
	double w_all;           /* sum over results that ran of 2^((time - ref_time) / half-life) */
	double w_fail;          /* the same over fail and error results */
};

/*
 * 1 when every test's summary is up to date (the store was opened for
 * writing since the summary was added), 0 when only a scan of the results
 * can be trusted (an old store opened read-only), or an error.
 */
int store_summary_ready(struct store *s);

/* Call fn for every test with its summary, in id order; a non-zero return stops and is returned. */
int store_summary_each(struct store *s, int (*fn)(void *data, const struct store_summary_row *row),
		       void *data);

/*
 * Recompute every test's summary from its results (inside a transaction):
 * what the migration that added the summary does, and `init --repair`.
 */
int store_summary_rebuild(struct store *s);

/* ---- sharing (sync) --------------------------------------------------- */

/* A row of store_sync_each: one result with its run; borrowed for the callback. */
struct store_sync_row {
	const char *commit;  /* 40 hex digits */
	const char *run_key;
	int64_t time;        /* of the run, unix seconds */
	int full;
	const char *kind;
	const char *test;    /* NULL for a run without results (then the rest is 0) */
	int outcome;
	double duration;     /* negative when unknown */
	int audit;
	double audit_share;  /* the run's audit sample (store_run_set_audit); 0: none */
	uint64_t audit_seed;
	const char *audit_expect; /* NUL-terminated names, audit_expect_len bytes in all */
	size_t audit_expect_len;
};

/*
 * Call fn for every result of every run, ordered by commit then run key (a
 * run's rows are adjacent); a non-zero return stops and is returned.
 */
int store_sync_each(struct store *s, int (*fn)(void *data, const struct store_sync_row *row),
		    void *data);

/* ---- selections (select) -------------------------------------------- */

/* What one `select` decided, as the report and evaluate read it back. */
struct store_selection {
	int64_t time;          /* unix seconds */
	const char *head_oid;  /* "" for a work tree change */
	const char *base_oid;  /* "" for the empty tree or unknown */
	const char *mode;      /* "safe", "predictive", "all", "budget" */
	const char *fallback;  /* why everything was selected, or NULL */
	long total, selected;  /* tests known / selected */
	double est_total, est_selected; /* expected seconds; < 0 unknown */
	unsigned kinds;        /* impact kind bits of the change */
	double recall, confidence, bound; /* the guarantee; bound < 0: none stated */
	long calib_runs;
	double audit_share;    /* the audit sample's share F; 0: none drawn */
	uint64_t audit_seed;   /* the seed of its coin (gi_coin) */
};

/* One selected test of a selection. */
struct store_selected_test {
	const char *name;
	const char *reason;
	unsigned kinds;
	int audit;
};

/*
 * Store a selection and its selected tests in one transaction (opened and
 * committed here).  *id (may be NULL) gets the selection's id.
 */
int store_selection_add(struct store *s, const struct store_selection *sel,
			const struct store_selected_test *tests, size_t ntests, int64_t *id);

/*
 * Append to `out` (sorted, unique) the tests the latest selection for head
 * commit `head_oid` had to run from the graph alone (reasons safe-set,
 * unplaced, fallback, always-run).  GI_ENOTFOUND when no selection was
 * made for that commit.
 */
int store_selection_lineage_tests(struct store *s, const char *head_oid, struct gi_strvec *out);

/* ---- lineage graph ---------------------------------------------------- */

/*
 * The serialised graph of commit `oid` (40 hex) appended to `out`.
 * GI_ENOTFOUND when the store holds none, GI_ELIMIT past out's maximum.
 */
int store_graph_get(struct store *s, const char *oid, struct gi_buf *out);

/*
 * The same, with the row's format and its base: the commit (40 hex) whose
 * stored graph this one is a delta against, "" when it is stored whole.
 */
int store_graph_read(struct store *s, const char *oid, int *format, char base[41],
		     struct gi_buf *out);

/*
 * Save the serialised graph of `oid` (replacing any), in format `format`,
 * then drop all but the `keep` most recently built graphs.  Inside a
 * transaction.
 */
int store_graph_put(struct store *s, const char *oid, int format, const void *data,
		    size_t len, int keep);

/*
 * The same for a graph stored as a delta against the stored graph of
 * commit `base` (NULL: stored whole).  Eviction keeps the base of every
 * graph it keeps.
 */
int store_graph_write(struct store *s, const char *oid, int format, const char *base,
		      const void *data, size_t len, int keep);

/*
 * Parsed facts of a blob (40 hex) by parser name and version
 * ("pyscan/1"), appended to `out`.  GI_ENOTFOUND when not cached.
 */
int store_facts_get(struct store *s, const char *blob, const char *parser, struct gi_buf *out);

/* Cache facts of a blob for a parser (replacing any).  Inside a transaction. */
int store_facts_put(struct store *s, const char *blob, const char *parser, const void *data,
		    size_t len);

/* One blob's facts for store_facts_put_many(); all borrowed. */
struct store_facts_row {
	const char *blob; /* 40 hex */
	const void *data;
	size_t len;
};

/* Called with the index into blobs[] of a cached blob and its facts (borrowed); non-zero stops. */
typedef int (*store_facts_fn)(void *data, size_t i, const void *facts, size_t len);

/*
 * The cached facts of many blobs (blobs[0..n), 40 hex each, any order,
 * duplicates allowed) for one parser: fn(data, i, facts, len) once for
 * every i whose blob is cached, in the order of the blob ids.  Looks them
 * up in that order (pages stay hot) and not at all when the cache is
 * empty.  Returns 0, fn's non-zero return, or a negative code.
 */
int store_facts_get_many(struct store *s, const char *parser, const char *const *blobs,
			 size_t n, store_facts_fn fn, void *data);

/*
 * Cache the facts of many blobs for one parser (replacing any), written
 * in the order of the blob ids; a blob given twice is written once (the
 * first row).  Inside a transaction.
 */
int store_facts_put_many(struct store *s, const char *parser,
			 const struct store_facts_row *rows, size_t n);

/* ---- coverage (record-coverage) ---------------------------------------- */

/* Forget every path test `test` covered (inside a transaction). */
int store_coverage_clear_test(struct store *s, int64_t test);

/*
 * Note that test `test` executed the repository path `path` (`len` bytes,
 * any byte but NUL), reported at commit `commit` (40 hex); replaces an
 * equal row.  Inside a transaction.
 */
int store_coverage_add(struct store *s, int64_t test, const char *path, size_t len,
		       const char *commit);

/* A row of store_coverage_each: borrowed for the duration of the callback. */
struct store_coverage_row {
	const char *test; /* the test id */
	const char *file; /* its source file when known, else NULL */
	const char *path; /* the covered path (not NUL-terminated: use path_len) */
	size_t path_len;
};

/* Call fn for every coverage row, grouped by test; a non-zero return stops and is returned. */
int store_coverage_each(struct store *s, int (*fn)(void *data, const struct store_coverage_row *row),
			void *data);

/* Count coverage rows and (if `tests` is not NULL) the tests they belong to. */
int store_coverage_count(struct store *s, int64_t *rows, int64_t *tests);

/*
 * Delete every stored lineage graph (inside a transaction), so the next
 * graph of any commit is built afresh (new coverage changes `covers` edges).
 */
int store_graph_drop_all(struct store *s);

/* ---- report ---------------------------------------------------------- */

/*
 * Read-only queries for `git impact report`.  Windows are [since, until)
 * in unix seconds.  The *_each functions call fn once per row, the row
 * borrowed for the call; a non-zero return of fn stops and is returned.
 */

/* A stored selection (table selections). */
struct store_report_selection {
	int64_t id, time;
	const char *head_oid;  /* "" for a work tree change */
	const char *mode;      /* safe, predictive, all, budget */
	const char *fallback;  /* why everything was selected, or NULL */
	long total, selected;
	double est_total, est_selected; /* seconds; < 0 unknown */
	unsigned kinds;        /* impact kind bits of the change */
	double recall;         /* the stated recall target; < 0 unknown */
	double bound;          /* the guarantee's bound; < 0 none stated */
	long calib_runs;
};
typedef int (*store_report_selection_fn)(void *data, const struct store_report_selection *row);

/* Selections made in the window, by time. */
int store_report_selections_each(struct store *s, int64_t since, int64_t until,
				 store_report_selection_fn fn, void *data);

/*
 * Append to `out` (unsorted, distinct) the names selected, not as audit
 * samples, by selections made in the window: test ids or test files.
 */
int store_report_selected_names(struct store *s, int64_t since, int64_t until,
				struct gi_strvec *out);

/* A run with its results summed up. */
struct store_report_run {
	int64_t id, time;
	const char *commit, *kind;
	int full;
	long results, audits, failures; /* results; audit samples; fail or error */
	double seconds;                 /* sum of known durations */
	long timed;                     /* results with a known duration */
};
typedef int (*store_report_run_fn)(void *data, const struct store_report_run *row);

/* Runs in the window, by time. */
int store_report_runs_each(struct store *s, int64_t since, int64_t until,
			   store_report_run_fn fn, void *data);

/* A known test: its mean duration over all runs, and its figures in the window. */
struct store_report_test {
	int64_t id;
	const char *name;
	int64_t first_seen;
	double mean_duration; /* seconds, all recorded runs; < 0 unknown */
	double seconds;       /* known durations summed over the window's runs */
	long runs, fails;     /* results and fail/error results in the window */
};
typedef int (*store_report_test_fn)(void *data, const struct store_report_test *row);

/* Every known test, in id order. */
int store_report_tests_each(struct store *s, int64_t since, int64_t until,
			    store_report_test_fn fn, void *data);

/* A test seen flaky at a commit in the window. */
struct store_report_flaky {
	int64_t test;
	const char *commit;
	int64_t time;   /* the first run at that commit in the window */
	long flaky;     /* results recorded as flaky (outcome 4) */
	int flip;       /* 1: both passed and failed there */
};
typedef int (*store_report_flaky_fn)(void *data, const struct store_report_flaky *row);

/* (test, commit) pairs of the window with a flaky result or a pass/fail flip. */
int store_report_flaky_each(struct store *s, int64_t since, int64_t until,
			    store_report_flaky_fn fn, void *data);

/* A test that failed (or errored) at a commit in the window. */
struct store_report_failure {
	int64_t test;
	const char *name;
	const char *commit;
	int64_t time;   /* the first failing run there */
	int found_by;   /* 2: a full run, 1: an audit sample or run, 0: another run */
};
typedef int (*store_report_failure_fn)(void *data, const struct store_report_failure *row);

/* Distinct (test, commit) failures in the window, by time. */
int store_report_failures_each(struct store *s, int64_t since, int64_t until,
			       store_report_failure_fn fn, void *data);

/*
 * Count a test's passing and failing (fail or error) results at a commit;
 * *found_by is what revealed a failure there (as store_report_failure's,
 * the strongest), or -1 without one.
 */
int store_report_outcomes_at(struct store *s, int64_t test, const char *commit,
			     long *passed, long *failed, int *found_by);

/*
 * The commits that have a recorded run (STORE_REPORT_WITH_RUNS) or a stored
 * selection (STORE_REPORT_WITH_SELECTIONS), appended to `out`, which is
 * then sorted: where store_report_outcomes_at() and store_report_choice_at()
 * can find anything at all.
 */
enum { STORE_REPORT_WITH_RUNS, STORE_REPORT_WITH_SELECTIONS };
int store_report_commits_with(struct store *s, int what, struct gi_strvec *out);

/* What the first selection made at a commit decided about one test. */
struct store_report_choice {
	int64_t selection, time;
	unsigned kinds; /* impact kind bits of the change */
	int all;        /* 1: a fallback or --mode all: every test selected */
	int listed;     /* 1: the test (or its file) is in the selection */
	int audit;      /* 1: listed only as an audit sample */
};

/*
 * Fill *out from the first selection (by time) whose head is `commit`.
 * Returns 0, GI_ENOTFOUND when no selection was made there, or GI_ERROR.
 */
int store_report_choice_at(struct store *s, const char *commit, const char *test,
			   struct store_report_choice *out);

/* ---- scoring model (predict, evaluate) --------------------------------- */

/* Call fn for every run, ordered by time then id; a non-zero return stops and is returned. */
int store_runs_each(struct store *s, int (*fn)(void *data, const struct store_run *run),
		    void *data);

/* A row of store_run_results_each. */
struct store_run_result {
	int64_t run, test;
	int outcome;
	double duration; /* negative when unknown */
	int audit;
};

/* Call fn for every result, ordered by run id then test id; as above. */
int store_run_results_each(struct store *s,
			   int (*fn)(void *data, const struct store_run_result *row), void *data);

/*
 * Append to `out` (sorted, unique) the tests the latest selection made for
 * head commit `head_oid` added as audit samples; nothing when there is none.
 */
int store_selection_audit_tests(struct store *s, const char *head_oid, struct gi_strvec *out);

/*
 * How many calibration values the history gives: full runs with a real
 * failure (fail or error), or with level_test their failing results plus
 * the audit values of the other runs (store_run_audit_refresh).  *audit
 * (may be NULL) gets how many of *out are audit values.
 */
int store_calibration_count(struct store *s, int level_test, size_t *out, size_t *audit);

/* ---- audit samples (store_audit.c) ------------------------------------ */

/*
 * The audit sample of the latest selection made for head commit
 * `head_oid`: its share (0 when it drew none), the seed of its coin, and
 * (when the share is above 0) every name it listed appended to `listed`
 * (sorted).  GI_ENOTFOUND when no selection was made there.
 */
int store_selection_audit_link(struct store *s, const char *head_oid, double *share,
			       uint64_t *seed, struct gi_strvec *listed);

/*
 * Link run `run` to an audit sample (inside a transaction): its share,
 * seed and the listed names whose coin is heads (`expect`, any order).
 */
int store_run_set_audit(struct store *s, int64_t run, double share, uint64_t seed,
			const struct gi_strvec *expect);

/*
 * The same from a packed list of NUL-terminated names (`len` bytes in all,
 * as store_sync_row.audit_expect holds it).
 */
int store_run_set_audit_packed(struct store *s, int64_t run, double share, uint64_t seed,
			       const char *expect, size_t len);

/*
 * Recompute the audit values of run `run` after its results changed
 * (inside a transaction): -1 when a name of its audit_expect has no result
 * (a result of the name, or of a test "name::..." for a test file; a
 * skipped test counts as reported), else how many of its real failures have
 * a heads coin.  Nothing for a run without an audit sample.
 */
int store_run_audit_refresh(struct store *s, int64_t run);

/* How many runs (not full) have an audit sample, and how many of them miss a heads result. */
int store_audit_runs(struct store *s, size_t *runs, size_t *dropped);

/* Call fn for every run after (time, id) in (time, id) order; as store_runs_each. */
int store_runs_after_each(struct store *s, int64_t time, int64_t id,
			  int (*fn)(void *data, const struct store_run *run), void *data);

/* Call fn for every result of run `run`, ordered by test id; as above. */
int store_run_results_of(struct store *s, int64_t run,
			 int (*fn)(void *data, const struct store_run_result *row), void *data);

/* How many runs are at or before (time, id) in (time, id) order. */
int store_runs_count_upto(struct store *s, int64_t time, int64_t id, size_t *out);

/* ---- replay snapshot (store_replay.c) ----------------------------------- */

/*
 * The model's replay state after the first `runs` runs in (time, id) order,
 * the last of them (last_time, last_id).  `data` is opaque here (impact/
 * encodes and checks it).  A write of the store that changes what a replay
 * of a covered run reads (a run added before the last covered one, a
 * result or the full flag of a covered run, a selection or the changes of
 * a covered run's commit) deletes the snapshot in its own transaction.
 */
struct store_replay_snapshot {
	char *format;       /* version key of the replay that wrote it */
	int schema;         /* STORE_SCHEMA_VERSION when written */
	int64_t last_time, last_id;
	size_t runs;
	void *data;
	size_t len;
};

/* Read the snapshot into *out (caller releases).  GI_ENOTFOUND when none. */
int store_replay_get(struct store *s, struct store_replay_snapshot *out);
void store_replay_snapshot_release(struct store_replay_snapshot *snap);

/*
 * Write the snapshot (inside a transaction), unless the one stored covers
 * more runs: then 1 and nothing written.  Inside a read transaction begun
 * by store_begin_read(), fails with GI_EBUSY when another connection wrote
 * since the read began (the snapshot would be stale).
 */
int store_replay_put(struct store *s, const struct store_replay_snapshot *snap);

/* Delete the snapshot (inside a transaction). */
int store_replay_drop(struct store *s);

/*
 * Begin a deferred transaction: reads see one consistent state of the
 * store and a later write upgrades it, which SQLite refuses (GI_EBUSY)
 * when another connection committed since.  End with store_commit() or
 * store_rollback().
 */
int store_begin_read(struct store *s);

/* 1 if the store was opened read-only. */
int store_is_readonly(const struct store *s);

#endif
