/* Unit tests for lineage/dvc.c: dvc.yaml, dvc.lock, *.dvc and stage order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "manifest_int.h"

#define FIX GI_SOURCE_DIR "/fixtures/manifests/get-started/"

/* Read callback over the fixture folder. */
static int read_fixture(void *ctx, const char *path, struct gi_buf *out)
{
	char *full = gi_xstrfmt("%s%s", (const char *)ctx, path);
	int err = gi_read_file(full, LINEAGE_MANIFEST_MAX_BYTES, out);

	free(full);
	return err;
}

/* Read callback over an in-memory table {path, text, ..., NULL}. */
static int read_table(void *ctx, const char *path, struct gi_buf *out)
{
	const char *const *t = ctx;

	gi_buf_init(out, LINEAGE_MANIFEST_MAX_BYTES);
	for (; t && *t; t += 2)
		if (!strcmp(*t, path))
			return gi_buf_adds(out, t[1]);
	return GI_ENOTFOUND;
}

static int exists_fixture(void *ctx, const char *path)
{
	char *full = gi_xstrfmt("%s%s", (const char *)ctx, path);
	struct stat st;
	int ok = !stat(full, &st);

	free(full);
	return ok;
}

static char *slurp(const char *file, size_t *len)
{
	struct gi_buf b;

	assert_int_equal(gi_read_file(file, LINEAGE_MANIFEST_MAX_BYTES, &b), 0);
	return gi_buf_detach(&b, len);
}

static struct lineage_dvc_file *parse_yaml(const char *path, const char *text,
					   const char *const *files)
{
	struct lineage_dvc_file *f = NULL;
	int err = lineage_dvc_parse(path, text, strlen(text), read_table, (void *)files, &f);

	if (err)
		fail_msg("%s", gi_error_last());
	return f;
}

static const struct lineage_dvc_stage *stage(const struct lineage_dvc_file *f, const char *name)
{
	for (size_t i = 0; i < f->nr; i++)
		if (!strcmp(f->stages[i].name, name))
			return &f->stages[i];
	fail_msg("no stage '%s'", name);
	return NULL;
}

static int has_param(const struct lineage_dvc_stage *s, const char *file, const char *key)
{
	for (size_t i = 0; i < s->params_nr; i++)
		if (!strcmp(s->params[i].file, file) && !strcmp(s->params[i].key, key))
			return 1;
	return 0;
}

static void test_lineage_dvc__get_started(void **state)
{
	size_t len, order[4];
	char *text = slurp(FIX "dvc.yaml", &len);
	struct lineage_dvc_file *f = NULL;
	const struct lineage_dvc_stage *ev;

	(void)state;
	assert_int_equal(lineage_dvc_parse("dvc.yaml", text, len, read_fixture, FIX, &f), 0);
	assert_int_equal(f->nr, 4);
	assert_string_equal(f->stages[2].name, "train");
	assert_string_equal(f->stages[2].cmd, "python src/train.py data/features model.pkl");
	assert_true(f->stages[2].cmd_hash == gi_hash64(f->stages[2].cmd, strlen(f->stages[2].cmd)));
	assert_true(has_param(&f->stages[2], "params.yaml", "train"));
	assert_true(has_param(&f->stages[0], "params.yaml", "prepare.split"));
	assert_string_equal(f->stages[0].deps[0], "data/data.xml");
	assert_int_equal(f->stages[0].dep_lines[0], 5);
	ev = stage(f, "evaluate");
	assert_int_equal(ev->outs_nr, 5);
	assert_string_equal(ev->outs[0].path, "eval/live/plots");
	assert_int_equal(ev->outs[0].cache, 0);
	assert_int_equal(ev->outs[2].kind, LINEAGE_DVC_METRIC);
	assert_string_equal(ev->outs[3].path, "ROC");
	assert_int_equal(ev->outs[4].kind, LINEAGE_DVC_PLOT);
	assert_int_equal(lineage_dvc_order(f->stages, f->nr, f->path, order), 0);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(order[i], i);
	/* the fixture has no sources and no data.xml (only its .dvc): 5 missing */
	assert_int_equal(lineage_dvc_check_deps(f, exists_fixture, FIX), 5);
	assert_int_equal(f->warnings.nr, 5);
	assert_non_null(strstr(f->warnings.v[1], "'dvc.yaml' at line 6: stage 'prepare' depends on "
				"'src/prepare.py', which does not exist"));
	lineage_dvc_file_free(f);
	free(text);
}

static void test_lineage_dvc__subdir_wdir_and_params_files(void **state)
{
	static const char *text =
		"stages:\n"
		"  train:\n"
		"    wdir: ..\n"
		"    cmd: [python train.py, echo done]\n"
		"    deps: [./src/../train.py]\n"
		"    params:\n"
		"    - lr\n"
		"    - conf/train.json: [opt.beta, opt.eps]\n"
		"    - extra.yaml:\n"
		"    outs: [{out/model.pkl: {persist: true}}]\n";
	struct lineage_dvc_file *f = parse_yaml("ml/pipe/dvc.yaml", text, NULL);
	const struct lineage_dvc_stage *s = &f->stages[0];

	(void)state;
	assert_string_equal(s->wdir, "ml");
	assert_string_equal(s->cmd, "python train.py\necho done");
	assert_string_equal(s->deps[0], "ml/train.py");
	assert_true(has_param(s, "ml/params.yaml", "lr"));
	assert_true(has_param(s, "ml/conf/train.json", "opt.eps"));
	assert_true(has_param(s, "ml/extra.yaml", ""));
	assert_string_equal(s->outs[0].path, "ml/out/model.pkl");
	assert_int_equal(s->outs[0].persist, 1);
	lineage_dvc_file_free(f);
}

static void test_lineage_dvc__vars_and_interpolation(void **state)
{
	static const char *const files[] = {
		"params.yaml", "train: {epochs: 10}\ndata: {dir: data/raw}\n",
		"conf/models.yaml", "models: {small: {size: 8}, big: {size: 64}}\n",
		NULL,
	};
	static const char *text =
		"vars:\n"
		"  - conf/models.yaml\n"
		"  - {out: build}\n"
		"stages:\n"
		"  prep:\n"
		"    cmd: prep ${data.dir} --out ${out}/prep\n"
		"    deps:\n    - ${data.dir}\n"
		"    outs: [\"${out}/prep\"]\n"
		"  fit:\n"
		"    foreach: ${models}\n"
		"    do:\n"
		"      cmd: fit --size ${item.size} --epochs ${train.epochs} ${key}\n"
		"      deps:\n      - ${out}/prep\n"
		"      outs: ['${out}/${key}.pkl']\n"
		"  seeds:\n"
		"    foreach: [1, 2]\n"
		"    do:\n"
		"      cmd: run --seed ${item}\n";
	struct lineage_dvc_file *f = parse_yaml("dvc.yaml", text, files);
	const struct lineage_dvc_stage *s;

	(void)state;
	assert_int_equal(f->nr, 5);
	s = stage(f, "prep");
	assert_string_equal(s->cmd, "prep data/raw --out build/prep");
	assert_string_equal(s->deps[0], "data/raw");
	assert_true(has_param(s, "params.yaml", "data.dir"));
	s = stage(f, "fit@big");
	assert_string_equal(s->cmd, "fit --size 64 --epochs 10 big");
	assert_string_equal(s->outs[0].path, "build/big.pkl");
	assert_true(has_param(s, "params.yaml", "train.epochs"));
	assert_true(has_param(s, "conf/models.yaml", "models.big.size") == 0); /* via ${item} */
	assert_string_equal(stage(f, "seeds@2")->cmd, "run --seed 2");
	lineage_dvc_file_free(f);
}

static void test_lineage_dvc__lock(void **state)
{
	size_t len;
	char *text = slurp(FIX "dvc.lock", &len);
	struct lineage_dvc_lock *l = NULL;
	const struct lineage_dvc_lock_stage *s;

	(void)state;
	assert_int_equal(lineage_dvc_lock_parse("dvc.lock", text, len, &l), 0);
	assert_int_equal(l->nr, 3);
	s = &l->stages[0];
	assert_string_equal(s->name, "prepare");
	assert_int_equal(s->nr, 3);
	assert_string_equal(s->v[0].path, "data/data.xml");
	assert_string_equal(s->v[0].hash, "22a1a2931c8370d3aeedd7183606fd7f");
	assert_int_equal(s->v[0].size, 14445097);
	assert_int_equal(s->v[0].is_out, 0);
	assert_string_equal(s->v[2].hash, "153aad06d376b6595932470e459ef42a.dir");
	assert_int_equal(s->v[2].nfiles, 2);
	assert_int_equal(s->v[2].is_out, 1);
	assert_int_equal(s->params_nr, 2);
	assert_string_equal(s->params[1].key, "prepare.split");
	s = &l->stages[2];
	assert_int_equal(s->params_nr, 3); /* nested section flattened */
	assert_string_equal(s->params[1].key, "train.n_est");
	lineage_dvc_lock_free(l);
	free(text);
}

/* A locked value hashes like the same value in params.yaml. */
static void test_lineage_dvc__lock_params_match_params_file(void **state)
{
	size_t len, plen;
	char *text = slurp(FIX "dvc.lock", &len), *ptext = slurp(FIX "params.yaml", &plen);
	struct lineage_dvc_lock *l = NULL;
	struct lineage_params *p = NULL;

	(void)state;
	assert_int_equal(lineage_dvc_lock_parse("dvc.lock", text, len, &l), 0);
	assert_int_equal(lineage_params_parse("params.yaml", ptext, plen, &p), 0);
	for (size_t i = 0; i < l->nr; i++)
		for (size_t j = 0; j < l->stages[i].params_nr; j++) {
			const struct lineage_dvc_lock_param *lp = &l->stages[i].params[j];

			assert_non_null(lineage_params_get(p, lp->key));
			assert_true(lineage_params_get(p, lp->key)->hash == lp->hash);
		}
	lineage_params_free(p);
	lineage_dvc_lock_free(l);
	free(text);
	free(ptext);
}

static void test_lineage_dvc__dvc_files(void **state)
{
	static const char *dir_out = "outs:\n- md5: 3f2a.dir\n  size: 100\n  nfiles: 3\n"
				     "  hash: md5\n  path: images\nfrozen: true\n";
	size_t len, n;
	char *text = slurp(FIX "data/data.xml.dvc", &len);
	struct lineage_dvc_hash *v = NULL;
	int frozen = -1;

	(void)state;
	assert_int_equal(lineage_dvc_file_parse("data/data.xml.dvc", text, len, &v, &n, &frozen), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].path, "data/data.xml");
	assert_string_equal(v[0].hash, "22a1a2931c8370d3aeedd7183606fd7f");
	assert_int_equal(frozen, 0);
	lineage_dvc_hashes_free(v, n);
	assert_int_equal(lineage_dvc_file_parse("d/images.dvc", dir_out, strlen(dir_out), &v, &n,
						&frozen), 0);
	assert_string_equal(v[0].path, "d/images");
	assert_true(gi_ends_with(v[0].hash, ".dir"));
	assert_int_equal(v[0].nfiles, 3);
	assert_int_equal(frozen, 1);
	lineage_dvc_hashes_free(v, n);
	free(text);
}

static void test_lineage_dvc__cycle(void **state)
{
	static const char *text =
		"stages:\n"
		"  a: {cmd: a, deps: [x/c.txt], outs: [a.txt]}\n"
		"  b: {cmd: b, deps: [a.txt], outs: [b.txt]}\n"
		"  c: {cmd: c, deps: [b.txt], outs: [x]}\n"
		"  d: {cmd: d, deps: [z], outs: [d.txt]}\n";
	static const char *dup =
		"stages:\n"
		"  a: {cmd: a, outs: [o]}\n"
		"  b: {cmd: b, outs: [o]}\n";
	struct lineage_dvc_file *f = parse_yaml("dvc.yaml", text, NULL);
	size_t order[4];

	(void)state;
	assert_int_equal(lineage_dvc_order(f->stages, f->nr, f->path, order), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "cannot order 'dvc.yaml' at line 2: cyclic stages "
				"'a' -> 'c' -> 'b' -> 'a'"));
	lineage_dvc_file_free(f);
	f = parse_yaml("dvc.yaml", dup, NULL);
	assert_int_equal(lineage_dvc_order(f->stages, f->nr, f->path, order), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "at line 3: 'o' is an output of both 'a' and 'b'"));
	lineage_dvc_file_free(f);
}

static void expect_bad(const char *text, const char *needle)
{
	struct lineage_dvc_file *f = NULL;

	gi_error_clear();
	assert_true(lineage_dvc_parse("dvc.yaml", text, strlen(text), read_table, NULL, &f) < 0);
	assert_null(f);
	if (!strstr(gi_error_last(), needle))
		fail_msg("error '%s' lacks '%s'", gi_error_last(), needle);
}

static void test_lineage_dvc__bad_input(void **state)
{
	(void)state;
	expect_bad("stages:\n  a:\n    cmd: [x\n", "cannot parse 'dvc.yaml' at line");
	expect_bad("- a\n", "at line 1: the top level must be a mapping");
	expect_bad("stages:\n  a:\n    cmd: x\n    deps: data.csv\n",
		   "at line 4: 'deps' of stage 'a' must be a list");
	expect_bad("stages:\n  a:\n    deps: [x]\n", "stage 'a' has no 'cmd'");
	expect_bad("stages:\n  a:\n    cmd: x\n    dep: [x]\n", "at line 4: unknown key 'dep' in stage 'a'");
	expect_bad("stages:\n  a:\n    cmd: run ${nope}\n", "at line 3: unknown variable 'nope'");
	expect_bad("vars: [missing.yaml]\nstages: {}\n", "at line 1: vars file 'missing.yaml' does not exist");
	expect_bad("stages:\n  a:\n    cmd: x\n    outs: [../../etc]\n", "path '../../etc' leaves the repository");
	expect_bad("stages:\n  a:\n    foreach: [1]\n", "foreach stage 'a' has no 'do'");
	expect_bad("stages:\n  a:\n    matrix: {x: [1]}\n    cmd: x\n", "'matrix' stage 'a' is not supported");
}

static void test_lineage_dvc__bad_lock_and_dvc_file(void **state)
{
	static const char *bad_schema = "schema: '3.0'\nstages: {}\n";
	static const char *no_path = "schema: '2.0'\nstages:\n  a:\n    cmd: x\n    deps:\n    - md5: 1\n";
	static const char *no_outs = "md5: 1\n";
	static const char *abs_url = "outs:\n- path: /https://example.com/d.csv\n  md5: 1\n";
	static const char *url = "deps:\n- path: s3+x.y-z://bucket/d.csv\nouts:\n- path: 1ab://c\n";
	struct lineage_dvc_lock *l = NULL;
	struct lineage_dvc_hash *v = NULL;
	size_t n;

	(void)state;
	assert_int_equal(lineage_dvc_lock_parse("dvc.lock", bad_schema, strlen(bad_schema), &l), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "at line 1: unsupported schema '3.0'"));
	assert_int_equal(lineage_dvc_lock_parse("dvc.lock", no_path, strlen(no_path), &l), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "'dvc.lock' at line 6: an entry needs a 'path'"));
	assert_null(l);
	assert_int_equal(lineage_dvc_file_parse("x.dvc", no_outs, strlen(no_outs), &v, &n, NULL),
			 GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "'x.dvc' at line 1: no 'outs' list"));
	assert_null(v);
	/* "://" inside an absolute path does not make it a URL (found by fuzz_dvclock) */
	assert_int_equal(lineage_dvc_file_parse("sub/x.dvc", abs_url, strlen(abs_url), &v, &n, NULL),
			 GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "path '/https://example.com/d.csv' leaves the repository"));
	assert_null(v);
	assert_int_equal(lineage_dvc_file_parse("sub/x.dvc", url, strlen(url), &v, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].path, "s3+x.y-z://bucket/d.csv");
	assert_string_equal(v[1].path, "sub/1ab:/c"); /* a scheme starts with a letter */
	lineage_dvc_hashes_free(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lineage_dvc__get_started),
		cmocka_unit_test(test_lineage_dvc__subdir_wdir_and_params_files),
		cmocka_unit_test(test_lineage_dvc__vars_and_interpolation),
		cmocka_unit_test(test_lineage_dvc__lock),
		cmocka_unit_test(test_lineage_dvc__lock_params_match_params_file),
		cmocka_unit_test(test_lineage_dvc__dvc_files),
		cmocka_unit_test(test_lineage_dvc__cycle),
		cmocka_unit_test(test_lineage_dvc__bad_input),
		cmocka_unit_test(test_lineage_dvc__bad_lock_and_dvc_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
