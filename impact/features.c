/*
 * features.c - the recorded history in memory (every test, run, result and
 * the changed paths of each run's commit) and the features of a (change,
 * test) pair read from per-test state that is folded forward run by run,
 * so a replay never looks ahead.
 */
#include <math.h>

#include "predict_int.h"

#include "history.h"
#include "store.h"

#define EMA_ALPHA 0.3   /* weight of the newest execution in the failure average */
#define DUR_ALPHA 0.3
#define RECENT_K 5      /* "failures in the last k runs" */
#define STR_(x) #x
#define STR(x) STR_(x)

struct loader {
	struct impact_hist *h;
	size_t tests_alloc, runs_alloc, res_alloc;
	struct { int64_t id; size_t idx; } *run_ids; /* sorted by id */
	size_t *res_run;       /* run index of each loaded result */
	struct impact_hrun *cur;
	size_t paths_alloc, tokens_alloc;
};

int impact_failed(int outcome)
{
	return outcome == HISTORY_FAIL || outcome == HISTORY_ERROR;
}

static int add_test(void *data, const struct store_test_row *row)
{
	struct loader *l = data;
	struct impact_hist *h = l->h;

	GI_ALLOC_GROW(h->names, h->ntests + 1, l->tests_alloc);
	h->ids = gi_xreallocarray(h->ids, l->tests_alloc, sizeof(*h->ids));
	h->names[h->ntests] = gi_xstrdup(row->name);
	h->ids[h->ntests++] = row->id;
	return 0;
}

static int add_run(void *data, const struct store_run *run)
{
	struct loader *l = data;
	struct impact_hist *h = l->h;
	struct impact_hrun *r;

	GI_ALLOC_GROW(h->runs, h->nruns + 1, l->runs_alloc);
	r = &h->runs[h->nruns++];
	memset(r, 0, sizeof(*r));
	r->id = run->id;
	r->time = run->time;
	r->full = run->full;
	r->audit_share = run->audit_share;
	r->audit_seed = run->audit_seed;
	r->audit_values = run->audit_values;
	if (!run->full && run->audit_share > 0) {
		h->audit_runs++;
		h->audit_dropped += run->audit_values < 0;
	}
	memcpy(r->commit, run->commit, sizeof(r->commit));
	return 0;
}

static long find_id(const int64_t *ids, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return (long)mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int cmp_run_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static long find_run(const struct loader *l, int64_t id)
{
	size_t lo = 0, hi = l->h->nruns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->run_ids[mid].id == id)
			return (long)l->run_ids[mid].idx;
		if (l->run_ids[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int add_result(void *data, const struct store_run_result *row)
{
	struct loader *l = data;
	struct impact_hist *h = l->h;
	long t = find_id(h->ids, h->ntests, row->test), r = find_run(l, row->run);

	if (t < 0 || r < 0)
		return gi_error_setc(GI_ECORRUPT, "store: a result names test %lld of run %lld, "
				     "which does not exist", (long long)row->test, (long long)row->run);
	GI_ALLOC_GROW(h->res, h->nres + 1, l->res_alloc);
	l->res_run = gi_xreallocarray(l->res_run, l->res_alloc, sizeof(*l->res_run));
	h->res[h->nres].test = (uint32_t)t;
	h->res[h->nres].outcome = row->outcome;
	h->res[h->nres].audit = row->audit;
	h->res[h->nres].lineage = 0; /* load_lineage() sets it for full runs with a stored selection */
	h->res[h->nres].duration = row->duration;
	l->res_run[h->nres++] = (size_t)r;
	return 0;
}

/* Group the results by run (a stable counting sort on run index). */
static void group_results(struct loader *l)
{
	struct impact_hist *h = l->h;
	struct impact_hres *sorted = gi_xmallocarray(h->nres ? h->nres : 1, sizeof(*sorted));
	size_t pos = 0;

	for (size_t i = 0; i < h->nres; i++)
		h->runs[l->res_run[i]].nr++;
	for (size_t r = 0; r < h->nruns; r++) {
		h->runs[r].first = pos;
		pos += h->runs[r].nr;
		h->runs[r].nr = 0;
	}
	for (size_t i = 0; i < h->nres; i++) {
		struct impact_hrun *run = &h->runs[l->res_run[i]];

		sorted[run->first + run->nr++] = h->res[i];
	}
	free(h->res);
	h->res = sorted;
}

static int add_change(void *data, const struct store_git_change *ch)
{
	struct loader *l = data;
	struct impact_hrun *r = l->cur;
	const char *p = ch->new_path ? ch->new_path : ch->old_path;
	size_t len = ch->new_path ? ch->new_len : ch->old_len;
	char *path;

	if (!p)
		return 0;
	GI_ALLOC_GROW(r->paths, r->npaths + 1, l->paths_alloc);
	r->paths[r->npaths++] = gi_hash64(p, len);
	path = gi_xstrndup(p, len);
	selector_token_hashes(path, &r->tokens, &r->ntokens, &l->tokens_alloc);
	free(path);
	return 0;
}

/* The changed paths of each run's commit, when the store holds its diff. */
static int load_changes(struct store *s, struct loader *l)
{
	struct impact_hist *h = l->h;

	for (size_t i = 0; i < h->nruns; i++) {
		struct impact_hrun *r = &h->runs[i];
		int err;

		l->cur = r;
		l->paths_alloc = l->tokens_alloc = 0;
		err = store_git_changes_each(s, r->commit, add_change, l);
		if (err == GI_ENOTFOUND) {
			gi_error_clear();
			continue;
		}
		if (err)
			return err;
		r->have_change = 1;
		h->runs_with_change++;
		r->npaths = selector_hashes_uniq(r->paths, r->npaths);
		r->ntokens = selector_hashes_uniq(r->tokens, r->ntokens);
	}
	return 0;
}

static const struct impact_hist *sort_hist;

static int cmp_by_name(const void *a, const void *b)
{
	return strcmp(sort_hist->names[*(const uint32_t *)a], sort_hist->names[*(const uint32_t *)b]);
}

/* Token hashes of each test id and the by-name index. */
static void index_tests(struct impact_hist *h)
{
	size_t n = h->ntests ? h->ntests : 1;

	h->tokens = gi_xcalloc(n, sizeof(*h->tokens));
	h->ntokens = gi_xcalloc(n, sizeof(*h->ntokens));
	h->by_name = gi_xmallocarray(n, sizeof(*h->by_name));
	for (size_t i = 0; i < h->ntests; i++) {
		size_t alloc = 0;

		selector_token_hashes(h->names[i], &h->tokens[i], &h->ntokens[i], &alloc);
		h->by_name[i] = (uint32_t)i;
	}
	sort_hist = h;
	if (h->ntests > 1)
		gi_qsort(h->by_name, h->ntests, sizeof(*h->by_name), cmp_by_name);
	sort_hist = NULL;
}

static void index_runs(struct loader *l)
{
	struct impact_hist *h = l->h;

	l->run_ids = gi_xmallocarray(h->nruns ? h->nruns : 1, sizeof(*l->run_ids));
	for (size_t i = 0; i < h->nruns; i++) {
		l->run_ids[i].id = h->runs[i].id;
		l->run_ids[i].idx = i;
	}
	if (h->nruns > 1)
		gi_qsort(l->run_ids, h->nruns, sizeof(*l->run_ids), cmp_run_id);
}

/* 1 if test id `name` or its file (the part before "::") is in `sel` (sorted). */
static int in_selection(const struct gi_strvec *sel, const char *name)
{
	const char *sep = strstr(name, "::");
	char *file;
	int in;

	if (gi_strvec_find_sorted(sel, name) >= 0)
		return 1;
	if (!sep)
		return 0;
	file = gi_xstrndup(name, (size_t)(sep - name));
	in = gi_strvec_find_sorted(sel, file) >= 0;
	free(file);
	return in;
}

/*
 * For full runs whose commit has the graph's selection stored (record
 * --full keeps it, select keeps its own): mark the results the graph alone
 * selects, so replay counts them as run whatever the model says.  Audited
 * runs (not full) too: their heads failures calibrate the test level, and a
 * failure the safe set catches is caught whatever the threshold, in the
 * replay as in a live selection.  runs_with_lineage counts full runs.
 */
static int load_lineage(struct store *s, struct impact_hist *h)
{
	struct gi_strvec sel = GI_STRVEC_INIT;
	int err = 0;

	for (size_t i = 0; !err && i < h->nruns; i++) {
		struct impact_hrun *run = &h->runs[i];

		if (!run->full && !(run->audit_share > 0 && run->audit_values > 0))
			continue;
		gi_strvec_clear(&sel);
		if ((err = store_selection_lineage_tests(s, run->commit, &sel))) {
			if (err == GI_ENOTFOUND)
				err = 0;
			continue;
		}
		run->have_lineage = 1;
		h->runs_with_lineage += run->full;
		for (size_t k = 0; k < run->nr; k++) {
			struct impact_hres *r = &h->res[run->first + k];

			r->lineage = in_selection(&sel, h->names[r->test]);
		}
	}
	gi_strvec_clear(&sel);
	return err;
}

/* The results of each loaded run, one run at a time (the runs are a recent few). */
static int load_run_results(struct store *s, struct loader *l)
{
	int err = 0;

	for (size_t i = 0; !err && i < l->h->nruns; i++)
		err = store_run_results_of(s, l->h->runs[i].id, add_result, l);
	return err;
}

/* Load the runs after (time, id), or every run when `all`. */
static int hist_load(struct store *s, struct impact_hist *h, int all, int64_t time, int64_t id)
{
	struct loader l;
	int err;

	memset(h, 0, sizeof(*h));
	memset(&l, 0, sizeof(l));
	l.h = h;
	if ((err = store_tests_each(s, add_test, &l)) ||
	    (err = store_runs_after_each(s, all ? INT64_MIN : time, all ? INT64_MIN : id, add_run, &l)))
		goto done;
	index_runs(&l);
	if ((err = all ? store_run_results_each(s, add_result, &l) : load_run_results(s, &l)))
		goto done;
	group_results(&l);
	index_tests(h);
	if (!(err = load_changes(s, &l)))
		err = load_lineage(s, h);
done:
	free(l.run_ids);
	free(l.res_run);
	if (err)
		impact_hist_release(h);
	return err;
}

int impact_hist_load(struct store *s, struct impact_hist *h)
{
	return hist_load(s, h, 1, 0, 0);
}

int impact_hist_load_after(struct store *s, struct impact_hist *h, int64_t time, int64_t id)
{
	return hist_load(s, h, 0, time, id);
}

long impact_hist_index(const struct impact_hist *h, int64_t id)
{
	return find_id(h->ids, h->ntests, id);
}

const char *impact_states_params(void)
{
	/* what update_one() and impact_features() compute with: a change here
	 * changes every state a replay computes */
	return "ema " STR(EMA_ALPHA) " dur " STR(DUR_ALPHA) " recent " STR(RECENT_K)
	       " bloom " STR(IMPACT_BLOOM_WORDS) " age-in-runs";
}

void impact_hist_release(struct impact_hist *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->ntests; i++) {
		free(h->names[i]);
		if (h->tokens)
			free(h->tokens[i]);
	}
	for (size_t i = 0; i < h->nruns; i++) {
		free(h->runs[i].paths);
		free(h->runs[i].tokens);
	}
	free(h->names);
	free(h->ids);
	free(h->by_name);
	free(h->tokens);
	free(h->ntokens);
	free(h->runs);
	free(h->res);
	memset(h, 0, sizeof(*h));
}

long impact_hist_find(const struct impact_hist *h, const char *name)
{
	size_t lo = 0, hi = h->ntests;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(h->names[h->by_name[mid]], name);

		if (!c)
			return (long)h->by_name[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

struct impact_tstate *impact_states_new(const struct impact_hist *h)
{
	struct impact_tstate *st = gi_xcalloc(h->ntests ? h->ntests : 1, sizeof(*st));

	for (size_t i = 0; i < h->ntests; i++) {
		st[i].last = -1;
		st[i].duration = -1;
	}
	return st;
}

static void bloom_add(uint64_t *bloom, uint64_t hash)
{
	unsigned bit = (unsigned)(hash % (IMPACT_BLOOM_WORDS * 64));

	bloom[bit / 64] |= (uint64_t)1 << (bit % 64);
}

static int bloom_has(const uint64_t *bloom, uint64_t hash)
{
	unsigned bit = (unsigned)(hash % (IMPACT_BLOOM_WORDS * 64));

	return (bloom[bit / 64] >> (bit % 64)) & 1;
}

static void update_one(struct impact_tstate *t, const struct impact_hrun *run,
		       const struct impact_hres *r)
{
	int failed = impact_failed(r->outcome);

	if (r->outcome == HISTORY_SKIP)
		return;
	if (!t->first_time)
		t->first_time = run->time ? run->time : 1;
	t->runs++;
	t->fails += failed;
	t->flaky += r->outcome == HISTORY_FLAKY;
	t->recent = (t->recent << 1) | (unsigned)failed;
	t->ema = (1 - EMA_ALPHA) * t->ema + EMA_ALPHA * failed;
	if (r->duration >= 0)
		t->duration = t->duration < 0 ? r->duration :
			      (1 - DUR_ALPHA) * t->duration + DUR_ALPHA * r->duration;
	t->last = r->outcome;
	for (size_t i = 0; failed && i < run->npaths; i++)
		bloom_add(t->cof, run->paths[i]);
}

void impact_states_update(struct impact_tstate *st, const struct impact_hist *h,
			  const struct impact_hrun *run)
{
	for (size_t i = 0; i < run->nr; i++) {
		const struct impact_hres *r = &h->res[run->first + i];

		update_one(&st[r->test], run, r);
	}
}

int impact_always(const struct impact_tstate *t)
{
	return !t->runs || impact_failed(t->last);
}

static int popcount(unsigned v)
{
	int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

void impact_features(const struct impact_hist *h, const struct impact_tstate *st,
		     uint32_t test, const uint64_t *paths, size_t npaths,
		     const uint64_t *tokens, size_t ntokens, int64_t now,
		     struct selector_features *f)
{
	const struct impact_tstate *t = &st[test];
	size_t hit = 0;

	memset(f, 0, sizeof(*f));
	f->distance = -1;
	for (size_t i = 0; t->fails && i < npaths; i++)
		hit += bloom_has(t->cof, paths[i]);
	f->cofail = npaths ? (double)hit / (double)npaths : 0;
	f->token_overlap = selector_hash_overlap(tokens, ntokens, h->tokens[test], h->ntokens[test]);
	f->fail_rate = t->ema;
	f->recent_failures = popcount(t->recent & ((1u << RECENT_K) - 1));
	f->flakiness = t->runs ? (double)t->flaky / t->runs : 0;
	/* age in executions, not days: replayed and live scores must agree however
	 * long ago the history was recorded */
	f->age_days = (double)t->runs;
	(void)now;
	f->duration = t->duration;
}
