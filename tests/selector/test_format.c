/*
 * Unit tests for selector/ output formats: hostile test ids (spaces,
 * quotes, $, backticks, unicode, regex metacharacters) must round-trip
 * through a real shell, POSIX regcomp, CMake's regex engine, jansson and
 * a YAML parser, and nothing unselected may match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "selector.h"

static const char *const hostile[] = {
	"tests/test_a.py::test_plain",
	"tests/test b.py::test_space name",
	"tests/t.py::test_quote['it's']",
	"tests/t.py::test_dq[\"x\"]",
	"tests/t.py::test_dollar[$HOME $(id) ${PATH}]",
	"tests/t.py::test_tick[`id`]",
	"tests/t.py::test_unicode[h\xc3\xa9llo-\xe6\x97\xa5\xe6\x9c\xac]",
	"tests/t.py::test_re[a.b*c+(d)|e^f$g?h{2}\\]",
	"tests/t.py::test_semi[; touch /tmp/gi-pwned & echo]",
	"tests/t.py::test_glob[*?]",
	"-n",
};

/* Near misses that an unescaped or unanchored regex would match. */
static const char *const decoys[] = {
	"tests/test_a.py::test_plain_more",
	"xtests/test_a.py::test_plain",
	"tests/t.py::test_re[aXb*c+(d)|e^f$g?h{2}\\]",
	"tests/t.py::test_re[a.bbbc+(d)|e^f$g?h{2}\\]",
	"tests/t_py::test_tick[`id`]",
	"e",
	"",
};

static void fill(struct selector_result *r)
{
	selector_result_init(r);
	for (size_t i = 0; i < GI_ARRAY_SIZE(hostile); i++)
		selector_test_select(selector_result_add(r, hostile[i], (double)i + 1), SELECTOR_SAFE_SET);
	for (size_t i = 0; i < GI_ARRAY_SIZE(decoys); i++)
		selector_result_add(r, decoys[i], -1);
	selector_summarize(r);
}

/* Run `sh -c "printf '%s\n' WORDS"` and return its output (caller frees). */
static char *shell_echo(const char *words)
{
	struct gi_buf cmd = GI_BUF_INIT, out = GI_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *p;

	assert_int_equal(gi_buf_printf(&cmd, "printf '%%s\\n' %s", words), 0);
	p = popen(gi_buf_cstr(&cmd), "r");
	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		assert_int_equal(gi_buf_add(&out, chunk, n), 0);
	assert_int_equal(pclose(p), 0);
	gi_buf_release(&cmd);
	return gi_buf_detach(&out, NULL);
}

static char *joined_hostile(void)
{
	struct gi_buf b = GI_BUF_INIT;

	for (size_t i = 0; i < GI_ARRAY_SIZE(hostile); i++)
		assert_int_equal(gi_buf_printf(&b, "%s\n", hostile[i]), 0);
	return gi_buf_detach(&b, NULL);
}

static void test_selector_format__shell_quote_roundtrip(void **state)
{
	struct gi_buf q = GI_BUF_INIT;
	char *got, *want = joined_hostile();

	(void)state;
	unlink("/tmp/gi-pwned");
	for (size_t i = 0; i < GI_ARRAY_SIZE(hostile); i++) {
		if (i)
			gi_buf_addch(&q, ' ');
		assert_int_equal(selector_shell_quote(&q, hostile[i]), 0);
	}
	got = shell_echo(gi_buf_cstr(&q));
	assert_string_equal(got, want);
	assert_int_equal(access("/tmp/gi-pwned", F_OK), -1);
	free(got);
	free(want);
	gi_buf_release(&q);
}

static void test_selector_format__pytest_roundtrip(void **state)
{
	struct selector_result r;
	struct gi_buf out = GI_BUF_INIT;
	char *got, *want = joined_hostile();

	(void)state;
	fill(&r);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_PYTEST, &out), 0);
	assert_true(out.len > 0 && out.ptr[out.len - 1] == '\n');
	out.ptr[--out.len] = '\0';
	got = shell_echo(gi_buf_cstr(&out));
	assert_string_equal(got, want);
	free(got);
	gi_buf_reset(&out);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_PYTEST_ARGS, &out), 0);
	assert_string_equal(gi_buf_cstr(&out), want); /* raw, one per line */
	gi_buf_reset(&out);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_LIST, &out), 0);
	assert_string_equal(gi_buf_cstr(&out), want);
	free(want);
	gi_buf_release(&out);
	selector_result_release(&r);
}

static void test_selector_format__ctest_regex_exact(void **state)
{
	struct selector_result r;
	struct gi_buf out = GI_BUF_INIT;
	regex_t re;

	(void)state;
	fill(&r);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_CTEST, &out), 0);
	out.ptr[--out.len] = '\0';
	assert_int_equal(regcomp(&re, out.ptr, REG_EXTENDED | REG_NOSUB), 0);
	for (size_t i = 0; i < GI_ARRAY_SIZE(hostile); i++)
		assert_int_equal(regexec(&re, hostile[i], 0, NULL, 0), 0);
	for (size_t i = 0; i < GI_ARRAY_SIZE(decoys); i++)
		assert_int_equal(regexec(&re, decoys[i], 0, NULL, 0), REG_NOMATCH);
	regfree(&re);
	gi_buf_release(&out);
	selector_result_release(&r);
}

/* Append a CMake check that `id` does (or does not) match ${re}. */
static void cmake_check(struct gi_buf *s, const char *id, int want)
{
	assert_null(strstr(id, "]==]"));
	gi_buf_printf(s, "set(v [==[%s]==])\nif(%sv MATCHES \"${re}\")\n"
		      "  message(FATAL_ERROR \"wrong: ${v}\")\nendif()\n", id, want ? "NOT " : "");
}

static void test_selector_format__ctest_regex_cmake(void **state)
{
	struct selector_result r;
	struct gi_buf out = GI_BUF_INIT, s = GI_BUF_INIT;
	char path[] = "/tmp/gi-test-ctest-XXXXXX";
	int fd;

	(void)state;
	fill(&r);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_CTEST, &out), 0);
	out.ptr[--out.len] = '\0';
	gi_buf_printf(&s, "set(re [==[%s]==])\n", out.ptr);
	for (size_t i = 0; i < GI_ARRAY_SIZE(hostile); i++)
		cmake_check(&s, hostile[i], 1);
	for (size_t i = 0; i + 1 < GI_ARRAY_SIZE(decoys); i++) /* CMake cannot hold "" in v */
		cmake_check(&s, decoys[i], 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, s.ptr, s.len), (ssize_t)s.len);
	close(fd);
	gi_buf_reset(&out);
	gi_buf_printf(&out, "cmake -P %s >/dev/null 2>&1", path);
	assert_int_equal(system(out.ptr), 0);
	unlink(path);
	gi_buf_release(&out);
	gi_buf_release(&s);
	selector_result_release(&r);
}

static void test_selector_format__empty_selection(void **state)
{
	struct selector_result r;
	struct gi_buf out = GI_BUF_INIT;
	regex_t re;

	(void)state;
	selector_result_init(&r);
	selector_result_add(&r, "a::b", 1);
	selector_summarize(&r);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_CTEST, &out), 0);
	assert_string_equal(out.ptr, "^$\n");
	out.ptr[--out.len] = '\0';
	assert_int_equal(regcomp(&re, out.ptr, REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regexec(&re, "a::b", 0, NULL, 0), REG_NOMATCH);
	regfree(&re);
	gi_buf_reset(&out);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_LIST, &out), 0);
	assert_string_equal(gi_buf_cstr(&out), "");
	gi_buf_reset(&out);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_GITHUB_MATRIX, &out), 0);
	assert_non_null(strstr(out.ptr, "\"count\":0"));
	gi_buf_release(&out);
	selector_result_release(&r);
}

static void test_selector_format__gotest(void **state)
{
	struct selector_result r;
	struct gi_buf out = GI_BUF_INIT;
	static const char *const ids[] = {
		"example.com/m/pkg::TestB", "example.com/m/pkg::TestA/sub case",
		"example.com/m/pkg::TestA/other", "example.com/m/other pkg::TestC",
	};

	(void)state;
	selector_result_init(&r);
	for (size_t i = 0; i < GI_ARRAY_SIZE(ids); i++)
		selector_test_select(selector_result_add(&r, ids[i], 1), SELECTOR_SAFE_SET);
	selector_result_add(&r, "example.com/m/pkg::TestZ", 1);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_GOTEST, &out), 0);
	assert_string_equal(out.ptr,
			    "go test 'example.com/m/other pkg' -run '^(TestC)$'\n"
			    "go test 'example.com/m/pkg' -run '^(TestA|TestB)$'\n");
	selector_test_select(selector_result_add(&r, "no-package", 1), SELECTOR_NEW);
	gi_buf_reset(&out);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_GOTEST, &out), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "'no-package'"));
	gi_buf_release(&out);
	selector_result_release(&r);
}

static void test_selector_format__jest(void **state)
{
	struct selector_result r;
	struct gi_buf out = GI_BUF_INIT;

	(void)state;
	selector_result_init(&r);
	selector_test_select(selector_result_add(&r, "src/a b.test.js::renders", 1), SELECTOR_NEW);
	selector_test_select(selector_result_add(&r, "src/a b.test.js::clicks", 1), SELECTOR_NEW);
	selector_test_select(selector_result_add(&r, "src/it's.test.ts", 1), SELECTOR_NEW);
	selector_result_add(&r, "src/skip.test.js::x", 1);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_JEST, &out), 0);
	assert_string_equal(out.ptr, "'src/a b.test.js' 'src/it'\\''s.test.ts'\n");
	gi_buf_release(&out);
	selector_result_release(&r);
}

static void test_selector_format__bad_ids(void **state)
{
	struct selector_result r;
	struct gi_buf out = GI_BUF_INIT;

	(void)state;
	selector_result_init(&r);
	selector_test_select(selector_result_add(&r, "t.py::a\nb", 1), SELECTOR_NEW);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_LIST, &out), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "line break"));
	assert_int_equal(selector_format(&r, SELECTOR_FMT_CTEST, &out), GI_EINPUT);
	selector_result_release(&r);
	selector_result_init(&r);
	selector_result_add(&r, "t.py::bad\xff\xfe", 1);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_JSON, &out), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "UTF-8"));
	assert_int_equal(selector_format(&r, SELECTOR_FMT_GITLAB, &out), GI_EINPUT);
	gi_buf_release(&out);
	selector_result_release(&r);
	{
		int fmt = -1;

		assert_int_equal(selector_format_parse("github-matrix", &fmt), 0);
		assert_int_equal(fmt, SELECTOR_FMT_GITHUB_MATRIX);
		assert_int_equal(selector_format_parse("junit", &fmt), GI_EUSAGE);
		assert_non_null(strstr(gi_error_last(), "'junit'"));
	}
}

static void test_selector_format__json(void **state)
{
	struct selector_result r;
	struct gi_buf out = GI_BUF_INIT;
	json_error_t jerr;
	json_t *doc, *tests, *sum;

	(void)state;
	fill(&r);
	selector_test_set_path(&r.v[0], "tests/test_a.py -> imports -> src/a.py");
	r.v[0].kinds = SELECTOR_KIND_CODE | SELECTOR_KIND_PARAM;
	r.v[0].score = 0.25;
	selector_result_fallback(&r, "no base commit 'abc' in this shallow clone");
	selector_summarize(&r);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_JSON, &out), 0);
	doc = json_loads(out.ptr, 0, &jerr);
	assert_non_null(doc);
	tests = json_object_get(doc, "tests");
	sum = json_object_get(doc, "summary");
	assert_int_equal(json_array_size(tests), r.nr);
	for (size_t i = 0; i < r.nr; i++)
		assert_string_equal(json_string_value(json_object_get(json_array_get(tests, i), "id")),
				    r.v[i].id);
	assert_string_equal(json_string_value(json_object_get(json_array_get(tests, 0), "path")),
			    "tests/test_a.py -> imports -> src/a.py");
	assert_true(json_real_value(json_object_get(json_array_get(tests, 0), "score")) == 0.25);
	assert_int_equal(json_array_size(json_object_get(json_array_get(tests, 0), "kinds")), 2);
	assert_true(json_is_null(json_object_get(json_array_get(tests, 1), "score")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(tests, 12), "reason")),
			    "fallback");
	assert_true(json_is_true(json_object_get(sum, "fallback")));
	assert_string_equal(json_string_value(json_object_get(sum, "fallback_reason")),
			    "no base commit 'abc' in this shallow clone");
	assert_int_equal(json_integer_value(json_object_get(sum, "selected")), r.nr);
	json_decref(doc);
	gi_buf_release(&out);
	selector_result_release(&r);
}

/* The json format as it was built before it was streamed: a jansson tree, dumped. */
static json_t *ref_num(double v, int unknown)
{
	return unknown || !isfinite(v) ? json_null() : json_real(v);
}

static json_t *ref_test(const struct selector_test *t)
{
	static const char *const kind_names[] = { "code", "data", "param", "model" };
	json_t *o = json_object(), *kinds = json_array();

	json_object_set_new(o, "id", json_string(t->id));
	json_object_set_new(o, "selected", json_boolean(t->selected));
	json_object_set_new(o, "reason", json_string(selector_reason_name(t->reason)));
	json_object_set_new(o, "path", t->path ? json_string(t->path) : json_null());
	for (unsigned i = 0; i < 4; i++)
		if (t->kinds & (1u << i))
			json_array_append_new(kinds, json_string(kind_names[i]));
	json_object_set_new(o, "kinds", kinds);
	json_object_set_new(o, "score", ref_num(t->score, t->score < 0));
	json_object_set_new(o, "duration", ref_num(t->duration, t->duration < 0));
	if (t->shard)
		json_object_set_new(o, "shard", json_integer(t->shard));
	return o;
}

/* The streamed document with its "tests" replaced by the jansson reference, dumped again. */
static char *ref_json(const char *streamed, const struct selector_result *r)
{
	json_t *doc = json_loads(streamed, JSON_DECODE_ANY, NULL), *tests = json_array();
	char *text;

	assert_non_null(doc);
	for (size_t i = 0; i < r->nr; i++)
		json_array_append_new(tests, ref_test(&r->v[i]));
	json_object_set_new(doc, "tests", tests);
	text = json_dumps(doc, JSON_INDENT(1));
	json_decref(doc);
	return text;
}

/* Streamed, the json format has the bytes jansson gave: strings, reals, kinds, shards. */
static void test_selector_format__json_bytes(void **state)
{
	static const double nums[] = { 0, 1, 0.1, 1.0 / 3, 2.5e-7, 1e21, 123456789.0, 1e-300,
				       7.0e100, 0.000123, 1e16, 99.99 };
	static const char *const odd[] = {
		"ctl\x01\x1f\x7f[\b\f\n\r\t]", "q\"uote\\back/slash", "u\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80",
	};
	struct selector_result r;
	struct gi_buf out = GI_BUF_INIT;
	char *want;

	(void)state;
	for (int pass = 0; pass < 3; pass++) {
		fill(&r);
		for (size_t i = 0; i < GI_ARRAY_SIZE(odd); i++)
			selector_test_select(selector_result_add(&r, odd[i], nums[i]), SELECTOR_NEW);
		for (size_t i = 0; i < r.nr; i++) {
			r.v[i].score = i % 3 ? nums[i % GI_ARRAY_SIZE(nums)] : -1;
			r.v[i].duration = i % 4 ? nums[(i * 7) % GI_ARRAY_SIZE(nums)] : -1;
			r.v[i].kinds = (unsigned)i % 16;
			if (i % 2)
				selector_test_set_path(&r.v[i], odd[i % GI_ARRAY_SIZE(odd)]);
		}
		if (pass == 1)
			selector_result_fallback(&r, "why \"not\"\n");
		selector_summarize(&r);
		if (pass == 2)
			assert_int_equal(selector_shard(&r, 3), 0);
		assert_int_equal(selector_format(&r, SELECTOR_FMT_JSON, &out), 0);
		want = ref_json(gi_buf_cstr(&out), &r);
		assert_non_null(want);
		assert_int_equal(out.len, strlen(want) + 1);
		assert_memory_equal(out.ptr, want, out.len - 1);
		assert_int_equal(out.ptr[out.len - 1], '\n');
		free(want);
		gi_buf_reset(&out);
		selector_result_release(&r);
	}
	/* no test at all */
	selector_result_init(&r);
	selector_summarize(&r);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_JSON, &out), 0);
	want = ref_json(gi_buf_cstr(&out), &r);
	assert_int_equal(out.len, strlen(want) + 1);
	assert_memory_equal(out.ptr, want, out.len - 1);
	assert_non_null(strstr(want, "\"tests\": []"));
	free(want);
	selector_result_release(&r);
	/* a limit is an error, not a cut document */
	fill(&r);
	gi_buf_release(&out);
	gi_buf_init(&out, 1000);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_JSON, &out), GI_ELIMIT);
	assert_non_null(strstr(gi_error_last(), "selection output exceeds 1000 bytes"));
	gi_buf_release(&out);
	selector_result_release(&r);
}

static void test_selector_format__github_matrix(void **state)
{
	struct selector_result r;
	struct gi_buf out = GI_BUF_INIT, all = GI_BUF_INIT;
	json_t *doc, *inc;
	char *want = joined_hostile(), *got;
	size_t count = 0;

	(void)state;
	fill(&r);
	assert_int_equal(selector_shard(&r, 3), 0);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_GITHUB_MATRIX, &out), 0);
	assert_ptr_equal(strchr(out.ptr, '\n'), out.ptr + out.len - 1); /* one line */
	doc = json_loads(out.ptr, 0, NULL);
	inc = json_object_get(doc, "include");
	assert_int_equal(json_array_size(inc), 3);
	for (size_t s = 0; s < 3; s++) {
		json_t *e = json_array_get(inc, s);

		assert_int_equal(json_integer_value(json_object_get(e, "shard")), (json_int_t)s + 1);
		count += (size_t)json_integer_value(json_object_get(e, "count"));
		gi_buf_printf(&all, " %s", json_string_value(json_object_get(e, "pytest_args")));
	}
	assert_int_equal(count, GI_ARRAY_SIZE(hostile));
	/* the shell words of all shards give back every selected id */
	got = shell_echo(all.ptr);
	{
		struct gi_strvec a = GI_STRVEC_INIT, b = GI_STRVEC_INIT;
		char *save = NULL;

		for (char *l = strtok_r(got, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			gi_strvec_push(&a, l);
		for (size_t i = 0; i < GI_ARRAY_SIZE(hostile); i++)
			gi_strvec_push(&b, hostile[i]);
		gi_strvec_sort_uniq(&a);
		gi_strvec_sort_uniq(&b);
		assert_int_equal(a.nr, b.nr);
		for (size_t i = 0; i < a.nr; i++)
			assert_string_equal(a.v[i], b.v[i]);
		gi_strvec_clear(&a);
		gi_strvec_clear(&b);
	}
	free(got);
	free(want);
	json_decref(doc);
	gi_buf_release(&all);
	gi_buf_release(&out);
	selector_result_release(&r);
}

static void test_selector_format__gitlab_yaml(void **state)
{
	struct selector_result r;
	struct gi_buf out = GI_BUF_INIT, cmd = GI_BUF_INIT;
	char path[] = "/tmp/gi-test-gitlab-XXXXXX";
	int fd;

	(void)state;
	if (system("python3 -c 'import yaml' >/dev/null 2>&1") != 0)
		skip();
	fill(&r);
	assert_int_equal(selector_shard(&r, 2), 0);
	assert_int_equal(selector_format(&r, SELECTOR_FMT_GITLAB, &out), 0);
	fd = mkstemp(path);
	assert_int_equal(write(fd, out.ptr, out.len), (ssize_t)out.len);
	close(fd);
	/* every selected id is in exactly one job's IMPACT_TESTS, unexpanded */
	gi_buf_printf(&cmd,
		      "python3 -c 'import sys, yaml\n"
		      "d = yaml.safe_load(open(sys.argv[1]))\n"
		      "ids = []\n"
		      "for k, j in d.items():\n"
		      "    if k.startswith(\"impact-shard-\"):\n"
		      "        assert j[\"variables\"][\"IMPACT_TESTS\"][\"expand\"] is False\n"
		      "        ids += j[\"variables\"][\"IMPACT_TESTS\"][\"value\"].split(\"\\n\")\n"
		      "want = sys.stdin.read().split(\"\\n\")[:-1]\n"
		      "assert sorted(ids) == sorted(want), (ids, want)\n' %s", path);
	{
		FILE *p = popen(cmd.ptr, "w");
		char *want = joined_hostile();

		assert_non_null(p);
		fputs(want, p);
		assert_int_equal(pclose(p), 0);
		free(want);
	}
	unlink(path);
	gi_buf_release(&cmd);
	gi_buf_release(&out);
	selector_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selector_format__shell_quote_roundtrip),
		cmocka_unit_test(test_selector_format__pytest_roundtrip),
		cmocka_unit_test(test_selector_format__ctest_regex_exact),
		cmocka_unit_test(test_selector_format__ctest_regex_cmake),
		cmocka_unit_test(test_selector_format__empty_selection),
		cmocka_unit_test(test_selector_format__gotest),
		cmocka_unit_test(test_selector_format__jest),
		cmocka_unit_test(test_selector_format__bad_ids),
		cmocka_unit_test(test_selector_format__json),
		cmocka_unit_test(test_selector_format__json_bytes),
		cmocka_unit_test(test_selector_format__github_matrix),
		cmocka_unit_test(test_selector_format__gitlab_yaml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
