/*
 * fuzz_pyscan.c - the Python import scanner (lineage/pyscan.c) and its
 * cache form.  Checks: no crash, no leak, facts are well formed, encoding
 * then decoding gives the same facts, and decoding the raw input (a
 * damaged cache row) fails cleanly or yields well-formed facts.
 */
#include "fuzz.h"
#include "scan_int.h"

static void fuzz_facts(const struct lineage_pyfacts *f)
{
	for (size_t i = 0; i < f->nimports; i++) {
		FUZZ_CHECK(f->imports[i].module);
		FUZZ_CHECK(f->imports[i].line >= 1);
	}
	for (size_t i = 0; i < f->npaths; i++)
		FUZZ_CHECK(f->paths[i].text && strlen(f->paths[i].text) <= LINEAGE_SCAN_MAX_PATHLIT);
	for (size_t i = 1; i < f->defs.nr; i++)
		FUZZ_CHECK(strcmp(f->defs.v[i - 1], f->defs.v[i]) < 0);
}

static int fuzz_same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void fuzz_same(const struct lineage_pyfacts *a, const struct lineage_pyfacts *b)
{
	FUZZ_CHECK(a->nimports == b->nimports && a->npaths == b->npaths);
	FUZZ_CHECK(a->defs.nr == b->defs.nr && a->flags == b->flags);
	for (size_t i = 0; i < a->nimports; i++) {
		const struct lineage_pyimport *x = &a->imports[i], *y = &b->imports[i];

		FUZZ_CHECK(fuzz_same_str(x->module, y->module) && fuzz_same_str(x->name, y->name));
		FUZZ_CHECK(fuzz_same_str(x->asname, y->asname));
		FUZZ_CHECK(x->line == y->line && x->level == y->level && x->toplevel == y->toplevel);
	}
	for (size_t i = 0; i < a->npaths; i++)
		FUZZ_CHECK(!strcmp(a->paths[i].text, b->paths[i].text));
	for (size_t i = 0; i < a->defs.nr; i++)
		FUZZ_CHECK(!strcmp(a->defs.v[i], b->defs.v[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct lineage_pyfacts f, back, raw;
	struct gi_buf b = GI_BUF_INIT;

	lineage_pyscan("pkg/mod.py", (const char *)data, len, &f);
	fuzz_facts(&f);
	FUZZ_CHECK(lineage_pyfacts_encode(&f, &b) == 0);
	FUZZ_CHECK(lineage_pyfacts_decode(b.ptr, b.len, &back) == 0);
	fuzz_same(&f, &back);
	if (lineage_pyfacts_decode(data, len, &raw) == 0)
		fuzz_facts(&raw);
	else
		FUZZ_CHECK(raw.nimports == 0 && raw.npaths == 0 && raw.defs.nr == 0);
	lineage_pyfacts_release(&f);
	lineage_pyfacts_release(&back);
	lineage_pyfacts_release(&raw);
	gi_buf_release(&b);
	gi_error_clear();
	return 0;
}
