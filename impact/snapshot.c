/*
 * snapshot.c - the replay state as bytes: the model, the per-test states
 * (keyed by test store id, since indexes are per load), the calibration
 * values and counters, as little-endian 64-bit words (doubles bit for bit,
 * so a resumed replay computes exactly what a full one does), closed by a
 * checksum of everything before it.
 */
#include <stddef.h>

#include "predict_int.h"

/*
 * Every field of struct impact_replay but the history, and every field of
 * struct impact_tstate, is written here: a field added to either must be
 * added below (and REPLAY_FORMAT in predict.c bumped), or a resumed replay
 * would silently differ from a full one.  This catches the first case.
 */
_Static_assert(sizeof(struct impact_replay) ==
	       sizeof(struct impact_hist) + sizeof(struct selector_model) +
	       3 * sizeof(void *) + 7 * sizeof(size_t) + 2 * sizeof(int64_t),
	       "struct impact_replay changed: encode the new field in snapshot.c");

#define SNAP_MAGIC "gi-rsnap"
#define SNAP_MAX ((size_t)1 << 30)

struct reader {
	const unsigned char *p, *end;
	int bad;
};

static int put_u64(struct gi_buf *b, uint64_t v)
{
	unsigned char w[8];

	for (int i = 0; i < 8; i++)
		w[i] = (unsigned char)(v >> (8 * i));
	return gi_buf_add(b, w, sizeof(w));
}

static int put_dbl(struct gi_buf *b, double d)
{
	uint64_t v;

	memcpy(&v, &d, sizeof(v));
	return put_u64(b, v);
}

static uint64_t get_u64(struct reader *r)
{
	uint64_t v = 0;

	if (r->end - r->p < 8) {
		r->bad = 1;
		return 0;
	}
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += 8;
	return v;
}

static double get_dbl(struct reader *r)
{
	uint64_t v = get_u64(r);
	double d;

	memcpy(&d, &v, sizeof(d));
	return d;
}

static int put_values(struct gi_buf *b, const double *v, size_t n)
{
	int err = 0;

	for (size_t i = 0; !err && i < n; i++)
		err = put_dbl(b, v[i]);
	return err;
}

static int put_state(struct gi_buf *b, int64_t id, const struct impact_tstate *t)
{
	int err = put_u64(b, (uint64_t)id) || put_u64(b, (uint64_t)t->first_time) ||
		  put_u64(b, t->runs) || put_u64(b, t->fails) || put_u64(b, t->flaky) ||
		  put_u64(b, t->recent) || put_dbl(b, t->ema) || put_dbl(b, t->duration) ||
		  put_u64(b, (uint64_t)(int64_t)t->last);

	for (int i = 0; !err && i < IMPACT_BLOOM_WORDS; i++)
		err = put_u64(b, t->cof[i]);
	return err ? GI_ELIMIT : 0;
}

static size_t states_with_runs(const struct impact_replay *rp)
{
	size_t n = 0;

	for (size_t i = 0; i < rp->hist.ntests; i++)
		n += rp->st[i].runs > 0;
	return n;
}

int impact_snapshot_encode(const struct impact_replay *rp, struct gi_buf *out)
{
	const struct selector_model *m = &rp->model;
	int err;

	gi_buf_init(out, SNAP_MAX);
	err = gi_buf_add(out, SNAP_MAGIC, 8) || put_u64(out, states_with_runs(rp)) ||
	      put_u64(out, rp->nchange_values) || put_u64(out, rp->ntest_values) ||
	      put_u64(out, rp->ntest_audit) || put_u64(out, rp->full_runs) || put_values(out, m->w, SELECTOR_NFEATURES) ||
	      put_values(out, m->prec, SELECTOR_NFEATURES * SELECTOR_NFEATURES) ||
	      put_dbl(out, m->examples);
	/* by index, that is by ascending store id: the same state gives the same bytes */
	for (size_t i = 0; !err && i < rp->hist.ntests; i++)
		if (rp->st[i].runs)
			err = put_state(out, rp->hist.ids[i], &rp->st[i]);
	if (!err)
		err = put_values(out, rp->change_values, rp->nchange_values) ||
		      put_values(out, rp->test_values, rp->ntest_values) ||
		      put_u64(out, gi_hash64(out->ptr, out->len));
	if (err)
		return gi_error_setc(GI_ELIMIT, "the replay snapshot is larger than %zu bytes", SNAP_MAX);
	return 0;
}

static int get_state(struct reader *r, struct impact_replay *rp)
{
	long k = impact_hist_index(&rp->hist, (int64_t)get_u64(r));
	struct impact_tstate t;

	memset(&t, 0, sizeof(t));
	t.first_time = (int64_t)get_u64(r);
	t.runs = (unsigned)get_u64(r);
	t.fails = (unsigned)get_u64(r);
	t.flaky = (unsigned)get_u64(r);
	t.recent = (unsigned)get_u64(r);
	t.ema = get_dbl(r);
	t.duration = get_dbl(r);
	t.last = (int)(int64_t)get_u64(r);
	for (int i = 0; i < IMPACT_BLOOM_WORDS; i++)
		t.cof[i] = get_u64(r);
	if (r->bad)
		return gi_error_setc(GI_ECORRUPT, "it ends inside a test's state");
	if (k < 0)
		return gi_error_setc(GI_ECORRUPT, "it names a test the store does not hold");
	rp->st[k] = t;
	return 0;
}

/* n values, each 8 bytes, fit what is left of the reader. */
static double *get_values(struct reader *r, uint64_t n, size_t *alloc)
{
	double *v;

	if (n > (uint64_t)(r->end - r->p) / 8) {
		r->bad = 1;
		return NULL;
	}
	*alloc = n ? (size_t)n : 1;
	v = gi_xmallocarray(*alloc, sizeof(*v));
	for (uint64_t i = 0; i < n; i++)
		v[i] = get_dbl(r);
	return v;
}

/* The counts and the model, after the magic. */
static int get_head(struct reader *r, struct impact_replay *rp, uint64_t *nstates)
{
	struct selector_model *m = &rp->model;

	*nstates = get_u64(r);
	rp->nchange_values = (size_t)get_u64(r);
	rp->ntest_values = (size_t)get_u64(r);
	rp->ntest_audit = (size_t)get_u64(r);
	rp->full_runs = (size_t)get_u64(r);
	for (int i = 0; i < SELECTOR_NFEATURES; i++)
		m->w[i] = get_dbl(r);
	for (int i = 0; i < SELECTOR_NFEATURES * SELECTOR_NFEATURES; i++)
		m->prec[i] = get_dbl(r);
	m->examples = get_dbl(r);
	return r->bad ? gi_error_setc(GI_ECORRUPT, "it is truncated") : 0;
}

int impact_snapshot_decode(struct impact_replay *rp, const void *data, size_t len)
{
	struct reader r = { data, (const unsigned char *)data + len, 0 };
	struct reader tail;
	uint64_t nstates = 0;
	int err;

	if (len < 16 || memcmp(data, SNAP_MAGIC, 8))
		return gi_error_setc(GI_ECORRUPT, "it does not start with '%s'", SNAP_MAGIC);
	r.p += 8;
	r.end -= 8; /* the checksum */
	tail.p = r.end;
	tail.end = r.end + 8;
	tail.bad = 0;
	if (get_u64(&tail) != gi_hash64(data, len - 8))
		return gi_error_setc(GI_ECORRUPT, "its checksum does not match");
	if ((err = get_head(&r, rp, &nstates)))
		return err;
	if (nstates > (uint64_t)(r.end - r.p))
		return gi_error_setc(GI_ECORRUPT, "it counts more states than it holds");
	for (uint64_t i = 0; i < nstates; i++)
		if ((err = get_state(&r, rp)))
			return err;
	rp->change_values = get_values(&r, rp->nchange_values, &rp->change_alloc);
	rp->test_values = get_values(&r, rp->ntest_values, &rp->test_alloc);
	if (r.bad || r.p != r.end)
		return gi_error_setc(GI_ECORRUPT, "its calibration values do not fill it");
	return 0;
}
