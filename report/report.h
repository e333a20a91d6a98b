/*
 * report.h - the weekly coverage-vs-reduction report, computed from the
 * store alone: per ISO week, what selection skipped, what that saved, and
 * which failures it caught or missed; written as Markdown, JSON or one
 * self-contained HTML page with SVG charts.
 *
 * Honesty: a figure that the recorded runs cannot establish is "unknown"
 * (a negative value here, null in JSON), never a guess and never 100%.
 */
#ifndef GI_REPORT_H
#define GI_REPORT_H

#include <stdint.h>

#include "common.h"

struct store;

#define REPORT_WEEKS_DEFAULT 12
#define REPORT_WEEKS_MAX 520
#define REPORT_TOP 5 /* costliest and flakiest tests listed */

/* Where the window lies: the last `weeks` ISO weeks up to `now`, or from `since`. */
struct report_opts {
	int64_t now;   /* unix seconds; the window ends with the week holding it */
	int64_t since; /* > 0: the window starts with the ISO week holding it */
	long weeks;    /* weeks in the window; 0: REPORT_WEEKS_DEFAULT, or up to now with since */
};

/* Kinds of change that drove a selection (impact kind bits), plus "none". */
enum report_kind { REPORT_CODE, REPORT_DATA, REPORT_PARAM, REPORT_MODEL, REPORT_NONE, REPORT_NKINDS };

/* Runs by kind (runs.kind); "other" holds anything else (import ...). */
enum report_run_kind { REPORT_RUN_CI, REPORT_RUN_HOOK, REPORT_RUN_AUDIT, REPORT_RUN_FULL,
		       REPORT_RUN_OTHER, REPORT_NRUNKINDS };

/* The figures of one ISO week (or of the whole window). */
struct report_week {
	char label[16];        /* "2024-W05", or "total" */
	int64_t start, end;    /* [start, end), unix seconds (Monday 00:00 UTC) */
	long selections;       /* selections made */
	long fallbacks;        /* of which selected everything (fail-safe or --mode all) */
	long runs[REPORT_NRUNKINDS];
	long checks;           /* full runs and audit samples: without them misses are unknown */
	double selected_mean, total_mean; /* tests per selection; < 0 without selections */
	double share[5];       /* selected share (0..1): min, q1, median, q3, max; < 0 none */
	double time_run;       /* seconds of tests run in partial runs; < 0 unknown */
	double time_full;      /* what running everything would have cost; < 0 unknown */
	double saved;          /* time_full - time_run; < 0 unknown */
	double est_run, est_full; /* the selector's own estimates summed; < 0 unknown */
	long caught, missed;   /* failures the selection caught / skipped */
	double recall;         /* caught / (caught + missed); < 0 unknown or no failures;
				* the total's counts only weeks with checks */
	double target;         /* mean stated recall target; < 0 none */
	long stated;           /* selections that stated a guarantee */
	long flaky;            /* distinct tests seen flaky */
	long failures;         /* fail or error results in the week's runs */
};

/* A failure the selection skipped, and where it came from. */
struct report_miss {
	char *test;
	char introduced[41]; /* first commit after the test last passed (as far as known) */
	char skipped_at[41]; /* the head of the selection that skipped it */
	char found_at[41];   /* the commit whose run revealed it */
	const char *found_by; /* "full", "audit", "run" or "later run" (static) */
	int64_t time;        /* of the skipping selection */
	unsigned kinds;      /* impact kind bits of that selection's change */
	size_t week;         /* index into weeks */
};

/* A test with its figure for a top-5 list. */
struct report_test {
	char *name;
	double seconds; /* time spent in the window */
	long runs;      /* results in the window */
	long flaky;     /* commits where it was flaky or flipped */
};

/* Per kind of change, over the window. */
struct report_kind_row {
	long selections;
	double share_sum; /* sum of selected shares, for the mean */
	long caught, missed;
};

struct report {
	int64_t since, until, generated;
	struct report_week *weeks;
	size_t nweeks;
	struct report_week total; /* the whole window */
	long verified_weeks;      /* weeks with checks */
	struct report_kind_row kinds[REPORT_NKINDS];
	struct report_miss *misses;
	size_t nmisses, amisses;
	struct report_test costly[REPORT_TOP];
	size_t ncostly;
	struct report_test flaky[REPORT_TOP];
	size_t nflaky;
	struct gi_strvec never;   /* tests never selected in the window (sorted) */
	long tests_known;
};

/*
 * Compute the report from the store.  Returns 0, GI_EUSAGE (a bad window),
 * or the store's error.  *out is the caller's, freed with report_free().
 */
int report_build(struct store *s, const struct report_opts *opts, struct report **out);

/* Free a report; NULL is a no-op. */
void report_free(struct report *r);

/* The name of a kind ("code", "data", "param", "model", "none"); static. */
const char *report_kind_name(int kind);
/* The name of a run kind ("ci", "hook", "audit", "full", "other"); static. */
const char *report_run_kind_name(int kind);

/*
 * Parse a date for --since: "YYYY-MM-DD" (00:00 UTC) or unix seconds.
 * GI_EUSAGE (message names the option) when malformed.
 */
int report_parse_date(const char *s, int64_t *out);

/* The Monday 00:00 UTC starting the ISO week holding `t`. */
int64_t report_week_start(int64_t t);
/* The ISO week label ("2024-W05") of the week holding `t`, into out[16]. */
void report_week_label(int64_t t, char out[16]);

/*
 * Write the report into `out`: Markdown (for a pull-request comment or a
 * chat message), JSON (every figure; unknown figures are null) or one
 * self-contained HTML page (inline CSS and SVG; no scripts, fonts or
 * network).  GI_ELIMIT past out's maximum.
 */
int report_write_md(const struct report *r, struct gi_buf *out);
int report_write_json(const struct report *r, struct gi_buf *out);
int report_write_html(const struct report *r, struct gi_buf *out);

/*
 * Shared by the writers, each into buf[size]: a share as "12.5%", seconds
 * as "3.2 h" / "12.0 min" / "4.0 s", a date as "2024-01-31" (UTC), a
 * week's missed count and recall; "unknown" where the figure is unknown
 * (negative, or a week without full or audit runs).
 */
void report_fmt_pct(double share, char *buf, size_t size);
void report_fmt_hours(double seconds, char *buf, size_t size);
void report_fmt_date(int64_t t, char *buf, size_t size);
void report_fmt_missed(const struct report_week *w, char *buf, size_t size);
void report_fmt_recall(const struct report_week *w, char *buf, size_t size);

/* 1 - mean selected / mean known tests of a week; < 0 without selections. */
double report_reduction(const struct report_week *w);

#endif
