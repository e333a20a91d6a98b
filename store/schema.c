/*
 * schema.c - the store's schema as an ordered list of migrations.
 * store_migrations[i] takes PRAGMA user_version from i to i + 1; a released
 * migration is never edited, only followed by a new one.
 */
#include "store_int.h"

const char *const store_migrations[] = {
	/* 0 -> 1: the first schema. */
	"CREATE TABLE meta("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	") WITHOUT ROWID;"

	/* git history: one row per ingested commit */
	"CREATE TABLE commits("
	"  id INTEGER PRIMARY KEY,"
	"  oid TEXT NOT NULL UNIQUE,"       /* 40 hex digits */
	"  time INTEGER NOT NULL,"          /* committer time, unix seconds */
	"  author_name TEXT,"
	"  author_email TEXT,"
	"  parents TEXT NOT NULL DEFAULT '',"/* parent oids, space-separated */
	"  boundary INTEGER NOT NULL DEFAULT 0" /* 1: a parent is not in the clone */
	");"
	/* first-parent diff of each commit; paths are BLOBs (any bytes) */
	"CREATE TABLE changes("
	"  commit_id INTEGER NOT NULL REFERENCES commits(id) ON DELETE CASCADE,"
	"  status TEXT NOT NULL,"           /* A M D R C T */
	"  old_path BLOB,"
	"  new_path BLOB,"
	"  old_blob TEXT,"
	"  new_blob TEXT,"
	"  old_mode INTEGER,"
	"  new_mode INTEGER,"
	"  similarity INTEGER"
	");"
	"CREATE INDEX changes_by_commit ON changes(commit_id);"
	/* tips already walked, hidden from the next incremental ingest */
	"CREATE TABLE ingest_tips("
	"  oid TEXT PRIMARY KEY"
	") WITHOUT ROWID;"

	/* test results */
	"CREATE TABLE tests("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"      /* canonical id: path::name or class::name */
	"  file TEXT,"                      /* source file when known */
	"  first_seen INTEGER NOT NULL"     /* unix seconds */
	");"
	"CREATE TABLE runs("
	"  id INTEGER PRIMARY KEY,"
	"  run_key TEXT NOT NULL UNIQUE,"   /* --run-id, or a hash of the inputs */
	"  commit_oid TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"          /* unix seconds */
	"  full INTEGER NOT NULL DEFAULT 0,"/* 1: every test ran */
	"  kind TEXT NOT NULL DEFAULT 'ci'," /* ci, hook, audit, full, import */
	"  source TEXT"                     /* where it came from (file names) */
	");"
	"CREATE INDEX runs_by_commit ON runs(commit_oid);"
	"CREATE TABLE results("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  test_id INTEGER NOT NULL REFERENCES tests(id),"
	"  outcome INTEGER NOT NULL,"       /* 0 pass 1 fail 2 error 3 skip 4 flaky */
	"  duration REAL,"                  /* seconds, NULL if unknown */
	"  audit INTEGER NOT NULL DEFAULT 0,"/* 1: run only as an audit sample */
	"  PRIMARY KEY(run_id, test_id)"
	") WITHOUT ROWID;"
	/* covering: per-test statistics read results in test order */
	"CREATE INDEX results_by_test ON results(test_id, run_id, outcome, duration);"
	/* the files a run was recorded from, by content hash (no double counting) */
	"CREATE TABLE run_files("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  hash TEXT NOT NULL,"             /* 16 hex digits of the file's bytes */
	"  name TEXT NOT NULL,"             /* the file name as given */
	"  PRIMARY KEY(run_id, hash)"
	") WITHOUT ROWID;"

	/* lineage: parsed facts per blob (content-addressed cache) */
	"CREATE TABLE blob_facts("
	"  blob TEXT NOT NULL,"
	"  parser TEXT NOT NULL,"           /* parser name and version */
	"  facts BLOB NOT NULL,"
	"  PRIMARY KEY(blob, parser)"
	") WITHOUT ROWID;"
	/* lineage: a built graph per commit, serialized */
	"CREATE TABLE graphs("
	"  commit_oid TEXT PRIMARY KEY,"
	"  built INTEGER NOT NULL,"         /* unix seconds, for eviction */
	"  format INTEGER NOT NULL,"
	"  data BLOB NOT NULL"            /* rowid table: large blobs */
	");"
	/* per-test coverage (covers edges) */
	"CREATE TABLE coverage("
	"  test_id INTEGER NOT NULL REFERENCES tests(id),"
	"  path BLOB NOT NULL,"
	"  commit_oid TEXT NOT NULL,"
	"  PRIMARY KEY(test_id, path)"
	") WITHOUT ROWID;"

	/* selections: what `select` decided, for the report and evaluate */
	"CREATE TABLE selections("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"          /* unix seconds */
	"  head_oid TEXT NOT NULL,"         /* '' for a work tree change */
	"  base_oid TEXT NOT NULL,"
	"  mode TEXT NOT NULL,"             /* safe, predictive, all, budget */
	"  fallback TEXT,"                  /* why everything was selected, or NULL */
	"  total INTEGER NOT NULL,"         /* tests known */
	"  selected INTEGER NOT NULL,"
	"  est_total REAL,"                 /* seconds, all tests */
	"  est_selected REAL,"              /* seconds, the selection */
	"  kinds INTEGER NOT NULL DEFAULT 0,"/* impact kind bits of the change */
	"  recall REAL, confidence REAL, bound REAL, calib_runs INTEGER"
	");"
	"CREATE INDEX selections_by_head ON selections(head_oid);"
	"CREATE TABLE selection_tests("
	"  selection_id INTEGER NOT NULL REFERENCES selections(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"             /* test id (or test file) selected */
	"  reason TEXT NOT NULL,"
	"  kinds INTEGER NOT NULL DEFAULT 0,"
	"  audit INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(selection_id, name)"
	") WITHOUT ROWID;",

	/*
	 * 1 -> 2: a lineage graph may be stored as a delta against another
	 * commit's stored graph (base; NULL when stored whole).
	 */
	"ALTER TABLE graphs ADD COLUMN base TEXT;",

	/*
	 * 2 -> 3: a per-test summary of its results, kept by every write of a
	 * result in the same transaction (store_summary.c), so that statistics
	 * load in O(tests) instead of O(results).  Filled from the results
	 * when the store is next opened for writing (meta 'test_summary').
	 */
	"CREATE TABLE test_summary("
	"  test_id INTEGER PRIMARY KEY REFERENCES tests(id),"
	"  n_pass INTEGER NOT NULL, n_fail INTEGER NOT NULL, n_error INTEGER NOT NULL,"
	"  n_skip INTEGER NOT NULL, n_flaky INTEGER NOT NULL," /* results per outcome */
	"  n_dur INTEGER NOT NULL,"         /* results that ran with a known duration */
	"  dur_sum REAL NOT NULL,"          /* their sum, seconds */
	"  dur_median REAL,"                /* of the last few (test_recent); NULL: none */
	"  last_outcome INTEGER,"           /* newest result that ran, else newest; NULL: none */
	"  last_time INTEGER, last_run INTEGER,"
	"  ref_time INTEGER,"               /* newest result that ran; NULL: none ran */
	"  w_all REAL NOT NULL,"            /* sum of 2^((time - ref_time) / half-life), ran */
	"  w_fail REAL NOT NULL"            /* the same over fail and error */
	");"
	/* the newest known durations of a test, for the median (not read by select) */
	"CREATE TABLE test_recent("
	"  test_id INTEGER PRIMARY KEY REFERENCES tests(id),"
	"  durations BLOB NOT NULL"         /* (time, run, seconds) triples, oldest first */
	");",

	/*
	 * 3 -> 4: the audit sample behind each selection (share F and the seed
	 * of its coin), and on each run the sample of the selection it ran
	 * (kept at record time, carried by sync), so that the replay can
	 * recompute every result's coin: a run's failing tests whose coin is
	 * heads are a uniform F-subsample of its failures (impact/predict.c).
	 */
	"ALTER TABLE selections ADD COLUMN audit_share REAL NOT NULL DEFAULT 0;"
	"ALTER TABLE selections ADD COLUMN audit_seed INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN audit_share REAL NOT NULL DEFAULT 0;" /* 0: no sample */
	"ALTER TABLE runs ADD COLUMN audit_seed INTEGER NOT NULL DEFAULT 0;"
	/* the tests the selection listed whose coin is heads, NUL-terminated names */
	"ALTER TABLE runs ADD COLUMN audit_expect BLOB;"
	/* -1: a test of audit_expect has no result; n >= 0: every one has, and n real
	 * failures have heads (the run's test-level calibration values); NULL: no sample */
	"ALTER TABLE runs ADD COLUMN audit_values INTEGER;",

	/*
	 * 4 -> 5: the failing results (fail, error) by run: a partial,
	 * covering index of a few per cent of the rows, so that counting the
	 * full runs with a failure (calibration, on every select) probes it
	 * twice per run instead of reading every result of every full run
	 * (20-28 ms -> under 1 ms on 1,000 runs of 10,000 tests).
	 */
	"CREATE INDEX results_failed ON results(run_id, outcome) WHERE outcome IN (1, 2);",

	/*
	 * 5 -> 6: the model's replay state after the runs up to (last_time,
	 * last_id) in (time, id) order (store_replay.c), so that select replays
	 * only the runs recorded since.  A write that changes a covered run or
	 * what its replay reads deletes the row in the same transaction.
	 */
	"CREATE TABLE replay_snapshot("
	"  id INTEGER PRIMARY KEY CHECK (id = 1)," /* one row at most */
	"  format TEXT NOT NULL,"           /* version key of the replay that wrote it */
	"  schema INTEGER NOT NULL,"        /* store schema version when written */
	"  last_time INTEGER NOT NULL,"     /* the last run covered, by (time, id) */
	"  last_id INTEGER NOT NULL,"
	"  runs INTEGER NOT NULL,"          /* runs covered */
	"  data BLOB NOT NULL"              /* the state, checksummed (impact/snapshot.c) */
	");",
};

const int store_nmigrations = (int)GI_ARRAY_SIZE(store_migrations);
_Static_assert(GI_ARRAY_SIZE(store_migrations) == STORE_SCHEMA_VERSION,
	       "a migration was added: set STORE_SCHEMA_VERSION in store.h to the count");
