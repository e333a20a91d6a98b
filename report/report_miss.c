/*
 * report_miss.c - failures the selection caught and missed.  A failure of
 * test T at commit D is traced back along first parents while T did not
 * pass: the oldest of those commits introduced it (as far as the runs
 * show).  Walking that stretch oldest first, a selection that ran T where
 * it failed caught it; a failure first seen (by a full run, an audit
 * sample, a later run) at or after selections that skipped T is a miss of
 * the latest of them: the one sure to have skipped a broken test.
 * Each (test, introducing commit) counts once, in the selection's week.
 */
#include "report_int.h"

#define MISS_CHAIN_MAX 256 /* commits walked back from one failure */

struct failure {
	int64_t test;
	char *name;
	char commit[41];
	int64_t time;
};

struct episode {
	const struct failure *f;
	char introduced[41];    /* the oldest commit after the last pass */
	char skipped_at[41];    /* the deciding selection's head */
	char found_at[41];      /* a miss: where the failure was first seen */
	int found_by;           /* a miss: as store_report_failure.found_by */
	int missed;
	struct store_report_choice choice;
};

/*
 * What every failure's walk shares: the commits where anything can be
 * found (so the walk asks the store only there), and the first parents
 * already read (walks from nearby failures cross the same commits).
 */
struct parent_memo {
	char oid[41], parent[41]; /* parent "" : a root or an unknown commit */
};

#define PARENT_MEMO_MAX ((size_t)1 << 16) /* commits remembered: at most 11 MB */

struct walk_cache {
	struct gi_strvec with_runs, with_selections; /* sorted */
	struct parent_memo *memo;                    /* open addressing, by oid */
	size_t nmemo, amemo;                         /* used, slots (a power of 2) */
};

struct miss_state {
	struct failure *fv;
	size_t nf, af;
	struct episode *ev;
	size_t ne, ae;
	struct walk_cache wc;
};

static int on_failure(void *data, const struct store_report_failure *row)
{
	struct miss_state *m = data;
	struct failure *f;

	GI_ALLOC_GROW(m->fv, m->nf + 1, m->af);
	f = &m->fv[m->nf++];
	f->test = row->test;
	f->name = gi_xstrdup(row->name);
	snprintf(f->commit, sizeof(f->commit), "%s", row->commit);
	f->time = row->time;
	return 0;
}

/* The first parent of `oid` into out: 0, or GI_ENOTFOUND (unknown commit or a root). */
static int first_parent_read(struct store *s, const char *oid, char out[41])
{
	struct store_git_commit c = { 0 };
	int err = store_git_commit_get(s, oid, &c);

	if (!err && (!c.parents || strlen(c.parents) < 40))
		err = GI_ENOTFOUND;
	if (!err)
		snprintf(out, 41, "%.40s", c.parents);
	store_git_commit_release(&c);
	if (err == GI_ENOTFOUND)
		gi_error_clear();
	return err;
}

static size_t memo_slot(const struct walk_cache *wc, const char *oid)
{
	size_t mask = wc->amemo - 1, i = (size_t)gi_hash64(oid, strlen(oid)) & mask;

	while (wc->memo[i].oid[0] && strcmp(wc->memo[i].oid, oid))
		i = (i + 1) & mask;
	return i;
}

static void memo_grow(struct walk_cache *wc)
{
	struct parent_memo *old = wc->memo;
	size_t n = wc->amemo;

	wc->amemo = n ? 2 * n : 4096;
	wc->memo = gi_xcalloc(wc->amemo, sizeof(*wc->memo));
	for (size_t i = 0; i < n; i++)
		if (old[i].oid[0])
			wc->memo[memo_slot(wc, old[i].oid)] = old[i];
	free(old);
}

/* first_parent_read(), remembering every answer (up to PARENT_MEMO_MAX commits). */
static int first_parent(struct store *s, struct walk_cache *wc, const char *oid, char out[41])
{
	struct parent_memo *m;
	char parent[41] = "";
	int err;

	if (wc->amemo) {
		m = &wc->memo[memo_slot(wc, oid)];
		if (m->oid[0]) {
			memcpy(out, m->parent, 41);
			return out[0] ? 0 : GI_ENOTFOUND;
		}
	}
	err = first_parent_read(s, oid, parent);
	if (err && err != GI_ENOTFOUND)
		return err;
	if (wc->nmemo < PARENT_MEMO_MAX) {
		if (2 * (wc->nmemo + 1) > wc->amemo)
			memo_grow(wc);
		m = &wc->memo[memo_slot(wc, oid)];
		snprintf(m->oid, sizeof(m->oid), "%s", oid);
		memcpy(m->parent, parent, sizeof(m->parent));
		wc->nmemo++;
	}
	memcpy(out, parent, 41);
	return err;
}

/* The commits from a failure back to the last pass, newest first. */
struct chain {
	struct gi_strvec oids;
	int found_by[MISS_CHAIN_MAX]; /* as store_report_failure.found_by; -1: no failure there */
};

/*
 * Walk first parents back from the failure to (not including) the last
 * commit where the test passed.  Returns 1 when the test also passed at
 * the failing commit (a flip: flaky, not a failure), 0, or an error.
 */
static int walk_back(struct store *s, struct walk_cache *wc, const struct failure *f,
		     struct chain *ch)
{
	char oid[41];
	long passed = 0, failed = 0;
	int err, by = -1;

	snprintf(oid, sizeof(oid), "%s", f->commit);
	while (ch->oids.nr < MISS_CHAIN_MAX) {
		passed = failed = 0;
		if (gi_strvec_find_sorted(&wc->with_runs, oid) >= 0 &&
		    (err = store_report_outcomes_at(s, f->test, oid, &passed, &failed, &by)))
			return err;
		if (passed)
			return ch->oids.nr ? 0 : 1;
		ch->found_by[ch->oids.nr] = failed ? by : -1;
		gi_strvec_push(&ch->oids, oid);
		if ((err = first_parent(s, wc, oid, oid)))
			return err == GI_ENOTFOUND ? 0 : err;
	}
	return 0;
}

/* 1 if a selection's choice can speak for the test (it may predate the test). */
static int choice_counts(const struct store_report_choice *ch, const struct report_tinfo *t)
{
	return ch->all || ch->listed || !t || ch->time >= t->first_seen;
}

/*
 * Walk the chain oldest first.  A selection that ran the test where it
 * failed caught it; a failure first seen at or after a selection skipped
 * the test is a miss of the latest such selection.  0 (e filled),
 * GI_ENOTFOUND when no selection took part, or an error.
 */
static int decide(struct report_ctx *c, const struct gi_strvec *with_selections,
		  const struct failure *f, const struct chain *ch, struct episode *e)
{
	struct report_tinfo *t = report_test_find(c, f->test);
	struct store_report_choice cur;
	int skipped = 0;

	for (size_t i = ch->oids.nr; i-- > 0;) {
		int err = gi_strvec_find_sorted(with_selections, ch->oids.v[i]) < 0 ? GI_ENOTFOUND :
			  store_report_choice_at(c->s, ch->oids.v[i], f->name, &cur);

		if (err && err != GI_ENOTFOUND)
			return err;
		if (!err && choice_counts(&cur, t)) {
			int ran = cur.all || (cur.listed && !cur.audit);

			if (ran && ch->found_by[i] >= 0) {
				e->choice = cur;
				e->missed = 0;
				snprintf(e->skipped_at, sizeof(e->skipped_at), "%s", ch->oids.v[i]);
				return 0;
			}
			if (!ran) { /* the latest skip before the failure shows is the surest miss */
				skipped = 1;
				e->choice = cur;
				snprintf(e->skipped_at, sizeof(e->skipped_at), "%s", ch->oids.v[i]);
			}
		}
		if (ch->found_by[i] >= 0) {
			if (!skipped)
				break;
			e->missed = 1;
			e->found_by = ch->found_by[i];
			snprintf(e->found_at, sizeof(e->found_at), "%s", ch->oids.v[i]);
			return 0;
		}
	}
	gi_error_clear();
	return GI_ENOTFOUND;
}

static int episode_of(struct report_ctx *c, struct miss_state *m, const struct failure *f)
{
	struct chain ch = { GI_STRVEC_INIT, { 0 } };
	struct episode e;
	int err;

	memset(&e, 0, sizeof(e));
	if ((err = walk_back(c->s, &m->wc, f, &ch)) == 1) {
		err = 0;
		goto done;
	}
	if (err || (err = decide(c, &m->wc.with_selections, f, &ch, &e)))
		goto done;
	e.f = f;
	snprintf(e.introduced, sizeof(e.introduced), "%s", ch.oids.v[ch.oids.nr - 1]);
	GI_ALLOC_GROW(m->ev, m->ne + 1, m->ae);
	m->ev[m->ne++] = e;
done:
	gi_strvec_clear(&ch.oids);
	return err == GI_ENOTFOUND ? 0 : err;
}

static int cmp_episode(const void *a, const void *b)
{
	const struct episode *x = a, *y = b;
	int d;

	if (x->f->test != y->f->test)
		return x->f->test < y->f->test ? -1 : 1;
	if ((d = strcmp(x->introduced, y->introduced)))
		return d;
	return (x->f->time > y->f->time) - (x->f->time < y->f->time);
}

static const char *found_by_name(int found_by)
{
	return found_by == 2 ? "full" : found_by == 1 ? "audit" : "later run";
}

static void add_miss(struct report *r, const struct episode *e, size_t wi)
{
	struct report_miss *x;

	GI_ALLOC_GROW(r->misses, r->nmisses + 1, r->amisses);
	x = &r->misses[r->nmisses++];
	x->test = gi_xstrdup(e->f->name);
	memcpy(x->introduced, e->introduced, sizeof(x->introduced));
	memcpy(x->skipped_at, e->skipped_at, sizeof(x->skipped_at));
	memcpy(x->found_at, e->found_at, sizeof(x->found_at));
	x->found_by = e->found_by == 0 && !strcmp(e->found_at, e->skipped_at) ? "run" :
		      found_by_name(e->found_by);
	x->time = e->choice.time;
	x->kinds = e->choice.kinds;
	x->week = wi;
}

/* Count one episode as caught or missed in its selection's week. */
static void count_episode(struct report *r, const struct episode *e)
{
	size_t wi = report_week_of(r, e->choice.time);
	int missed = e->missed;
	int kinds[REPORT_NKINDS];
	size_t nk = report_kinds_of(e->choice.kinds, kinds);

	if (wi == r->nweeks)
		return;
	*(missed ? &r->weeks[wi].missed : &r->weeks[wi].caught) += 1;
	*(missed ? &r->total.missed : &r->total.caught) += 1;
	for (size_t k = 0; k < nk; k++)
		*(missed ? &r->kinds[kinds[k]].missed : &r->kinds[kinds[k]].caught) += 1;
	if (missed)
		add_miss(r, e, wi);
}

static int cmp_miss(const void *a, const void *b)
{
	const struct report_miss *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return strcmp(x->test, y->test);
}

int report_misses_gather(struct report_ctx *c)
{
	struct miss_state m = { 0 };
	struct report *r = c->r;
	int err;

	if ((err = store_report_failures_each(c->s, r->since, r->until, on_failure, &m)) ||
	    (m.nf && ((err = store_report_commits_with(c->s, STORE_REPORT_WITH_RUNS, &m.wc.with_runs)) ||
		      (err = store_report_commits_with(c->s, STORE_REPORT_WITH_SELECTIONS,
						       &m.wc.with_selections)))))
		goto done;
	for (size_t i = 0; i < m.nf && !err; i++)
		err = episode_of(c, &m, &m.fv[i]);
	if (err)
		goto done;
	if (m.ne)
		gi_qsort(m.ev, m.ne, sizeof(*m.ev), cmp_episode);
	for (size_t i = 0; i < m.ne; i++)
		if (!i || m.ev[i].f->test != m.ev[i - 1].f->test ||
		    strcmp(m.ev[i].introduced, m.ev[i - 1].introduced))
			count_episode(r, &m.ev[i]);
	if (r->nmisses)
		gi_qsort(r->misses, r->nmisses, sizeof(*r->misses), cmp_miss);
done:
	for (size_t i = 0; i < m.nf; i++)
		free(m.fv[i].name);
	free(m.fv);
	free(m.ev);
	gi_strvec_clear(&m.wc.with_runs);
	gi_strvec_clear(&m.wc.with_selections);
	free(m.wc.memo);
	return err;
}
