/* Unit tests for history/sync.c: note lines merged by union, canonical text, import. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"
#include "store.h"
#include "teststore.h"

#define C1 "1111111111111111111111111111111111111111"
#define RUN(key, tests) \
	"{\"impact\":1,\"run\":\"" key "\",\"commit\":\"" C1 "\",\"time\":100,\"kind\":\"ci\"," \
	"\"full\":0,\"tests\":{" tests "}}\n"

struct collected {
	char *text;
	int changed;
	size_t n;
};

static int collect(void *data, const char *commit, const char *text, size_t len, int changed)
{
	struct collected *c = data;

	assert_string_equal(commit, C1);
	assert_int_equal(strlen(text), len);
	free(c->text);
	c->text = gi_xstrdup(text);
	c->changed = changed;
	c->n++;
	return 0;
}

static void add(struct history_notes *ns, const char *text, int base)
{
	assert_int_equal(history_notes_add_text(ns, C1, text, strlen(text), "test", base), 0);
}

static void test_history_sync__union(void **state)
{
	struct history_notes *ns = history_notes_new();
	struct collected c = { 0 };

	(void)state;
	add(ns, RUN("r1", "\"a\":[0,1.5,0]") RUN("r2", "\"x\":[0,null,0]"), 1);
	add(ns, RUN("r1", "\"a\":[1,0.5,0],\"b\":[0,2,1]"), 0);
	assert_int_equal(history_notes_each(ns, collect, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.changed, 1);
	/* a: pass + fail in one run is flaky (4), longest duration kept; b added; r2 kept */
	assert_non_null(strstr(c.text, "\"tests\":{\"a\":[4,1.5,0],\"b\":[0,2,1]}"));
	assert_non_null(strstr(c.text, "\"run\":\"r2\""));
	assert_int_equal(history_notes_refused(ns), 0);
	free(c.text);
	history_notes_free(ns);
}

static void test_history_sync__canonical(void **state)
{
	struct history_notes *ns = history_notes_new(), *again = history_notes_new();
	struct collected c = { 0 }, d = { 0 };

	(void)state;
	add(ns, RUN("r2", "\"b\":[0,2,0],\"a\":[3,null,0]") RUN("r1", ""), 0);
	assert_int_equal(history_notes_each(ns, collect, &c), 0);
	add(again, c.text, 1);
	assert_int_equal(history_notes_each(again, collect, &d), 0);
	assert_string_equal(c.text, d.text);
	assert_int_equal(d.changed, 0);
	assert_true(strstr(c.text, "\"run\":\"r1\"") < strstr(c.text, "\"run\":\"r2\""));
	free(c.text);
	free(d.text);
	history_notes_free(ns);
	history_notes_free(again);
}

static void test_history_sync__bad_lines_kept(void **state)
{
	static const char newer[] = "{\"impact\":9,\"run\":\"z\",\"commit\":\"" C1 "\"}";
	static const char broken[] = "{\"impact\":1,\"run\":";
	static const char other[] = "{\"impact\":1,\"run\":\"o\",\"commit\":\"2222222222222222222222222222222222222222\","
				    "\"time\":1,\"kind\":\"ci\",\"full\":0,\"tests\":{}}";
	struct history_notes *ns = history_notes_new();
	struct collected c = { 0 };
	char *text = gi_xstrfmt("%s\n%s\n%s\n" RUN("ok", "\"t\":[7,1,0]") RUN("ok2", ""), newer, broken, other);

	(void)state;
	add(ns, text, 0);
	add(ns, text, 0); /* twice: kept once */
	assert_int_equal(history_notes_refused(ns), 8);
	assert_int_equal(history_notes_each(ns, collect, &c), 0);
	assert_non_null(strstr(c.text, newer));
	assert_non_null(strstr(c.text, broken));
	assert_non_null(strstr(c.text, other));
	/* outcome 7 is not valid: the line is kept raw, not read as a run */
	assert_null(strstr(c.text, "\"impact\":1,\"kind\":\"ci\",\"run\":\"ok\","));
	assert_non_null(strstr(c.text, "\"impact\":1,\"kind\":\"ci\",\"run\":\"ok2\","));
	assert_int_equal(history_notes_add_text(ns, "HEAD", "", 0, "test", 0), GI_EINPUT);
	free(text);
	free(c.text);
	history_notes_free(ns);
}

static void test_history_sync__import(void **state)
{
	char dir[] = "/tmp/gi-sync-XXXXXX";
	struct store *s = NULL;
	struct history_notes *ns = history_notes_new(), *back = history_notes_new();
	struct history_import_result res;
	struct collected c = { 0 };
	size_t counts[HISTORY_NOUTCOMES];
	struct store_run run;

	(void)state;
	assert_non_null(test_store(dir, &s));
	add(ns, RUN("r1", "\"a\":[0,1.5,0],\"b\":[1,null,1]"), 0);
	assert_int_equal(history_notes_import(ns, s, &res), 0);
	assert_int_equal(res.runs_new, 1);
	assert_int_equal(res.results_new, 2);
	assert_int_equal(history_notes_import(ns, s, &res), 0);
	assert_int_equal(res.runs_new + res.results_new, 0);
	assert_int_equal(store_run_find(s, "r1", &run), 0);
	assert_string_equal(run.commit, C1);
	assert_int_equal(run.time, 100);
	assert_int_equal(store_run_outcomes(s, run.id, counts, HISTORY_NOUTCOMES), 0);
	assert_int_equal(counts[HISTORY_PASS], 1);
	assert_int_equal(counts[HISTORY_FAIL], 1);
	/* the store exported again gives the same runs */
	assert_int_equal(history_notes_add_store(back, s), 0);
	assert_int_equal(history_notes_each(back, collect, &c), 0);
	assert_non_null(strstr(c.text, "\"tests\":{\"a\":[0,1.5,0],\"b\":[1,null,1]}"));
	free(c.text);
	store_free(s);
	history_notes_free(ns);
	history_notes_free(back);
}

#define AUDIT(expect) ",\"audit\":{\"share\":0.5,\"seed\":\"000000000000002a\",\"expect\":[" expect "]}"
#define ARUN(key, tests, audit) \
	"{\"impact\":1,\"run\":\"" key "\",\"commit\":\"" C1 "\",\"time\":100,\"kind\":\"ci\"," \
	"\"full\":0,\"tests\":{" tests "}" audit "}\n"

/* A run's audit sample travels through notes and decides its audit values on import. */
static void test_history_sync__audit(void **state)
{
	char dir[] = "/tmp/gi-sync-XXXXXX";
	struct store *s = NULL;
	struct history_notes *ns = history_notes_new(), *back = history_notes_new();
	struct history_import_result res;
	struct collected c = { 0 };
	struct store_run run;
	long heads = (gi_coin(42, "a") < 0.5) + (gi_coin(42, "b") < 0.5);
	size_t count, audit;

	(void)state;
	assert_non_null(test_store(dir, &s));
	/* the same run from two clones: one line without the sample, one with: union keeps it */
	add(ns, ARUN("r1", "\"a\":[1,1.5,0]", ""), 0);
	add(ns, ARUN("r1", "\"b\":[2,null,1],\"c\":[0,1,0]", AUDIT("\"a\",\"c\"")), 0);
	add(ns, ARUN("r2", "\"a\":[1,1.5,0]", AUDIT("\"a\",\"zz\"")), 0); /* zz: no result */
	add(ns, ARUN("bad1", "", ",\"audit\":{\"share\":2,\"seed\":\"000000000000002a\",\"expect\":[]}"), 0);
	add(ns, ARUN("bad2", "", ",\"audit\":{\"share\":0.5,\"seed\":\"2a\",\"expect\":[]}"), 0);
	assert_int_equal(history_notes_refused(ns), 2);
	assert_int_equal(history_notes_import(ns, s, &res), 0);
	assert_int_equal(store_run_find(s, "r1", &run), 0);
	assert_float_equal(run.audit_share, 0.5, 0);
	assert_int_equal(run.audit_seed, 42);
	assert_int_equal(run.audit_values, heads);
	assert_int_equal(store_run_find(s, "r2", &run), 0);
	assert_int_equal(run.audit_values, -1);
	assert_int_equal(store_calibration_count(s, 1, &count, &audit), 0);
	assert_int_equal(audit, heads);
	/* exported again: the sample is in the note */
	assert_int_equal(history_notes_add_store(back, s), 0);
	assert_int_equal(history_notes_each(back, collect, &c), 0);
	assert_non_null(strstr(c.text, "\"audit\":{\"expect\":[\"a\",\"c\"],\"seed\":\"000000000000002a\","
				       "\"share\":0.5}"));
	free(c.text);
	store_free(s);
	history_notes_free(ns);
	history_notes_free(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_sync__union),
		cmocka_unit_test(test_history_sync__canonical),
		cmocka_unit_test(test_history_sync__bad_lines_kept),
		cmocka_unit_test(test_history_sync__import),
		cmocka_unit_test(test_history_sync__audit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
