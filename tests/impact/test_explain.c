/*
 * Unit tests for impact/explain.c: a test reached by a changed module is
 * explained by the changed node and its path; a test nothing reaches has
 * no reaching node and says what it depends on; an unknown test fails
 * with GI_ENOTFOUND naming the nearest test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "impact.h"
#include "store.h"
#include "testlib.h"

static char repo_dir[64];

#define sh(...) assert_int_equal(test_sh(__VA_ARGS__), 0)
static int setup(void **state)
{
	(void)state;
	snprintf(repo_dir, sizeof(repo_dir), "/tmp/gi-explain-XXXXXX");
	return test_git_repo(repo_dir,
			     "mkdir tests && echo 'def f(): return 1' > alpha.py && "
			     "echo 'def g(): return 2' > beta.py && "
			     "printf 'import alpha\\ndef test_f(): assert alpha.f() == 1\\n' > tests/test_alpha.py && "
			     "printf 'import beta\\ndef test_g(): assert beta.g() == 2\\n' > tests/test_beta.py && "
			     "git add -A && git commit -qm one && echo '# edit' >> alpha.py && "
			     "git commit -qam two") ? 0 : -1;
}

struct fix {
	struct lineage_repo *repo;
	struct store *store;
	struct impact_select_opts opts;
};

static void fix_open(struct fix *f)
{
	char *db = gi_xstrfmt("%s/.git/impact/impact.db", repo_dir);

	memset(f, 0, sizeof(*f));
	assert_int_equal(lineage_repo_open(&f->repo, repo_dir), 0);
	assert_int_equal(store_open(&f->store, db, STORE_CREATE), 0);
	f->opts.range.base = "HEAD~1";
	f->opts.range.head = "HEAD";
	f->opts.recall = 0.99;
	f->opts.confidence = 0.95;
	f->opts.shards = 1;
	free(db);
}

static void fix_close(struct fix *f)
{
	store_free(f->store);
	lineage_repo_free(f->repo);
}

static void test_impact_explain__reached_by_path(void **state)
{
	struct impact_explanation e = { 0 };
	struct fix f;

	(void)state;
	fix_open(&f);
	assert_int_equal(impact_explain(f.repo, f.store, NULL, &f.opts, "tests/test_alpha.py", &e), 0);
	assert_true(e.selected);
	assert_int_equal(e.nreach, 1);
	assert_string_equal(e.reach[0].node, "alpha.py");
	assert_int_equal(e.reach[0].kind, IMPACT_KIND_CODE);
	assert_string_equal(e.reach[0].path, "tests/test_alpha.py -> imports -> alpha.py");
	assert_true(e.kinds & IMPACT_KIND_CODE);
	assert_true(e.analysed);
	assert_int_equal(e.changed.nr, 1);
	impact_explanation_release(&e);
	fix_close(&f);
}

static void test_impact_explain__not_reached(void **state)
{
	struct impact_explanation e = { 0 };
	struct fix f;

	(void)state;
	fix_open(&f);
	assert_int_equal(impact_explain(f.repo, f.store, NULL, &f.opts, "tests/test_beta.py", &e), 0);
	assert_int_equal(e.nreach, 0);
	assert_int_equal(e.kinds, 0);
	assert_true(e.ndeps >= 1); /* it imports beta.py */
	assert_true(e.analysed);
	impact_explanation_release(&e);
	fix_close(&f);
}

static void test_impact_explain__unknown_names_nearest(void **state)
{
	struct impact_explanation e = { 0 };
	struct fix f;

	(void)state;
	fix_open(&f);
	assert_int_equal(impact_explain(f.repo, f.store, NULL, &f.opts, "tests/test_alpah.py", &e),
			 GI_ENOTFOUND);
	assert_non_null(strstr(gi_error_last(), "no test 'tests/test_alpah.py' in the graph or history"));
	assert_non_null(strstr(gi_error_last(), "nearest: 'tests/test_alpha.py'"));
	fix_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impact_explain__reached_by_path),
		cmocka_unit_test(test_impact_explain__not_reached),
		cmocka_unit_test(test_impact_explain__unknown_names_nearest),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
