/* Unit tests for lineage/build.c: the graph of a real (scripted) commit, with and without a store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "graph_int.h"
#include "scan_int.h"
#include "store.h"

#include <fcntl.h>
#include <git2.h>
#include <stdio.h>
#include <unistd.h>

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

/* ---- the facts cache, read and written in bulk by a full build ------------------ */

static char cdir[] = "/tmp/gi-test-facts-XXXXXX";

#define STR(x) STR_(x)
#define STR_(x) #x
#define PYKEY "pyscan/" STR(LINEAGE_SCAN_VERSION)
#define CKEY "cscan/" STR(LINEAGE_SCAN_VERSION)

/* The blob id (40 hex) of `path` at HEAD in cdir/r. */
static void blob_of(const char *path, char out[41])
{
	char *cmd = gi_xstrfmt("git -C '%s/r' rev-parse HEAD:%s", cdir, path);
	FILE *f = popen(cmd, "r");

	assert_non_null(f);
	assert_non_null(fgets(out, 41, f));
	assert_int_equal(strlen(out), 40);
	assert_int_equal(pclose(f), 0);
	free(cmd);
}

/* Cache `facts` (encoded Python facts of `text`, or raw bytes when !scan) for path's blob. */
static void plant(struct store *st, const char *path, const char *text, int scan)
{
	struct lineage_pyfacts f;
	struct gi_buf enc = GI_BUF_INIT;
	char blob[41];

	blob_of(path, blob);
	if (scan) {
		assert_int_equal(lineage_pyscan("x.py", text, strlen(text), &f), 0);
		assert_int_equal(lineage_pyfacts_encode(&f, &enc), 0);
		lineage_pyfacts_release(&f);
	} else {
		gi_buf_adds(&enc, text);
	}
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_facts_put(st, blob, PYKEY, enc.ptr, enc.len), 0);
	assert_int_equal(store_commit(st), 0);
	gi_buf_release(&enc);
}

/* 1 if the cache holds valid facts of `key` for path's blob. */
static int cached_ok(struct store *st, const char *path, const char *key)
{
	struct gi_buf buf = GI_BUF_INIT;
	struct lineage_pyfacts f;
	struct lineage_cfacts c;
	char blob[41];
	int ok;

	blob_of(path, blob);
	if (store_facts_get(st, blob, key, &buf))
		return 0;
	if (!strcmp(key, PYKEY)) {
		ok = !lineage_pyfacts_decode(buf.ptr, buf.len, &f);
		lineage_pyfacts_release(&f);
	} else {
		ok = !lineage_cfacts_decode(buf.ptr, buf.len, &c);
		lineage_cfacts_release(&c);
	}
	gi_buf_release(&buf);
	return ok;
}

/*
 * A full build takes the facts the cache holds (planted ones prove it, two
 * files sharing one blob both get them), rescans a damaged entry and
 * replaces it, and caches what it scanned (Python and C).
 */
static void test_lineage_build__facts_cache(void **state)
{
	char *cmd, *path, *db, oid[41];
	struct lineage_repo *repo = NULL;
	struct store *st = NULL;
	struct lineage_graph *g = NULL, *fresh = NULL;

	(void)state;
	assert_non_null(mkdtemp(cdir));
	cmd = gi_xstrfmt(
		"cd '%s' && git init -q r && cd r && mkdir -p pkg tests csrc && "
		"printf 'from .core import run\\n' > pkg/__init__.py && "
		"printf 'def run(): return open(\"data.csv\")\\n' > pkg/core.py && printf 'a\\n' > data.csv && "
		"printf 'x = 1\\n' > tests/test_l1.py && printf 'x = 1\\n' > tests/test_l2.py && "
		"printf '#include \"u.h\"\\n' > csrc/m_test.c && printf 'int u;\\n' > csrc/u.h && "
		"git add -A && git -c user.name=t -c user.email=t@example.com commit -qm init", cdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	path = gi_xstrfmt("%s/r", cdir);
	db = gi_xstrfmt("%s/impact.db", cdir);
	assert_int_equal(store_open(&st, db, STORE_CREATE), 0);
	plant(st, "tests/test_l1.py", "from pkg.core import run\n", 1); /* test_l2.py: same blob */
	plant(st, "pkg/core.py", "damaged", 0);
	assert_int_equal(lineage_repo_open(&repo, path), 0);
	assert_int_equal(lineage_repo_resolve(repo, "HEAD", oid), 0);
	assert_int_equal(lineage_graph_for_commit(repo, st, oid, &g), 0);
	assert_true(has_edge(g, LINEAGE_NODE_TEST, "tests/test_l1.py", LINEAGE_EDGE_IMPORTS, "pkg/core.py"));
	assert_true(has_edge(g, LINEAGE_NODE_TEST, "tests/test_l2.py", LINEAGE_EDGE_IMPORTS, "pkg/core.py"));
	assert_true(has_edge(g, LINEAGE_NODE_FILE, "pkg/core.py", LINEAGE_EDGE_READS, "data.csv"));
	assert_true(has_edge(g, LINEAGE_NODE_TEST, "csrc/m_test.c", LINEAGE_EDGE_INCLUDES, "csrc/u.h"));
	assert_true(cached_ok(st, "pkg/core.py", PYKEY));    /* the damaged entry replaced */
	assert_true(cached_ok(st, "pkg/__init__.py", PYKEY));
	assert_true(cached_ok(st, "csrc/m_test.c", CKEY));
	assert_true(cached_ok(st, "csrc/u.h", CKEY));
	/* without the cache, the planted facts are not there: the rest is the same */
	assert_int_equal(lineage_graph_for_commit(repo, NULL, oid, &fresh), 0);
	assert_false(has_edge(fresh, LINEAGE_NODE_TEST, "tests/test_l1.py", LINEAGE_EDGE_IMPORTS, "pkg/core.py"));
	assert_true(has_edge(fresh, LINEAGE_NODE_FILE, "pkg/core.py", LINEAGE_EDGE_READS, "data.csv"));
	assert_int_equal(lineage_graph_nedges(g), lineage_graph_nedges(fresh) + 2);
	lineage_graph_free(g);
	lineage_graph_free(fresh);
	lineage_repo_free(repo);
	store_free(st);
	free(db);
	free(path);
	cmd = gi_xstrfmt("rm -rf '%s'", cdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* ---- the bulk scan on two threads ----------------------------------------------- */

static char tdir[] = "/tmp/gi-test-threads-XXXXXX";

/*
 * 320 Python and 300 C files importing and including each other, with
 * files that warn spread among them: binary (a NUL byte), a line over
 * 1 MiB, a bracket never closed, a blob missing from the object database.
 */
static void make_wide_repo(void)
{
	char *cmd = gi_xstrfmt(
		"cd '%s' && git init -q r && cd r && mkdir -p pkg tests csrc && touch pkg/__init__.py && "
		"for i in $(seq 100 419); do "
		"  printf 'from pkg.m%%d import f\\nimport pkg.m%%d\\ndef f(): return open(\"d%%d.csv\")\\n' "
		"    $(( (i * 7) %% 320 + 100 )) $(( (i * 13) %% 320 + 100 )) $((i %% 5)) > pkg/m$i.py; "
		"done && "
		"for i in $(seq 100 399); do "
		"  printf '#include \"u%%d.h\"\\n#include <stdio.h>\\n' $(( (i * 11) %% 150 + 100 )) "
		"    > csrc/c$i.c; "
		"  [ $i -lt 250 ] && printf '#include \"u%%d.h\"\\n' $(( (i + 1) %% 150 + 100 )) > csrc/u$i.h; "
		"done; "
		"printf 'import pkg.m100\\n\\000\\n' > pkg/m150.py && "
		"printf 'import pkg.m101\\nx = (1,\\n' > pkg/m230.py && "
		"{ printf 'import pkg.m102\\nx = \"'; head -c 1100000 /dev/zero | tr '\\000' a; "
		"  printf '\"\\n'; } "
		"  > pkg/m310.py && "
		"printf '#include \"u100.h\"\\n\\000' > csrc/c200.c && "
		"printf 'from pkg.m100 import f\\n' > tests/test_a.py && "
		"printf 'a\\n' > d0.csv && printf 'b\\n' > d1.csv && "
		"git add -A && git -c user.name=t -c user.email=t@example.com commit -qm init && "
		"rm .git/objects/$(git rev-parse HEAD:pkg/m270.py | sed 's|^..|&/|')", tdir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/*
 * The full build of HEAD in tdir/r with GI_THREADS=threads, into a new
 * store tdir/<threads>.db; what it printed on stderr into `err`.
 */
static struct lineage_graph *build_with(const char *threads, struct store **st, struct gi_buf *err)
{
	char path[sizeof(tdir) + 16], oid[41];
	struct lineage_repo *repo = NULL;
	struct lineage_graph *g = NULL;
	int fd, saved = dup(2);

	snprintf(path, sizeof(path), "%s/%s.err", tdir, threads);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0 && saved >= 0);
	setenv("GI_THREADS", threads, 1);
	snprintf(path, sizeof(path), "%s/%s.db", tdir, threads);
	assert_int_equal(store_open(st, path, STORE_CREATE), 0);
	snprintf(path, sizeof(path), "%s/r", tdir);
	assert_int_equal(lineage_repo_open(&repo, path), 0);
	assert_int_equal(lineage_repo_resolve(repo, "HEAD", oid), 0);
	fflush(stderr);
	dup2(fd, 2);
	assert_int_equal(lineage_graph_for_commit(repo, *st, oid, &g), 0);
	fflush(stderr);
	dup2(saved, 2);
	close(fd);
	close(saved);
	unsetenv("GI_THREADS");
	lineage_repo_free(repo);
	snprintf(path, sizeof(path), "%s/%s.err", tdir, threads);
	assert_int_equal(gi_read_file(path, GI_BUF_MAX_DEFAULT, err), 0);
	return g;
}

/* Assert both stores cache the same facts for every blob at HEAD; the number of blobs cached. */
static size_t same_facts(struct store *a, struct store *b)
{
	char *cmd = gi_xstrfmt("git -C '%s/r' ls-tree -r HEAD", tdir);
	static const char *const keys[] = { PYKEY, CKEY };
	FILE *f = popen(cmd, "r");
	char line[4096], blob[41];
	size_t ncached = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		assert_true(strlen(line) > 53);
		memcpy(blob, line + 12, 40); /* "100644 blob <40 hex>\t<path>" */
		blob[40] = '\0';
		for (size_t k = 0; k < GI_ARRAY_SIZE(keys); k++) {
			struct gi_buf fa = GI_BUF_INIT, fb = GI_BUF_INIT;
			int ra = store_facts_get(a, blob, keys[k], &fa);

			assert_int_equal(ra, store_facts_get(b, blob, keys[k], &fb));
			assert_int_equal(fa.len, fb.len);
			if (fa.len)
				assert_memory_equal(fa.ptr, fb.ptr, fa.len);
			ncached += !ra;
			gi_buf_release(&fa);
			gi_buf_release(&fb);
		}
	}
	assert_int_equal(pclose(f), 0);
	free(cmd);
	return ncached;
}

/*
 * A full build scanning on two threads gives what one thread gives: the
 * same graph (warnings included), the same warnings on stderr in the same
 * order, the same cached facts.
 */
static void test_lineage_build__two_threads(void **state)
{
	struct store *s1 = NULL, *s2 = NULL;
	struct lineage_graph *g1, *g2;
	struct gi_buf e1 = GI_BUF_INIT, e2 = GI_BUF_INIT;
	char cmd[sizeof(tdir) + 16];

	(void)state;
	assert_non_null(mkdtemp(tdir));
	make_wide_repo();
	setenv("GI_THREADS", "1", 1);
	assert_int_equal(lineage_scan_threads(300), 1);
	setenv("GI_THREADS", "2", 1);
	assert_int_equal(lineage_scan_threads(100), 1); /* too few to be worth a thread */
	if (git_libgit2_features() & GIT_FEATURE_THREADS)
		assert_int_equal(lineage_scan_threads(300), 2);
	g1 = build_with("1", &s1, &e1);
	g2 = build_with("2", &s2, &e2);
	assert_same(g1, g2);
	assert_int_equal(lineage_graph_warnings(g1)->nr, 5);
	assert_int_equal(e1.len, e2.len);
	assert_memory_equal(e1.ptr, e2.ptr, e1.len);
	assert_non_null(strstr(gi_buf_cstr(&e1), "pkg/m150.py"));
	assert_true(strstr(gi_buf_cstr(&e1), "pkg/m150.py") < strstr(gi_buf_cstr(&e1), "pkg/m310.py"));
	assert_non_null(strstr(gi_buf_cstr(&e1), "cannot read a blob"));
	assert_true(same_facts(s1, s2) >= 600);
	assert_true(has_edge(g2, LINEAGE_NODE_FILE, "csrc/c100.c", LINEAGE_EDGE_INCLUDES, "csrc/u150.h"));
	gi_buf_release(&e1);
	gi_buf_release(&e2);
	lineage_graph_free(g1);
	lineage_graph_free(g2);
	store_free(s1);
	store_free(s2);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tdir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lineage_build__no_store),
		cmocka_unit_test(test_lineage_build__stored),
		cmocka_unit_test(test_lineage_build__incremental),
		cmocka_unit_test(test_lineage_build__corrupt_stored),
		cmocka_unit_test(test_lineage_build__facts_cache),
		cmocka_unit_test(test_lineage_build__two_threads),
	};
	return cmocka_run_group_tests(tests, make_repo, remove_repo);
}
