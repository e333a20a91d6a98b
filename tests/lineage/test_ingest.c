/*
 * Unit tests for lineage/ingest.c on small repositories built with git:
 * batches, the recorded tips that keep a second walk short, equal dates,
 * a missing parent object, and --rev ranges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lineage.h"
#include "store.h"

struct fixture {
	char dir[64];
	struct lineage_repo *repo;
	struct store *store;
};

/* Run a shell command in the fixture's folder; fail the test if it fails. */
static void sh(const struct fixture *f, const char *cmd)
{
	char *full = gi_xstrfmt("cd '%s' && { %s; } >/dev/null 2>&1", f->dir, cmd);

	assert_int_equal(system(full), 0);
	free(full);
}

/* `n` commits on the current branch, files f<start>..; all with the same date when `same_date`. */
static void commits(const struct fixture *f, int start, int n, int same_date)
{
	for (int i = start; i < start + n; i++) {
		char *cmd = gi_xstrfmt("echo %d >f%d && git add f%d && "
				       "GIT_COMMITTER_DATE='2024-01-01T%02d:%02d:00Z' git commit -q -m c%d",
				       i, i, i, same_date ? 0 : i / 60, same_date ? 0 : i % 60, i);

		sh(f, cmd);
		free(cmd);
	}
}

static void open_all(struct fixture *f)
{
	char *db = gi_xstrfmt("%s/store.db", f->dir);

	lineage_repo_free(f->repo);
	store_free(f->store);
	assert_int_equal(lineage_repo_open(&f->repo, f->dir), 0);
	assert_int_equal(store_open(&f->store, db, STORE_CREATE), 0);
	free(db);
}

static int setup(void **state)
{
	struct fixture *f = gi_xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/gi-ingest-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	setenv("GIT_AUTHOR_NAME", "A", 1);
	setenv("GIT_AUTHOR_EMAIL", "a@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "C", 1);
	setenv("GIT_COMMITTER_EMAIL", "c@example.com", 1);
	setenv("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	sh(f, "git init -q . && git checkout -q -b main");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = gi_xstrfmt("rm -rf '%s'", f->dir);

	store_free(f->store);
	lineage_repo_free(f->repo);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f);
	return 0;
}

static void ingest(struct fixture *f, const char *rev, int batch, struct lineage_ingest_stats *st)
{
	struct lineage_ingest_opts opts = { rev, batch };

	assert_int_equal(lineage_ingest(f->repo, f->store, &opts, st), 0);
}

static void test_lineage_ingest__batches_and_tips(void **state)
{
	struct fixture *f = *state;
	struct lineage_ingest_stats st;
	struct gi_strvec tips = GI_STRVEC_INIT;
	int64_t n = 0;

	commits(f, 1, 7, 0);
	open_all(f);
	ingest(f, NULL, 3, &st); /* three transactions: 3 + 3 + 1 */
	assert_int_equal(st.commits, 7);
	assert_int_equal(st.changes, 7);
	assert_int_equal(st.boundaries, 0);
	assert_int_equal(store_git_commit_count(f->store, &n, NULL), 0);
	assert_int_equal(n, 7);
	assert_int_equal(store_git_tips_get(f->store, &tips), 0);
	assert_int_equal(tips.nr, 1);
	gi_strvec_clear(&tips);

	commits(f, 8, 2, 0);
	open_all(f);
	ingest(f, NULL, 0, &st);
	assert_int_equal(st.commits, 2);
	assert_int_equal(st.known, 0); /* the old tip hid the old history */
}

static void test_lineage_ingest__same_dates_and_branches(void **state)
{
	struct fixture *f = *state;
	struct lineage_ingest_stats st;

	commits(f, 1, 4, 1);
	open_all(f);
	ingest(f, NULL, 0, &st);
	assert_int_equal(st.commits, 4);
	sh(f, "git checkout -q -b side HEAD~2");
	commits(f, 10, 2, 1);
	sh(f, "git checkout -q main && git merge -q --no-edit side");
	open_all(f);
	ingest(f, NULL, 0, &st);
	assert_int_equal(st.commits, 3); /* two on side, the merge */
	assert_int_equal(st.changes, 2 + 2); /* the merge's first-parent diff adds both files */
}

static void test_lineage_ingest__missing_parent_is_a_boundary(void **state)
{
	struct fixture *f = *state;
	struct lineage_ingest_stats st;
	struct store_git_commit c;
	char root[41], second[41];

	commits(f, 1, 3, 0);
	open_all(f);
	assert_int_equal(lineage_repo_resolve(f->repo, "HEAD~2", root), 0);
	assert_int_equal(lineage_repo_resolve(f->repo, "HEAD~1", second), 0);
	{
		char *cmd = gi_xstrfmt("rm -f .git/objects/%.2s/%s", root, root + 2);

		sh(f, cmd);
		free(cmd);
	}
	open_all(f);
	ingest(f, NULL, 0, &st);
	assert_int_equal(st.commits, 2);
	assert_int_equal(st.boundaries, 1);
	assert_string_equal(st.boundary_oid, second);
	assert_int_equal(store_git_commit_get(f->store, second, &c), 0);
	assert_int_equal(c.boundary, 1);
	assert_string_equal(c.parents, root);
	store_git_commit_release(&c);
	assert_int_equal(store_git_commit_get(f->store, root, NULL), GI_ENOTFOUND);
}

static void test_lineage_ingest__ranges(void **state)
{
	struct fixture *f = *state;
	struct lineage_ingest_stats st;
	struct gi_strvec tips = GI_STRVEC_INIT;
	struct lineage_ingest_opts bad = { "main..no-such-rev", 0 };

	commits(f, 1, 5, 0);
	open_all(f);
	assert_int_equal(lineage_ingest(f->repo, f->store, &bad, &st), GI_ENOTFOUND);
	assert_non_null(strstr(gi_error_last(), "'no-such-rev'"));
	ingest(f, "HEAD~2..HEAD", 0, &st);
	assert_int_equal(st.commits, 2);
	assert_int_equal(store_git_tips_get(f->store, &tips), 0);
	assert_int_equal(tips.nr, 0); /* a range leaves history below it unstored */
	ingest(f, "..HEAD~3", 0, &st); /* HEAD..HEAD~3: nothing */
	assert_int_equal(st.commits, 0);
	ingest(f, NULL, 0, &st);
	assert_int_equal(st.commits, 3);
	assert_int_equal(st.known, 2);
	gi_strvec_clear(&tips);
}

/* Ingest turns libgit2's object cache off for its walk and back on after. */
static void test_lineage_ingest__leaves_the_object_cache_on(void **state)
{
	struct fixture *f = *state;
	struct lineage_ingest_stats st;
	git_commit *a = NULL, *b = NULL;
	git_oid head;

	commits(f, 1, 2, 0);
	open_all(f);
	ingest(f, NULL, 0, &st);
	assert_int_equal(st.commits, 2);
	assert_int_equal(git_reference_name_to_id(&head, lineage_repo_git(f->repo), "HEAD"), 0);
	assert_int_equal(git_commit_lookup(&a, lineage_repo_git(f->repo), &head), 0);
	assert_int_equal(git_commit_lookup(&b, lineage_repo_git(f->repo), &head), 0);
	assert_ptr_equal(a, b); /* the second lookup came from the cache */
	git_commit_free(a);
	git_commit_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lineage_ingest__batches_and_tips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lineage_ingest__same_dates_and_branches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lineage_ingest__missing_parent_is_a_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lineage_ingest__ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lineage_ingest__leaves_the_object_cache_on, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
