/*
 * store_summary.c - the per-test summary of results (tables test_summary
 * and test_recent): counts per outcome, durations, the last outcome and
 * sums of decayed weights, kept by every write of a result so statistics
 * load in O(tests).  A summary only grows by results, which it can take in
 * any order; a rewritten result makes its test's summary recomputed.
 */
#include "store_int.h"

#include <math.h>

#define OUT_FAIL 1
#define OUT_ERROR 2
#define OUT_SKIP 3
#define RECENT_BYTES 24 /* one (time, run, seconds) triple in test_recent */

struct recent {
	int64_t time, run;
	double dur;
};

/* A test's summary as it is being built or updated. */
struct summary {
	unsigned outcomes[5];
	unsigned long n_dur;
	double dur_sum;
	int last_outcome; /* -1: none */
	int64_t last_time, last_run;
	int64_t ref_time;
	double w_all, w_fail;
	struct recent recent[STORE_SUMMARY_RECENT]; /* by (time, run), oldest first */
	size_t nrecent;
};

static void summary_init(struct summary *m)
{
	memset(m, 0, sizeof(*m));
	m->last_outcome = -1;
}

static unsigned summary_total(const struct summary *m)
{
	unsigned n = 0;

	for (int i = 0; i < 5; i++)
		n += m->outcomes[i];
	return n;
}

static int is_newer(int64_t time, int64_t run, int64_t than_time, int64_t than_run)
{
	return time > than_time || (time == than_time && run > than_run);
}

/* The last outcome: of the newest result that ran, else of the newest (history/stats.c). */
static void note_last(struct summary *m, int64_t time, int64_t run, int outcome)
{
	unsigned ran_before = summary_total(m) - m->outcomes[OUT_SKIP];
	int newer = is_newer(time, run, m->last_time, m->last_run);

	if (outcome != OUT_SKIP ? (ran_before && !newer) :
				  (ran_before || (summary_total(m) && !newer)))
		return;
	m->last_outcome = outcome;
	m->last_time = time;
	m->last_run = run;
}

/* Weights relative to the newest result that ran, so none exceeds 1. */
static void note_weight(struct summary *m, int64_t time, int failed)
{
	double w;

	if (summary_total(m) == m->outcomes[OUT_SKIP]) {
		m->ref_time = time;
		m->w_all = 1;
		m->w_fail = failed;
		return;
	}
	if (time > m->ref_time) {
		w = exp2((double)(m->ref_time - time) / STORE_SUMMARY_HALF_LIFE);
		m->w_all = m->w_all * w + 1;
		m->w_fail = m->w_fail * w + failed;
		m->ref_time = time;
		return;
	}
	w = exp2((double)(time - m->ref_time) / STORE_SUMMARY_HALF_LIFE);
	m->w_all += w;
	if (failed)
		m->w_fail += w;
}

/* Keep the duration if it is among the STORE_SUMMARY_RECENT newest. */
static void note_recent(struct summary *m, int64_t time, int64_t run, double dur)
{
	size_t pos = m->nrecent;

	while (pos > 0 && is_newer(m->recent[pos - 1].time, m->recent[pos - 1].run, time, run))
		pos--;
	if (m->nrecent == STORE_SUMMARY_RECENT) {
		if (pos == 0)
			return; /* older than every kept one */
		memmove(m->recent, m->recent + 1, (pos - 1) * sizeof(*m->recent));
		pos--;
	} else {
		memmove(m->recent + pos + 1, m->recent + pos, (m->nrecent - pos) * sizeof(*m->recent));
		m->nrecent++;
	}
	m->recent[pos].time = time;
	m->recent[pos].run = run;
	m->recent[pos].dur = dur;
}

/* Take one result (of run `run` at `time`) into the summary; the order of results is free. */
static void summary_add(struct summary *m, int64_t time, int64_t run, int outcome, double dur)
{
	if (outcome < 0 || outcome > 4)
		outcome = 0; /* never written: history_outcome_merge keeps 0..4 */
	note_last(m, time, run, outcome);
	if (outcome != OUT_SKIP) {
		note_weight(m, time, outcome == OUT_FAIL || outcome == OUT_ERROR);
		if (dur >= 0) {
			m->n_dur++;
			m->dur_sum += dur;
			note_recent(m, time, run, dur);
		}
	}
	m->outcomes[outcome]++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of the kept durations; negative when none. */
static double summary_median(const struct summary *m)
{
	double v[STORE_SUMMARY_RECENT];
	size_t n = m->nrecent;

	if (!n)
		return -1;
	for (size_t i = 0; i < n; i++)
		v[i] = m->recent[i].dur;
	gi_qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- reading and writing one summary --------------------------------- */

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void encode_recent(const struct summary *m, unsigned char *out)
{
	for (size_t i = 0; i < m->nrecent; i++, out += RECENT_BYTES) {
		uint64_t bits;

		memcpy(&bits, &m->recent[i].dur, sizeof(bits));
		put_u64(out, (uint64_t)m->recent[i].time);
		put_u64(out + 8, (uint64_t)m->recent[i].run);
		put_u64(out + 16, bits);
	}
}

static int decode_recent(struct store *s, int64_t test, const unsigned char *p, size_t len,
			 struct summary *m)
{
	if (len % RECENT_BYTES || len / RECENT_BYTES > STORE_SUMMARY_RECENT)
		return gi_error_setc(GI_ECORRUPT, "store '%s': the recent durations of test %lld "
				     "are malformed (%zu bytes); 'git impact init --repair' rebuilds them",
				     s->path, (long long)test, len);
	m->nrecent = len / RECENT_BYTES;
	for (size_t i = 0; i < m->nrecent; i++, p += RECENT_BYTES) {
		uint64_t bits = get_u64(p + 16);

		m->recent[i].time = (int64_t)get_u64(p);
		m->recent[i].run = (int64_t)get_u64(p + 8);
		memcpy(&m->recent[i].dur, &bits, sizeof(bits));
	}
	return 0;
}

static int read_recent(struct store *s, int64_t test, struct summary *m)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT durations FROM test_recent WHERE test_id = ?1");
	int rc, err = 0;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, test);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		err = decode_recent(s, test, sqlite3_column_blob(st, 0),
				    (size_t)sqlite3_column_bytes(st, 0), m);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlerr(s, "reading a test's durations");
	return err;
}

/* The stored summary of `test` into *m (empty when none). */
static int summary_read(struct store *s, int64_t test, struct summary *m)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT n_pass, n_fail, n_error, n_skip, n_flaky, n_dur, "
					 "dur_sum, last_outcome, last_time, last_run, ref_time, "
					 "w_all, w_fail FROM test_summary WHERE test_id = ?1");
	int rc;

	summary_init(m);
	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, test);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		for (int i = 0; i < 5; i++)
			m->outcomes[i] = (unsigned)sqlite3_column_int64(st, i);
		m->n_dur = (unsigned long)sqlite3_column_int64(st, 5);
		m->dur_sum = sqlite3_column_double(st, 6);
		m->last_outcome = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 :
				  sqlite3_column_int(st, 7);
		m->last_time = sqlite3_column_int64(st, 8);
		m->last_run = sqlite3_column_int64(st, 9);
		m->ref_time = sqlite3_column_int64(st, 10);
		m->w_all = sqlite3_column_double(st, 11);
		m->w_fail = sqlite3_column_double(st, 12);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlerr(s, "reading a test's summary");
	return rc == SQLITE_ROW ? read_recent(s, test, m) : 0;
}

static int write_recent(struct store *s, int64_t test, const struct summary *m)
{
	unsigned char buf[STORE_SUMMARY_RECENT * RECENT_BYTES];
	sqlite3_stmt *st = store_stmt(s, "INSERT OR REPLACE INTO test_recent(test_id, durations) "
					 "VALUES (?1, ?2)");

	if (!st)
		return GI_ERROR;
	encode_recent(m, buf);
	sqlite3_bind_int64(st, 1, test);
	sqlite3_bind_blob(st, 2, buf, (int)(m->nrecent * RECENT_BYTES), SQLITE_STATIC);
	return store_step_done(s, st, "writing a test's durations");
}

static void bind_or_null(sqlite3_stmt *st, int col, int have, int64_t v)
{
	if (have)
		sqlite3_bind_int64(st, col, v);
	else
		sqlite3_bind_null(st, col);
}

/* Write the summary of `test`; `recent`: its durations changed too. */
static int summary_write(struct store *s, int64_t test, const struct summary *m, int recent)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT OR REPLACE INTO test_summary(test_id, n_pass, "
					 "n_fail, n_error, n_skip, n_flaky, n_dur, dur_sum, "
					 "dur_median, last_outcome, last_time, last_run, ref_time, "
					 "w_all, w_fail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
					 "?10, ?11, ?12, ?13, ?14, ?15)");
	double median = summary_median(m);
	int err, ran = summary_total(m) != m->outcomes[OUT_SKIP];

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, test);
	for (int i = 0; i < 5; i++)
		sqlite3_bind_int64(st, 2 + i, m->outcomes[i]);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)m->n_dur);
	sqlite3_bind_double(st, 8, m->dur_sum);
	if (median >= 0)
		sqlite3_bind_double(st, 9, median);
	bind_or_null(st, 10, m->last_outcome >= 0, m->last_outcome);
	sqlite3_bind_int64(st, 11, m->last_time);
	sqlite3_bind_int64(st, 12, m->last_run);
	bind_or_null(st, 13, ran, m->ref_time);
	sqlite3_bind_double(st, 14, m->w_all);
	sqlite3_bind_double(st, 15, m->w_fail);
	if ((err = store_step_done(s, st, "writing a test's summary")))
		return err;
	return recent ? write_recent(s, test, m) : 0;
}

/* ---- keeping summaries (store_results.c) ------------------------------ */

/* The time of run `run`, from a one-run cache (cleared by store_begin and store_rollback). */
static int run_time(struct store *s, int64_t run, int64_t *time)
{
	sqlite3_stmt *st;
	int rc;

	if (s->run_cache.id == run && run) {
		*time = s->run_cache.time;
		return 0;
	}
	if (!(st = store_stmt(s, "SELECT time FROM runs WHERE id = ?1")))
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, run);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*time = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return gi_error_set("store '%s': a result names run %lld, which does not exist",
				    s->path, (long long)run);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, "reading a run");
	s->run_cache.id = run;
	s->run_cache.time = *time;
	return 0;
}

int store_summary_add(struct store *s, int64_t run, int64_t test, int outcome, double duration)
{
	struct summary m;
	int64_t time = 0;
	int err;

	if ((err = run_time(s, run, &time)) || (err = summary_read(s, test, &m)))
		return err;
	summary_add(&m, time, run, outcome, duration);
	return summary_write(s, test, &m, outcome != OUT_SKIP && duration >= 0);
}

static int delete_summary(struct store *s, int64_t test)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM test_summary WHERE test_id = ?1");
	int err;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, test);
	if ((err = store_step_done(s, st, "deleting a test's summary")))
		return err;
	if (!(st = store_stmt(s, "DELETE FROM test_recent WHERE test_id = ?1")))
		return GI_ERROR;
	sqlite3_bind_int64(st, 1, test);
	return store_step_done(s, st, "deleting a test's durations");
}

static int take_row(void *data, const struct store_result_row *row)
{
	summary_add(data, row->time, row->run, row->outcome, row->duration);
	return 0;
}

int store_summary_refresh(struct store *s, int64_t test)
{
	struct summary m;
	int err;

	summary_init(&m);
	if ((err = delete_summary(s, test)) ||
	    (err = store_test_results_each(s, test, take_row, &m)))
		return err;
	return summary_total(&m) ? summary_write(s, test, &m, 1) : 0;
}

/* ---- the whole table -------------------------------------------------- */

struct rebuild {
	struct store *s;
	int64_t test; /* the test being summed up; 0: none yet */
	struct summary m;
};

static int rebuild_row(void *data, const struct store_result_row *row)
{
	struct rebuild *r = data;
	int err;

	if (r->test != row->test) {
		if (r->test && (err = summary_write(r->s, r->test, &r->m, 1)))
			return err;
		r->test = row->test;
		summary_init(&r->m);
	}
	summary_add(&r->m, row->time, row->run, row->outcome, row->duration);
	return 0;
}

int store_summary_rebuild(struct store *s)
{
	struct rebuild *r;
	int err;

	if (store_need_tx(s, "store_summary_rebuild"))
		return GI_ERROR;
	if ((err = store_exec(s, "DELETE FROM test_summary; DELETE FROM test_recent")))
		return err;
	r = gi_xcalloc(1, sizeof(*r));
	r->s = s;
	err = store_results_each(s, rebuild_row, r);
	if (!err && r->test)
		err = summary_write(s, r->test, &r->m, 1);
	if (!err)
		err = store_meta_set(s, "test_summary", "1");
	free(r);
	return err;
}

int store_summary_ready(struct store *s)
{
	char *v = NULL;
	int err = store_meta_get(s, "test_summary", &v), ready;

	if (err == GI_ENOTFOUND) {
		gi_error_clear();
		return 0;
	}
	if (err)
		return err;
	ready = !strcmp(v, "1");
	free(v);
	return ready;
}

int store_summary_ensure(struct store *s)
{
	int err;

	if (s->readonly || (err = store_summary_ready(s)) > 0)
		return 0;
	if (err < 0 || (err = store_begin(s)))
		return err;
	/* another process may have filled it since we looked */
	if ((err = store_summary_ready(s)) == 0)
		err = store_summary_rebuild(s);
	if (err < 0) {
		store_rollback(s);
		return err;
	}
	return store_commit(s);
}

/* ---- reading every summary (history_stats_load) ----------------------- */

/* The test of `st` (tests, by id) into a row without results. */
static void test_row(sqlite3_stmt *st, struct store_summary_row *row)
{
	memset(row, 0, sizeof(*row));
	row->test = sqlite3_column_int64(st, 0);
	row->name = (const char *)sqlite3_column_text(st, 1);
	row->file = (const char *)sqlite3_column_text(st, 2);
	row->first_seen = sqlite3_column_int64(st, 3);
	row->last_outcome = -1;
	row->dur_median = -1;
	row->last_commit = "";
}

/* The summary of `st` (test_summary, by test) into `row`. */
static void summary_row(struct store *s, sqlite3_stmt *st, struct store_run_map *runs,
			struct store_summary_row *row)
{
	const struct store_run_info *run;

	for (int i = 0; i < 5; i++)
		row->outcomes[i] = (unsigned)sqlite3_column_int64(st, 1 + i);
	row->n_dur = (unsigned long)sqlite3_column_int64(st, 6);
	row->dur_sum = sqlite3_column_double(st, 7);
	if (sqlite3_column_type(st, 8) != SQLITE_NULL)
		row->dur_median = sqlite3_column_double(st, 8);
	if (sqlite3_column_type(st, 9) != SQLITE_NULL)
		row->last_outcome = sqlite3_column_int(st, 9);
	row->last_time = sqlite3_column_int64(st, 10);
	if (row->last_outcome >= 0 && (run = store_run_map_find(s, runs, sqlite3_column_int64(st, 11))))
		row->last_commit = run->commit;
	row->ref_time = sqlite3_column_int64(st, 12);
	row->w_all = sqlite3_column_double(st, 13);
	row->w_fail = sqlite3_column_double(st, 14);
}

/* Step `st`: 1 with a row, 0 at the end, or the error. */
static int step(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc == SQLITE_ROW;
	return store_sqlerr(s, "reading the test summaries");
}

/*
 * Both tables in id order, merged here (a join would seek the summary of
 * every test); the runs' commits from a map of the few runs.
 */
int store_summary_each(struct store *s, int (*fn)(void *data, const struct store_summary_row *row),
		       void *data)
{
	sqlite3_stmt *t = store_stmt(s, "SELECT id, name, file, first_seen FROM tests ORDER BY id");
	sqlite3_stmt *m = store_stmt(s, "SELECT test_id, n_pass, n_fail, n_error, n_skip, n_flaky, "
					"n_dur, dur_sum, dur_median, last_outcome, last_time, last_run, "
					"ref_time, w_all, w_fail FROM test_summary ORDER BY test_id");
	struct store_run_map runs = { 0 };
	struct store_summary_row row;
	int have_t = 0, have_m, err;

	if (!t || !m)
		return GI_ERROR;
	if ((err = store_run_map_load(s, &runs)))
		goto done;
	if ((have_m = step(s, m)) < 0) {
		err = have_m;
		goto done;
	}
	while (!err && (have_t = step(s, t)) > 0) {
		test_row(t, &row);
		while (have_m > 0 && sqlite3_column_int64(m, 0) < row.test)
			have_m = step(s, m); /* a summary of no test: never written */
		if (have_m < 0) {
			err = have_m;
			break;
		}
		if (have_m && sqlite3_column_int64(m, 0) == row.test)
			summary_row(s, m, &runs, &row);
		err = fn(data, &row);
	}
	if (!err && have_t < 0)
		err = have_t;
done:
	sqlite3_reset(t);
	sqlite3_reset(m);
	store_run_map_release(&runs);
	return err;
}
