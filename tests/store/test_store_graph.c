/* Unit tests for store/store_graph.c: the blob facts cache, one blob and many at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "testlib.h"

#define NBLOBS 6

static struct store *open_tmp(void)
{
	char dir[] = "/tmp/gi-store-graph-XXXXXX";
	char *path;
	struct store *s = NULL;

	assert_non_null(test_tmpdir(dir));
	path = gi_xstrfmt("%s/impact.db", dir);
	assert_int_equal(store_open(&s, path, STORE_CREATE), 0);
	free(path);
	return s;
}

/* 40 hex digits made of digit d. */
static void blob_id(char out[41], char d)
{
	memset(out, d, 40);
	out[40] = '\0';
}

/* What store_facts_get_many reported: per index, the facts (or NULL) and how often. */
struct seen {
	char *facts[NBLOBS];
	int calls[NBLOBS];
	char last[41];
	int ordered;
	const char *const *blobs;
};

static int seen_fn(void *data, size_t i, const void *facts, size_t len)
{
	struct seen *s = data;

	assert_true(i < NBLOBS);
	s->calls[i]++;
	free(s->facts[i]);
	s->facts[i] = gi_xstrndup(facts, len);
	if (strcmp(s->blobs[i], s->last) < 0)
		s->ordered = 0;
	snprintf(s->last, sizeof(s->last), "%s", s->blobs[i]);
	return 0;
}

static void seen_release(struct seen *s)
{
	for (int i = 0; i < NBLOBS; i++)
		free(s->facts[i]);
}

static void test_store_store_graph__facts_empty_cache(void **state)
{
	struct store *s = open_tmp();
	char a[41];
	const char *blobs[1] = { a };
	struct seen seen = { .ordered = 1, .blobs = blobs };

	(void)state;
	blob_id(a, 'a');
	assert_int_equal(store_facts_get_many(s, "pyscan/1", blobs, 1, seen_fn, &seen), 0);
	assert_int_equal(seen.calls[0], 0);
	assert_int_equal(store_facts_get_many(s, "pyscan/1", blobs, 0, seen_fn, &seen), 0);
	/* writing needs a transaction */
	assert_int_not_equal(store_facts_put_many(s, "pyscan/1", NULL, 0), 0);
	seen_release(&seen);
	store_free(s);
}

/*
 * A cache holding some of the blobs (one under another parser, one
 * replaced), asked for them out of order with duplicates: each cached
 * index reported once, in blob order, with the newest facts.
 */
static void test_store_store_graph__facts_many(void **state)
{
	struct store *s = open_tmp();
	char id[NBLOBS][41];
	const char *blobs[NBLOBS];
	struct store_facts_row rows[4];
	struct seen seen = { .ordered = 1, .blobs = blobs };
	struct gi_buf one = GI_BUF_INIT;

	(void)state;
	blob_id(id[0], 'e');
	blob_id(id[1], 'b');
	blob_id(id[2], 'c'); /* not cached */
	blob_id(id[3], 'b'); /* a duplicate of 1 */
	blob_id(id[4], 'a');
	blob_id(id[5], 'd'); /* cached under another parser only */
	for (int i = 0; i < NBLOBS; i++)
		blobs[i] = id[i];
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_facts_put(s, id[0], "pyscan/1", "old-e", 5), 0);
	assert_int_equal(store_facts_put(s, id[5], "cscan/1", "c-d", 3), 0);
	rows[0] = (struct store_facts_row){ id[0], "new-e", 5 }; /* replaces old-e */
	rows[1] = (struct store_facts_row){ id[1], "b", 1 };
	rows[2] = (struct store_facts_row){ id[4], "a", 1 };
	rows[3] = (struct store_facts_row){ id[3], "b-again", 7 }; /* a duplicate: the first wins */
	assert_int_equal(store_facts_put_many(s, "pyscan/1", rows, 4), 0);
	assert_int_equal(store_commit(s), 0);

	assert_int_equal(store_facts_get_many(s, "pyscan/1", blobs, NBLOBS, seen_fn, &seen), 0);
	assert_true(seen.ordered);
	assert_string_equal(seen.facts[0], "new-e");
	assert_string_equal(seen.facts[1], "b");
	assert_string_equal(seen.facts[3], "b");
	assert_string_equal(seen.facts[4], "a");
	assert_null(seen.facts[2]);
	assert_null(seen.facts[5]);
	for (int i = 0; i < NBLOBS; i++)
		assert_int_equal(seen.calls[i], seen.facts[i] ? 1 : 0);
	/* the single lookup agrees */
	assert_int_equal(store_facts_get(s, id[1], "pyscan/1", &one), 0);
	assert_int_equal(one.len, 1);
	assert_int_equal(store_facts_get(s, id[5], "pyscan/1", &one), GI_ENOTFOUND);
	gi_buf_release(&one);
	seen_release(&seen);
	store_free(s);
}

static int stop_fn(void *data, size_t i, const void *facts, size_t len)
{
	int *calls = data;

	(void)i, (void)facts, (void)len;
	return ++*calls == 2 ? GI_ECORRUPT : 0;
}

/* A callback's non-zero return stops the lookups and is returned. */
static void test_store_store_graph__facts_many_stop(void **state)
{
	struct store *s = open_tmp();
	char id[3][41];
	const char *blobs[3] = { id[0], id[1], id[2] };
	struct store_facts_row rows[3];
	int calls = 0;

	(void)state;
	for (int i = 0; i < 3; i++) {
		blob_id(id[i], (char)('1' + i));
		rows[i] = (struct store_facts_row){ id[i], "x", 1 };
	}
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_facts_put_many(s, "cscan/1", rows, 3), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_facts_get_many(s, "cscan/1", blobs, 3, stop_fn, &calls), GI_ECORRUPT);
	assert_int_equal(calls, 2);
	store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_store_graph__facts_empty_cache),
		cmocka_unit_test(test_store_store_graph__facts_many),
		cmocka_unit_test(test_store_store_graph__facts_many_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
