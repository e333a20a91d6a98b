/* Unit tests for lineage/resolve.c: the path set, Python modules and re-export chains, C includes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "scan_int.h"

/* A small tree: paths and, for Python files, their text (scanned on demand). */
struct tree {
	const char *const *files; /* path, text, path, text, ..., NULL */
	size_t n;
	const char **paths;
	struct lineage_pyfacts *facts;
	int *scanned;
	struct lineage_pathset set;
	struct gi_strvec roots, include_dirs;
	struct lineage_resolver r;
	struct gi_buf out;
};

static const struct lineage_pyfacts *facts_of(void *data, const char *path)
{
	struct tree *t = data;

	for (size_t i = 0; i < t->n; i++) {
		const char *text = t->files[2 * i + 1];

		if (strcmp(t->paths[i], path))
			continue;
		if (!t->scanned[i]) {
			assert_int_equal(lineage_pyscan(path, text, strlen(text), &t->facts[i]), 0);
			t->scanned[i] = 1;
		}
		return &t->facts[i];
	}
	return NULL;
}

static void tree_init(struct tree *t, const char *const *files)
{
	memset(t, 0, sizeof(*t));
	t->files = files;
	while (files[2 * t->n])
		t->n++;
	t->paths = calloc(t->n, sizeof(*t->paths));
	t->facts = calloc(t->n, sizeof(*t->facts));
	t->scanned = calloc(t->n, sizeof(*t->scanned));
	for (size_t i = 0; i < t->n; i++)
		t->paths[i] = files[2 * i];
	lineage_pathset_init(&t->set, t->paths, t->n);
	t->r.paths = &t->set;
	t->r.facts_of = facts_of;
	t->r.data = t;
	gi_buf_init(&t->out, 4096);
}

static void tree_release(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		lineage_pyfacts_release(&t->facts[i]);
	free(t->paths);
	free(t->facts);
	free(t->scanned);
	lineage_pathset_release(&t->set);
	gi_strvec_clear(&t->roots);
	gi_strvec_clear(&t->include_dirs);
	gi_buf_release(&t->out);
}

/* Resolve the imports of `importer` (given as text) one by one: "target|-" each, space-separated. */
static void expect_py(struct tree *t, const char *importer, const char *text, const char *want)
{
	struct lineage_pyfacts f;
	struct gi_buf got = GI_BUF_INIT;

	assert_int_equal(lineage_pyscan(importer, text, strlen(text), &f), 0);
	gi_buf_adds(&got, "");
	for (size_t i = 0; i < f.nimports; i++) {
		int rc = lineage_resolve_pyimport(&t->r, importer, &f.imports[i], &t->out);

		assert_true(rc == 0 || rc == GI_ENOTFOUND);
		gi_buf_printf(&got, "%s%s", i ? " " : "", rc ? "-" : t->out.ptr);
	}
	assert_string_equal(got.ptr, want);
	gi_buf_release(&got);
	lineage_pyfacts_release(&f);
}

static void test_lineage_resolve__pathset(void **state)
{
	enum { N = 100000 };
	char **names = malloc(N * sizeof(*names));
	struct lineage_pathset s;

	(void)state;
	for (size_t i = 0; i < N; i++)
		names[i] = gi_xstrfmt("src/pkg%zu/mod%zu.py", i % 97, i);
	lineage_pathset_init(&s, (const char *const *)names, N);
	lineage_pathset_add(&s, names[5]);
	assert_int_equal(s.nr, N);
	for (size_t i = 0; i < N; i++)
		assert_true(lineage_pathset_has(&s, names[i], strlen(names[i])));
	assert_false(lineage_pathset_has(&s, "src/pkg1/mod2.py", 16));
	assert_true(lineage_pathset_has(&s, "src/pkg0/mod0.pyc", 16)); /* a prefix length */
	assert_false(lineage_pathset_has(&s, "src/pkg0/mod0.p", 15));
	lineage_pathset_release(&s);
	for (size_t i = 0; i < N; i++)
		free(names[i]);
	free(names);
}

/* A set grown one path at a time (rehashed several times) keeps every member once. */
static void test_lineage_resolve__pathset_grow(void **state)
{
	enum { N = 5000 };
	char **names = malloc(N * sizeof(*names));
	struct lineage_pathset s;

	(void)state;
	lineage_pathset_init(&s, NULL, 0);
	assert_false(lineage_pathset_has(&s, "a", 1));
	for (size_t i = 0; i < N; i++) {
		names[i] = gi_xstrfmt("d%zu/f%zu.py", i % 13, i);
		lineage_pathset_add(&s, names[i]);
		lineage_pathset_add(&s, names[i / 2]); /* a duplicate: ignored */
	}
	assert_int_equal(s.nr, N);
	for (size_t i = 0; i < N; i++)
		assert_true(lineage_pathset_has(&s, names[i], strlen(names[i])));
	assert_false(lineage_pathset_has(&s, "d0/f1.py", 8));
	lineage_pathset_release(&s);
	for (size_t i = 0; i < N; i++)
		free(names[i]);
	free(names);
}

static void test_lineage_resolve__modules(void **state)
{
	static const char *const files[] = {
		"a/__init__.py", "", "a/b/__init__.py", "", "a/b/c.py", "",
		"a/b/d/__init__.py", "", "tests/test_x.py", "", "tests/helpers.py", "",
		"pkg/sub/mod.py", "", "pkg/__init__.py", "", "pkg/sub/__init__.py", "",
		"pkg/util.py", "", "top.py", "", NULL,
	};
	struct tree t;

	(void)state;
	tree_init(&t, files);
	expect_py(&t, "tests/test_x.py",
		  "import a.b.c\nimport a.b.d\nimport os\nimport numpy as np\nimport helpers\n"
		  "import top\nimport a\n",
		  "a/b/c.py a/b/d/__init__.py - - tests/helpers.py top.py a/__init__.py");
	expect_py(&t, "pkg/sub/mod.py",
		  "from . import missing\nfrom .. import util\nfrom ..util import f\n"
		  "from ...x import y\nfrom . import *\nfrom .mod import z\n",
		  "pkg/sub/__init__.py pkg/util.py pkg/util.py - pkg/sub/__init__.py pkg/sub/mod.py");
	expect_py(&t, "top.py", "from a.b import c, d, e\nfrom a import b\n",
		  "a/b/c.py a/b/d/__init__.py a/b/__init__.py a/b/__init__.py");
	assert_int_equal(lineage_resolve_pymodule(&t.r, "top.py", 3, "x", &t.out), GI_ENOTFOUND);
	assert_int_equal(lineage_resolve_pymodule(&t.r, "top.py", 0, "", &t.out), GI_ENOTFOUND);
	tree_release(&t);
}

static void test_lineage_resolve__src_layout_and_roots(void **state)
{
	static const char *const files[] = {
		"src/churn/__init__.py", "", "src/churn/train.py", "", "lib/py/tool.py", "",
		"tests/test_train.py", "", NULL,
	};
	struct tree t;

	(void)state;
	tree_init(&t, files);
	expect_py(&t, "tests/test_train.py", "from churn.train import fit\nimport tool\n",
		  "src/churn/train.py -");
	gi_strvec_push(&t.roots, "./lib/py/");
	t.r.roots = &t.roots;
	expect_py(&t, "tests/test_train.py", "from churn.train import fit\nimport tool\n",
		  "- lib/py/tool.py");
	tree_release(&t);
}

static void test_lineage_resolve__reexport_chain(void **state)
{
	static const char *const files[] = {
		"pkg/__init__.py",
		"\"\"\"The package.\"\"\"\nfrom .models import Model, train as fit\nfrom . import io\n"
		"from .core import *\nimport pkg.cfg as cfg\nfrom numpy import array\n"
		"VERSION = '1.0'\ndef helper():\n    from .late import late\n",
		"pkg/models/__init__.py", "from .linear import Model\nfrom .trainer import train\n",
		"pkg/models/linear.py", "class Model:\n    pass\n",
		"pkg/models/trainer.py", "def train():\n    pass\n",
		"pkg/io.py", "def read(): pass\n",
		"pkg/core/__init__.py", "from .engine import *\n",
		"pkg/core/engine.py", "def run(): pass\nENGINE = 1\n",
		"pkg/cfg.py", "X = 1\n",
		"pkg/late.py", "def late(): pass\n",
		"tests/test_pkg.py", "", NULL,
	};
	struct tree t;

	(void)state;
	tree_init(&t, files);
	/* two levels deep: pkg -> pkg.models -> pkg.models.linear */
	expect_py(&t, "tests/test_pkg.py",
		  "from pkg import Model, fit, io, VERSION, helper\n"
		  "from pkg import run, cfg, array, late, unknown\n"
		  "from pkg.models import train\nfrom pkg import *\n",
		  "pkg/models/linear.py pkg/models/trainer.py pkg/io.py pkg/__init__.py "
		  "pkg/__init__.py pkg/core/engine.py pkg/cfg.py pkg/__init__.py pkg/late.py "
		  "pkg/__init__.py pkg/models/trainer.py pkg/__init__.py");
	/* without facts the package itself is the answer */
	t.r.facts_of = NULL;
	expect_py(&t, "tests/test_pkg.py", "from pkg import Model\n", "pkg/__init__.py");
	tree_release(&t);
}

static void test_lineage_resolve__reexport_cycle(void **state)
{
	static const char *const files[] = {
		"a/__init__.py", "from b import thing\nfrom b import *\n",
		"b/__init__.py", "from a import thing\nfrom a import *\n",
		"c/__init__.py", "from . import *\nfrom .c import *\n", /* itself; c/c.py absent */
		"t.py", "", NULL,
	};
	struct tree t;

	(void)state;
	tree_init(&t, files);
	expect_py(&t, "t.py", "from a import thing\nfrom b import other\nfrom c import x\n",
		  "a/__init__.py b/__init__.py c/__init__.py");
	tree_release(&t);
}

static void test_lineage_resolve__includes(void **state)
{
	static const char *const files[] = {
		"src/net/sock.c", "", "src/net/sock.h", "", "src/util.h", "",
		"include/gi/api.h", "", "include/sock.h", "", "third/x.h", "", NULL,
	};
	struct lineage_cinclude inc = { NULL, 1, 0 };
	struct tree t;

	(void)state;
	tree_init(&t, files);
	gi_strvec_push(&t.include_dirs, "include");
	gi_strvec_push(&t.include_dirs, "./third/");
	t.r.include_dirs = &t.include_dirs;
	inc.path = "sock.h"; /* the includer's folder wins over include dirs */
	assert_int_equal(lineage_resolve_cinclude(&t.r, "src/net/sock.c", &inc, &t.out), 0);
	assert_string_equal(t.out.ptr, "src/net/sock.h");
	inc.path = "../util.h";
	assert_int_equal(lineage_resolve_cinclude(&t.r, "src/net/sock.c", &inc, &t.out), 0);
	assert_string_equal(t.out.ptr, "src/util.h");
	inc.path = "gi/./api.h";
	assert_int_equal(lineage_resolve_cinclude(&t.r, "src/net/sock.c", &inc, &t.out), 0);
	assert_string_equal(t.out.ptr, "include/gi/api.h");
	inc.path = "x.h";
	assert_int_equal(lineage_resolve_cinclude(&t.r, "src/net/sock.c", &inc, &t.out), 0);
	assert_string_equal(t.out.ptr, "third/x.h");
	inc.angle = 1; /* angle includes: only the include dirs */
	inc.path = "sock.h";
	assert_int_equal(lineage_resolve_cinclude(&t.r, "src/net/sock.c", &inc, &t.out), 0);
	assert_string_equal(t.out.ptr, "include/sock.h");
	inc.path = "stdio.h";
	assert_int_equal(lineage_resolve_cinclude(&t.r, "src/net/sock.c", &inc, &t.out),
			 GI_ENOTFOUND);
	inc.angle = 0;
	inc.path = "../../../../etc/passwd";
	assert_int_equal(lineage_resolve_cinclude(&t.r, "src/net/sock.c", &inc, &t.out),
			 GI_ENOTFOUND);
	tree_release(&t);
}

static void test_lineage_resolve__pathlit(void **state)
{
	static const char *const files[] = {
		"data/labels.csv", "", "src/app/conf.yaml", "", "src/app/run.py", "", NULL,
	};
	struct tree t;

	(void)state;
	tree_init(&t, files);
	assert_int_equal(lineage_resolve_pathlit(&t.r, "src/app/run.py", "data/labels.csv", &t.out), 0);
	assert_string_equal(t.out.ptr, "data/labels.csv");
	assert_int_equal(lineage_resolve_pathlit(&t.r, "src/app/run.py", "./conf.yaml", &t.out), 0);
	assert_string_equal(t.out.ptr, "src/app/conf.yaml");
	assert_int_equal(lineage_resolve_pathlit(&t.r, "src/app/run.py", "other.csv", &t.out),
			 GI_ENOTFOUND);
	tree_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lineage_resolve__pathset),
		cmocka_unit_test(test_lineage_resolve__pathset_grow),
		cmocka_unit_test(test_lineage_resolve__modules),
		cmocka_unit_test(test_lineage_resolve__src_layout_and_roots),
		cmocka_unit_test(test_lineage_resolve__reexport_chain),
		cmocka_unit_test(test_lineage_resolve__reexport_cycle),
		cmocka_unit_test(test_lineage_resolve__includes),
		cmocka_unit_test(test_lineage_resolve__pathlit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
