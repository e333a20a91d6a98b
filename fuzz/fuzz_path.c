/*
 * fuzz_path.c - path handling that guards the repository boundary:
 * lineage_path_join() and the declared-dependency classifier of
 * impact.yaml.  Input: "dir NUL rel" (no NUL: dir is "").  Checks: a joined
 * path never leaves the repository, joining is idempotent.
 */
#include "fuzz.h"
#include "manifest_int.h"

static void fuzz_join(const char *dir, const char *rel)
{
	char *p = lineage_path_join(dir, rel);

	if (p) {
		char *again = lineage_path_join("", p);

		FUZZ_CHECK_PATH(p);
		FUZZ_CHECK(again && !strcmp(again, p));
		free(again);
	}
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *s = gi_xstrndup((const char *)data, len);
	size_t n = strlen(s);
	const char *rel = n < len ? (const char *)data + n + 1 : NULL;
	char *rs = rel ? gi_xstrndup(rel, len - n - 1) : NULL;
	struct lineage_config_dep dep;

	if (rs)
		fuzz_join(s, rs);
	else
		fuzz_join("", s);
	if (lineage_config_dep_parse(s, &dep) == 0) {
		FUZZ_CHECK(dep.target && dep.target[0]);
		if (dep.kind == LINEAGE_DEP_PATH || dep.kind == LINEAGE_DEP_PARAM)
			FUZZ_CHECK_PATH(dep.target);
		free(dep.target);
		free(dep.key);
	}
	free(s);
	free(rs);
	gi_error_clear();
	return 0;
}
