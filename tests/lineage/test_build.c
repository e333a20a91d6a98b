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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lineage_build__no_store),
		cmocka_unit_test(test_lineage_build__stored),
	};
	return cmocka_run_group_tests(tests, make_repo, remove_repo);
}
