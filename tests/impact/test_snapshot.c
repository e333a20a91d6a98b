/*
 * Unit tests for the replay snapshot (impact/snapshot.c, predict.c,
 * store/store_replay.c): on random histories, a replay resumed from the
 * stored snapshot equals a full replay bit for bit; every write that
 * changes a covered run drops the snapshot; a damaged, foreign or wrong
 * snapshot is never used; a stale writer cannot save.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "predict_int.h"

#include "history.h"
#include "store.h"
#include "testlib.h"

#define NTESTS 24
#define T0 1700000000

static uint64_t rng_state;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static struct store *open_db(const char *dir)
{
	struct store *s = NULL;
	char *db = gi_xstrfmt("%s/impact.db", dir);

	assert_int_equal(store_open(&s, db, STORE_CREATE), 0);
	free(db);
	return s;
}

static void oid_of(int r, char *oid)
{
	snprintf(oid, 41, "%040x", (unsigned)r + 1);
}

/* Run r's commit with one to three changed paths (every fourth has no diff stored). */
static void add_commit(struct store *s, int r)
{
	struct store_git_commit c = { 0 };

	if (r % 4 == 3)
		return;
	oid_of(r, c.oid);
	c.time = T0 + r;
	c.parents = "";
	assert_int_equal(store_git_commit_add(s, &c), 0);
	for (unsigned i = 0, n = 1 + rnd(3); i < n; i++) {
		struct store_git_change ch = { 0 };
		char *p = gi_xstrfmt("src/mod%u.py", rnd(NTESTS / 2));

		ch.status = 'M';
		ch.old_path = ch.new_path = p;
		ch.old_len = ch.new_len = strlen(p);
		assert_int_equal(store_git_change_add(s, c.id, &ch), 0);
		free(p);
	}
}

static int random_outcome(void)
{
	unsigned x = rnd(100);

	return x < 70 ? HISTORY_PASS : x < 80 ? HISTORY_FAIL : x < 83 ? HISTORY_ERROR :
	       x < 93 ? HISTORY_SKIP : HISTORY_FLAKY;
}

/* Run r at time `time` with random results (full every third run, audited the next). */
static int64_t add_run_at(struct store *s, int r, int64_t time)
{
	struct store_run run = { 0 };
	char *key = gi_xstrfmt("run-%d-%lld", r, (long long)time);

	oid_of(r, run.commit);
	run.time = time;
	run.full = r % 3 == 0;
	snprintf(run.kind, sizeof(run.kind), "ci");
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_run_add(s, key, &run, "t"), 0);
	for (int t = 0; t < NTESTS; t++) {
		char *name = gi_xstrfmt("tests/test_mod%d.py::test_%d", t / 2, t);
		int64_t id;

		if (run.full || rnd(10) < 8) {
			assert_int_equal(store_test_ensure(s, name, NULL, time, &id), 0);
			assert_true(store_result_add(s, run.id, id, random_outcome(),
						     rnd(4) ? 0.5 + rnd(1000) / 10.0 : -1, 0) >= 0);
		}
		free(name);
	}
	if (r % 3 == 1) { /* an audited run: its heads failures calibrate at test level */
		struct gi_strvec none = GI_STRVEC_INIT;

		assert_int_equal(store_run_set_audit(s, run.id, 0.5, (uint64_t)r, &none), 0);
		assert_int_equal(store_run_audit_refresh(s, run.id), 0);
	}
	add_commit(s, r);
	assert_int_equal(store_commit(s), 0);
	free(key);
	return run.id;
}

/* Runs [from, to), two to a second so that ties are ordered by id. */
static void add_runs(struct store *s, int from, int to)
{
	for (int r = from; r < to; r++)
		add_run_at(s, r, T0 + 100 + r / 2);
}

/* The safe set of run r's commit, as select stores it. */
static void add_selection(struct store *s, int r)
{
	struct store_selection sel = { 0 };
	struct store_selected_test t = { "tests/test_mod1.py", "safe-set", 0, 0 };
	char oid[41];

	oid_of(r, oid);
	sel.time = T0;
	sel.head_oid = oid;
	sel.base_oid = "";
	sel.mode = "safe";
	sel.bound = -1;
	assert_int_equal(store_selection_add(s, &sel, &t, 1, NULL), 0);
}

/* Everything a replay computes, compared bit for bit. */
static void assert_same_replay(const struct impact_replay *a, const struct impact_replay *b)
{
	assert_int_equal(a->hist.ntests, b->hist.ntests);
	assert_memory_equal(&a->model, &b->model, sizeof(a->model));
	for (size_t i = 0; i < a->hist.ntests; i++) {
		assert_int_equal(a->hist.ids[i], b->hist.ids[i]);
		assert_memory_equal(&a->st[i], &b->st[i], sizeof(a->st[i]));
	}
	assert_int_equal(a->nchange_values, b->nchange_values);
	assert_int_equal(a->ntest_values, b->ntest_values);
	if (a->nchange_values)
		assert_memory_equal(a->change_values, b->change_values,
				    a->nchange_values * sizeof(double));
	if (a->ntest_values)
		assert_memory_equal(a->test_values, b->test_values, a->ntest_values * sizeof(double));
	assert_int_equal(a->full_runs, b->full_runs);
	assert_int_equal(a->nruns, b->nruns);
	assert_int_equal(a->last_time, b->last_time);
	assert_int_equal(a->last_id, b->last_id);
}

/* The latest replay equals a full one; returns how many runs it replayed. */
static size_t check_latest(struct store *s)
{
	struct impact_replay full, latest;
	size_t replayed;

	assert_int_equal(impact_replay_history(s, &full, NULL, NULL), 0);
	assert_int_equal(impact_replay_latest(s, &latest), 0);
	assert_same_replay(&full, &latest);
	replayed = latest.hist.nruns;
	impact_replay_release(&full);
	impact_replay_release(&latest);
	return replayed;
}

/* Calibration values from audit samples in a full replay (the test must exercise them). */
static size_t audit_values(struct store *s)
{
	struct impact_replay rp;
	size_t n;

	assert_int_equal(impact_replay_history(s, &rp, NULL, NULL), 0);
	n = rp.ntest_audit;
	impact_replay_release(&rp);
	return n;
}

static int has_snapshot(struct store *s)
{
	struct store_replay_snapshot snap;
	int err = store_replay_get(s, &snap);

	store_replay_snapshot_release(&snap);
	assert_true(err == 0 || err == GI_ENOTFOUND);
	gi_error_clear();
	return err == 0;
}

static void test_impact_snapshot__resume_equals_full(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 4; seed++) {
		char dir[] = "/tmp/gi-snap-XXXXXX";
		struct store *s;
		int k = 10 + (int)seed * 7, n = k + 5 + (int)seed * 3;

		rng_state = 0x9e3779b97f4a7c15ULL * seed;
		assert_non_null(test_tmpdir(dir));
		s = open_db(dir);
		add_runs(s, 0, k);
		add_selection(s, 0);
		assert_false(has_snapshot(s));
		assert_int_equal(check_latest(s), k); /* no snapshot: everything */
		assert_true(has_snapshot(s));
		add_runs(s, k, n);
		assert_int_equal(check_latest(s), n - k); /* only the new runs */
		assert_true(audit_values(s) > 0);
		assert_int_equal(check_latest(s), 0);
		assert_int_equal(impact_replay_verify(s, 0, NULL), 0);
		store_free(s);
	}
}

static void test_impact_snapshot__invalidation(void **state)
{
	char dir[] = "/tmp/gi-snap-XXXXXX";
	struct store *s;
	struct store_git_commit c = { 0 };
	int64_t covered, older;

	(void)state;
	rng_state = 42;
	assert_non_null(test_tmpdir(dir));
	s = open_db(dir);
	add_runs(s, 0, 12);
	check_latest(s);
	/* a run appended after the snapshot, with its results: kept */
	covered = add_run_at(s, 12, T0 + 1000);
	assert_true(has_snapshot(s));
	assert_int_equal(check_latest(s), 1);
	/* a run recorded with an older time */
	older = add_run_at(s, 13, T0 + 50);
	assert_false(has_snapshot(s));
	assert_int_equal(check_latest(s), 14);
	/* a result merged into a covered run (record --run-id) */
	assert_int_equal(store_begin(s), 0);
	{
		int64_t id;

		assert_int_equal(store_test_ensure(s, "tests/new.py::t", NULL, T0, &id), 0);
		assert_int_equal(store_result_add(s, covered, id, HISTORY_FAIL, 1, 0), 1);
	}
	assert_int_equal(store_commit(s), 0);
	assert_false(has_snapshot(s));
	assert_int_equal(check_latest(s), 14);
	/* a covered result rewritten */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_result_set(s, covered, 1, HISTORY_ERROR, 2), 0);
	assert_int_equal(store_commit(s), 0);
	assert_false(has_snapshot(s));
	check_latest(s);
	/* a covered run becomes full */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_run_set_full(s, older), 0);
	assert_int_equal(store_commit(s), 0);
	assert_false(has_snapshot(s));
	check_latest(s);
	/* a selection (the lineage flag) at a covered run's commit */
	add_selection(s, 12);
	assert_false(has_snapshot(s));
	check_latest(s);
	/* a selection at a covered audited run's commit (its lineage flags too) */
	add_selection(s, 4);
	assert_false(has_snapshot(s));
	check_latest(s);
	/* a selection at a commit no covered run has, or one neither full nor audited: kept */
	add_selection(s, 99);
	add_selection(s, 2);
	assert_true(has_snapshot(s));
	/* a covered run's audit values recomputed */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_run_audit_refresh(s, 5), 0);
	assert_int_equal(store_commit(s), 0);
	assert_false(has_snapshot(s));
	check_latest(s);
	/* the diff of a covered run's commit stored later (run 3 had none) */
	oid_of(3, c.oid);
	c.parents = "";
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_git_commit_add(s, &c), 0);
	assert_int_equal(store_commit(s), 0);
	assert_false(has_snapshot(s));
	check_latest(s);
	assert_int_equal(impact_replay_verify(s, 0, NULL), 0);
	store_free(s);
}

/* Replace the stored snapshot by `snap`, as it is. */
static void put(struct store *s, struct store_replay_snapshot *snap)
{
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_replay_drop(s), 0);
	assert_int_equal(store_replay_put(s, snap), 0);
	assert_int_equal(store_commit(s), 0);
}

static void test_impact_snapshot__damaged(void **state)
{
	char dir[] = "/tmp/gi-snap-XXXXXX";
	struct store *s;
	struct store_replay_snapshot good, bad;
	int dropped = 0;

	(void)state;
	rng_state = 7;
	assert_non_null(test_tmpdir(dir));
	s = open_db(dir);
	add_runs(s, 0, 15);
	check_latest(s);
	assert_int_equal(store_replay_get(s, &good), 0);

	/* a flipped byte: the checksum catches it */
	assert_int_equal(store_replay_get(s, &bad), 0);
	((unsigned char *)bad.data)[bad.len / 2] ^= 1;
	put(s, &bad);
	assert_int_equal(impact_replay_verify(s, 0, NULL), GI_ECORRUPT);
	assert_int_equal(check_latest(s), 15);
	assert_int_equal(impact_replay_verify(s, 0, NULL), 0); /* rebuilt */
	/* truncated */
	bad.len = 20;
	put(s, &bad);
	assert_int_equal(check_latest(s), 15);
	store_replay_snapshot_release(&bad);

	/* another replay version */
	assert_int_equal(store_replay_get(s, &bad), 0);
	free(bad.format);
	bad.format = gi_xstrdup("replay 0");
	put(s, &bad);
	assert_int_equal(impact_replay_verify(s, 0, NULL), GI_ECORRUPT);
	assert_int_equal(check_latest(s), 15);
	store_replay_snapshot_release(&bad);

	/* well formed but wrong: the state of fewer runs claiming more */
	add_runs(s, 15, 16);
	bad = good;
	bad.format = gi_xstrdup(good.format);
	bad.data = gi_xmalloc(good.len);
	memcpy(bad.data, good.data, good.len);
	bad.runs++;
	bad.last_time = T0 + 100 + 15 / 2;
	bad.last_id = 16;
	put(s, &bad);
	assert_int_equal(impact_replay_verify(s, 0, NULL), GI_ECORRUPT);
	assert_int_equal(impact_replay_verify(s, 1, &dropped), 0);
	assert_int_equal(dropped, 1);
	assert_false(has_snapshot(s));
	assert_int_equal(check_latest(s), 16);
	store_replay_snapshot_release(&bad);
	store_replay_snapshot_release(&good);
	gi_error_clear();
	store_free(s);
}

static void test_impact_snapshot__stale_writer(void **state)
{
	char dir[] = "/tmp/gi-snap-XXXXXX";
	struct store *a, *b;
	struct store_replay_snapshot snap, old;

	(void)state;
	rng_state = 11;
	assert_non_null(test_tmpdir(dir));
	a = open_db(dir);
	b = open_db(dir);
	add_runs(a, 0, 6);
	/* a reads, b records a run, a's snapshot of what it read is refused */
	assert_int_equal(store_begin_read(a), 0);
	assert_int_equal(store_replay_get(a, &snap), GI_ENOTFOUND);
	gi_error_clear();
	add_runs(b, 6, 7);
	snap.format = gi_xstrdup("x");
	snap.data = gi_xstrdup("data");
	snap.len = 4;
	snap.last_time = T0 + 100 + 2;
	snap.last_id = 6;
	snap.runs = 6;
	assert_int_equal(store_replay_put(a, &snap), GI_EBUSY);
	store_rollback(a);
	gi_error_clear();
	/* an older snapshot never replaces a newer one */
	put(a, &snap);
	old = snap;
	old.last_id = 5;
	old.runs = 5;
	assert_int_equal(store_begin(b), 0);
	assert_int_equal(store_replay_put(b, &old), 1);
	assert_int_equal(store_commit(b), 0);
	store_replay_snapshot_release(&snap);
	assert_int_equal(store_replay_get(b, &snap), 0);
	assert_int_equal(snap.last_id, 6);
	store_replay_snapshot_release(&snap);
	store_free(a);
	store_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impact_snapshot__resume_equals_full),
		cmocka_unit_test(test_impact_snapshot__invalidation),
		cmocka_unit_test(test_impact_snapshot__damaged),
		cmocka_unit_test(test_impact_snapshot__stale_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
