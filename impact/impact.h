/*
 * impact.h - from a change to the tests it impacts.
 *
 * A change set is the list of paths that differ between two states of the
 * repository (two commits, or a commit and the work tree), with their old
 * and new blob ids.  impact/ resolves the states (merge-base, upstream
 * defaults, shallow clones), diffs them, and propagates the changed nodes
 * through the lineage graph to tests.
 */
#ifndef GI_IMPACT_H
#define GI_IMPACT_H

#include "common.h"
#include "lineage.h"
#include "selector.h"
#include "history.h"

struct store;

/* ---- change sets ---------------------------------------------------- */

enum impact_status {
	IMPACT_ADDED = 'A',
	IMPACT_MODIFIED = 'M',
	IMPACT_DELETED = 'D',
	IMPACT_RENAMED = 'R',
	IMPACT_TYPECHANGE = 'T', /* file <-> symlink <-> submodule, or mode */
};

struct impact_change {
	char status;          /* enum impact_status */
	char *old_path;       /* NULL when added */
	char *new_path;       /* NULL when deleted */
	char old_blob[41];    /* hex, "" when added */
	char new_blob[41];    /* hex, "" when deleted or unknown (work tree) */
	unsigned old_mode, new_mode;
};

struct impact_changeset {
	struct impact_change *v;
	size_t nr, alloc;
	char base[41];        /* the merge-base commit the change is measured from */
	char head[41];        /* the head commit ("" with a work tree change) */
	int worktree;         /* 1: head is the work tree (staged + unstaged + untracked) */
	char *base_desc;      /* how the base was chosen, e.g. "merge-base of origin/main and HEAD" */
};

/* The decay of a test's failure rate in history statistics (select, why): two weeks. */
#define IMPACT_HALF_LIFE HISTORY_HALF_LIFE

/* What the user asked for: NULL revisions take the defaults. */
struct impact_range {
	const char *base;     /* --base, or NULL: upstream, else origin/HEAD, else HEAD~1 */
	const char *head;     /* --head, or NULL: HEAD */
	int worktree;         /* --worktree: compare the base with the work tree */
};

/*
 * Compute the change set of `range` in `repo` into `out` (which the caller
 * releases with impact_changeset_release()).  The base is the merge-base
 * of base and head, as `git diff A...B`.  Fails with GI_ENOTFOUND when a
 * revision does not exist or the base is not in this clone (shallow), the
 * message naming which; selection then falls back to every test.
 */
int impact_changeset_compute(struct lineage_repo *repo, const struct impact_range *range,
			     struct impact_changeset *out);

/* Free the contents of a change set; it is empty and reusable afterwards. */
void impact_changeset_release(struct impact_changeset *cs);

/* The path a change is known by: the new path, else the old. Borrowed. */
const char *impact_change_path(const struct impact_change *c);

/* ---- propagation ---------------------------------------------------- */

/* The kinds of changed node that can reach a test (bits). */
enum impact_kind {
	IMPACT_KIND_CODE = 1 << 0,  /* source files, DVC stage commands, other files */
	IMPACT_KIND_DATA = 1 << 1,  /* datasets (DVC hashes) and data files */
	IMPACT_KIND_PARAM = 1 << 2, /* parameter keys */
	IMPACT_KIND_MODEL = 1 << 3, /* model versions and artefacts */
};

/* How a changed node or path came to be one. */
struct impact_changed {
	char *name;        /* node name ("src/a.py", "params.yaml:train.lr") */
	int node_kind;     /* enum lineage_node_kind */
	unsigned kind;     /* enum impact_kind: one bit */
	int deleted;       /* 1: it exists only in the base */
};

/* What reached one test node of the head graph. */
struct impact_reach {
	int distance;      /* edges from the nearest changed node; -1: not reached */
	unsigned kinds;    /* enum impact_kind bits of every changed node reaching it */
	char *path;        /* "tests/t.py -> imports -> src/a.py" (shortest), or NULL */
};

struct impact_analysis {
	struct lineage_graph *head;   /* the head's graph (owned) */
	struct lineage_graph *base;   /* the base's graph (owned), NULL for the empty tree */
	struct impact_changed *changed; /* changed nodes */
	size_t nchanged, changed_alloc;
	struct gi_strvec unplaced;    /* changed paths the graph cannot place */
	struct gi_strvec ignored;     /* changed paths matching ignore patterns */
	struct gi_strvec new_tests;   /* test files added or renamed by the change */
	struct impact_reach *reach;   /* one per node of `head`, by index */
	struct gi_strvec param_files; /* files holding param nodes in `head` (sorted) */
};

/*
 * Analyse change set `cs`: build or load the graphs of base and head
 * (lineage_graph_for_commit, the head being HEAD for a work tree change),
 * find the changed nodes (files whose content changed; param keys, dataset
 * and model versions and stage commands whose hash changed, so that a
 * reformatted params file changes nothing), collect changed paths that are
 * unplaced or ignored, and propagate through reverse edges to every test.
 * Returns 0 or a negative code (message set); *out is released with
 * impact_analysis_release().
 */
int impact_analyze(struct lineage_repo *repo, struct store *store,
		   const struct impact_changeset *cs, struct impact_analysis *out);

void impact_analysis_release(struct impact_analysis *a);

/* "code", "data", "param", "model" for one bit; "" otherwise. */
const char *impact_kind_name(unsigned kind);

/* ---- selection ------------------------------------------------------- */

enum impact_mode {
	IMPACT_MODE_AUTO,       /* predictive when the guarantee can be stated, else safe */
	IMPACT_MODE_SAFE,       /* the safe set: lineage and always-selected tests */
	IMPACT_MODE_PREDICTIVE, /* the scored selection, even without a guarantee */
	IMPACT_MODE_ALL,        /* every test */
};

/* Everything `git impact select` was asked, validated. */
struct impact_select_opts {
	struct impact_range range;
	double recall;          /* (0, 1), default 0.99 */
	double confidence;      /* (0, 1), default 0.95 */
	int level_test;         /* 1: --level test; 0: change */
	int mode;               /* enum impact_mode */
	double budget;          /* seconds; <= 0 for none */
	double audit;           /* [0, 1] share of skipped tests to run as an audit sample */
	long shards;            /* >= 1 */
	unsigned long seed;     /* for the audit sample; 0: from the head commit */
	long time;              /* unix seconds the stored selection is stamped with; 0: now */
};

/*
 * Check option values: recall and confidence strictly between 0 and 1,
 * audit in [0, 1], shards >= 1.  GI_EUSAGE with a message naming the
 * option and the value.
 */
int impact_select_opts_check(const struct impact_select_opts *o);

/*
 * A selection and what it rests on: the selector's result (every known
 * test, selected or not, with reasons, paths and durations) plus the
 * change it was made for and notes on what was seen.
 */
struct impact_selection {
	struct selector_result result;
	struct gi_strvec notes; /* one line each, for stderr: what was seen and decided */
	struct impact_changeset cs;
	unsigned kinds;         /* impact kinds of the whole change */
	size_t nchanged;        /* changed nodes */
	size_t gone;            /* history tests whose test file no longer exists */
};

/*
 * Select the tests for opts->range: compute the change set, analyse it,
 * and choose the safe set plus the always-selected tests (new tests,
 * tests that failed last, always-run tests).  Fail-safe: when anything
 * stands in the way (`store` NULL, a base missing from a shallow clone,
 * a graph that cannot be built, a changed path the graph cannot place) it
 * selects every known test and sets `fallback` to the reason; only bad
 * usage fails.  `store_problem` (may be NULL) says why there is no store.
 * *out is released with impact_selection_release().
 */
int impact_select(struct lineage_repo *repo, struct store *store, const char *store_problem,
		  const struct impact_select_opts *opts, struct impact_selection *out);

void impact_selection_release(struct impact_selection *sel);

/*
 * Keep what a selection decided in the store (the selections table), for
 * the weekly report and evaluate.  Returns 0 or a negative code.
 */
int impact_selection_save(struct store *store, const struct impact_select_opts *opts,
			  const struct impact_selection *sel);

/*
 * For a recorded full run of `commit`: unless a selection for that head is
 * stored already, select in safe mode against its first parent and store
 * it, so replay knows which failures the graph alone would have caught.
 * A root commit is skipped.  Returns 0 or a negative code.
 */
int impact_keep_safe_set(struct lineage_repo *repo, struct store *store, const char *commit);

/* ---- explaining one test (why) ---------------------------------------- */

/* One changed node that reaches the test, with the path it reaches it by. */
struct impact_explain_reach {
	char *node;        /* the changed node's name (owned) */
	int node_kind;     /* enum lineage_node_kind */
	unsigned kind;     /* enum impact_kind: one bit */
	int deleted;       /* 1: it exists only in the base */
	char *path;        /* "tests/t.py -> imports -> src/a.py" (owned) */
};

/* One test id a test file stands for, and what the selection made of it. */
struct impact_explain_member {
	char *id;          /* owned */
	int selected;
	int reason;        /* enum selector_reason */
};

/*
 * Why one test (a test id, or a test file standing for its tests) is or
 * is not selected for a change, from the same selection `select` makes.
 */
struct impact_explanation {
	char *test;                  /* the name asked about (owned) */
	int gone;                    /* 1: recorded, but its test file no longer exists */
	int selected;                /* 1: selected (for a file: any of its tests) */
	int reason;                  /* enum selector_reason (for a file: of the first selected) */
	char *path;                  /* the selection's lineage path, or NULL (owned) */
	unsigned kinds;              /* enum impact_kind bits of the changes reaching it */
	double score;                /* < 0: not scored */
	double duration;             /* expected seconds; < 0 unknown */
	char *fallback;              /* why every test runs, or NULL (owned) */
	struct impact_explain_member *members; /* a test file: each of its test ids */
	size_t nmembers;
	int has_history;             /* 1: `hist` holds the test's statistics */
	struct history_test_stats hist; /* id and file NULL (not kept) */
	int analysed;                /* 0: the change could not be analysed (see notes) */
	struct impact_explain_reach *reach; /* changed nodes that reach it, by name */
	size_t nreach;
	struct gi_strvec near;       /* changed nodes next to what it depends on, one line each */
	struct gi_strvec changed;    /* every changed node, "kind name" */
	size_t ndeps;                /* nodes the test depends on, transitively */
	size_t npaths, nignored, nunplaced; /* changed paths; of which ignored, unplaced */
	char base[41], head[41];     /* the change measured ("" head: the work tree) */
	char *base_desc;             /* how the base was chosen (owned) */
	struct gi_strvec notes;      /* the selection's notes (what was seen and decided) */
};

/*
 * Explain `test` for the change opts->range: run impact_select() as
 * `select` does, find the test (an id, or a test file: all its ids), and
 * add what stands behind the decision: the changed nodes that reach it
 * and their paths, the changed nodes next to its dependencies (another
 * key of a params file it reads), its history statistics.  Fails with
 * GI_ENOTFOUND "no test 'X' in the graph or history" naming the nearest
 * known test names, GI_EUSAGE for bad options.  `store` may be NULL
 * (`store_problem` says why).  *out is released with
 * impact_explanation_release().
 */
int impact_explain(struct lineage_repo *repo, struct store *store, const char *store_problem,
		   const struct impact_select_opts *opts, const char *test,
		   struct impact_explanation *out);

void impact_explanation_release(struct impact_explanation *e);

/* ---- predictive selection and evaluate --------------------------------- */

/*
 * Score the selection's tests with the model trained on the store's whole
 * history (replayed in time order), state the guarantee from the
 * calibration values (full runs with real failures, each scored as the
 * model stood before it) and apply the policy: a stated bound adds the
 * tests scoring at or above its threshold; else --mode predictive uses the
 * empirical threshold and reports the weaker bound, and auto keeps the
 * safe set and says how many more runs a bound needs; a budget takes the
 * best expected failures per second and reports its bound.  The model only
 * adds tests.  Notes go to sel->notes.  0 or the store's error.
 */
int impact_predict(struct store *store, const struct impact_select_opts *o,
		   struct impact_selection *sel);

/* What `evaluate` was asked. */
struct impact_eval_opts {
	double recall, confidence; /* as for select */
	int level_test;
	int mode;                  /* enum impact_mode */
	int64_t since;             /* evaluate full runs from this time (unix s); 0 all */
};

/* One full run, selected as the tool would have before it. */
struct impact_eval_run {
	char commit[41];
	int64_t time;
	size_t tests, selected, failing, caught; /* failing: real failures */
	double seconds, seconds_selected;
	int stated;                /* a bound was stated for it */
	double bound;              /* the bound stated or achieved; 1 if none */
	size_t calib;              /* calibration values it rested on */
};

/* A point of the recall against time curve (one threshold for every run). */
struct impact_eval_point {
	double threshold;          /* 2: only tests that must run; -1: every test */
	double time_share, test_share, change_recall, test_recall;
};

struct impact_eval {
	struct impact_eval_run *v; /* evaluated full runs, in time order */
	size_t nr;
	size_t runs;               /* runs replayed (every kind) */
	size_t failing_runs, caught_runs, failing_tests, caught_tests;
	size_t tests, selected;
	double seconds, seconds_selected;
	size_t stated_runs, stated_failing, stated_caught;
	double worst_bound;        /* largest bound stated; 1 when none */
	int bound_held;            /* 1: miss share of failing runs with a stated bound <= 1 - recall */
	size_t runs_with_change;   /* runs whose commit's diff is stored (token, co-failure features) */
	size_t runs_with_lineage;  /* full runs whose commit's graph selection is stored */
	size_t audit_results, audit_failures;
	size_t audit_runs;         /* runs (not full) that ran a selection with an audit sample */
	size_t audit_dropped;      /* of those: a heads test reported no result, so no values */
	size_t calib_full;         /* test-level calibration values from full runs */
	size_t calib_audit;        /* and from audit samples (heads failures of audit_runs) */
	struct impact_eval_point *curve;
	size_t ncurve;
};

/*
 * Replay the store's history: for each full run, select as the tool would
 * have before it (model trained and calibrated on strictly earlier runs;
 * lineage is not replayed, so the safe set is the tests that must run:
 * new ones and those that failed last), and measure recall, the share of
 * tests and of time selected, and whether the stated bound held.  *out is
 * released with impact_eval_release().
 */
int impact_evaluate(struct store *s, const struct impact_eval_opts *o, struct impact_eval *out);

/*
 * Check the store's replay snapshot (kept by select so that it replays
 * only the runs recorded since) against a full replay of the runs it
 * covers.  0 when it agrees or there is none; GI_ECORRUPT naming the store
 * when it is damaged, foreign or disagrees.  With `repair` such a snapshot
 * is dropped instead (the next select rebuilds it) and *dropped set to 1.
 */
int impact_replay_verify(struct store *s, int repair, int *dropped);
void impact_eval_release(struct impact_eval *e);

#endif
