/*
 * report_int.h - private to report/: the state report_build() fills in
 * steps (report.c: window, selections, runs; report_tests.c: tests, flaky,
 * top lists; report_miss.c: failures caught and missed) and small helpers
 * the writers share.
 */
#ifndef GI_REPORT_INT_H
#define GI_REPORT_INT_H

#include "report.h"
#include "store.h"

#define REPORT_WEEK_SECONDS ((int64_t)7 * 86400)

/* A known test, as report_tests.c loads it (sorted by id). */
struct report_tinfo {
	int64_t id;
	char *name;
	int64_t first_seen;
	double mean;    /* mean duration, all runs; < 0 unknown */
	double seconds; /* in the window */
	long runs, flaky;
};

/* What report_build() keeps while it works; index nweeks is the total. */
struct report_acc {
	double *shares;
	size_t n, alloc;
	double selected_sum, total_sum, target_sum;
	long targets, partial_runs;
	int time_unknown, est_unknown;
	double cost;    /* suite_cost() of the week, once computed */
	int cost_known;
};

struct report_ctx {
	struct store *s;
	struct report *r;
	struct report_acc *acc; /* nweeks + 1 */
	struct report_tinfo *tests;
	size_t ntests, atests;
};

/* The index of the week holding t, or r->nweeks when outside the window. */
size_t report_week_of(const struct report *r, int64_t t);

/* The week at index i, or the total when i == r->nweeks. */
struct report_week *report_week_at(struct report *r, size_t i);

/* The test with this id, or NULL. */
struct report_tinfo *report_test_find(struct report_ctx *c, int64_t id);

/* Load every test, its window figures, the flaky counts and the top lists. */
int report_tests_gather(struct report_ctx *c);

/* The tests never selected in the window (needs the tests loaded). */
int report_never_gather(struct report_ctx *c);

/* Failures caught and missed by selections made in the window. */
int report_misses_gather(struct report_ctx *c);

/*
 * The report kinds (enum report_kind) of a set of impact kind bits into
 * out[]: REPORT_NONE alone when no bit is set.  Returns how many.
 */
size_t report_kinds_of(unsigned kinds, int out[REPORT_NKINDS]);

/* The HTML sections after the weekly table: kinds, misses, test lists. */
int report_html_lists(const struct report *r, struct gi_buf *out);

/* Escape text for HTML (& < > " ') into out. */
int report_html_escape(struct gi_buf *out, const char *s);

#endif
