/* Unit tests for store/store_git.c: commits, raw-byte paths, boundaries, tips, counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "testlib.h"

#define OID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define OID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define BLOB1 "1111111111111111111111111111111111111111"
#define BLOB2 "2222222222222222222222222222222222222222"

static struct store *open_tmp(void)
{
	char dir[] = "/tmp/gi-store-git-XXXXXX";
	struct store *s = NULL;
	char *path;

	assert_non_null(test_tmpdir(dir));
	path = gi_xstrfmt("%s/impact.db", dir);
	assert_int_equal(store_open(&s, path, STORE_CREATE), 0);
	free(path);
	return s;
}

static void close_tmp(struct store *s)
{
	char *path = gi_xstrdup(store_path(s));

	store_free(s);
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	free(path);
}

static int64_t add_commit(struct store *s, const char *oid, const char *parents, int boundary)
{
	struct store_git_commit c = { 0 };

	snprintf(c.oid, sizeof(c.oid), "%s", oid);
	c.time = 1700000000;
	c.author_name = "A U Thor";
	c.author_email = "a@example.com";
	c.parents = (char *)parents;
	c.boundary = boundary;
	assert_int_equal(store_git_commit_add(s, &c), 0);
	assert_true(c.id > 0);
	return c.id;
}

struct collected {
	struct store_git_change v[8];
	char paths[8][2][64];
	int nr;
};

static int collect(void *data, const struct store_git_change *ch)
{
	struct collected *c = data;

	assert_true(c->nr < 8);
	c->v[c->nr] = *ch;
	/* copy the borrowed paths */
	if (ch->old_path)
		memcpy(c->paths[c->nr][0], ch->old_path, ch->old_len);
	if (ch->new_path)
		memcpy(c->paths[c->nr][1], ch->new_path, ch->new_len);
	c->nr++;
	return 0;
}

static void test_store_store_git__commit_round_trip(void **state)
{
	struct store *s = open_tmp();
	struct store_git_commit got;
	int64_t n = -1, b = -1;

	(void)state;
	assert_int_equal(store_git_commit_add(s, &(struct store_git_commit){ .oid = OID_A }),
			 GI_ERROR); /* outside a transaction */
	assert_int_equal(store_begin(s), 0);
	add_commit(s, OID_A, "", 0);
	add_commit(s, OID_B, OID_A " cccccccccccccccccccccccccccccccccccccccc", 1);
	assert_int_equal(store_commit(s), 0);

	assert_int_equal(store_git_commit_get(s, OID_B, &got), 0);
	assert_int_equal(got.time, 1700000000);
	assert_string_equal(got.author_name, "A U Thor");
	assert_string_equal(got.author_email, "a@example.com");
	assert_string_equal(got.parents, OID_A " cccccccccccccccccccccccccccccccccccccccc");
	assert_int_equal(got.boundary, 1);
	store_git_commit_release(&got);
	store_git_commit_release(NULL);
	assert_int_equal(store_git_commit_get(s, OID_A, NULL), 0);
	assert_int_equal(store_git_commit_get(s, "0123", NULL), GI_ENOTFOUND);
	assert_int_equal(store_git_commit_count(s, &n, &b), 0);
	assert_int_equal(n, 2);
	assert_int_equal(b, 1);
	close_tmp(s);
}

static void test_store_store_git__duplicate_refused(void **state)
{
	struct store *s = open_tmp();
	struct store_git_commit c = { .oid = OID_A, .parents = "" };

	(void)state;
	assert_int_equal(store_begin(s), 0);
	add_commit(s, OID_A, "", 0);
	assert_int_equal(store_git_commit_add(s, &c), GI_ERROR);
	store_rollback(s);
	assert_int_equal(store_git_commit_get(s, OID_A, NULL), GI_ENOTFOUND);
	close_tmp(s);
}

static void test_store_store_git__raw_byte_paths(void **state)
{
	static const char spaced[] = "dir with space/caf\351.txt"; /* not UTF-8 */
	struct store *s = open_tmp();
	struct store_git_change add = { .status = 'A', .new_path = spaced,
					.new_len = sizeof(spaced) - 1, .new_blob = BLOB1,
					.new_mode = 0100644 };
	struct store_git_change ren = { .status = 'R', .old_path = "a", .old_len = 1,
					.new_path = "b\nc", .new_len = 3, .old_blob = BLOB1,
					.new_blob = BLOB2, .old_mode = 0100644,
					.new_mode = 0160000, .similarity = 87 };
	struct collected c = { 0 };
	int64_t id;

	(void)state;
	assert_int_equal(store_begin(s), 0);
	id = add_commit(s, OID_A, "", 0);
	assert_int_equal(store_git_change_add(s, id, &add), 0);
	assert_int_equal(store_git_change_add(s, id, &ren), 0);
	assert_int_equal(store_commit(s), 0);

	assert_int_equal(store_git_changes_each(s, OID_A, collect, &c), 0);
	assert_int_equal(c.nr, 2);
	assert_int_equal(c.v[0].status, 'A');
	assert_null(c.v[0].old_path);
	assert_string_equal(c.v[0].old_blob, "");
	assert_int_equal(c.v[0].new_len, sizeof(spaced) - 1);
	assert_memory_equal(c.paths[0][1], spaced, sizeof(spaced) - 1);
	assert_string_equal(c.v[0].new_blob, BLOB1);
	assert_int_equal(c.v[0].new_mode, 0100644);
	assert_int_equal(c.v[0].similarity, 0);
	assert_int_equal(c.v[1].status, 'R');
	assert_memory_equal(c.paths[1][1], "b\nc", 3);
	assert_int_equal(c.v[1].new_mode, 0160000);
	assert_int_equal(c.v[1].similarity, 87);
	assert_int_equal(store_git_changes_each(s, OID_B, collect, &c), GI_ENOTFOUND);
	assert_non_null(strstr(gi_error_last(), OID_B));
	close_tmp(s);
}

static int stop_at_first(void *data, const struct store_git_change *ch)
{
	(void)ch;
	(*(int *)data)++;
	return 42;
}

static void test_store_store_git__delete_and_stop(void **state)
{
	struct store *s = open_tmp();
	struct store_git_change m = { .status = 'M', .old_path = "x", .old_len = 1,
				      .new_path = "x", .new_len = 1, .old_blob = BLOB1,
				      .new_blob = BLOB2, .old_mode = 0100644, .new_mode = 0100755 };
	int calls = 0;
	int64_t id, n;

	(void)state;
	assert_int_equal(store_begin(s), 0);
	id = add_commit(s, OID_A, "", 0);
	assert_int_equal(store_git_change_add(s, id, &m), 0);
	assert_int_equal(store_git_change_add(s, id, &m), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_git_changes_each(s, OID_A, stop_at_first, &calls), 42);
	assert_int_equal(calls, 1);

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_git_commit_delete(s, OID_A), 0);
	assert_int_equal(store_git_commit_delete(s, OID_B), 0); /* absent: no-op */
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_git_commit_get(s, OID_A, NULL), GI_ENOTFOUND);
	assert_int_equal(store_git_commit_count(s, &n, NULL), 0);
	assert_int_equal(n, 0);
	close_tmp(s);
}

static void test_store_store_git__tips_replace(void **state)
{
	struct store *s = open_tmp();
	struct gi_strvec in = GI_STRVEC_INIT, out = GI_STRVEC_INIT;

	(void)state;
	gi_strvec_push(&in, OID_B);
	gi_strvec_push(&in, OID_A);
	gi_strvec_push(&in, OID_A);
	assert_int_equal(store_git_tips_set(s, &in), GI_ERROR); /* outside a transaction */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_git_tips_set(s, &in), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_git_tips_get(s, &out), 0);
	assert_int_equal(out.nr, 2);
	assert_string_equal(out.v[0], OID_A);
	assert_string_equal(out.v[1], OID_B);
	gi_strvec_clear(&out);

	gi_strvec_clear(&in);
	gi_strvec_push(&in, OID_B);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_git_tips_set(s, &in), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_git_tips_get(s, &out), 0);
	assert_int_equal(out.nr, 1);
	assert_string_equal(out.v[0], OID_B);
	gi_strvec_clear(&out);
	gi_strvec_clear(&in);
	close_tmp(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_store_git__commit_round_trip),
		cmocka_unit_test(test_store_store_git__duplicate_refused),
		cmocka_unit_test(test_store_store_git__raw_byte_paths),
		cmocka_unit_test(test_store_store_git__delete_and_stop),
		cmocka_unit_test(test_store_store_git__tips_replace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
