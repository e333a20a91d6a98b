/* Unit tests for lineage/treediff.c: the diff of two commits' trees, identical folders skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lineage.h"
#include "testlib.h"
#include "treediff_int.h"

static char dir[] = "/tmp/gi-test-treediff-XXXXXX";
static char c1[41], c2[41], c3[41];

static int sh(const char *script)
{
	char *cmd = gi_xstrfmt("cd '%s/r' && %s", dir, script);
	int rc = system(cmd);

	free(cmd);
	return rc;
}

/* c1: a/b/deep.py, a/same/x.py, top.txt, run.sh; c2 edits deep, chmods run.sh, adds
 * new/n.py; c3 deletes top.txt and adds moved.txt (a rename candidate). */
static int make_repo(void **state)
{
	struct lineage_repo *repo = NULL;
	char *path;
	int rc;

	(void)state;
	if (!test_tmpdir(dir))
		return -1;
	path = gi_xstrfmt("git init -q '%s/r'", dir);
	rc = system(path);
	free(path);
	if (rc)
		return -1;
	rc = sh("mkdir -p a/b a/same && echo 1 > a/b/deep.py && echo x > a/same/x.py && "
		"echo t > top.txt && echo s > run.sh && git add -A && "
		"git -c user.name=t -c user.email=t@example.com commit -qm one && "
		"echo 2 > a/b/deep.py && chmod +x run.sh && mkdir new && echo n > new/n.py && "
		"git add -A && git -c user.name=t -c user.email=t@example.com commit -qm two && "
		"git mv top.txt moved.txt && git -c user.name=t -c user.email=t@example.com commit -qm three");
	path = gi_xstrfmt("%s/r", dir);
	if (rc || lineage_repo_open(&repo, path) || lineage_repo_resolve(repo, "HEAD~2", c1) ||
	    lineage_repo_resolve(repo, "HEAD~1", c2) || lineage_repo_resolve(repo, "HEAD", c3))
		rc = -1;
	lineage_repo_free(repo);
	free(path);
	return rc ? -1 : 0;
}

static void diff(const char *base, const char *head, struct lineage_tree_diff *out)
{
	struct lineage_repo *repo = NULL;
	char *path = gi_xstrfmt("%s/r", dir);

	assert_int_equal(lineage_repo_open(&repo, path), 0);
	assert_int_equal(lineage_tree_diff(repo, base, head, out), 0);
	lineage_repo_free(repo);
	free(path);
}

static void test_lineage_treediff__edits_modes_adds(void **state)
{
	struct lineage_tree_diff d;

	(void)state;
	diff(c1, c2, &d);
	assert_int_equal(d.nr, 3);
	assert_string_equal(d.v[0].path, "a/b/deep.py");
	assert_int_equal(d.v[0].status, 'M');
	assert_int_not_equal(strcmp(d.v[0].old_blob, d.v[0].new_blob), 0);
	assert_string_equal(d.v[1].path, "new/n.py");
	assert_int_equal(d.v[1].status, 'A');
	assert_int_equal(d.v[1].old_mode, 0);
	assert_string_equal(d.v[2].path, "run.sh");
	assert_int_equal(d.v[2].status, 'M');
	assert_int_equal(d.v[2].old_mode, 0100644);
	assert_int_equal(d.v[2].new_mode, 0100755);
	assert_true(d.adds && !d.dels);
	lineage_tree_diff_release(&d);
}

static void test_lineage_treediff__renames_flagged_and_root(void **state)
{
	struct lineage_tree_diff d;

	(void)state;
	diff(c2, c3, &d); /* a rename: an add and a delete, for the caller to pair */
	assert_int_equal(d.nr, 2);
	assert_true(d.adds && d.dels);
	assert_string_equal(d.v[0].path, "moved.txt");
	assert_string_equal(d.v[1].path, "top.txt");
	assert_string_equal(d.v[0].new_blob, d.v[1].old_blob);
	lineage_tree_diff_release(&d);
	diff(NULL, c1, &d); /* the root commit: every file added */
	assert_int_equal(d.nr, 4);
	assert_true(d.adds && !d.dels);
	lineage_tree_diff_release(&d);
}

static void tree_of(struct lineage_repo *repo, const char *commit, git_oid *commit_oid,
		    git_oid *tree)
{
	git_commit *c = NULL;

	assert_int_equal(git_oid_fromstr(commit_oid, commit), 0);
	assert_int_equal(git_commit_lookup(&c, lineage_repo_git(repo), commit_oid), 0);
	git_oid_cpy(tree, git_commit_tree_id(c));
	git_commit_free(c);
}

/* d and e hold the same changes, in the same order. */
static void same_changes(const struct tdiff *d, const struct tdiff *e)
{
	assert_int_equal(d->nr, e->nr);
	for (size_t i = 0; i < d->nr; i++) {
		assert_int_equal(d->v[i].status, e->v[i].status);
		assert_int_equal(d->v[i].path_len, e->v[i].path_len);
		assert_memory_equal(d->names.ptr + d->v[i].path_off, e->names.ptr + e->v[i].path_off,
				    d->v[i].path_len);
		assert_true(git_oid_equal(&d->v[i].old_id, &e->v[i].old_id));
		assert_true(git_oid_equal(&d->v[i].new_id, &e->v[i].new_id));
	}
}

/* Diff c1..c2 then c2..c3 through one tree cache: as without it; the cache's hits. */
static size_t cached_walk(size_t slots, size_t bytes)
{
	const char *c[] = { c1, c2, c3 };
	struct lineage_repo *repo = NULL;
	char *path = gi_xstrfmt("%s/r", dir);
	struct tcache cache;
	git_oid commit[3], tree[3];
	size_t hits;

	assert_int_equal(lineage_repo_open(&repo, path), 0);
	for (int i = 0; i < 3; i++)
		tree_of(repo, c[i], &commit[i], &tree[i]);
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0); /* as ingest runs it: trees are ours */
	tcache_init(&cache, slots, bytes);
	for (int i = 1; i < 3; i++) {
		struct tdiff d, e;

		tdiff_init(&d, lineage_repo_git(repo), &commit[i]);
		tdiff_cache(&d, &cache);
		tdiff_init(&e, lineage_repo_git(repo), &commit[i]);
		assert_int_equal(tdiff_run(&d, &tree[i - 1], &tree[i]), 0);
		assert_int_equal(tdiff_run(&e, &tree[i - 1], &tree[i]), 0);
		same_changes(&d, &e);
		tdiff_release(&d);
		tdiff_release(&e);
	}
	hits = cache.hits;
	tcache_release(&cache);
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 1);
	lineage_repo_free(repo);
	free(path);
	return hits;
}

static void test_lineage_treediff__tree_cache(void **state)
{
	(void)state;
	/* c2's root tree, read as new by the first diff, is not read again as old */
	assert_true(cached_walk(4096, 1 << 20) > 0);
	/* one slot, which every tree wants: the trees a diff is using are not
	 * evicted under it (a use after free here would show under ASan) */
	cached_walk(1, 1 << 20);
	/* no room: nothing kept, same result */
	assert_int_equal(cached_walk(4096, 1), 0);
}

/* Write a tree object of `len` bytes as given (git would refuse a bad one). */
static void write_tree(git_repository *git, const char *data, size_t len, git_oid *out)
{
	git_odb *odb = NULL;

	assert_int_equal(git_repository_odb(&odb, git), 0);
	assert_int_equal(git_odb_write(out, odb, data, len, GIT_OBJECT_TREE), 0);
	git_odb_free(odb);
}

/* "<mode> <name>\0" and the id of a blob, appended at buf + *len. */
static void add_entry(char *buf, size_t *len, const char *mode_name, const git_oid *id)
{
	size_t n = strlen(mode_name) + 1;

	memcpy(buf + *len, mode_name, n);
	memcpy(buf + *len + n, id->id, GIT_OID_RAWSZ);
	*len += n + GIT_OID_RAWSZ;
}

/* Diffing the empty tree against tree `data` fails, naming the place; or gives `mode`. */
static void parse_tree(git_repository *git, const char *data, size_t len, const char *want,
		       uint32_t mode)
{
	struct tdiff d;
	git_oid tree;

	write_tree(git, data, len, &tree);
	tdiff_init(&d, git, &tree);
	if (want) {
		assert_int_equal(tdiff_run(&d, NULL, &tree), GI_EINPUT);
		assert_non_null(strstr(gi_error_last(), want));
	} else {
		assert_int_equal(tdiff_run(&d, NULL, &tree), 0);
		assert_int_equal(d.nr, 1);
		assert_int_equal(d.v[0].new_mode, mode);
	}
	tdiff_release(&d);
}

static void test_lineage_treediff__bad_trees(void **state)
{
	struct lineage_repo *repo = NULL;
	char *path = gi_xstrfmt("%s/r", dir), buf[256];
	git_repository *git;
	git_odb *odb = NULL;
	git_oid blob;
	size_t len;

	(void)state;
	assert_int_equal(lineage_repo_open(&repo, path), 0);
	git = lineage_repo_git(repo);
	assert_int_equal(git_repository_odb(&odb, git), 0);
	assert_int_equal(git_odb_write(&blob, odb, "x\n", 2, GIT_OBJECT_BLOB), 0);
	git_odb_free(odb);
	len = 0, add_entry(buf, &len, "10a644 f", &blob);
	parse_tree(git, buf, len, "at byte 0: bad file mode", 0);
	len = 0, add_entry(buf, &len, "1006440 f", &blob);
	parse_tree(git, buf, len, "at byte 0: bad file mode", 0);
	len = 0, add_entry(buf, &len, "100644 f", &blob), add_entry(buf, &len, "100644 ", &blob);
	parse_tree(git, buf, len, "at byte 29: bad file name", 0);
	len = 0, add_entry(buf, &len, "100644 f", &blob);
	parse_tree(git, buf, len - 1, "at byte 0: truncated object id", 0);
	len = 0, add_entry(buf, &len, "40000 d", &blob);
	parse_tree(git, buf, len, "at byte 0: not a tree", 0);
	/* odd modes read as libgit2 reads them */
	len = 0, add_entry(buf, &len, "100664 f", &blob);
	parse_tree(git, buf, len, NULL, 0100644);
	len = 0, add_entry(buf, &len, "100744 f", &blob);
	parse_tree(git, buf, len, NULL, 0100755);
	len = 0, add_entry(buf, &len, "240000 f", &blob);
	parse_tree(git, buf, len, NULL, 0100644);
	lineage_repo_free(repo);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lineage_treediff__edits_modes_adds),
		cmocka_unit_test(test_lineage_treediff__renames_flagged_and_root),
		cmocka_unit_test(test_lineage_treediff__tree_cache),
		cmocka_unit_test(test_lineage_treediff__bad_trees),
	};
	return cmocka_run_group_tests(tests, make_repo, NULL);
}
