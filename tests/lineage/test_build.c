/* Unit tests for lineage/build.c: the graph of a real (scripted) commit, with and without a store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "graph_int.h"
#include "store.h"

static char dir[] = "/tmp/gi-test-build-XXXXXX";

static int make_repo(void **state)
{
	char *cmd;
	int rc;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	cmd = gi_xstrfmt(
		"cd '%s' && git init -q r && cd r && mkdir -p pkg tests && "
		"printf 'from .core import run\\n' > pkg/__init__.py && "
		"printf 'def run(): return open(\"data.csv\")\\n' > pkg/core.py && "
		"printf 'a\\n' > data.csv && printf 'x\\n' > notes.txt && "
		"printf 'from pkg import run\\n' > tests/test_core.py && "
		"printf 'train:\\n  lr: 0.1\\n' > params.yaml && "
		"git add -A && git -c user.name=t -c user.email=t@example.com commit -qm init", dir);
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

static int remove_repo(void **state)
{
	char *cmd = gi_xstrfmt("rm -rf '%s'", dir);
	int rc;

	(void)state;
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

static struct lineage_graph *graph_of_head(struct store *st)
{
	struct lineage_repo *repo = NULL;
	struct lineage_graph *g = NULL;
	char *path = gi_xstrfmt("%s/r", dir), oid[41];

	assert_int_equal(lineage_repo_open(&repo, path), 0);
	assert_int_equal(lineage_repo_resolve(repo, "HEAD", oid), 0);
	assert_int_equal(lineage_graph_for_commit(repo, st, oid, &g), 0);
	lineage_repo_free(repo);
	free(path);
	return g;
}

static int has_edge(const struct lineage_graph *g, int fk, const char *from, int kind, const char *to)
{
	uint32_t n = lineage_graph_find(g, fk, from);
	const struct lineage_edge *e;
	size_t ne;

	if (n == LINEAGE_NONE)
		return 0;
	ne = lineage_graph_deps(g, n, &e);
	for (size_t i = 0; i < ne; i++)
		if ((int)e[i].kind == kind && !strcmp(lineage_node_name(g, e[i].node), to))
			return 1;
	return 0;
}

static void test_lineage_build__no_store(void **state)
{
	struct lineage_graph *g = graph_of_head(NULL);
	uint32_t n;

	(void)state;
	assert_true(has_edge(g, LINEAGE_NODE_TEST, "tests/test_core.py", LINEAGE_EDGE_IMPORTS, "pkg/core.py"));
	assert_true(has_edge(g, LINEAGE_NODE_FILE, "pkg/core.py", LINEAGE_EDGE_READS, "data.csv"));
	n = lineage_graph_find(g, LINEAGE_NODE_FILE, "notes.txt");
	assert_true(lineage_node_flags(g, n) & LINEAGE_NODE_UNPLACED);
	n = lineage_graph_find(g, LINEAGE_NODE_FILE, "params.yaml");
	assert_true(lineage_node_flags(g, n) & LINEAGE_NODE_MANIFEST);
	assert_false(lineage_node_flags(g, n) & LINEAGE_NODE_UNPLACED);
	assert_int_not_equal(lineage_graph_find(g, LINEAGE_NODE_PARAM, "params.yaml:train.lr"), LINEAGE_NONE);
	lineage_graph_free(g);
}

static void test_lineage_build__stored(void **state)
{
	char *db = gi_xstrfmt("%s/impact.db", dir);
	struct store *st = NULL;
	struct lineage_graph *a, *b;
	struct gi_buf ea = GI_BUF_INIT, eb = GI_BUF_INIT;

	(void)state;
	assert_int_equal(store_open(&st, db, STORE_CREATE), 0);
	a = graph_of_head(st); /* built and saved */
	b = graph_of_head(st); /* loaded */
	assert_int_equal(lineage_graph_encode(a, &ea), 0);
	assert_int_equal(lineage_graph_encode(b, &eb), 0);
	assert_int_equal(ea.len, eb.len);
	assert_memory_equal(ea.ptr, eb.ptr, ea.len);
	gi_buf_release(&ea);
	gi_buf_release(&eb);
	lineage_graph_free(a);
	lineage_graph_free(b);
	store_free(st);
	free(db);
}

/* ---- incremental == from scratch ------------------------------------------------ */

static char series[] = "/tmp/gi-test-series-XXXXXX";

/* A history of adds, deletes, renames, body edits, manifest and params changes. */
static const char *const steps[] = {
	("mkdir -p pkg tests && printf 'from .core import run\\n' > pkg/__init__.py && "
	 "printf 'def run(): return open(\"data.csv\")\\n' > pkg/core.py && printf 'a\\n' > data.csv && "
	 "printf 'x\\n' > notes.txt && printf 'from pkg import run\\n' > tests/test_core.py && "
	 "printf 'train:\\n  lr: 0.1\\n  n: 3\\n' > params.yaml"),
	"printf 'def run():\\n    x = 1\\n    return open(\"data.csv\")\\n' > pkg/core.py",
	("printf 'def more(): return 2\\n' > pkg/extra.py && "
	 "printf 'from pkg.extra import more\\n' > tests/test_extra.py"),
	"git rm -q notes.txt",
	"git mv pkg/extra.py pkg/extra2.py && printf 'from pkg.extra2 import more\\n' > tests/test_extra.py",
	"printf 'train:\\n  lr: 0.2\\n  n: 3\\n' > params.yaml",
	"printf 'tests:\\n  \"tests/test_core.py::*\":\\n    depends: [\"params.yaml:train.lr\"]\\n' > impact.yaml",
	"printf 'from pkg import run\\nimport pkg.extra2\\n' > tests/test_core.py",
	"printf 'def run():\\n    return open(\"data.csv\")  # edited\\n' > pkg/core.py",
	"printf 'b\\n' > data.csv && printf 'def more(): return 3\\n' > pkg/extra2.py",
};

static void run_step(size_t k)
{
	char *cmd = gi_xstrfmt("cd '%s/r' && %s && git add -A && "
			       "git -c user.name=t -c user.email=t@example.com commit -qm s%zu",
			       series, steps[k], k);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void assert_same(const struct lineage_graph *a, const struct lineage_graph *b)
{
	struct gi_buf ea = GI_BUF_INIT, eb = GI_BUF_INIT;

	assert_int_equal(lineage_graph_encode(a, &ea), 0);
	assert_int_equal(lineage_graph_encode(b, &eb), 0);
	assert_int_equal(ea.len, eb.len);
	assert_memory_equal(ea.ptr, eb.ptr, ea.len);
	gi_buf_release(&ea);
	gi_buf_release(&eb);
}

/* The graph of HEAD through the store equals the one built from scratch, built and loaded. */
static void check_head(struct lineage_repo *repo, struct store *st)
{
	struct lineage_graph *inc = NULL, *full = NULL, *again = NULL;
	char oid[41];

	assert_int_equal(lineage_repo_resolve(repo, "HEAD", oid), 0);
	assert_int_equal(lineage_graph_for_commit(repo, st, oid, &inc), 0);
	assert_int_equal(lineage_graph_for_commit(repo, NULL, oid, &full), 0);
	assert_int_equal(lineage_graph_for_commit(repo, st, oid, &again), 0);
	assert_same(inc, full);
	assert_same(again, full);
	lineage_graph_free(inc);
	lineage_graph_free(full);
	lineage_graph_free(again);
}

static struct store *series_store(void)
{
	char *db = gi_xstrfmt("%s/impact.db", series);
	struct store *st = NULL;

	assert_int_equal(store_open(&st, db, STORE_CREATE), 0);
	free(db);
	return st;
}

static void test_lineage_build__incremental(void **state)
{
	char *path, *cmd;
	struct lineage_repo *repo = NULL;
	struct store *st;
	int deltas = 0;

	(void)state;
	assert_non_null(mkdtemp(series));
	cmd = gi_xstrfmt("cd '%s' && git init -q r", series);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	st = series_store();
	path = gi_xstrfmt("%s/r", series);
	for (size_t k = 0; k < GI_ARRAY_SIZE(steps); k++) {
		struct gi_buf buf = GI_BUF_INIT;
		char oid[41], base[41];
		int format;

		run_step(k);
		assert_int_equal(lineage_repo_open(&repo, path), 0);
		check_head(repo, st);
		assert_int_equal(lineage_repo_resolve(repo, "HEAD", oid), 0);
		assert_int_equal(store_graph_read(st, oid, &format, base, &buf), 0);
		deltas += format == LINEAGE_DELTA_FORMAT && *base;
		gi_buf_release(&buf);
		lineage_repo_free(repo);
	}
	assert_true(deltas >= 5); /* most commits stored as deltas */
	store_free(st);
	free(path);
}

/* Rewrite the stored graph of `rev` through f (same format and base). */
static void damage(struct store *st, struct lineage_repo *repo, const char *rev,
		   void (*f)(struct gi_buf *))
{
	struct gi_buf buf = GI_BUF_INIT;
	char oid[41], base[41];
	int format;

	assert_int_equal(lineage_repo_resolve(repo, rev, oid), 0);
	assert_int_equal(store_graph_read(st, oid, &format, base, &buf), 0);
	f(&buf);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_graph_write(st, oid, format, *base ? base : NULL, buf.ptr, buf.len, 50), 0);
	assert_int_equal(store_commit(st), 0);
	gi_buf_release(&buf);
}

static void truncate_blob(struct gi_buf *b)
{
	b->len -= 3;
}

static void flip_byte(struct gi_buf *b)
{
	b->ptr[b->len / 2] ^= 0x40;
}

static void other_blob(struct gi_buf *b)
{
	gi_buf_reset(b);
	gi_buf_adds(b, "not a graph");
}

/* A truncated or damaged delta, or a damaged base, is detected and rebuilt right. */
static void test_lineage_build__corrupt_stored(void **state)
{
	char *path = gi_xstrfmt("%s/r", series);
	struct lineage_repo *repo = NULL;
	struct store *st = series_store();

	(void)state;
	assert_int_equal(lineage_repo_open(&repo, path), 0);
	damage(st, repo, "HEAD", truncate_blob);
	check_head(repo, st);
	damage(st, repo, "HEAD", flip_byte);
	check_head(repo, st);
	damage(st, repo, "HEAD", other_blob);
	check_head(repo, st);
	damage(st, repo, "HEAD~9", flip_byte); /* the first commit's: the base of the deltas */
	check_head(repo, st);
	damage(st, repo, "HEAD~9", truncate_blob);
	run_step(1); /* a new commit over a parent whose base is damaged */
	lineage_repo_free(repo);
	assert_int_equal(lineage_repo_open(&repo, path), 0);
	check_head(repo, st);
	lineage_repo_free(repo);
	store_free(st);
	free(path);
	path = gi_xstrfmt("rm -rf '%s'", series);
	assert_int_equal(system(path), 0);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lineage_build__no_store),
		cmocka_unit_test(test_lineage_build__stored),
		cmocka_unit_test(test_lineage_build__incremental),
		cmocka_unit_test(test_lineage_build__corrupt_stored),
	};
	return cmocka_run_group_tests(tests, make_repo, remove_repo);
}
