/* Unit tests for lineage/mlflow.c: MLmodel files and the file-store registry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "manifest_int.h"

#define FIX GI_SOURCE_DIR "/fixtures/manifests/mlflow/"
#define RUN "mlruns/0/3f1c9d0e2b7a4c55a1e0d9f8b6c4a210"

static char *slurp(const char *rel, size_t *len)
{
	char *full = gi_xstrfmt("%s%s", FIX, rel);
	struct gi_buf b;

	assert_int_equal(gi_read_file(full, 1 << 20, &b), 0);
	free(full);
	return gi_buf_detach(&b, len);
}

static struct lineage_mlflow_version *version(const char *rel)
{
	size_t len;
	char *text = slurp(rel, &len);
	struct lineage_mlflow_version *v = NULL;

	assert_int_equal(lineage_mlflow_version_parse(rel, text, len, &v), 0);
	free(text);
	return v;
}

static void test_lineage_mlflow__mlmodel(void **state)
{
	size_t len;
	char *text = slurp(RUN "/artifacts/model/MLmodel", &len);
	struct lineage_mlmodel *m = NULL;

	(void)state;
	assert_int_equal(lineage_mlmodel_parse(RUN "/artifacts/model/MLmodel", text, len, &m), 0);
	assert_string_equal(m->dir, RUN "/artifacts/model");
	assert_string_equal(m->run_id, "3f1c9d0e2b7a4c55a1e0d9f8b6c4a210");
	assert_string_equal(m->model_uuid, "5d2a8f3c9e1b4a7d8c6f0e2d4b1a3c5e");
	assert_string_equal(m->artifact_path, "model");
	assert_string_equal(m->utc_time_created, "2024-01-02 00:00:00.000000");
	assert_int_equal(m->flavors.nr, 2);
	assert_string_equal(m->flavors.v[0], "python_function");
	assert_string_equal(m->flavors.v[1], "sklearn");
	assert_int_equal(m->inputs.nr, 2);
	assert_string_equal(m->inputs.v[1], "n_chars");
	assert_int_equal(m->outputs.nr, 1);
	assert_true(m->signature_hash != 0);
	assert_true(m->identity != 0);
	lineage_mlmodel_free(m);
	free(text);
}

static void test_lineage_mlflow__identity(void **state)
{
	static const char *a = "flavors: {sklearn: {}}\nrun_id: r1\nartifact_path: model\n";
	static const char *b = "flavors: {sklearn: {}}\nrun_id: r2\nartifact_path: model\n";
	static const char *a2 = "run_id: r1\nartifact_path: model\nflavors:\n  sklearn: {}\n";
	struct lineage_mlmodel *ma = NULL, *mb = NULL, *ma2 = NULL;

	(void)state;
	assert_int_equal(lineage_mlmodel_parse("m/MLmodel", a, strlen(a), &ma), 0);
	assert_int_equal(lineage_mlmodel_parse("m/MLmodel", b, strlen(b), &mb), 0);
	assert_int_equal(lineage_mlmodel_parse("m/MLmodel", a2, strlen(a2), &ma2), 0);
	assert_true(ma->identity != mb->identity); /* a new run is a new model */
	assert_true(ma->identity == ma2->identity);
	assert_true(ma->signature_hash == 0);
	lineage_mlmodel_free(ma);
	lineage_mlmodel_free(mb);
	lineage_mlmodel_free(ma2);
}

static void test_lineage_mlflow__registry(void **state)
{
	struct lineage_mlflow_version *v1 = version("mlruns/models/clf/version-1/meta.yaml");
	struct lineage_mlflow_version *v2 = version("mlruns/models/clf/version-2/meta.yaml");
	struct lineage_mlflow_version *vs[2] = { v1, v2 };
	struct lineage_mlflow_alias *al = NULL;
	size_t len, n;
	char *text = slurp("mlruns/models/clf/aliases/champion", &len);

	(void)state;
	assert_string_equal(v1->name, "clf");
	assert_int_equal(v1->version, 1);
	assert_string_equal(v1->stage, "Archived");
	assert_string_equal(v1->run_id, "0b8c2d1f5e6a47b39c0d1e2f3a4b5c6d");
	/* an absolute file: URI inside a store named mlruns maps into the repository */
	assert_string_equal(v1->source_path,
			    "mlruns/0/0b8c2d1f5e6a47b39c0d1e2f3a4b5c6d/artifacts/model");
	assert_string_equal(v2->source_path, RUN "/artifacts/model");
	assert_true(v1->identity != v2->identity);
	assert_true(lineage_mlflow_is_version_file("mlruns/models/clf/version-1/meta.yaml"));
	assert_false(lineage_mlflow_is_version_file("mlruns/models/clf/meta.yaml"));
	assert_int_equal(lineage_mlflow_aliases_parse("mlruns/models/clf/aliases/champion", text,
						      len, &al, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(al[0].model, "clf");
	assert_string_equal(al[0].alias, "champion");
	assert_int_equal(al[0].version, 2);
	lineage_mlflow_apply_aliases(vs, 2, al, n);
	assert_int_equal(v1->aliases.nr, 0);
	assert_string_equal(v2->aliases.v[0], "champion");
	lineage_mlflow_aliases_free(al, n);
	lineage_mlflow_version_free(v1);
	lineage_mlflow_version_free(v2);
	free(text);
}

static void test_lineage_mlflow__aliases_in_meta(void **state)
{
	static const char *map = "name: clf\naliases:\n  prod: 3\n  dev: 4\n";
	static const char *list = "name: clf\naliases:\n- alias: prod\n  version: 3\n";
	static const char *bad = "name: clf\naliases:\n  prod: latest\n";
	struct lineage_mlflow_alias *al = NULL;
	size_t n;

	(void)state;
	assert_int_equal(lineage_mlflow_aliases_parse("mlruns/models/clf/meta.yaml", map,
						      strlen(map), &al, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(al[1].alias, "dev");
	assert_int_equal(al[1].version, 4);
	lineage_mlflow_aliases_free(al, n);
	assert_int_equal(lineage_mlflow_aliases_parse("mlruns/models/clf/meta.yaml", list,
						      strlen(list), &al, &n), 0);
	assert_int_equal(n, 1);
	lineage_mlflow_aliases_free(al, n);
	assert_int_equal(lineage_mlflow_aliases_parse("mlruns/models/clf/meta.yaml", bad,
						      strlen(bad), &al, &n), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "'mlruns/models/clf/meta.yaml' at line 3: an alias"));
}

static void expect_version_bad(const char *path, const char *text, const char *needle)
{
	struct lineage_mlflow_version *v = NULL;

	gi_error_clear();
	assert_int_equal(lineage_mlflow_version_parse(path, text, strlen(text), &v), GI_EINPUT);
	assert_null(v);
	if (!strstr(gi_error_last(), needle))
		fail_msg("error '%s' lacks '%s'", gi_error_last(), needle);
}

static void test_lineage_mlflow__bad_input(void **state)
{
	static const char *p = "mlruns/models/clf/version-1/meta.yaml";
	static const char *bad_sig = "flavors: {}\nsignature:\n  inputs: '[{'\n";
	struct lineage_mlmodel *m = NULL;
	struct lineage_mlflow_alias *al = NULL;
	size_t n;

	(void)state;
	expect_version_bad(p, "name: clf\nversion: x\n", "at line 2: 'version' must be a number");
	expect_version_bad(p, "version: 1\n", "a model version needs a 'name'");
	expect_version_bad(p, "name: other\nversion: 1\n", "'name' does not match its folder 'clf'");
	expect_version_bad(p, "name: clf\nversion: 2\n", "'version' does not match its folder");
	expect_version_bad(p, "name: clf\n  version: [\n", "cannot parse '" "mlruns/models/clf/version-1/meta.yaml' at line");
	assert_int_equal(lineage_mlmodel_parse("MLmodel", "flavors: [a]\n", 13, &m), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "'MLmodel' at line 1: 'flavors' must be a mapping"));
	assert_int_equal(lineage_mlmodel_parse("MLmodel", bad_sig, strlen(bad_sig), &m), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "at line 3: the signature is not a JSON list"));
	assert_int_equal(lineage_mlflow_aliases_parse("mlruns/models/clf/aliases/prod", "x", 1,
						      &al, &n), GI_EINPUT);
	assert_null(al);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lineage_mlflow__mlmodel),
		cmocka_unit_test(test_lineage_mlflow__identity),
		cmocka_unit_test(test_lineage_mlflow__registry),
		cmocka_unit_test(test_lineage_mlflow__aliases_in_meta),
		cmocka_unit_test(test_lineage_mlflow__bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
