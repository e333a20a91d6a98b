/* Unit tests for lineage/pyscan.c: imports, module-scope names, path literals, the cache form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "scan_int.h"

static void scan(const char *text, struct lineage_pyfacts *f)
{
	assert_int_equal(lineage_pyscan("m.py", text, strlen(text), f), 0);
}

/* Imports as "L<line> <dots><module>[:name][=as][!]" (! = not top level), one per entry. */
static char *imports_str(const struct lineage_pyfacts *f)
{
	struct gi_buf b = GI_BUF_INIT;

	for (size_t i = 0; i < f->nimports; i++) {
		const struct lineage_pyimport *imp = &f->imports[i];

		gi_buf_printf(&b, "%sL%u ", i ? " " : "", imp->line);
		for (unsigned d = 0; d < imp->level; d++)
			gi_buf_addch(&b, '.');
		gi_buf_adds(&b, imp->module);
		if (imp->name)
			gi_buf_printf(&b, ":%s", imp->name);
		if (imp->asname)
			gi_buf_printf(&b, "=%s", imp->asname);
		if (!imp->toplevel)
			gi_buf_addch(&b, '!');
	}
	gi_buf_adds(&b, "");
	return gi_buf_detach(&b, NULL);
}

static char *defs_str(const struct lineage_pyfacts *f)
{
	struct gi_buf b = GI_BUF_INIT;

	gi_buf_adds(&b, "");
	for (size_t i = 0; i < f->defs.nr; i++)
		gi_buf_printf(&b, "%s%s", i ? " " : "", f->defs.v[i]);
	return gi_buf_detach(&b, NULL);
}

static char *paths_str(const struct lineage_pyfacts *f)
{
	struct gi_buf b = GI_BUF_INIT;

	gi_buf_adds(&b, "");
	for (size_t i = 0; i < f->npaths; i++)
		gi_buf_printf(&b, "%s%u:%s", i ? " " : "", f->paths[i].line, f->paths[i].text);
	return gi_buf_detach(&b, NULL);
}

static void expect_imports(const char *text, const char *want)
{
	struct lineage_pyfacts f;
	char *got;

	scan(text, &f);
	got = imports_str(&f);
	assert_string_equal(got, want);
	free(got);
	lineage_pyfacts_release(&f);
}

static void test_lineage_pyscan__plain_imports(void **state)
{
	(void)state;
	expect_imports("import os\nimport a.b\nimport a.b.c as c, d\n",
		       "L1 os L2 a.b L3 a.b.c=c L3 d");
	expect_imports("from a import b, c\n", "L1 a:b L1 a:c");
	expect_imports("from a.b import (x,\n    y as z,\n)\nimport q\n",
		       "L1 a.b:x L1 a.b:y=z L4 q");
	expect_imports("from a import \\\n    b, \\\n    c\nimport d\n",
		       "L1 a:b L1 a:c L4 d");
	expect_imports("from m import *\n", "L1 m:*");
	expect_imports("import a; import b\nx = 1; from c import d\n", "L1 a L1 b L2 c:d");
}

static void test_lineage_pyscan__relative(void **state)
{
	(void)state;
	expect_imports("from . import x\nfrom ..pkg.mod import y\nfrom ... import z\n",
		       "L1 .:x L2 ..pkg.mod:y L3 ...:z");
	expect_imports("from . import (a, b)\n", "L1 .:a L1 .:b");
	expect_imports("from .mod import (\n  a,  # the a\n  b,\n)\n", "L1 .mod:a L1 .mod:b");
}

static void test_lineage_pyscan__nested(void **state)
{
	(void)state;
	expect_imports("def f():\n    import json\n    from a import b\n\nimport c\n",
		       "L2 json! L3 a:b! L5 c");
	expect_imports("try:\n    import ujson as json\nexcept ImportError:\n    import json\n",
		       "L2 ujson=json L4 json");
	expect_imports("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
		       "    from pkg.models import Model\n",
		       "L1 typing:TYPE_CHECKING L3 pkg.models:Model");
	expect_imports("if TYPE_CHECKING: import a\nelse: import b\n", "L1 a L2 b");
	expect_imports("class A:\n    def m(self):\n        import x\n\n    y = 1\nimport z\n",
		       "L3 x! L6 z");
	expect_imports("async def f():\n    import x\n", "L2 x!");
}

static void test_lineage_pyscan__strings_and_comments(void **state)
{
	(void)state;
	expect_imports("# import nope\nx = 'import nope'\nimport yes  # import no\n", "L3 yes");
	expect_imports("\"\"\"Docstring.\n\nimport nope\nfrom x import y\n\"\"\"\nimport a\n",
		       "L6 a");
	expect_imports("s = r'''\nimport nope\n'''\nt = b\"import \\\" nope\"\nimport a\n", "L5 a");
	expect_imports("s = f\"{x}\" \"\"\"\nimport nope\"\"\"\nu = 'it\\'s'\nimport a\n",
		       "L4 a");
	expect_imports("x = '''a\\''' import nope\n'''\nimport a\n", "L3 a");
	expect_imports("x = 'unterminated\nimport a\n", "L2 a");
	expect_imports("importer = 1\nfromage = 2\nimport_x()\n", "");
}

static void test_lineage_pyscan__defs(void **state)
{
	struct lineage_pyfacts f;
	char *got;

	(void)state;
	scan("import os\n@dec\ndef load(x):\n    inner = 1\n    def nested(): pass\n"
	     "class Model(Base):\n    attr = 2\nCONST = 3\na, b = 1, 2\nx = y = 0\n"
	     "n: int = 4\nm: int\nobj.attr = 5\nd[0] = 6\nif True:\n    flag = 1\n"
	     "async def run(): pass\nz == 3\nw += 1\n(p, q) = 1, 2\n[r, *s] = t\nd[k] = v\n",
	     &f);
	got = defs_str(&f);
	assert_string_equal(got, "CONST Model a b flag load n p q r run s x y");
	assert_true(lineage_pyfacts_defines(&f, "load"));
	assert_false(lineage_pyfacts_defines(&f, "inner"));
	free(got);
	lineage_pyfacts_release(&f);
}

static void test_lineage_pyscan__paths(void **state)
{
	struct lineage_pyfacts f;
	char *got;

	(void)state;
	scan("import pandas as pd\ndf = pd.read_csv(\"data/labels.csv\")\n"
	     "cfg = Path('configs/x.yaml')\nm = load('model.pkl')\nurl = 'http://x.org/a.csv'\n"
	     "msg = 'hello world.txt'\nabs = '/etc/passwd'\nfmt = f'data/{x}.csv'\n"
	     "'''docs/in/docstring.md'''\nname = 'plain'\nratio = 'a/b'\n",
	     &f);
	got = paths_str(&f);
	assert_string_equal(got, "2:data/labels.csv 3:configs/x.yaml 4:model.pkl 11:a/b");
	free(got);
	lineage_pyfacts_release(&f);
}

static void test_lineage_pyscan__binary(void **state)
{
	static const char bin[] = "import a\n\x7f" "ELF\0\0\x01import b\n";
	struct lineage_pyfacts f;

	(void)state;
	assert_int_equal(lineage_pyscan("bad.py", bin, sizeof(bin) - 1, &f), GI_EINPUT);
	assert_true(f.flags & LINEAGE_SCAN_BINARY);
	assert_int_equal(f.nimports, 0);
	assert_non_null(strstr(gi_error_last(), "'bad.py' at line 2"));
	lineage_pyfacts_release(&f);
}

static void test_lineage_pyscan__unclosed(void **state)
{
	static const char text[] = "import a\nx = foo(1,\n    2\nimport b\n";
	struct lineage_pyfacts f;

	(void)state;
	assert_int_equal(lineage_pyscan("u.py", text, sizeof(text) - 1, &f), GI_EINPUT);
	assert_true(f.flags & LINEAGE_SCAN_UNCLOSED);
	assert_int_equal(f.nimports, 1);
	assert_non_null(strstr(gi_error_last(), "'u.py' at line 2: bracket never closed"));
	lineage_pyfacts_release(&f);
}

static void test_lineage_pyscan__long_line(void **state)
{
	size_t n = (size_t)10 << 20;
	char *buf = malloc(n + 64);
	struct lineage_pyfacts f;
	size_t k = 0;

	(void)state;
	k += (size_t)snprintf(buf, 64, "import a\nx = [");
	while (k + 16 < n) {
		memcpy(buf + k, "'s', 1, name, ", 14);
		k += 14;
	}
	k += (size_t)snprintf(buf + k, 64, "]\nimport b\n");
	assert_int_equal(lineage_pyscan("big.py", buf, k, &f), GI_ELIMIT);
	assert_true(f.flags & LINEAGE_SCAN_LONG_LINE);
	assert_int_equal(f.nimports, 2);
	assert_string_equal(f.imports[1].module, "b");
	assert_int_equal(f.imports[1].line, 3);
	assert_non_null(strstr(gi_error_last(), "'big.py' at line 2"));
	lineage_pyfacts_release(&f);
	free(buf);
}

static void test_lineage_pyscan__roundtrip(void **state)
{
	struct lineage_pyfacts f, g;
	struct gi_buf b = GI_BUF_INIT;
	char *a1, *a2;

	(void)state;
	scan("from ..pkg import (a as b, c)\nimport x.y\ndef f():\n    import z\n"
	     "K = open('data/a.csv')\n",
	     &f);
	assert_int_equal(lineage_pyfacts_encode(&f, &b), 0);
	assert_int_equal(lineage_pyfacts_decode(b.ptr, b.len, &g), 0);
	a1 = imports_str(&f);
	a2 = imports_str(&g);
	assert_string_equal(a1, a2);
	assert_string_equal(a2, "L1 ..pkg:a=b L1 ..pkg:c L2 x.y L4 z!");
	assert_true(lineage_pyfacts_defines(&g, "K"));
	assert_int_equal(g.npaths, 1);
	assert_string_equal(g.paths[0].text, "data/a.csv");
	/* every truncation and a flipped byte are refused, never a crash */
	for (size_t n = 0; n < b.len; n++) {
		struct lineage_pyfacts h;

		assert_int_equal(lineage_pyfacts_decode(b.ptr, n, &h), GI_ECORRUPT);
		lineage_pyfacts_release(&h);
	}
	for (size_t i = 0; i < b.len; i++) {
		struct lineage_pyfacts h;

		b.ptr[i] ^= 0xff;
		lineage_pyfacts_decode(b.ptr, b.len, &h);
		lineage_pyfacts_release(&h);
		b.ptr[i] ^= 0xff;
	}
	lineage_pyfacts_release(&g);
	assert_int_equal(lineage_pyfacts_decode("garbage!", 8, &g), GI_ECORRUPT);
	free(a1);
	free(a2);
	gi_buf_release(&b);
	lineage_pyfacts_release(&f);
	lineage_pyfacts_release(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lineage_pyscan__plain_imports),
		cmocka_unit_test(test_lineage_pyscan__relative),
		cmocka_unit_test(test_lineage_pyscan__nested),
		cmocka_unit_test(test_lineage_pyscan__strings_and_comments),
		cmocka_unit_test(test_lineage_pyscan__defs),
		cmocka_unit_test(test_lineage_pyscan__paths),
		cmocka_unit_test(test_lineage_pyscan__binary),
		cmocka_unit_test(test_lineage_pyscan__unclosed),
		cmocka_unit_test(test_lineage_pyscan__long_line),
		cmocka_unit_test(test_lineage_pyscan__roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
