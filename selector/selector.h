/*
 * selector.h - the selection result the pipeline shares, its output
 * formats, sharding, budgets, the scoring model and the guarantee math.
 *
 * Everything here is pure: plain structs in, plain structs or text out.
 * Nothing reads git or the store; impact/ fills a selector_result and
 * hands it to these functions.
 */
#ifndef GI_SELECTOR_H
#define GI_SELECTOR_H

#include "common.h"

/* ---- the selection result -------------------------------------------- */

/* Why a test is (or is not) selected. */
enum selector_reason {
	SELECTOR_NOT_IMPACTED, /* skipped: nothing reaches it, or its score is too low */
	SELECTOR_SAFE_SET,     /* a changed node reaches it through the lineage graph */
	SELECTOR_NEW,          /* never seen before */
	SELECTOR_FAILED_LAST,  /* failed in its last recorded run */
	SELECTOR_ALWAYS_RUN,   /* marked always-run */
	SELECTOR_PREDICTED,    /* the model's score reached the threshold (or the budget took it) */
	SELECTOR_AUDIT,        /* skipped by the policy, run as part of the audit sample */
	SELECTOR_FALLBACK,     /* everything runs: see selector_result.fallback */
	SELECTOR_UNPLACED,     /* the lineage graph cannot place the test itself: run it */
	SELECTOR_REASON_NR
};

/* Kinds of changed node that reached a test (bits; same values as impact's). */
enum selector_kind {
	SELECTOR_KIND_CODE = 1 << 0,
	SELECTOR_KIND_DATA = 1 << 1,
	SELECTOR_KIND_PARAM = 1 << 2,
	SELECTOR_KIND_MODEL = 1 << 3,
};

/* One test.  Strings are owned by the result that holds the test. */
struct selector_test {
	char *id;          /* test id, "path::name" (owned) */
	int selected;      /* 1: run it */
	int reason;        /* enum selector_reason */
	char *path;        /* lineage path that reached it, or NULL (owned) */
	unsigned kinds;    /* enum selector_kind bits */
	double score;      /* model score in [0, 1]; < 0 not scored */
	double duration;   /* expected seconds; < 0 unknown */
	int shard;         /* 1..nshards after selector_shard(), else 0 */
};

/* The statistical guarantee a selection rests on (see selector_guarantee_compute). */
struct selector_guarantee {
	double recall;        /* target P: share of failing changes (or tests) caught */
	double confidence;    /* C: confidence of the bound */
	int level_test;       /* 1: per failing test; 0: per failing change */
	int stated;           /* 1: a threshold meets the target; 0: too little history */
	double threshold;     /* select tests with score >= threshold (when stated) */
	double bound;         /* achieved upper bound on P(miss), at confidence C; 1 if none */
	size_t misses;        /* calibration values below the threshold */
	size_t runs;          /* calibration values used */
	size_t audit_values;  /* of runs: test-level values from audit samples */
	size_t runs_needed;   /* more calibration values the guarantee needs (0 when stated) */
};

/*
 * A selection: every known test, selected or not, and its summary.
 * selector_result_init() allocates nothing; selector_result_release()
 * frees everything, including the tests' strings.
 */
struct selector_result {
	struct selector_test *v;
	size_t nr, alloc;

	/* summary, filled by selector_summarize() */
	size_t nselected;
	size_t by_reason[SELECTOR_REASON_NR];
	double seconds_selected;  /* expected, unknown durations at the median */
	double seconds_total;
	double median_duration;   /* of the known durations; 1 s when none */

	char *fallback;           /* why every test runs, or NULL (owned) */
	struct selector_guarantee guarantee;
	double budget;            /* seconds given to selector_budget(); 0 for none */
	int budget_exceeded;      /* 1: the always-selected tests alone exceed the budget */

	int nshards;              /* 0 until selector_shard() */
	double *shard_seconds;    /* [nshards] expected seconds per shard (owned) */
	size_t *shard_tests;      /* [nshards] tests per shard (owned) */
};

void selector_result_init(struct selector_result *r);
void selector_result_release(struct selector_result *r);

/*
 * Append a test (not selected, SELECTOR_NOT_IMPACTED, score -1, no path)
 * with a copy of `id` and `duration` (< 0 unknown).  Returns a pointer
 * into r->v, valid until the next add.
 */
struct selector_test *selector_result_add(struct selector_result *r, const char *id,
					  double duration);

/* Replace the test's lineage path with a copy of `path` (may be NULL). */
void selector_test_set_path(struct selector_test *t, const char *path);

/* Select `t` for `reason` unless it is already selected (first reason wins). */
void selector_test_select(struct selector_test *t, int reason);

/* Select every test for SELECTOR_FALLBACK and keep a copy of `why`. */
void selector_result_fallback(struct selector_result *r, const char *why);

/*
 * Select every unselected test whose score is >= `threshold`, for
 * SELECTOR_PREDICTED.  Tests never scored (score < 0) are left alone.
 */
void selector_apply_threshold(struct selector_result *r, double threshold);

/* Sort the tests by id (byte order), so every output is deterministic. */
void selector_result_sort(struct selector_result *r);

/* Recompute the summary counts, the median and the expected seconds. */
void selector_summarize(struct selector_result *r);

/* The test's expected seconds: its duration, or the result's median. */
double selector_expected(const struct selector_result *r, const struct selector_test *t);

/* "safe-set", "new", ... for a reason; "?" out of range.  Static string. */
const char *selector_reason_name(int reason);

/* ---- output formats --------------------------------------------------- */

enum selector_format {
	SELECTOR_FMT_LIST,          /* selected ids, one per line, raw */
	SELECTOR_FMT_JSON,          /* every test and the summary */
	SELECTOR_FMT_PYTEST,        /* selected ids shell-quoted on one line, for copy-paste */
	SELECTOR_FMT_PYTEST_ARGS,   /* one id per line, raw: a pytest @argsfile */
	SELECTOR_FMT_CTEST,         /* one regex for ctest -R: ^(a|b)$, all escaped */
	SELECTOR_FMT_GOTEST,        /* per package: go test 'pkg' -run '^(A|B)$' */
	SELECTOR_FMT_JEST,          /* jest --runTestsByPath 'file'... (shell-quoted) */
	SELECTOR_FMT_GITHUB_MATRIX, /* {"include":[{"shard":1,...}]} for strategy.matrix */
	SELECTOR_FMT_GITLAB,        /* child pipeline YAML, one job per shard */
};

/*
 * Parse a --format name ("list", "json", "pytest", "pytest-args",
 * "ctest", "gotest", "jest", "github-matrix", "gitlab").  GI_EUSAGE with a
 * message naming --format and the value when unknown.
 */
int selector_format_parse(const char *name, int *fmt);

/*
 * Append result `r` in format `fmt` to `out`.  The summary should be
 * current (selector_summarize); the matrix formats use the shards when
 * selector_shard() ran, else one shard.  Only selected tests are written,
 * except by json.  Fails with GI_EINPUT naming the test when an id cannot
 * be written safely in that format (a newline in a line-based format,
 * invalid UTF-8 in JSON/YAML), GI_ELIMIT past out->max.
 *
 * Output contracts (the id must round-trip exactly, with no injection):
 *  - pytest, jest, gotest quote every word in single quotes ('\'' for a
 *    quote), for a POSIX shell: paste it, or `eval`.  An empty selection
 *    prints an empty line; note that `pytest` with no ids runs everything.
 *  - ctest: every ERE/CMake metacharacter backslash-escaped; an empty
 *    selection gives "^$", which matches no test.
 *  - gotest: ids are "pkg::TestName"; a subtest ("TestA/sub") runs its
 *    whole top-level test (more, never fewer).  An id without "::"
 *    fails with GI_EINPUT: its package is unknown.
 *  - github-matrix: "tests" holds raw ids joined by newlines; pass it to a
 *    step through `env:` (never `${{ }}` inside `run:`), e.g.
 *    printf '%s\n' "$TESTS" > ids.txt && pytest @ids.txt.
 *  - gitlab: variables use `expand: false` so `$` in ids stays literal;
 *    the job runs ${IMPACT_RUNNER:-python -m pytest} @impact-tests.txt.
 */
int selector_format(const struct selector_result *r, int fmt, struct gi_buf *out);

/* As selector_format(), writing to `out`.  -1 with a message on a write error. */
int selector_format_write(const struct selector_result *r, int fmt, FILE *out);

/*
 * Quoting helpers, exposed for tests and callers.  Each appends to `out`
 * and returns 0 or GI_ELIMIT.
 *  selector_shell_quote: 'it'\''s' - safe for any bytes but NUL in sh.
 *  selector_regex_escape: backslash before each of \ ^ $ . | ? * + ( ) [ ] { }
 *  (valid in POSIX ERE, CMake's regex, RE2 and JavaScript).
 */
int selector_shell_quote(struct gi_buf *out, const char *s);
int selector_regex_escape(struct gi_buf *out, const char *s);

/* ---- sharding and budgets --------------------------------------------- */

/*
 * Split the selected tests into `n` (>= 1) shards balanced by expected
 * duration: longest processing time first (unknown durations at the
 * median of the known ones, 1 s if none), each to the least loaded shard,
 * ties by id then by lowest shard.  Sets t->shard and the per-shard
 * seconds and counts; deterministic.  GI_EUSAGE when n < 1 or n > 10000.
 */
int selector_shard(struct selector_result *r, int n);

/*
 * Spend a budget of `seconds` (> 0): keep the tests selected for
 * safe-set, new, failed-last, always-run and fallback; drop predicted and
 * audit selections; then take the other tests in order of score per
 * expected second (ties by id) while they fit.  Unscored tests count as
 * score 0.  When the kept tests alone exceed the budget they still run and
 * r->budget_exceeded says so.  Summarizes r.  GI_EUSAGE for seconds <= 0.
 */
int selector_budget(struct selector_result *r, double seconds);

/*
 * Add the audit sample: select each skipped test with probability `share`
 * (in [0, 1]) for SELECTOR_AUDIT, drawn from a hash of `seed` and its id,
 * so the same seed and id always give the same draw whatever the order.
 * Run it last (after thresholds and budgets).  Summarizes r.  Returns the
 * number of tests added (>= 0), or GI_EUSAGE naming --audit.
 */
int selector_audit(struct selector_result *r, double share, unsigned long long seed);

/* ---- the guarantee ---------------------------------------------------- */

/* P(Bin(n, p) <= k), in log space; exact for n up to millions. */
double selector_binom_cdf(size_t k, size_t n, double p);

/*
 * The (one-sided, Clopper-Pearson) upper confidence bound on a miss
 * probability after k misses in n trials: the smallest b with
 * P(Bin(n, b) <= k) <= 1 - confidence.  1 when k >= n.
 */
double selector_binom_upper(size_t k, size_t n, double confidence);

/*
 * Calibration values needed before any threshold can meet `recall` at
 * `confidence`: the smallest n with recall^n <= 1 - confidence (299 for
 * 0.99 and 0.95).
 */
size_t selector_runs_needed(double recall, double confidence);

/*
 * Choose the threshold.  `needed` holds n calibration values: for each
 * past run with real failures (or each failing test, for --level test),
 * the score it needed to be caught, as the model stood before that run;
 * a run is caught at threshold t when needed >= t (use 2, above every
 * score, for runs the safe set caught anyway; NaN counts as a miss).
 * Picks the largest t (fewest tests) whose miss count k gives
 * selector_binom_upper(k, n, C) <= 1 - recall.  With too few values sets
 * stated = 0, threshold = 0, bound = the best any threshold could reach
 * (1 when n = 0) and runs_needed.  out->level_test is kept; `needed` is
 * not modified.  GI_EUSAGE when recall or confidence is not strictly
 * between 0 and 1.
 */
int selector_guarantee_compute(const double *needed, size_t n, double recall,
			       double confidence, struct selector_guarantee *out);

/*
 * The bound a given threshold achieves (for budgets): k = values below t,
 * bound = selector_binom_upper(k, n, confidence); stated = 1 when n > 0.
 */
void selector_guarantee_at(const double *needed, size_t n, double threshold,
			   double confidence, struct selector_guarantee *out);

/*
 * The empirical threshold for recall P when no bound can be stated: the
 * largest t with at most floor(n (1 - P)) values below it (NaN counts as
 * below everything).  0 (every scored test) when n = 0: more, never fewer.
 */
double selector_threshold_empirical(const double *needed, size_t n, double recall);

/* ---- scoring model ---------------------------------------------------- */

/*
 * What is known about one (change, test) pair.  selector_features_vector()
 * turns it into the model's inputs:
 *   x[0]  1 (intercept)
 *   x[1]  lineage proximity: 1 / (1 + distance), 0 when not reached
 *   x[2..5] changed kinds reaching it: code, data, param, model (0/1)
 *   x[6]  coverage hit (0/1): a changed file covers the test
 *   x[7]  co-failure association in [0, 1] between changed nodes and the test
 *   x[8]  token overlap in [0, 1] (selector_token_overlap)
 *   x[9]  decayed failure rate in [0, 1]
 *   x[10] log(1 + failures in the last k runs)
 *   x[11] flakiness in [0, 1]
 *   x[12] log(1 + age in days) / 5
 *   x[13] log(1 + duration seconds) / 5, 0 when unknown
 */
struct selector_features {
	int distance;            /* -1: not reached */
	unsigned kinds;          /* enum selector_kind bits */
	int coverage_hit;
	double cofail;
	double token_overlap;
	double fail_rate;
	int recent_failures;
	double flakiness;
	double age_days;
	double duration;         /* < 0 unknown */
};

#define SELECTOR_NFEATURES 14
#define SELECTOR_MODEL_VERSION 1

void selector_features_vector(const struct selector_features *f, double x[SELECTOR_NFEATURES]);

/* One training example: inputs, outcome (1 failed), weight (> 0). */
struct selector_example {
	double x[SELECTOR_NFEATURES];
	int y;
	double weight; /* e.g. 1 for a real failure or a pass, 0.1 for a flaky failure */
};

/*
 * L2-regularised logistic regression with a Gaussian (Laplace) posterior:
 * w the weights, prec the precision matrix (row-major, symmetric), which
 * is the prior for the next incremental update.  Plain data: copy freely.
 */
struct selector_model {
	double w[SELECTOR_NFEATURES];
	double prec[SELECTOR_NFEATURES * SELECTOR_NFEATURES];
	double examples;   /* total weight seen */
};

/* A fresh model: w = 0 (every score 0.5), prec = lambda * I (lambda > 0). */
void selector_model_init(struct selector_model *m, double lambda);

/*
 * Fit on a batch by IRLS (Newton), the model's current state as prior:
 * minimises sum weight*logloss + (w - w0)' F prec (w - w0) / 2, where F
 * (`forget`, in (0, 1]) shrinks the old precision so old runs weigh
 * less; then prec becomes F prec + the batch's Hessian.  Calling it on a
 * fresh model is plain L2 training.  Deterministic.  GI_EUSAGE on bad
 * arguments, GI_ERROR if the system cannot be solved (model unchanged).
 */
int selector_model_update(struct selector_model *m, const struct selector_example *ex,
			  size_t n, double forget);

/* The score of inputs x: the model's probability of failure. */
double selector_model_score(const struct selector_model *m, const double x[SELECTOR_NFEATURES]);

/*
 * Serialise as one line of text ("gi-model 1 14 w... prec-upper... n"),
 * exact doubles (%.17g), appended to out.
 */
int selector_model_save(const struct selector_model *m, struct gi_buf *out);

/*
 * Parse selector_model_save() output.  GI_EINPUT naming `origin` and the
 * field when malformed or of another version; *m unchanged on failure.
 */
int selector_model_load(struct selector_model *m, const char *text, const char *origin);

/* ---- token overlap ---------------------------------------------------- */

/*
 * Split `s` into lowercase tokens on / . _ - : space [ ] ( ) , = and
 * camelCase boundaries; tokens shorter than 2 characters and the words
 * "test", "tests", "py", "src" are dropped.  Appends to `out`, then
 * sorts and removes duplicates.
 */
void selector_tokenize(const char *s, struct gi_strvec *out);

/*
 * Jaccard similarity of the tokens of `changed` (sorted, unique: built
 * with selector_tokenize over the changed paths) and of `test_id`; 0
 * when either is empty.
 */
double selector_token_overlap(const struct gi_strvec *changed, const char *test_id);

/*
 * Append the tokens of `s` (as selector_tokenize) as 64-bit hashes to *v
 * (growing it; *nr used, *alloc allocated), the appended ones sorted and
 * unique; after appending several strings, selector_hashes_uniq() the
 * whole.  For overlaps computed many times (replaying history).
 */
void selector_token_hashes(const char *s, uint64_t **v, size_t *nr, size_t *alloc);

/* Sort and drop duplicates from a hash array; returns the new length. */
size_t selector_hashes_uniq(uint64_t *v, size_t n);

/* Jaccard similarity of two sorted unique hash arrays; 0 when either is empty. */
double selector_hash_overlap(const uint64_t *a, size_t na, const uint64_t *b, size_t nb);

#endif
