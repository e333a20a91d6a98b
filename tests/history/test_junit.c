/* Unit tests for history/junit.c: every dialect's fixture, and every kind of bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"

/* Every case as "id|outcome|duration", one per line. */
static int collect(void *data, const struct history_case *c)
{
	struct gi_buf *b = data;

	return gi_buf_printf(b, "%s|%d|%g\n", c->id, c->outcome, c->duration);
}

static void expect_fixture(const char *name, const char *want, size_t ncases)
{
	char *path = gi_xstrfmt("%s/fixtures/junit/%s", GI_SOURCE_DIR, name);
	struct gi_buf got = GI_BUF_INIT;
	struct history_junit_info info;

	assert_int_equal(history_junit_read(path, collect, &got, &info), 0);
	assert_string_equal(gi_buf_cstr(&got), want);
	assert_int_equal(info.cases, ncases);
	assert_true(info.bytes > 0);
	gi_buf_release(&got);
	free(path);
}

static void test_history_junit__pytest(void **state)
{
	(void)state;
	expect_fixture("pytest.xml",
		"tests/test_model.py::TestEval::test_auc[small]|0|0.512\n"
		"tests/test_model.py::TestEval::test_auc[large]|1|1.204\n"
		"tests/test_data.py::test_load|0|0.02\n"
		"tests/test_data.py::test_schema|2|0.001\n"
		"tests/test_data.py::test_gpu|3|0\n"
		"tests/test_train.py::test_converges|3|0\n", 6);
	expect_fixture("pytest-xunit1.xml",
		"tests/test_model.py::TestEval::test_auc[small]|0|0.051\n"
		"tests/unit/test_params.py::test_lr|0|0.003\n"
		"tests/test_model.py::TestEval::TestNested::test_deep|0|0.066\n", 3);
}

static void test_history_junit__ctest(void **state)
{
	(void)state;
	expect_fixture("ctest.xml",
		"unit_test_common|0|0.0132\n"
		"unit_test_store|1|1.2001\n"
		"e2e_t0001-cli|3|0\n"
		"e2e_t0002-init|0|0.51\n", 4);
}

static void test_history_junit__jest(void **state)
{
	(void)state;
	expect_fixture("jest-junit.xml",
		"Calculator adds 1 + 2 to equal 3|0|0.004\n"
		"Calculator divides by zero|1|0.011\n"
		"Calculator handles bigint|3|0\n"
		"src/parser.test.js::Parser parses numbers|0|0.002\n", 4);
}

static void test_history_junit__go(void **state)
{
	(void)state;
	expect_fixture("go-junit-report.xml",
		"example.com/shop/cart::TestAdd|0|0.001\n"
		"example.com/shop/cart::TestTotal/with_discount|1|0.002\n"
		"example.com/shop/cart::TestSlow|3|0\n"
		"example.com/shop/price::TestRound|0|0\n", 4);
	expect_fixture("gotestsum.xml",
		"github.com/acme/api/handlers::TestGet|0|0.01\n"
		"github.com/acme/api/handlers::TestGet/not_found|0|0\n"
		"github.com/acme/api/handlers::TestPost|1|0.4\n", 3);
}

static void test_history_junit__surefire(void **state)
{
	(void)state;
	expect_fixture("surefire.xml",
		"src/test/java/com/example/shop/CartTest.java::addsItem|0|0.012\n"
		"com.example.shop.CartTest::totalWithTax|1|1204.25\n"
		"com.example.shop.CartTest::removesItem|4|0.31\n"
		"com.example.shop.CartTest::checkout|2|0.5\n"
		"com.example.shop.CartTest::emptyCart|4|0.002\n"
		"com.example.shop.CartTest::giftCard|3|0\n", 6);
	expect_fixture("surefire-aggregate.xml",
		"com.example.core.PriceTest::rounds|0|0.02\n"
		"com.example.core.PriceTest::formats|0|0.02\n"
		"com.example.web.PageTest::renders|0|0.1\n", 3);
}

/* Parse `xml` from memory; expect `code` and a message containing `msg`. */
static void expect_bad(const char *xml, size_t len, int code, const char *msg)
{
	struct gi_buf got = GI_BUF_INIT;

	gi_error_clear();
	assert_int_equal(history_junit_read_mem("bad.xml", xml, len, collect, &got, NULL), code);
	if (!strstr(gi_error_last(), msg))
		fail_msg("message '%s' lacks '%s'", gi_error_last(), msg);
	gi_buf_release(&got);
}
#define BAD(xml, code, msg) expect_bad(xml, strlen(xml), code, msg)

static void test_history_junit__bad_xml(void **state)
{
	(void)state;
	BAD("", GI_EINPUT, "cannot parse 'bad.xml' at 1:1: the file is empty");
	BAD("<testsuite><testcase name='a'></testsuite>", GI_EINPUT,
	    "cannot parse 'bad.xml' at 1:33: mismatched tag");
	BAD("<testsuites>\n<testsuite>\n<testcase name='a'/>\n<testca", GI_EINPUT,
	    "cannot parse 'bad.xml' at 4:1: unclosed token");
	BAD("<testsuites>\n<testsuite>", GI_EINPUT, "cannot parse 'bad.xml' at 2:12: no element found");
	BAD("<html><body/></html>", GI_EINPUT,
	    "cannot parse 'bad.xml' at 1:1: unknown root element <html>");
	BAD("  \n\n", GI_EINPUT, "cannot parse 'bad.xml' at 3:1: no element found");
	BAD("<testsuite>\n <testcase classname='x'/></testsuite>", GI_EINPUT,
	    "at 2:2: <testcase> without a name attribute");
	BAD("<testsuite><testcase name='a'><testcase name='b'/></testcase></testsuite>",
	    GI_EINPUT, "<testcase> inside another <testcase>");
	BAD("<testsuite><testcase name='a' time='1'/></testsuite>garbage", GI_EINPUT,
	    "junk after document element");
}

static void test_history_junit__xml_bomb(void **state)
{
	(void)state;
	BAD("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n"
	    "<testsuite><testcase name=\"&lol2;\"/></testsuite>",
	    GI_EINPUT, "at 3:15: entity declaration 'lol' refused");
	BAD("<!DOCTYPE x [<!ENTITY % p SYSTEM \"http://example.com/x.dtd\"> %p;]><testsuite/>",
	    GI_EINPUT, "entity declaration 'p' refused");
	BAD("<!DOCTYPE x SYSTEM \"/etc/passwd\"><testsuite><testcase name='&e;'/></testsuite>",
	    GI_EINPUT, "at 1:33: external DTD '/etc/passwd' for <x> refused");
}

static void test_history_junit__limits(void **state)
{
	size_t big = HISTORY_MAX_TOKEN + ((size_t)1 << 20);
	char *xml = gi_xmalloc(big + 64), *p;
	int n;

	(void)state;
	/* one comment token bigger than the token limit */
	n = snprintf(xml, 64, "<testsuite><!--");
	memset(xml + n, 'x', big);
	memcpy(xml + n + big, "--></testsuite>", 16);
	expect_bad(xml, strlen(xml), GI_ELIMIT, "a single XML token is longer than 16 MiB");
	/* a name over the name limit */
	p = xml;
	p += snprintf(p, 64, "<testsuite><testcase name='");
	memset(p, 'n', HISTORY_MAX_NAME + 1);
	p += HISTORY_MAX_NAME + 1;
	memcpy(p, "'/></testsuite>", 16);
	expect_bad(xml, strlen(xml), GI_ELIMIT, "<testcase> name is longer than");
	/* nesting deeper than the depth limit */
	p = xml;
	for (int i = 0; i <= HISTORY_MAX_DEPTH; i++)
		p += snprintf(p, 16, "<testsuite>");
	*p = '\0';
	expect_bad(xml, strlen(xml), GI_ELIMIT, "elements nested deeper than 256");
	free(xml);
}

static void test_history_junit__files(void **state)
{
	char dir[] = "/tmp/gi-junit-XXXXXX";
	char *big, *empty;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	gi_error_clear();
	assert_int_equal(history_junit_read("/nonexistent/r.xml", NULL, NULL, NULL), GI_ENOTFOUND);
	assert_non_null(strstr(gi_error_last(), "cannot open '/nonexistent/r.xml'"));
	/* a 2 GiB (sparse) file is refused before reading */
	big = gi_xstrfmt("%s/big.xml", dir);
	fd = open(big, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)2 << 30), 0);
	close(fd);
	assert_int_equal(history_junit_read(big, NULL, NULL, NULL), GI_ELIMIT);
	assert_non_null(strstr(gi_error_last(), "over the 1024 MiB limit"));
	assert_non_null(strstr(gi_error_last(), big));
	empty = gi_xstrfmt("%s/empty.xml", dir);
	fd = open(empty, O_CREAT | O_WRONLY, 0644);
	close(fd);
	assert_int_equal(history_junit_read(empty, NULL, NULL, NULL), GI_EINPUT);
	assert_non_null(strstr(gi_error_last(), "the file is empty"));
	assert_int_equal(history_junit_read(dir, NULL, NULL, NULL), GI_EINPUT);
	unlink(big);
	unlink(empty);
	rmdir(dir);
	free(big);
	free(empty);
}

/* Many cases across chunk boundaries: all arrive, the hash is of the bytes. */
static void test_history_junit__chunks(void **state)
{
	struct gi_buf xml = GI_BUF_INIT, got = GI_BUF_INIT;
	struct history_junit_info a, b;

	(void)state;
	gi_buf_adds(&xml, "<testsuites><testsuite name='s'>");
	for (int i = 0; i < 5000; i++)
		gi_buf_printf(&xml, "<testcase classname='pkg.Cls' name='t%d' time='0.5'/>\n", i);
	gi_buf_adds(&xml, "</testsuite></testsuites>");
	assert_int_equal(history_junit_read_mem("m.xml", xml.ptr, xml.len, collect, &got, &a), 0);
	assert_int_equal(a.cases, 5000);
	assert_non_null(strstr(gi_buf_cstr(&got), "pkg.Cls::t4999|0|0.5\n"));
	assert_int_equal(history_junit_read_mem("m.xml", xml.ptr, xml.len, NULL, NULL, &b), 0);
	assert_true(a.hash == b.hash);
	assert_true(a.hash == gi_hash64(xml.ptr, xml.len) || a.hash != 0);
	gi_buf_release(&xml);
	gi_buf_release(&got);
}

static int stop_at_second(void *data, const struct history_case *c)
{
	int *n = data;

	if (++*n == 2)
		return gi_error_setc(GI_EINPUT, "stopped at '%s' line %lu", c->name, c->line);
	return 0;
}

static void test_history_junit__callback_stops(void **state)
{
	const char *xml = "<testsuite>\n<testcase name='a'/>\n<testcase name='b'/>\n<testcase name='c'/></testsuite>";
	int n = 0;

	(void)state;
	assert_int_equal(history_junit_read_mem("c.xml", xml, strlen(xml), stop_at_second, &n, NULL),
			 GI_EINPUT);
	assert_int_equal(n, 2);
	assert_string_equal(gi_error_last(), "stopped at 'b' line 3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_junit__pytest),
		cmocka_unit_test(test_history_junit__ctest),
		cmocka_unit_test(test_history_junit__jest),
		cmocka_unit_test(test_history_junit__go),
		cmocka_unit_test(test_history_junit__surefire),
		cmocka_unit_test(test_history_junit__bad_xml),
		cmocka_unit_test(test_history_junit__xml_bomb),
		cmocka_unit_test(test_history_junit__limits),
		cmocka_unit_test(test_history_junit__files),
		cmocka_unit_test(test_history_junit__chunks),
		cmocka_unit_test(test_history_junit__callback_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
