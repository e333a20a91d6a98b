/*
 * fuzz_cscan.c - the C/C++ include scanner (lineage/cscan.c), its cache
 * form, and the include resolver on what it finds.  Checks: no crash, no
 * leak, encode/decode round trip, a resolved include is a tracked path.
 */
#include "fuzz.h"
#include "scan_int.h"

static const char *const fuzz_tracked[] = {
	"src/main.c", "src/util.h", "include/gi/api.h", "include/x.h", "x.h", "a/b/c.h",
};

static void fuzz_resolve(const struct lineage_cfacts *f)
{
	struct lineage_pathset set;
	struct gi_strvec dirs = GI_STRVEC_INIT;
	struct lineage_resolver r = { &set, NULL, &dirs, NULL, NULL };
	struct gi_buf out = GI_BUF_INIT;

	lineage_pathset_init(&set, fuzz_tracked, GI_ARRAY_SIZE(fuzz_tracked));
	gi_strvec_push(&dirs, "include");
	gi_strvec_push(&dirs, "../..");
	for (size_t i = 0; i < f->nincludes; i++) {
		FUZZ_CHECK(f->includes[i].path && f->includes[i].line >= 1);
		if (lineage_resolve_cinclude(&r, "src/main.c", &f->includes[i], &out) == 0)
			FUZZ_CHECK(lineage_pathset_has(&set, out.ptr, out.len));
	}
	gi_buf_release(&out);
	gi_strvec_clear(&dirs);
	lineage_pathset_release(&set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct lineage_cfacts f, back, raw;
	struct gi_buf b = GI_BUF_INIT;

	lineage_cscan("src/main.c", (const char *)data, len, &f);
	fuzz_resolve(&f);
	FUZZ_CHECK(lineage_cfacts_encode(&f, &b) == 0);
	FUZZ_CHECK(lineage_cfacts_decode(b.ptr, b.len, &back) == 0);
	FUZZ_CHECK(back.nincludes == f.nincludes && back.flags == f.flags);
	for (size_t i = 0; i < f.nincludes; i++)
		FUZZ_CHECK(!strcmp(f.includes[i].path, back.includes[i].path) &&
			   f.includes[i].line == back.includes[i].line &&
			   f.includes[i].angle == back.includes[i].angle);
	if (lineage_cfacts_decode(data, len, &raw) == 0)
		fuzz_resolve(&raw);
	lineage_cfacts_release(&f);
	lineage_cfacts_release(&back);
	lineage_cfacts_release(&raw);
	gi_buf_release(&b);
	gi_error_clear();
	return 0;
}
