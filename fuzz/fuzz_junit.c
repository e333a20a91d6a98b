/*
 * fuzz_junit.c - the streaming JUnit XML reader (history/junit.c) on any
 * bytes: no crash, no leak, and every testcase handed over is well formed
 * (an id, a name, a known outcome).
 */
#include "fuzz.h"
#include "history.h"

static int fuzz_case(void *data, const struct history_case *c)
{
	size_t *n = data;

	FUZZ_CHECK(c->id && c->name && c->classname);
	FUZZ_CHECK(c->outcome >= 0 && c->outcome < HISTORY_NOUTCOMES);
	FUZZ_CHECK(strlen(c->id) > 0);
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct history_junit_info info = { 0 };
	size_t n = 0;

	if (history_junit_read_mem("fuzz.xml", (const char *)data, len, fuzz_case, &n, &info) == 0)
		FUZZ_CHECK(info.cases == n && info.bytes == len);
	else
		FUZZ_CHECK(gi_error_last()[0] != '\0');
	gi_error_clear();
	return 0;
}
