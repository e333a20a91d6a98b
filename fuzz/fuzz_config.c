/*
 * fuzz_config.c - impact.yaml (lineage/config.c): every key checked, and
 * declared dependencies classified.  Checks: no crash, no leak, a declared
 * path or params file stays inside the repository.
 */
#include "fuzz.h"
#include "manifest_int.h"

static void fuzz_dep(const struct lineage_config_dep *d)
{
	FUZZ_CHECK(d->target && d->target[0]);
	if (d->kind == LINEAGE_DEP_PATH || d->kind == LINEAGE_DEP_PARAM)
		FUZZ_CHECK_PATH(d->target);
	if (d->kind == LINEAGE_DEP_PARAM || d->kind == LINEAGE_DEP_MODEL)
		FUZZ_CHECK(d->key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct lineage_config *c = NULL;

	if (lineage_config_parse("impact.yaml", (const char *)data, len, &c) == 0) {
		for (size_t i = 0; i < c->tests_nr; i++) {
			FUZZ_CHECK(c->tests[i].pattern);
			for (size_t k = 0; k < c->tests[i].deps_nr; k++)
				fuzz_dep(&c->tests[i].deps[k]);
		}
	} else {
		FUZZ_CHECK(!c && gi_error_last()[0]);
	}
	lineage_config_free(c);
	gi_error_clear();
	return 0;
}
