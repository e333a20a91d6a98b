/*
 * Unit tests for impact/features.c and the replay's calibration on a
 * synthetic recorded history (impact/predict.c): audited runs add, at test
 * level only, the values of their real failures whose audit coin is heads,
 * selected or drawn alike, and nothing when a heads test reported no
 * result; store_calibration_count() agrees with the replay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "predict_int.h"

#include "history.h"
#include "store.h"
#include "teststore.h"

#define C1 "1111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222"
#define C3 "3333333333333333333333333333333333333333"
#define C4 "4444444444444444444444444444444444444444"
#define SEED 42u
#define SHARE 0.5

struct fx {
	char dir[32];
	struct store *s;
	/* test names by (coin, role), picked so that the coins are known */
	char heads[6][32], tails[6][32];
};

/* Names "t<i>" until six of each coin side are found. */
static void pick_names(struct fx *f)
{
	int nh = 0, nt = 0;

	for (int i = 0; nh < 6 || nt < 6; i++) {
		char name[32];

		snprintf(name, sizeof(name), "t.c::t%d", i);
		if (gi_coin(SEED, name) < SHARE && nh < 6)
			snprintf(f->heads[nh++], sizeof(f->heads[0]), "%s", name);
		else if (gi_coin(SEED, name) >= SHARE && nt < 6)
			snprintf(f->tails[nt++], sizeof(f->tails[0]), "%s", name);
	}
}

static int setup(void **state)
{
	struct fx *f = gi_xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/gi-feat-XXXXXX");
	assert_non_null(test_store(f->dir, &f->s));
	pick_names(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_free(f->s);
	free(f);
	return 0;
}

/* A testcase: outcome 'p' pass, 'f' fail, 'k' flaky (fail then pass). */
static void add_case(struct gi_buf *b, const char *id, char outcome)
{
	const char *sep = strstr(id, "::");
	int n = (int)(sep - id);

	gi_buf_printf(b, "<testcase classname=\"%.*s\" name=\"%s\" time=\"1\">%s</testcase>\n", n,
		      id, sep + 2, outcome == 'f' ? "<failure message=\"x\"/>" : "");
	if (outcome == 'k')
		gi_buf_printf(b, "<testcase classname=\"%.*s\" name=\"%s\" time=\"1\">"
			      "<failure message=\"x\"/></testcase>\n", n, id, sep + 2);
}

/* Record `names` (NULL-terminated) with `outcomes` (one letter each) as run `key`. */
static void record(struct fx *f, const char *commit, const char *key, int64_t time, int full,
		   const char *const *names, const char *outcomes)
{
	struct history_record_opts o = { commit, key, NULL, full, time };
	struct history_record_result res;
	struct gi_buf b;
	char *path = gi_xstrfmt("%s/%s.xml", f->dir, key);
	const char *files[1] = { path };
	FILE *fp;

	gi_buf_init(&b, 1 << 20);
	gi_buf_adds(&b, "<testsuite name=\"s\">\n");
	for (size_t i = 0; names[i]; i++)
		add_case(&b, names[i], outcomes[i]);
	gi_buf_adds(&b, "</testsuite>\n");
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(gi_buf_cstr(&b), fp);
	fclose(fp);
	assert_int_equal(history_record(f->s, &o, files, 1, &res), 0);
	history_record_result_release(&res);
	gi_buf_release(&b);
	free(path);
}

/* Why the selections of build_history() list each name. */
static const char *const reasons[] = { "safe-set", "audit", "predicted", "predicted", "predicted",
				       "predicted" };

/* A selection for `commit` with an audit sample (SHARE, SEED) listing `names`. */
static void select_at(struct fx *f, const char *commit, const char *const *names, size_t n)
{
	struct store_selection sel = { 0 };
	struct store_selected_test *t = gi_xcalloc(n, sizeof(*t));

	sel.time = 1;
	sel.head_oid = commit;
	sel.base_oid = "";
	sel.mode = "safe";
	sel.audit_share = SHARE;
	sel.audit_seed = SEED;
	for (size_t i = 0; i < n; i++) {
		t[i].name = names[i];
		t[i].reason = reasons[i];
		t[i].audit = !strcmp(reasons[i], "audit");
	}
	assert_int_equal(store_selection_add(f->s, &sel, t, n, NULL), 0);
	free(t);
}

/* The values a run's results had in the replay, for the heads failures (callback). */
struct seen {
	const char *commit;
	double v[8];
	size_t n;
};

static int on_run(void *data, const struct impact_replay *rp, const struct impact_hrun *run,
		  const double *value)
{
	struct seen *s = data;

	if (strcmp(run->commit, s->commit))
		return 0;
	for (size_t i = 0; i < run->nr; i++) {
		const struct impact_hres *r = &rp->hist.res[run->first + i];

		if (impact_failed(r->outcome) && gi_coin(SEED, rp->hist.names[r->test]) < SHARE)
			s->v[s->n++] = value[i];
	}
	return 0;
}

/*
 * A full run with two failures; then ci runs of selections with an audit
 * sample: heads[0] in the safe set failing, heads[1] drawn failing, tails[0]
 * selected failing, heads[2] flaky, heads[3] passing, tails[1] listed and
 * never run.  C2 and C4 are complete (tails[1] has a tails coin: not
 * expected); C3 lacks the listed heads[3].
 */
static void build_history(struct fx *f)
{
	const char *full[] = { f->heads[0], f->heads[1], f->heads[2], f->heads[3], f->tails[0],
			       f->tails[1], NULL };
	const char *ci[] = { f->heads[0], f->heads[1], f->tails[0], f->heads[2], f->heads[3], NULL };
	const char *ci3[] = { f->heads[0], f->heads[1], f->tails[0], f->heads[2], NULL };
	const char *listed[] = { f->heads[0], f->heads[1], f->tails[0], f->heads[2], f->heads[3],
				 f->tails[1] };

	record(f, C1, "full-1", 100, 1, full, "ppppff");
	select_at(f, C2, listed, 6);
	record(f, C2, "ci-2", 200, 0, ci, "fffkp");
	select_at(f, C3, listed, 6);
	record(f, C3, "ci-3", 300, 0, ci3, "fffk"); /* heads[3] (listed, heads) missing */
	select_at(f, C4, listed, 6);
	record(f, C4, "ci-4", 400, 0, ci, "fffkp");
}

static void test_impact_features__audit_values(void **state)
{
	struct fx *f = *state;
	struct impact_replay rp;
	struct seen seen = { C2, { 0 }, 0 };
	size_t count, audit;

	build_history(f);
	assert_int_equal(impact_replay_history(f->s, &rp, on_run, &seen), 0);
	/* full run: 2 failures; C2 and C4: heads[0] and heads[1] each (not tails[0], not flaky) */
	assert_int_equal(rp.ntest_audit, 4);
	assert_int_equal(rp.ntest_values, 2 + 4);
	assert_int_equal(rp.nchange_values, 1); /* change level: full runs only */
	assert_int_equal(rp.hist.audit_runs, 3);
	assert_int_equal(rp.hist.audit_dropped, 1);
	/* C2's values are those its heads failures had in the replay, in order:
	 * the safe set catches heads[0] whatever the threshold; heads[1] has its score */
	assert_int_equal(seen.n, 2);
	assert_memory_equal(&rp.test_values[2], seen.v, 2 * sizeof(double));
	assert_true(seen.v[0] == 2.0);
	assert_true(seen.v[1] >= 0 && seen.v[1] < 1);
	assert_int_equal(rp.hist.runs_with_lineage, 0); /* full runs only; C1 has no selection */
	/* the count select reads without a replay agrees */
	assert_int_equal(store_calibration_count(f->s, 1, &count, &audit), 0);
	assert_int_equal(count, rp.ntest_values);
	assert_int_equal(audit, rp.ntest_audit);
	assert_int_equal(store_calibration_count(f->s, 0, &count, &audit), 0);
	assert_int_equal(count, rp.nchange_values);
	assert_int_equal(audit, 0);
	impact_replay_release(&rp);
}

/* A later record of the missing result completes the run; a later selection changes nothing. */
static void test_impact_features__audit_completed(void **state)
{
	struct fx *f = *state;
	struct impact_replay rp;
	const char *rest[] = { f->heads[3], NULL };
	struct store_selection sel = { 0 };
	struct store_selected_test t = { f->heads[0], "safe-set", 0, 0 };
	size_t count;

	build_history(f);
	sel.time = 2;
	sel.head_oid = C3;
	sel.base_oid = "";
	sel.mode = "safe";
	assert_int_equal(store_selection_add(f->s, &sel, &t, 1, NULL), 0); /* no sample */
	record(f, C3, "ci-3", 300, 0, rest, "p");
	assert_int_equal(impact_replay_history(f->s, &rp, NULL, NULL), 0);
	assert_int_equal(rp.hist.audit_dropped, 0);
	assert_int_equal(rp.ntest_audit, 6);
	assert_int_equal(store_calibration_count(f->s, 1, &count, NULL), 0);
	assert_int_equal(count, rp.ntest_values);
	impact_replay_release(&rp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_impact_features__audit_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_impact_features__audit_completed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
