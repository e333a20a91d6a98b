/*
 * history.h - test results: a streaming JUnit XML reader, canonical test
 * ids, recording a run into the store, and per-test statistics (failure
 * rate with time decay, flakiness, durations) read back from the store.
 *
 * The only module that uses expat.  It reaches SQL only through store.h.
 */
#ifndef GI_HISTORY_H
#define GI_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct store;

/* Outcomes, as stored in results.outcome. */
enum history_outcome {
	HISTORY_PASS = 0,
	HISTORY_FAIL = 1,
	HISTORY_ERROR = 2,
	HISTORY_SKIP = 3,
	HISTORY_FLAKY = 4, /* failed and passed in the same run */
};
#define HISTORY_NOUTCOMES 5

/* Limits on input: a result file, one XML token, one name, nesting depth. */
#define HISTORY_MAX_FILE ((uint64_t)1 << 30)  /* 1 GiB */
#define HISTORY_MAX_TOKEN ((size_t)16 << 20)  /* 16 MiB buffered by the parser */
#define HISTORY_MAX_NAME ((size_t)64 << 10)   /* 64 KiB per name attribute */
#define HISTORY_MAX_DEPTH 256

/* ---- canonical test ids ---------------------------------------------- */

/*
 * Write the canonical id of a test into `out` (reset first):
 *  - `file` known: "file::Class::name" where Class is what remains of
 *    `classname` after the module the file names ("tests.test_m.TestX" with
 *    "tests/test_m.py" gives "tests/test_m.py::TestX::name"); the class part
 *    is left out when nothing remains or it repeats the name (jest);
 *  - a Python dotted classname ("tests.test_m.TestX": `python` set, or the
 *    last module component looks like a test module, test_* or *_test):
 *    "tests/test_m.py::TestX::name" (components from the first one starting
 *    with an uppercase letter are classes);
 *  - else "classname::name", or just "name" when classname is empty or
 *    equal to the name (ctest).
 * `file` and `classname` may be NULL.  A leading "./" of file is dropped.
 * Returns 0, or GI_ELIMIT if the id would not fit in `out` (message set).
 */
int history_test_id(struct gi_buf *out, const char *file, const char *classname,
		    const char *name, int python);

/* ---- JUnit XML reader ---------------------------------------------- */

/* One <testcase>, as the reader hands it over.  Every pointer is borrowed. */
struct history_case {
	const char *id;        /* canonical id (history_test_id) */
	const char *classname; /* "" when absent */
	const char *name;
	const char *file;      /* NULL when unknown */
	int outcome;           /* enum history_outcome */
	double duration;       /* seconds; negative when unknown */
	unsigned long line;    /* line of the <testcase> in the file */
};

/* Called once per testcase; a negative return (message set) stops reading. */
typedef int (*history_case_fn)(void *data, const struct history_case *c);

/* What the reader learnt about one file. */
struct history_junit_info {
	uint64_t hash;  /* of the file's bytes (gi_hash) */
	uint64_t bytes; /* size read */
	size_t cases;   /* testcases seen */
};

/*
 * Stream the JUnit XML file at `path` in 64 KiB chunks, calling fn (may be
 * NULL: validate only) for every testcase.  Dialects: pytest, ctest,
 * jest-junit, go-junit-report, gotestsum, Maven Surefire (reruns as
 * rerunFailure/flakyFailure/rerunError/flakyError).  Memory does not grow
 * with the file.  Refuses files over HISTORY_MAX_FILE, empty files, unknown
 * root elements, entity declarations (XML bombs), malformed or truncated
 * XML: GI_EINPUT/GI_ELIMIT with one message naming the file and line:column;
 * GI_ENOTFOUND for a missing file.  `info` (may be NULL) is filled on success.
 */
int history_junit_read(const char *path, history_case_fn fn, void *data,
		       struct history_junit_info *info);

/* As history_junit_read() on `len` bytes in memory; `name` names them in messages. */
int history_junit_read_mem(const char *name, const char *buf, size_t len,
			   history_case_fn fn, void *data, struct history_junit_info *info);

/* ---- recording a run ----------------------------------------------- */

struct history_record_opts {
	const char *commit; /* resolved commit id, 40 hex digits */
	const char *run_id; /* NULL: a hash of the commit and the files' bytes */
	const char *kind;   /* "ci" (NULL), "hook", "audit", "full" */
	int full;           /* 1: every test ran */
	int64_t time;       /* unix seconds of the run; 0: now */
};

struct history_record_result {
	char *run_key;     /* the run's key (owned; history_record_result_release) */
	int64_t run;       /* the run's store id */
	int already;       /* 1: every file was already recorded in this run; nothing written */
	size_t files_new;  /* files whose results were added */
	size_t files_seen; /* files skipped as already recorded in this run */
	size_t cases;      /* testcases read from the new files */
	size_t tests;      /* distinct tests the run now holds */
	size_t by_outcome[HISTORY_NOUTCOMES]; /* the run's tests per outcome */
};

/*
 * Record the JUnit files as one run.  Every file is read and checked in
 * full before anything is written; then the run and its results are
 * written in one transaction, so on any error the store is as before.
 * A run is keyed by opts->run_id, else by a hash of the commit and the
 * files' bytes; a file already recorded in that run is skipped (no double
 * counting), other files are merged into it.  A test seen with different
 * outcomes in one run (pass and fail) is stored as HISTORY_FLAKY.
 * Returns 0, or a negative code with the message set.
 */
int history_record(struct store *s, const struct history_record_opts *opts,
		   const char *const *files, size_t nfiles, struct history_record_result *res);

/* Free what a history_record_result owns. */
void history_record_result_release(struct history_record_result *res);

/*
 * The outcome of a test seen twice in one run: equal outcomes stay; a skip
 * yields to the other outcome; pass with fail/error (or anything with
 * flaky) is flaky; fail with error is error.
 */
int history_outcome_merge(int a, int b);

/* ---- per-test statistics ------------------------------------------- */

struct history_test_stats {
	int64_t test;          /* the test's store id */
	char *id;              /* canonical test id */
	char *file;            /* source file, or NULL */
	int64_t first_seen;    /* unix seconds */
	unsigned runs;         /* results that ran (every outcome but skip) */
	unsigned skips;
	unsigned failures;     /* fail or error */
	unsigned flaky;
	int last_outcome;      /* of the last run that did not skip it, else of the last; -1: none */
	int64_t last_time;     /* of that run; 0 when none */
	char last_commit[41];  /* of that run; "" when none */
	double mean_duration;  /* seconds over results with a duration; negative: unknown */
	double median_duration; /* of the HISTORY_RECENT_DURATIONS newest of them (by run time) */
	double decayed_failure_rate; /* sum(w * failed) / sum(w), w = 2^(-age / half_life), flaky not failed */
	double decayed_weight; /* sum(w): how much recent evidence the rate rests on */
};

struct history_stats {
	struct history_test_stats *v; /* sorted by id */
	size_t nr;
	void *strings;                /* where the ids and files are kept (private) */
};

/* The median duration is of a test's newest durations: this many. */
#define HISTORY_RECENT_DURATIONS 32

/*
 * The half-life of the failure rate that history_stats_load reads from the
 * store's per-test summary (14 days, STORE_SUMMARY_HALF_LIFE); another
 * half-life makes it scan every result.
 */
#define HISTORY_HALF_LIFE (14.0 * 86400)

/*
 * Load statistics for every known test.  `half_life` in seconds (> 0);
 * `now` in unix seconds (0: the current time).  With HISTORY_HALF_LIFE
 * they come from the store's per-test summary in one query (O(tests));
 * the few tests with a result recorded after `now` (whose weights the
 * scan caps at 1), another half-life, or an old store opened read-only
 * are read from their results.  *out is the caller's, released with
 * history_stats_release().
 */
int history_stats_load(struct store *s, double half_life, int64_t now, struct history_stats *out);

/*
 * As history_stats_load, always from every result (O(results)): the
 * reference the summary must equal (counts, last outcome and durations
 * exactly, the decayed sums up to their rounding).
 */
int history_stats_scan(struct store *s, double half_life, int64_t now, struct history_stats *out);

/*
 * Check the store's per-test summary against a scan of every result at
 * `now` (0: the current time): counts, last outcome and commit must be
 * equal, durations and decayed figures equal to 1e-9 relative.  Returns
 * 0, or GI_ECORRUPT with a message naming the first test and figure that
 * differ ('git impact init --repair' rebuilds the summary).
 */
int history_stats_verify(struct store *s, int64_t now);

/* Rebuild the store's per-test summary from every result, in one transaction. */
int history_stats_rebuild(struct store *s);

/* The statistics of one test id, or NULL.  Borrowed from `st`. */
const struct history_test_stats *history_stats_find(const struct history_stats *st, const char *id);

/* Free what `st` holds; NULL is a no-op. */
void history_stats_release(struct history_stats *st);

/* ---- sharing through git notes ---------------------------------------- */

/*
 * A commit's runs travel as a git note (refs/notes/impact): one JSON object
 * per line, one line per run, keys sorted:
 *   {"commit":"<40 hex>","full":0,"impact":1,"kind":"ci","run":"<key>",
 *    "time":<unix s>,"tests":{"<test id>":[<outcome>,<seconds|null>,<audit 0|1>]}}
 * and, for a run of a selection that drew an audit sample, a member
 *    "audit":{"share":F,"seed":"<16 hex>","expect":["<listed test with a heads coin>",...]}
 * (optional: older notes without it read as runs without a sample).
 * Notes merge by union: runs by key, tests by id, two outcomes of one test
 * with history_outcome_merge(), the longer duration, the earlier time; the
 * first audit sample a run was linked to stays.
 */
#define HISTORY_NOTE_VERSION 1
#define HISTORY_NOTE_MAX ((size_t)256 << 20) /* largest note text written */

/* Notes of many commits being merged (opaque). */
struct history_notes;

/* An empty set of notes; the caller frees it with history_notes_free(). */
struct history_notes *history_notes_new(void);
/* Free the notes; NULL is a no-op. */
void history_notes_free(struct history_notes *ns);

/*
 * Merge the text of the note on `commit` (40 hex digits) found in `where`
 * (a ref, for messages).  A line that is not valid JSON, not a run of this
 * commit, or from a newer note format is warned about on stderr (naming
 * the commit, ref and line), counted (history_notes_refused) and kept
 * verbatim in the note written back, never imported and never dropped.
 * `base`: this is what the ref being written already holds for the commit
 * (history_notes_each then reports whether the note changed).
 * Returns 0, or GI_EINPUT when `commit` is not a commit id.
 */
int history_notes_add_text(struct history_notes *ns, const char *commit, const char *text,
			   size_t len, const char *where, int base);

/* Merge every run recorded in the store.  0 or the store's error. */
int history_notes_add_store(struct history_notes *ns, struct store *s);

/* Lines refused so far by history_notes_add_text. */
size_t history_notes_refused(const struct history_notes *ns);
/* Commits that have a note. */
size_t history_notes_count(const struct history_notes *ns);

/*
 * Called with each commit's merged note text (canonical: equal content
 * gives equal bytes); `changed` is 0 when it equals the base text.
 * `text` is borrowed.  A non-zero return stops the walk and is returned.
 */
typedef int (*history_note_fn)(void *data, const char *commit, const char *text, size_t len,
			       int changed);
int history_notes_each(struct history_notes *ns, history_note_fn fn, void *data);

struct history_import_result {
	size_t runs_new;     /* runs the store did not have */
	size_t runs_skipped; /* run keys the store holds for another commit (warned) */
	size_t results_new;  /* results added (new runs, or new tests in known runs) */
};

/*
 * Write every run of the notes into the store in one transaction (nothing
 * on error): new runs keep their key, commit, time, kind and full flag;
 * results merge with those already stored as within a run.  Importing the
 * same notes again changes nothing.
 */
int history_notes_import(struct history_notes *ns, struct store *s,
			 struct history_import_result *res);

/* ---- per-test coverage (record-coverage) ------------------------------- */

enum history_coverage_format {
	HISTORY_COVERAGE_PY,   /* coverage.py JSON, `coverage json --show-contexts` */
	HISTORY_COVERAGE_LCOV, /* lcov tracefile(s): TN, SF, DA, end_of_record */
};

/* Limits: distinct tests per covered file (coverage.py), JSON nesting. */
#define HISTORY_COVERAGE_MAX_TESTS ((size_t)1 << 22)
#define HISTORY_COVERAGE_MAX_DEPTH 64

/*
 * The format named `name` ("coveragepy" or "lcov") into *out; GI_EUSAGE
 * (message set) for another name.
 */
int history_coverage_format_parse(const char *name, int *out);

/*
 * Called once per (test, covered path) pair; both borrowed.  `test` is a
 * canonical test id; `path` is as the report wrote it (often absolute).
 * A negative return (message set) stops reading and is returned.
 */
typedef int (*history_coverage_fn)(void *data, const char *test, const char *path);

/*
 * Stream the coverage report at `path` (64 KiB chunks, memory bounded by
 * the limits above, not by the file), calling fn (may be NULL: validate
 * only) for each pair:
 *  - coverage.py: files -> PATH -> contexts -> LINE -> [context...]; a
 *    pytest-cov context "tests/t.py::test_a|run" is the test
 *    "tests/t.py::test_a" (the |run, |setup, |teardown phase dropped), a
 *    dotted one "tests.test_m.test_a" goes through history_test_id(); the
 *    empty context is no test; each pair is given once per file.
 *  - lcov: a record (SF ... end_of_record) covers its file when a DA line
 *    has a non-zero count; its test is the last TN line's name, or the
 *    report's file name without its extension when TN is absent or empty.
 * Malformed input (bad JSON, a coverage.py report without contexts, an
 * lcov line out of place or unterminated record): GI_EINPUT naming the
 * file and line; GI_ELIMIT past a limit; GI_ENOTFOUND for a missing file.
 */
int history_coverage_read(const char *path, int format, history_coverage_fn fn, void *data);

/* As history_coverage_read() on `len` bytes in memory; `name` names them in messages. */
int history_coverage_read_mem(const char *name, const char *buf, size_t len, int format,
			      history_coverage_fn fn, void *data);

/*
 * Make a reported `path` repository-relative: relative paths start at
 * `cwd`, "." and ".." are resolved, then the work tree `workdir` (absolute,
 * final slash optional) is stripped (trying the path's realpath too).
 * Returns 1 with the relative path in `out` (reset first), 0 when the
 * path is outside the work tree, GI_ELIMIT when it does not fit in `out`.
 */
int history_coverage_path(const char *workdir, const char *cwd, const char *path,
			  struct gi_buf *out);

struct history_coverage_opts {
	const char *commit;  /* resolved commit the coverage was measured on, 40 hex */
	const char *workdir; /* the work tree, absolute */
	const char *cwd;     /* where relative report paths start (NULL: workdir) */
	int64_t time;        /* first_seen of tests new to the store; 0: now */
};

struct history_coverage_result {
	size_t reports;      /* report files read */
	size_t pairs;        /* (test, path) rows stored */
	size_t tests;        /* distinct tests whose coverage was replaced */
	size_t outside;      /* pairs skipped: path outside the work tree */
	char *outside_example; /* one such path (owned), or NULL */
};

/*
 * Record coverage reports into the store in one transaction: each test
 * seen in them has its earlier coverage replaced by what they say; stored
 * lineage graphs are dropped (their `covers` edges are rebuilt from the new
 * coverage).  Paths outside the work tree are counted, never stored.  On
 * any error the store is as before.  Release `res` with
 * history_coverage_result_release().
 */
int history_coverage_record(struct store *s, const struct history_coverage_opts *opts,
			    int format, const char *const *files, size_t nfiles,
			    struct history_coverage_result *res);

/* Free what a history_coverage_result owns; NULL is a no-op. */
void history_coverage_result_release(struct history_coverage_result *res);

#endif
