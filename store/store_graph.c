/*
 * store_graph.c - the lineage graph's tables: serialised graphs per commit
 * (the most recent few kept) and the content-addressed cache of parsed
 * facts per blob and parser version.
 */
#include "store_int.h"

#include <stdint.h>
#include <sys/mman.h>

/* Append column 0 of the row `st` stepped to, or GI_ENOTFOUND. */
static int blob_column(struct store *s, sqlite3_stmt *st, const char *what, struct gi_buf *out)
{
	int rc = sqlite3_step(st), err = 0;

	if (rc == SQLITE_ROW)
		err = gi_buf_add(out, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	else if (rc == SQLITE_DONE)
		err = GI_ENOTFOUND;
	else
		err = store_sqlerr(s, what);
	if (err == GI_ELIMIT)
		gi_error_setc(err, "store '%s': %s exceeds %zu bytes", s->path, what, out->max);
	sqlite3_reset(st);
	return err;
}

/*
 * Fault in the pages of [p, p + n) in one call, before they are written:
 * a graph is megabytes, and page by page the faults cost more than the copy.
 * Only a hint (Linux 5.14+); nothing happens where it is not supported.
 */
static void populate(char *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t page = 4096, a = ((uintptr_t)p + page - 1) & ~(page - 1), e = ((uintptr_t)p + n) & ~(page - 1);

	if (e > a)
		madvise((void *)a, e - a, MADV_POPULATE_WRITE);
#else
	(void)p, (void)n;
#endif
}

/*
 * Make room for exactly n more bytes in `out` (a graph is megabytes: growing
 * by doubling would touch up to twice its pages).  GI_ELIMIT past its max.
 */
static int buf_room(struct store *s, struct gi_buf *out, size_t n)
{
	if (n > out->max || out->len > out->max - n)
		return gi_error_setc(GI_ELIMIT, "store '%s': reading a lineage graph exceeds %zu bytes",
				     s->path, out->max);
	if (out->len + n + 1 > out->alloc) {
		out->ptr = gi_xrealloc(out->ptr, out->len + n + 1);
		out->alloc = out->len + n + 1;
		populate(out->ptr + out->len, n + 1);
	}
	return 0;
}

/*
 * Append the graph blob of row `rowid` straight from its pages into `out`
 * (incremental blob I/O: no copy of the whole blob in SQLite's memory).
 * Debian's SQLite still reads each 4 KB overflow page through its page
 * cache (one pread a page: 2,466 for the bench repository's 10 MB graph);
 * serving them from 1 MB reads instead (tried with a pread shim) made an
 * update slower, 20.6 -> 24.6 ms CPU, and so did 64 KB pages, 22 -> 31 ms.  Not
 * memory-mapped: with `out` on huge pages (gi_alloc_prefer_huge_pages),
 * mapping 2,000 file pages, faulting them in and unmapping them at close
 * cost more than reading them (select 51.5 -> 42.5 ms CPU, full size).
 */
static int read_graph_blob(struct store *s, sqlite3_int64 rowid, struct gi_buf *out)
{
	sqlite3_blob *blob = NULL;
	int len, err = 0;

	if (sqlite3_blob_open(s->db, "main", "graphs", "data", rowid, 0, &blob) != SQLITE_OK) {
		err = store_sqlerr(s, "reading a lineage graph");
		goto done;
	}
	len = sqlite3_blob_bytes(blob);
	if ((err = buf_room(s, out, (size_t)len)))
		goto done;
	if (len && sqlite3_blob_read(blob, out->ptr + out->len, len, 0) != SQLITE_OK) {
		err = store_sqlerr(s, "reading a lineage graph");
		goto done;
	}
	out->len += (size_t)len;
	out->ptr[out->len] = '\0';
done:
	sqlite3_blob_close(blob);
	return err;
}

int store_graph_read(struct store *s, const char *oid, int *format, char base[41],
		     struct gi_buf *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT rowid, format, base FROM graphs WHERE commit_oid = ?1");
	const unsigned char *b;
	int rc, err;

	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, oid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	/* read while the statement still holds the read transaction */
	if (rc == SQLITE_ROW) {
		*format = sqlite3_column_int(st, 1);
		b = sqlite3_column_text(st, 2);
		snprintf(base, 41, "%s", b ? (const char *)b : "");
		err = read_graph_blob(s, sqlite3_column_int64(st, 0), out);
	} else {
		err = rc == SQLITE_DONE ? GI_ENOTFOUND : store_sqlerr(s, "reading a lineage graph");
	}
	sqlite3_reset(st);
	return err;
}

int store_graph_get(struct store *s, const char *oid, struct gi_buf *out)
{
	char base[41];
	int format;

	return store_graph_read(s, oid, &format, base, out);
}

int store_graph_write(struct store *s, const char *oid, int format, const char *base,
		      const void *data, size_t len, int keep)
{
	sqlite3_stmt *st;
	int err;

	if ((err = store_need_tx(s, "store_graph_write")))
		return err;
	st = store_stmt(s, "INSERT OR REPLACE INTO graphs(commit_oid, built, format, data, base) "
			   "VALUES (?1, ?2, ?3, ?4, ?5)");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, oid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)gi_unix_now());
	sqlite3_bind_int(st, 3, format);
	sqlite3_bind_blob64(st, 4, data, (sqlite3_uint64)len, SQLITE_STATIC);
	if (base)
		sqlite3_bind_text(st, 5, base, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	if ((err = store_step_done(s, st, "saving a lineage graph")))
		return err;
	/* the `keep` newest, and the graphs they are deltas against */
	st = store_stmt(s, "WITH kept AS (SELECT rowid, base FROM graphs "
			   "ORDER BY built DESC, rowid DESC LIMIT ?1) "
			   "DELETE FROM graphs WHERE rowid NOT IN (SELECT rowid FROM kept) "
			   "AND commit_oid NOT IN (SELECT base FROM kept WHERE base IS NOT NULL)");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_int(st, 1, keep);
	return store_step_done(s, st, "evicting old lineage graphs");
}

int store_graph_put(struct store *s, const char *oid, int format, const void *data,
		    size_t len, int keep)
{
	return store_graph_write(s, oid, format, NULL, data, len, keep);
}

int store_facts_get(struct store *s, const char *blob, const char *parser, struct gi_buf *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT facts FROM blob_facts WHERE blob = ?1 AND parser = ?2");

	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, blob, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, parser, -1, SQLITE_STATIC);
	return blob_column(s, st, "reading cached facts", out);
}

int store_facts_put(struct store *s, const char *blob, const char *parser, const void *data,
		    size_t len)
{
	sqlite3_stmt *st;
	int err;

	if ((err = store_need_tx(s, "store_facts_put")))
		return err;
	st = store_stmt(s, "INSERT OR REPLACE INTO blob_facts(blob, parser, facts) VALUES (?1, ?2, ?3)");
	if (!st)
		return GI_ERROR;
	sqlite3_bind_text(st, 1, blob, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, parser, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 3, data ? data : "", (sqlite3_uint64)len, SQLITE_STATIC);
	return store_step_done(s, st, "caching facts");
}

/* A blob id and where it came from, for sorting. */
struct facts_key {
	const char *blob;
	size_t i;
};

static int cmp_facts_key(const void *a, const void *b)
{
	const struct facts_key *x = a, *y = b;
	int c = strcmp(x->blob, y->blob);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* blobs[0..n) with their indexes, sorted by blob id (then index); the caller frees. */
static struct facts_key *sorted_keys(const char *const *blobs, size_t n)
{
	struct facts_key *k = gi_xmallocarray(n ? n : 1, sizeof(*k));

	for (size_t i = 0; i < n; i++) {
		k[i].blob = blobs[i];
		k[i].i = i;
	}
	gi_qsort(k, n, sizeof(*k), cmp_facts_key);
	return k;
}

/* 1 if blob_facts holds no row, 0 if it does, negative on error. */
static int facts_empty(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM blob_facts LIMIT 1");
	int rc;

	if (!st)
		return GI_ERROR;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc == SQLITE_DONE;
	return store_sqlerr(s, "reading cached facts");
}

/* fn for keys k[0..n) (one blob id) if the row `st` was stepped to is there. */
static int facts_found(sqlite3_stmt *st, const struct facts_key *k, size_t n,
		       store_facts_fn fn, void *data)
{
	const void *facts = sqlite3_column_blob(st, 0);
	size_t len = (size_t)sqlite3_column_bytes(st, 0);
	int err = 0;

	for (size_t j = 0; j < n && !err; j++)
		err = fn(data, k[j].i, facts ? facts : "", len);
	return err;
}

int store_facts_get_many(struct store *s, const char *parser, const char *const *blobs,
			 size_t n, store_facts_fn fn, void *data)
{
	sqlite3_stmt *st;
	struct facts_key *k = NULL;
	size_t i, j;
	int rc, err = 0;

	if (!n || (err = facts_empty(s)) != 0)
		return err < 0 ? err : 0;
	if (!(st = store_stmt(s, "SELECT facts FROM blob_facts WHERE blob = ?1 AND parser = ?2")))
		return GI_ERROR;
	k = sorted_keys(blobs, n);
	sqlite3_bind_text(st, 2, parser, -1, SQLITE_STATIC);
	for (i = 0; i < n && !err; i = j) {
		for (j = i + 1; j < n && !strcmp(k[j].blob, k[i].blob); j++)
			;
		sqlite3_bind_text(st, 1, k[i].blob, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			err = facts_found(st, k + i, j - i, fn, data);
		else if (rc != SQLITE_DONE)
			err = store_sqlerr(s, "reading cached facts");
		sqlite3_reset(st);
	}
	free(k);
	return err;
}

int store_facts_put_many(struct store *s, const char *parser,
			 const struct store_facts_row *rows, size_t n)
{
	sqlite3_stmt *st;
	struct facts_key *k = NULL;
	const char **blobs = NULL;
	int err;

	if ((err = store_need_tx(s, "store_facts_put_many")) || !n)
		return err;
	st = store_stmt(s, "INSERT OR REPLACE INTO blob_facts(blob, parser, facts) VALUES (?1, ?2, ?3)");
	if (!st)
		return GI_ERROR;
	blobs = gi_xmallocarray(n, sizeof(*blobs));
	for (size_t i = 0; i < n; i++)
		blobs[i] = rows[i].blob;
	k = sorted_keys(blobs, n);
	for (size_t i = 0; i < n && !err; i++) {
		const struct store_facts_row *r = &rows[k[i].i];

		if (i && !strcmp(k[i].blob, k[i - 1].blob))
			continue;
		sqlite3_bind_text(st, 1, r->blob, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, parser, -1, SQLITE_STATIC);
		sqlite3_bind_blob64(st, 3, r->data ? r->data : "", (sqlite3_uint64)r->len, SQLITE_STATIC);
		err = store_step_done(s, st, "caching facts");
	}
	free(k);
	free(blobs);
	return err;
}
