/* Unit tests for lineage/cscan.c: #include directives, comments, strings, the cache form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "scan_int.h"

/* Includes as "L<line> "x.h"" or "L<line> <x.h>", space-separated. */
static char *includes_str(const struct lineage_cfacts *f)
{
	struct gi_buf b = GI_BUF_INIT;

	gi_buf_adds(&b, "");
	for (size_t i = 0; i < f->nincludes; i++)
		gi_buf_printf(&b, "%sL%u %c%s%c", i ? " " : "", f->includes[i].line,
			      f->includes[i].angle ? '<' : '"', f->includes[i].path,
			      f->includes[i].angle ? '>' : '"');
	return gi_buf_detach(&b, NULL);
}

static void expect(const char *text, const char *want)
{
	struct lineage_cfacts f;
	char *got;

	assert_int_equal(lineage_cscan("x.c", text, strlen(text), &f), 0);
	got = includes_str(&f);
	assert_string_equal(got, want);
	free(got);
	lineage_cfacts_release(&f);
}

static void test_lineage_cscan__directives(void **state)
{
	(void)state;
	expect("#include \"a.h\"\n#include <stdio.h>\nint x;\n", "L1 \"a.h\" L2 <stdio.h>");
	expect("  #  include \"sub/b.h\"\n#\tinclude<c.h>\n", "L1 \"sub/b.h\" L2 <c.h>");
	expect("#include \\\n  \"cont.h\"\n#include \"d.h\"\n", "L1 \"cont.h\" L3 \"d.h\"");
	expect("#if 0\n#include \"off.h\"\n#else\n#include \"on.h\"\n#endif\n",
	       "L2 \"off.h\" L4 \"on.h\"");
	expect("/* c */ #include \"after_comment.h\"\n#include /* c */ \"e.h\"\n",
	       "L1 \"after_comment.h\" L2 \"e.h\"");
	expect("#include_next <f.h>\n#import \"g.h\"\n#include MACRO_H\n#define X \"#include\"\n",
	       "L1 <f.h> L2 \"g.h\"");
	expect("#include \"win.h\"\r\n#include \"crlf.h\"\r\n", "L1 \"win.h\" L2 \"crlf.h\"");
	expect("x = 1; #include \"not_at_bol.h\"\n", "");
}

static void test_lineage_cscan__comments_and_strings(void **state)
{
	(void)state;
	expect("/*\n#include \"in_comment.h\"\n*/\n#include \"real.h\"\n", "L4 \"real.h\"");
	expect("// a comment \\\n#include \"continued_comment.h\"\n#include \"h.h\"\n", "L3 \"h.h\"");
	expect("const char *s = \"\\\n#include \\\"in_string.h\\\"\";\n#include \"i.h\"\n",
	       "L3 \"i.h\"");
	expect("auto r = R\"x(\n#include \"raw.h\"\n)x\";\n#include \"j.h\"\n", "L4 \"j.h\"");
	expect("char c = '\"';\n#include \"k.h\"\nint n = 1'000'000;\n#include \"l.h\"\n",
	       "L2 \"k.h\" L4 \"l.h\"");
	expect("#include \"unterminated.h\n#include \"m.h\"\n", "L2 \"m.h\"");
}

static void test_lineage_cscan__bad_input(void **state)
{
	static const char bin[] = "#include \"a.h\"\n\0\x01\x02";
	size_t n = (size_t)10 << 20;
	char *big = malloc(n + 64);
	struct lineage_cfacts f;

	(void)state;
	assert_int_equal(lineage_cscan("bin.c", bin, sizeof(bin) - 1, &f), GI_EINPUT);
	assert_true(f.flags & LINEAGE_SCAN_BINARY);
	assert_non_null(strstr(gi_error_last(), "'bin.c' at line 2"));
	lineage_cfacts_release(&f);

	memcpy(big, "#include \"a.h\"\n", 15);
	memset(big + 15, 'x', n);
	memcpy(big + 15 + n, "\n#include \"b.h\"\n", 16);
	assert_int_equal(lineage_cscan("big.c", big, n + 31, &f), GI_ELIMIT);
	assert_true(f.flags & LINEAGE_SCAN_LONG_LINE);
	assert_int_equal(f.nincludes, 2);
	assert_int_equal(f.includes[1].line, 3);
	lineage_cfacts_release(&f);
	free(big);
}

static void test_lineage_cscan__roundtrip(void **state)
{
	static const char text[] = "#include \"a/b.h\"\n#include <vector>\n";
	struct lineage_cfacts f, g;
	struct gi_buf b = GI_BUF_INIT;
	char *s1, *s2;

	(void)state;
	assert_int_equal(lineage_cscan("x.cc", text, sizeof(text) - 1, &f), 0);
	assert_int_equal(lineage_cfacts_encode(&f, &b), 0);
	assert_int_equal(lineage_cfacts_decode(b.ptr, b.len, &g), 0);
	s1 = includes_str(&f);
	s2 = includes_str(&g);
	assert_string_equal(s1, s2);
	for (size_t n = 0; n < b.len; n++) {
		struct lineage_cfacts h;

		assert_int_equal(lineage_cfacts_decode(b.ptr, n, &h), GI_ECORRUPT);
		lineage_cfacts_release(&h);
	}
	for (size_t i = 0; i < b.len; i++) {
		struct lineage_cfacts h;

		b.ptr[i] ^= 0x80;
		lineage_cfacts_decode(b.ptr, b.len, &h);
		lineage_cfacts_release(&h);
		b.ptr[i] ^= 0x80;
	}
	lineage_cfacts_release(&g);
	assert_int_equal(lineage_cfacts_decode("GIPY\x01", 5, &g), GI_ECORRUPT);
	free(s1);
	free(s2);
	gi_buf_release(&b);
	lineage_cfacts_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lineage_cscan__directives),
		cmocka_unit_test(test_lineage_cscan__comments_and_strings),
		cmocka_unit_test(test_lineage_cscan__bad_input),
		cmocka_unit_test(test_lineage_cscan__roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
