/*
 * Unit tests for impact/changes.c: merge-base resolution, renames,
 * deletions, mode changes, the work tree (staged, unstaged, untracked),
 * root commits, and unknown or missing bases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "impact.h"
#include "testlib.h"

static char repo_dir[64];

#define sh(...) assert_int_equal(test_sh(__VA_ARGS__), 0)

static int setup(void **state)
{
	(void)state;
	snprintf(repo_dir, sizeof(repo_dir), "/tmp/gi-changes-XXXXXX");
	return test_git_repo(repo_dir,
			     "printf 'one\\ntwo\\nthree\\nfour\\nfive\\n' > keep.txt && echo a > a.py && "
			     "echo b > b.py && echo s > run.sh && git add -A && git commit -qm root && "
			     "git tag root && git checkout -qb feature && echo a2 >> a.py && "
			     "git mv keep.txt moved.txt && git rm -q b.py && chmod +x run.sh && "
			     "git add -A && git commit -qm change && git tag feature-tip && "
			     "git checkout -q main && echo m > main-only.txt && git add -A && "
			     "git commit -qm main-side") ? 0 : -1;
}

static const struct impact_change *find(const struct impact_changeset *cs, const char *path)
{
	for (size_t i = 0; i < cs->nr; i++)
		if (!strcmp(impact_change_path(&cs->v[i]), path))
			return &cs->v[i];
	return NULL;
}

static struct lineage_repo *open_repo(void)
{
	struct lineage_repo *r = NULL;

	assert_int_equal(lineage_repo_open(&r, repo_dir), 0);
	return r;
}

static void test_impact_changes__merge_base_and_kinds(void **state)
{
	struct lineage_repo *r = open_repo();
	struct impact_range range = { "main", "feature-tip", 0 };
	struct impact_changeset cs = { 0 };
	const struct impact_change *c;

	(void)state;
	assert_int_equal(impact_changeset_compute(r, &range, &cs), 0);
	/* measured from the merge-base: main's own commit is not part of it */
	assert_null(find(&cs, "main-only.txt"));
	assert_int_equal(cs.nr, 4);
	assert_non_null(c = find(&cs, "a.py"));
	assert_int_equal(c->status, IMPACT_MODIFIED);
	assert_int_equal(strlen(c->new_blob), 40);
	assert_non_null(c = find(&cs, "moved.txt"));
	assert_int_equal(c->status, IMPACT_RENAMED);
	assert_string_equal(c->old_path, "keep.txt");
	assert_non_null(c = find(&cs, "b.py"));
	assert_int_equal(c->status, IMPACT_DELETED);
	assert_null(c->new_path);
	assert_non_null(c = find(&cs, "run.sh"));
	assert_int_equal(c->status, IMPACT_TYPECHANGE);
	assert_non_null(strstr(cs.base_desc, "merge-base"));
	impact_changeset_release(&cs);
	lineage_repo_free(r);
}

static void test_impact_changes__worktree(void **state)
{
	struct lineage_repo *r = open_repo();
	struct impact_range range = { "HEAD", NULL, 1 };
	struct impact_changeset cs = { 0 };

	(void)state;
	sh("cd %s && echo staged > staged.py && git add staged.py && echo dirty >> a.py && "
	   "mkdir -p new/dir && echo u > new/dir/untracked.py && echo '*.log' > .git/info/exclude && "
	   "echo x > ignored.log", repo_dir);
	assert_int_equal(impact_changeset_compute(r, &range, &cs), 0);
	assert_true(cs.worktree);
	assert_non_null(find(&cs, "staged.py"));
	assert_non_null(find(&cs, "a.py"));
	assert_non_null(find(&cs, "new/dir/untracked.py"));
	assert_null(find(&cs, "ignored.log"));
	impact_changeset_release(&cs);
	sh("cd %s && git reset -q --hard && git clean -qfd", repo_dir);
	lineage_repo_free(r);
}

static void test_impact_changes__root_and_errors(void **state)
{
	struct lineage_repo *r = open_repo();
	struct impact_range root = { NULL, "root", 0 };
	struct impact_range bad = { "no-such-rev", NULL, 0 };
	struct impact_range both = { "HEAD", "HEAD", 1 };
	struct impact_changeset cs = { 0 };

	(void)state;
	assert_int_equal(impact_changeset_compute(r, &root, &cs), 0);
	assert_string_equal(cs.base, "");
	assert_int_equal(cs.nr, 4);
	impact_changeset_release(&cs);
	assert_int_equal(impact_changeset_compute(r, &bad, &cs), GI_ENOTFOUND);
	assert_non_null(strstr(gi_error_last(), "'no-such-rev'"));
	assert_int_equal(impact_changeset_compute(r, &both, &cs), GI_EUSAGE);
	lineage_repo_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impact_changes__merge_base_and_kinds),
		cmocka_unit_test(test_impact_changes__worktree),
		cmocka_unit_test(test_impact_changes__root_and_errors),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
