/*
 * predict_int.h - private to impact/: the recorded history held in memory
 * for replay (features.c), and the per-test state the features are read
 * from.  predict.c replays it to train and calibrate the model; evaluate.c
 * replays it to measure selection as it would have been.
 */
#ifndef GI_PREDICT_INT_H
#define GI_PREDICT_INT_H

#include "impact.h"

#define IMPACT_BLOOM_WORDS 16 /* 1024 bits of changed paths per test */

/* One result of a run. */
struct impact_hres {
	uint32_t test;   /* index into impact_hist.names */
	int outcome;     /* enum history_outcome */
	int audit;
	int lineage;     /* 1: the graph alone selects it for its run's commit */
	double duration; /* < 0 unknown */
};

/* One recorded run, in time order. */
struct impact_hrun {
	int64_t id, time;
	char commit[41];
	int full;
	size_t first, nr;   /* its results: hist.res[first .. first + nr) */
	uint64_t *paths;    /* hashes of its commit's changed paths, sorted unique */
	size_t npaths;
	uint64_t *tokens;   /* token hashes of those paths, sorted unique */
	size_t ntokens;
	int have_change;    /* 1: the commit's diff is stored */
	int have_lineage;   /* 1: the graph's safe set of the commit is stored (read for full
			     * runs and audited runs with audit values) */
	double audit_share; /* the audit sample of the selection it ran (F); 0: none */
	uint64_t audit_seed;
	long audit_values;  /* -1: a heads test reported no result; else its heads failures */
};

/* The whole recorded history (every run, every result). */
struct impact_hist {
	char **names;       /* test ids, by index */
	int64_t *ids;       /* store ids, ascending, by index */
	uint32_t *by_name;  /* indexes sorted by name */
	uint64_t **tokens;  /* token hashes of each test id, sorted unique */
	size_t *ntokens;
	size_t ntests;
	struct impact_hrun *runs;
	size_t nruns;
	struct impact_hres *res;
	size_t nres;
	size_t runs_with_change;
	size_t runs_with_lineage; /* full runs with the graph's safe set stored */
	size_t audit_runs;        /* runs (not full) with an audit sample */
	size_t audit_dropped;     /* of those: a heads test reported no result */
};

/* What is known of one test before a run: updated after each run (snapshot.c stores every field). */
struct impact_tstate {
	int64_t first_time;   /* first run that ran it; 0 none */
	unsigned runs, fails, flaky;
	unsigned recent;      /* bit i: a real failure i + 1 executions ago */
	double ema;           /* moving average of real failures */
	double duration;      /* moving average of durations; < 0 unknown */
	int last;             /* last outcome that ran (not skip); -1 none */
	uint64_t cof[IMPACT_BLOOM_WORDS]; /* changed paths of runs where it failed */
};

/* Load every test, run, result and run change from the store. */
int impact_hist_load(struct store *s, struct impact_hist *h);
void impact_hist_release(struct impact_hist *h);

/* Load the runs after (time, id) in (time, id) order with their results, and every test. */
int impact_hist_load_after(struct store *s, struct impact_hist *h, int64_t time, int64_t id);

/* Index of the test with store id `id` in h, or -1. */
long impact_hist_index(const struct impact_hist *h, int64_t id);

/* The constants the per-test states are computed with, as text (for the snapshot's format). */
const char *impact_states_params(void);

/* Index of the test named `name` in h, or -1. */
long impact_hist_find(const struct impact_hist *h, const char *name);

/* Fresh states for every test of h (caller frees). */
struct impact_tstate *impact_states_new(const struct impact_hist *h);

/* Fold a run's results into the states. */
void impact_states_update(struct impact_tstate *st, const struct impact_hist *h,
			   const struct impact_hrun *run);

/* A test must run whatever its score: never ran, or failed in its last run. */
int impact_always(const struct impact_tstate *t);

/*
 * The features of test `test` (index) for a change with the given path
 * and token hashes (sorted unique), at time `now`.
 */
void impact_features(const struct impact_hist *h, const struct impact_tstate *st,
		      uint32_t test, const uint64_t *paths, size_t npaths,
		      const uint64_t *tokens, size_t ntokens, int64_t now,
		      struct selector_features *f);

/* A real failure (fail or error), as opposed to flaky, pass or skip. */
int impact_failed(int outcome);

/*
 * The ranking value of a test: its failure probability `score` times
 * (median / (median + duration))^a, so that cheap tests rank before long
 * ones of equal risk (expected caught failures per second, saturating for
 * tests far shorter than the median).  An unknown duration (< 0) counts as
 * the median.  In [0, score]; both the replay and a live selection rank,
 * calibrate and threshold on this value.
 */
double impact_priority(double score, double duration, double median);

/* The median of the known test durations in st (1 when none is known). */
double impact_median_duration(const struct impact_hist *h, const struct impact_tstate *st);

/*
 * The history replayed: the model and calibration values after every run.
 * snapshot.c stores every field but hist: add a new one there too.
 */
struct impact_replay {
	struct impact_hist hist;
	struct impact_tstate *st;       /* per test, after the last run replayed */
	struct selector_model model;    /* trained on every run replayed */
	double *change_values;          /* per full run with real failures: the score it needed */
	size_t nchange_values, change_alloc;
	double *test_values;            /* per real failure in a full run, or with a heads */
	size_t ntest_values, test_alloc; /* coin in an audited run: its score */
	size_t ntest_audit;             /* of test_values: from audit samples */
	size_t full_runs;
	size_t nruns;                   /* runs replayed, with those a snapshot held */
	int64_t last_time, last_id;     /* the last of them in (time, id) order */
};

/*
 * Called for each run before it is folded in: `value` holds, per result of
 * the run, 2 when the test had to run anyway (new, failed last), its score
 * under the model as it stood, or -1 for a skip.  Non-zero stops.
 */
typedef int (*impact_replay_fn)(void *data, const struct impact_replay *rp,
				const struct impact_hrun *run, const double *value);

/*
 * Load the history of store `s` and replay it in time order (fn may be
 * NULL).  *rp is released with impact_replay_release(), also on failure.
 */
int impact_replay_history(struct store *s, struct impact_replay *rp, impact_replay_fn fn,
			  void *data);
void impact_replay_release(struct impact_replay *rp);

/*
 * The replay up to the newest run: from the store's snapshot when it is
 * valid (only the runs after it are loaded and replayed), else of the
 * whole history; the snapshot is then saved when the store is writable.
 * A snapshot that cannot be used gets a one-line warning naming the store.
 */
int impact_replay_latest(struct store *s, struct impact_replay *rp);

/* impact_replay_history() (every run, fn called for each), then saved as the snapshot. */
int impact_replay_all_saved(struct store *s, struct impact_replay *rp, impact_replay_fn fn,
			    void *data);

/*
 * The snapshot's bytes (snapshot.c): everything *rp holds but the history
 * (the model, the states of the tests that ran, by store id, calibration
 * values and counters), checksummed.  impact_snapshot_decode() fills a
 * replay whose history (tests) is loaded and states fresh; GI_ECORRUPT
 * with the reason when the bytes are damaged or name an unknown test.
 */
int impact_snapshot_encode(const struct impact_replay *rp, struct gi_buf *out);
int impact_snapshot_decode(struct impact_replay *rp, const void *data, size_t len);

/* The guarantee the calibration values so far support. */
int impact_replay_guarantee(const struct impact_replay *rp, double recall, double confidence,
			    int level_test, struct selector_guarantee *g);

#endif
