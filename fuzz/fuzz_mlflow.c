/*
 * fuzz_mlflow.c - MLflow files (lineage/mlflow.c).  The first input byte
 * picks the reader: 0 MLmodel, 1 a registry version meta.yaml, 2 a model's
 * meta.yaml (aliases), 3 an aliases/<alias> file; the rest is the file.
 * Checks: no crash, no leak, a version's source folder stays inside the
 * repository, aliases apply without fault.
 */
#include "fuzz.h"
#include "manifest_int.h"

#define FUZZ_ROOT "mlruns/models/clf/"

static void fuzz_mlmodel(const char *data, size_t len)
{
	struct lineage_mlmodel *m = NULL;

	if (lineage_mlmodel_parse("mlruns/0/abc/artifacts/model/MLmodel", data, len, &m) == 0)
		FUZZ_CHECK(m->dir && fuzz_path_inside(m->dir));
	else
		FUZZ_CHECK(!m && gi_error_last()[0]);
	lineage_mlmodel_free(m);
}

static void fuzz_version(const char *data, size_t len)
{
	struct lineage_mlflow_version *v = NULL;
	struct lineage_mlflow_alias a = { "clf", "prod", 1 };

	if (lineage_mlflow_version_parse(FUZZ_ROOT "version-1/meta.yaml", data, len, &v) == 0) {
		FUZZ_CHECK(v->name);
		FUZZ_CHECK_PATH(v->source_path);
		lineage_mlflow_apply_aliases(&v, 1, &a, 1);
	} else {
		FUZZ_CHECK(!v && gi_error_last()[0]);
	}
	lineage_mlflow_version_free(v);
}

static void fuzz_aliases(const char *path, const char *data, size_t len)
{
	struct lineage_mlflow_alias *a = NULL;
	size_t n = 0;

	if (lineage_mlflow_aliases_parse(path, data, len, &a, &n) == 0)
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(a[i].model && a[i].alias);
	lineage_mlflow_aliases_free(a, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char *rest = (const char *)data + 1;

	if (!len)
		return 0;
	switch (data[0] % 4) {
	case 0:
		fuzz_mlmodel(rest, len - 1);
		break;
	case 1:
		fuzz_version(rest, len - 1);
		break;
	case 2:
		fuzz_aliases(FUZZ_ROOT "meta.yaml", rest, len - 1);
		break;
	default:
		fuzz_aliases(FUZZ_ROOT "aliases/prod", rest, len - 1);
		break;
	}
	gi_error_clear();
	return 0;
}
