/*
 * record.c - one `record` call as one run: read and check every JUnit file
 * first, then write the run, its files and its results in one transaction
 * (reading each file a second time, so memory stays flat), merging a test
 * seen more than once in the run (flaky when it both passed and failed).
 * Tests the latest selection for the commit added as audit samples are
 * stored as audit results, and a new run keeps that selection's audit
 * sample (share, seed and the listed tests whose coin is heads), so that
 * its heads failures can calibrate the guarantee (impact/predict.c).
 */
#include <time.h>

#include "history.h"
#include "store.h"

struct writer {
	struct store *s;
	int64_t run;
	int64_t time;
	int audit;
	size_t cases;
	struct gi_strvec audit_tests; /* the latest selection's audit samples for the commit */
};

int history_outcome_merge(int a, int b)
{
	if (a == b)
		return a;
	if (a == HISTORY_SKIP || b == HISTORY_SKIP)
		return a == HISTORY_SKIP ? b : a;
	if (a == HISTORY_FLAKY || b == HISTORY_FLAKY || a == HISTORY_PASS || b == HISTORY_PASS)
		return HISTORY_FLAKY;
	return HISTORY_ERROR; /* fail and error */
}

/* Store one testcase; a test already in the run gets the merged outcome. */
static int write_case(void *data, const struct history_case *c)
{
	struct writer *w = data;
	int64_t test;
	int err, old;
	double dur;

	w->cases++;
	if ((err = store_test_ensure(w->s, c->id, c->file, w->time, &test)))
		return err;
	err = store_result_add(w->s, w->run, test, c->outcome, c->duration,
			       w->audit || gi_strvec_find_sorted(&w->audit_tests, c->id) >= 0);
	if (err != 0)
		return err < 0 ? err : 0;
	if ((err = store_result_get(w->s, w->run, test, &old, &dur)))
		return err;
	return store_result_set(w->s, w->run, test, history_outcome_merge(old, c->outcome),
				c->duration > dur ? c->duration : dur);
}

static int check_opts(const struct history_record_opts *o, size_t nfiles)
{
	static const char *const kinds[] = { "ci", "hook", "audit", "full" };

	if (!o->commit || strlen(o->commit) != 40 || strspn(o->commit, "0123456789abcdef") != 40)
		return gi_error_setc(GI_EUSAGE, "internal error: record needs a resolved commit");
	if (!nfiles)
		return gi_error_setc(GI_EUSAGE, "no result files to record");
	if (o->run_id && !*o->run_id)
		return gi_error_setc(GI_EUSAGE, "the run id must not be empty");
	for (size_t i = 0; o->kind && i < GI_ARRAY_SIZE(kinds); i++)
		if (!strcmp(o->kind, kinds[i]))
			return 0;
	if (o->kind)
		return gi_error_setc(GI_EUSAGE, "unknown run kind '%s' (ci, hook, audit or full)", o->kind);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The run key: the given id, or "auto-" and a hash of the commit and the files' bytes. */
static char *run_key(const struct history_record_opts *o, const uint64_t *hashes, size_t n)
{
	uint64_t *sorted;
	struct gi_hasher *h;
	char hex[17];

	if (o->run_id)
		return gi_xstrdup(o->run_id);
	sorted = gi_xmallocarray(n, sizeof(*sorted));
	memcpy(sorted, hashes, n * sizeof(*sorted));
	gi_qsort(sorted, n, sizeof(*sorted), cmp_u64);
	h = gi_hasher_new();
	gi_hasher_update(h, o->commit, 40);
	for (size_t i = 0; i < n; i++)
		if (!i || sorted[i] != sorted[i - 1])
			gi_hasher_update(h, &sorted[i], sizeof(sorted[i]));
	gi_hex64(gi_hasher_digest(h), hex);
	gi_hasher_free(h);
	free(sorted);
	return gi_xstrfmt("auto-%s", hex);
}

/* The file names, comma-separated, bounded. */
static char *source_names(const char *const *files, size_t n)
{
	struct gi_buf b;

	gi_buf_init(&b, (size_t)16 << 10);
	for (size_t i = 0; i < n; i++)
		if (gi_buf_printf(&b, "%s%s", i ? ", " : "", files[i]))
			break;
	return gi_buf_detach(&b, NULL);
}

/*
 * Link a new run to the audit sample of the latest selection for its
 * commit: the listed names whose coin is heads must all report a result
 * for the run's heads failures to count.  Nothing without a sample.
 */
static int link_audit(struct store *s, const struct store_run *run)
{
	struct gi_strvec listed = GI_STRVEC_INIT, expect = GI_STRVEC_INIT;
	double share = 0;
	uint64_t seed = 0;
	int err = store_selection_audit_link(s, run->commit, &share, &seed, &listed);

	if (err == GI_ENOTFOUND) {
		gi_error_clear();
		err = 0;
	}
	if (err || !(share > 0) || run->full)
		goto done;
	for (size_t i = 0; i < listed.nr; i++)
		if (gi_coin(seed, listed.v[i]) < share)
			gi_strvec_push(&expect, listed.v[i]);
	err = store_run_set_audit(s, run->id, share, seed, &expect);
done:
	gi_strvec_clear(&listed);
	gi_strvec_clear(&expect);
	return err;
}

/* Find the run or add it.  A run id reused for another commit is refused. */
static int open_run(struct store *s, const struct history_record_opts *o, const char *key,
		    const char *const *files, size_t nfiles, struct store_run *run)
{
	char *source;
	int err = store_run_find(s, key, run);

	if (!err && strcmp(run->commit, o->commit))
		return gi_error_setc(GI_EUSAGE, "run '%s' was recorded for commit %.12s, not %.12s",
				     key, run->commit, o->commit);
	if (!err && o->full && !run->full)
		return store_run_set_full(s, run->id);
	if (err != GI_ENOTFOUND)
		return err;
	memset(run, 0, sizeof(*run));
	snprintf(run->commit, sizeof(run->commit), "%s", o->commit);
	run->time = o->time ? o->time : (int64_t)time(NULL);
	run->full = !!o->full;
	snprintf(run->kind, sizeof(run->kind), "%s", o->kind ? o->kind : o->full ? "full" : "ci");
	source = source_names(files, nfiles);
	err = store_run_add(s, key, run, source);
	free(source);
	return err ? err : link_audit(s, run);
}

/* Second pass over one file: its results into the run, unless already there. */
static int write_file(struct writer *w, const char *path, uint64_t hash,
		      struct history_record_result *res)
{
	struct history_junit_info info;
	char hex[17];
	int err;

	gi_hex64(hash, hex);
	if ((err = store_run_file_has(w->s, w->run, hex)) != 0) {
		if (err > 0)
			res->files_seen++;
		return err < 0 ? err : 0;
	}
	if ((err = store_run_file_add(w->s, w->run, hex, path)))
		return err;
	if ((err = history_junit_read(path, write_case, w, &info)))
		return err;
	if (info.hash != hash)
		return gi_error_setc(GI_EINPUT, "'%s' changed while it was being recorded", path);
	res->files_new++;
	return 0;
}

static int write_run(struct store *s, const struct history_record_opts *o,
		     const char *const *files, const uint64_t *hashes, size_t nfiles,
		     struct history_record_result *res)
{
	struct store_run run;
	struct writer w = { s, 0, 0, 0, 0, GI_STRVEC_INIT };
	int err;

	if ((err = open_run(s, o, res->run_key, files, nfiles, &run)) ||
	    (err = store_selection_audit_tests(s, o->commit, &w.audit_tests)))
		return err;
	res->run = w.run = run.id;
	w.time = run.time;
	w.audit = !strcmp(run.kind, "audit");
	for (size_t i = 0; i < nfiles && !err; i++)
		err = write_file(&w, files[i], hashes[i], res);
	res->cases = w.cases;
	if (!err)
		err = store_run_audit_refresh(s, run.id);
	if (!err)
		err = store_run_outcomes(s, run.id, res->by_outcome, HISTORY_NOUTCOMES);
	for (int i = 0; !err && i < HISTORY_NOUTCOMES; i++)
		res->tests += res->by_outcome[i];
	gi_strvec_clear(&w.audit_tests);
	return err;
}

int history_record(struct store *s, const struct history_record_opts *opts,
		   const char *const *files, size_t nfiles, struct history_record_result *res)
{
	uint64_t *hashes = NULL;
	int err;

	memset(res, 0, sizeof(*res));
	if ((err = check_opts(opts, nfiles)))
		goto done;
	hashes = gi_xcalloc(nfiles, sizeof(*hashes));
	for (size_t i = 0; i < nfiles; i++) {
		struct history_junit_info info;

		if ((err = history_junit_read(files[i], NULL, NULL, &info)))
			goto done;
		hashes[i] = info.hash;
	}
	res->run_key = run_key(opts, hashes, nfiles);
	if ((err = store_begin(s)))
		goto done;
	err = write_run(s, opts, files, hashes, nfiles, res);
	if (!err && !res->files_new) {
		res->already = 1;
		store_rollback(s);
	} else if (!err)
		err = store_commit(s);
done:
	if (err)
		store_rollback(s);
	free(hashes);
	return err;
}

void history_record_result_release(struct history_record_result *res)
{
	if (!res)
		return;
	free(res->run_key);
	res->run_key = NULL;
}
