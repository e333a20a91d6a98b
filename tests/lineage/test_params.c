/* Unit tests for lineage/params.c and the tree loader under it (yamltree.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "manifest_int.h"

#define FIX GI_SOURCE_DIR "/fixtures/manifests/get-started/"

static struct lineage_params *parse_str(const char *path, const char *text)
{
	struct lineage_params *p = NULL;

	assert_int_equal(lineage_params_parse(path, text, strlen(text), &p), 0);
	return p;
}

static struct lineage_params *parse_file(const char *file)
{
	struct gi_buf b;
	struct lineage_params *p = NULL;

	assert_int_equal(gi_read_file(file, 1 << 20, &b), 0);
	assert_int_equal(lineage_params_parse(file, b.ptr, b.len, &p), 0);
	gi_buf_release(&b);
	return p;
}

static uint64_t hash_of(const struct lineage_params *p, const char *key)
{
	const struct lineage_param *e = lineage_params_get(p, key);

	assert_non_null(e);
	return e->hash;
}

static void test_lineage_params__keys(void **state)
{
	struct lineage_params *p = parse_file(FIX "params.yaml");
	const char *want[] = { "featurize.max_features", "featurize.ngrams", "prepare.seed",
			       "prepare.split", "train.min_split", "train.n_est", "train.seed" };

	(void)state;
	assert_int_equal(p->nr, GI_ARRAY_SIZE(want));
	for (size_t i = 0; i < p->nr; i++)
		assert_string_equal(p->v[i].key, want[i]);
	assert_int_equal(lineage_params_get(p, "train.n_est")->line, 11);
	assert_null(lineage_params_get(p, "train"));
	lineage_params_free(p);
}

static void test_lineage_params__reformat_is_no_change(void **state)
{
	struct lineage_params *a = parse_file(FIX "params.yaml");
	struct lineage_params *b = parse_file(FIX "params-reformatted.yaml");

	(void)state;
	assert_int_equal(a->nr, b->nr);
	for (size_t i = 0; i < a->nr; i++) {
		assert_string_equal(a->v[i].key, b->v[i].key);
		assert_true(a->v[i].hash == b->v[i].hash);
	}
	lineage_params_free(a);
	lineage_params_free(b);
}

static void test_lineage_params__one_value_changes_one_key(void **state)
{
	struct lineage_params *a = parse_str("p.yaml", "train: {lr: 0.1, n: 5}\nx: [1, 2]\n");
	struct lineage_params *b = parse_str("p.yaml", "train: {lr: 0.2, n: 5}\nx: [1, 2]\n");

	(void)state;
	assert_true(hash_of(a, "train.lr") != hash_of(b, "train.lr"));
	assert_true(hash_of(a, "train.n") == hash_of(b, "train.n"));
	assert_true(hash_of(a, "x") == hash_of(b, "x")); /* a sequence is a leaf */
	lineage_params_free(a);
	lineage_params_free(b);
}

/* Equal under YAML 1.2 and 1.1 alike: same hash; else a change. */
static void test_lineage_params__canonical_scalars(void **state)
{
	static const char *same[][2] = {
		{ "1.0", "1.00" }, { "0.001", "1.0e-3" }, { "abc", "'abc'" }, { "abc", "\"abc\"" },
		{ "true", "True" }, { "~", "null" }, { "", "~" }, { "[1, 2]", "\n  - 1\n  - 2" },
		{ "[{a: 1, b: 2}]", "[{b: 2, a: 1}]" }, { "-0", "0" }, { ".inf", "+.inf" },
		{ "|\n  ab\n", "\"ab\\n\"" },
	};
	static const char *diff[][2] = {
		{ "1", "1.0" }, { "'1'", "1" }, { "yes", "'yes'" }, { "1e-3", "0.001" },
		{ "010", "10" }, { "0x1F", "31" }, { "true", "'true'" }, { "[1, 2]", "[2, 1]" },
		{ "a", "b" }, { "null", "'null'" }, { "{}", "[]" },
	};

	(void)state;
	for (size_t i = 0; i < GI_ARRAY_SIZE(same) + GI_ARRAY_SIZE(diff); i++) {
		int is_same = i < GI_ARRAY_SIZE(same);
		const char *const *pair = is_same ? same[i] : diff[i - GI_ARRAY_SIZE(same)];
		char *ta = gi_xstrfmt("k: %s\n", pair[0]), *tb = gi_xstrfmt("k: %s\n", pair[1]);
		struct lineage_params *a = parse_str("p.yaml", ta), *b = parse_str("p.yaml", tb);

		if ((hash_of(a, "k") == hash_of(b, "k")) != is_same)
			fail_msg("'%s' vs '%s' should be %s", pair[0], pair[1],
				 is_same ? "equal" : "different");
		lineage_params_free(a);
		lineage_params_free(b);
		free(ta);
		free(tb);
	}
}

static void test_lineage_params__json(void **state)
{
	struct lineage_params *j = parse_str("p.json", "{\"train\": {\"lr\": 0.1, \"n\": 5, "
					     "\"name\": \"rf\", \"on\": true, \"x\": null}}");
	struct lineage_params *y = parse_str("p.yaml", "train: {lr: 0.1, n: 5, name: rf, "
					     "on: true, x: null}");

	(void)state;
	assert_int_equal(j->nr, 5);
	for (size_t i = 0; i < j->nr; i++)
		assert_true(j->v[i].hash == y->v[i].hash);
	lineage_params_free(j);
	lineage_params_free(y);
}

static void test_lineage_params__expand(void **state)
{
	struct lineage_params *p = parse_str("p.yaml", "train: {lr: 1, n: 2}\ntrain_x: 3\n"
					     "trainy: {a: 1}\n");
	struct gi_strvec v = GI_STRVEC_INIT;

	(void)state;
	assert_int_equal(lineage_params_expand(p, "train", &v), 2);
	assert_string_equal(v.v[0], "train.lr");
	assert_string_equal(v.v[1], "train.n");
	gi_strvec_clear(&v);
	assert_int_equal(lineage_params_expand(p, "train.lr", &v), 1);
	assert_int_equal(lineage_params_expand(p, "tra", &v), 0);
	assert_int_equal(lineage_params_expand(p, NULL, &v), 4);
	gi_strvec_clear(&v);
	lineage_params_free(p);
}

static void test_lineage_params__anchors_and_merge(void **state)
{
	struct lineage_params *p = parse_str("p.yaml", "base: &b {lr: 1, n: 2}\n"
					     "exp:\n  <<: *b\n  n: 3\nref: *b\n");

	(void)state;
	assert_true(hash_of(p, "exp.lr") == hash_of(p, "base.lr"));
	assert_true(hash_of(p, "exp.n") != hash_of(p, "base.n"));
	assert_true(hash_of(p, "ref.n") == hash_of(p, "base.n"));
	assert_null(lineage_params_get(p, "exp.<<"));
	lineage_params_free(p);
}

static void expect_error(const char *path, const char *text, size_t len, int code,
			 const char *needle)
{
	struct lineage_params *p = NULL;

	gi_error_clear();
	assert_int_equal(lineage_params_parse(path, text, len, &p), code);
	assert_null(p);
	if (!strstr(gi_error_last(), needle))
		fail_msg("error '%s' lacks '%s'", gi_error_last(), needle);
}

static void test_lineage_params__bad_input(void **state)
{
	static const char *bad_yaml = "a: 1\nb: [1, 2\nc: 3\n";
	static const char *dup = "a: 1\nb: 2\na: 3\n";
	static const char *flat_dup = "a.b: 1\na: {b: 2}\n";

	(void)state;
	expect_error("p.yaml", bad_yaml, strlen(bad_yaml), GI_EINPUT, "cannot parse 'p.yaml' at line");
	expect_error("p.yaml", dup, strlen(dup), GI_EINPUT, "'p.yaml' at line 3: duplicate key 'a'");
	expect_error("p.yaml", flat_dup, strlen(flat_dup), GI_EINPUT, "'a.b' appears twice");
	expect_error("p.yaml", "a: *nope\n", 9, GI_EINPUT, "line 1: unknown anchor 'nope'");
	expect_error("p.yaml", "? [a]\n: 1\n", 10, GI_EINPUT, "key must be a scalar");
	expect_error("p.json", "{\"a\": 1,\n \"b\": }", 16, GI_EINPUT, "cannot parse 'p.json' at line 2");
	expect_error("p.json", "{\"a\": 1, \"a\": 2}", 16, GI_EINPUT, "'p.json'");
}

static void test_lineage_params__alias_bomb(void **state)
{
	struct gi_buf b = GI_BUF_INIT;

	(void)state;
	gi_buf_adds(&b, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
	for (char c = 'b'; c <= 'j'; c++)
		gi_buf_printf(&b, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
			      c, c, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
	expect_error("bomb.yaml", b.ptr, b.len, GI_ELIMIT, "'bomb.yaml' at line");
	gi_buf_release(&b);
}

static void test_lineage_params__huge_and_deep(void **state)
{
	size_t big = (size_t)10 << 20;
	char *s = gi_xmalloc(big);
	struct gi_buf b = GI_BUF_INIT;

	(void)state;
	memset(s, 'x', big);
	memcpy(s, "k: ", 3);
	expect_error("big.yaml", s, big, GI_ELIMIT, "cannot load 'big.yaml' at line 1");
	expect_error("big.json", s, big, GI_ELIMIT, "'big.json' at line 1");
	free(s);
	for (int i = 0; i < 5000; i++)
		gi_buf_adds(&b, "[");
	expect_error("deep.yaml", b.ptr, b.len, GI_ELIMIT, "nested deeper than");
	expect_error("deep.json", b.ptr, b.len, GI_EINPUT, "'deep.json'");
	gi_buf_reset(&b);
	for (int i = 0; i < 100; i++)
		gi_buf_printf(&b, "%*sk:\n", i * 2, "");
	expect_error("deep2.yaml", b.ptr, b.len, GI_ELIMIT, "at line 65: nested deeper");
	gi_buf_release(&b);
}

static void test_lineage_params__paths(void **state)
{
	char *p;

	(void)state;
	p = lineage_path_join("a/b", "./c/../d//e");
	assert_string_equal(p, "a/b/d/e");
	free(p);
	p = lineage_path_join("", "x");
	assert_string_equal(p, "x");
	free(p);
	p = lineage_path_join("a", "..");
	assert_string_equal(p, "");
	free(p);
	assert_null(lineage_path_join("a", "../../x"));
	assert_null(lineage_path_join("a", "/etc/passwd"));
	p = lineage_path_dir("a/b/dvc.yaml");
	assert_string_equal(p, "a/b");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lineage_params__keys),
		cmocka_unit_test(test_lineage_params__reformat_is_no_change),
		cmocka_unit_test(test_lineage_params__one_value_changes_one_key),
		cmocka_unit_test(test_lineage_params__canonical_scalars),
		cmocka_unit_test(test_lineage_params__json),
		cmocka_unit_test(test_lineage_params__expand),
		cmocka_unit_test(test_lineage_params__anchors_and_merge),
		cmocka_unit_test(test_lineage_params__bad_input),
		cmocka_unit_test(test_lineage_params__alias_bomb),
		cmocka_unit_test(test_lineage_params__huge_and_deep),
		cmocka_unit_test(test_lineage_params__paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
