/*
 * fuzz_coverage.c - the streaming coverage readers (history/coverage.c) on
 * any bytes: coverage.py JSON with contexts when the first byte is even,
 * lcov when it is odd.  No crash, no leak; every (test, path) pair handed
 * over is non-empty; a failure always sets a message; and each reported
 * path goes through history_coverage_path() without escaping the work tree.
 */
#include "fuzz.h"
#include "history.h"

static int fuzz_pair(void *data, const char *test, const char *path)
{
	size_t *n = data;
	struct gi_buf rel = GI_BUF_INIT;
	int r;

	FUZZ_CHECK(test && path && test[0] != '\0');
	gi_buf_init(&rel, 4096);
	r = history_coverage_path("/w/repo", "/w/repo/sub", path, &rel);
	FUZZ_CHECK(r == 0 || r == 1 || r == GI_ELIMIT);
	if (r == 1) {
		const char *p = rel.ptr ? rel.ptr : "";

		FUZZ_CHECK(p[0] != '/');
		FUZZ_CHECK(strcmp(p, "..") != 0 && strncmp(p, "../", 3) != 0);
		FUZZ_CHECK(strstr(p, "/../") == NULL);
	}
	gi_buf_release(&rel);
	gi_error_clear();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	size_t n = 0;
	int format;

	if (len == 0)
		return 0;
	format = (data[0] & 1) ? HISTORY_COVERAGE_LCOV : HISTORY_COVERAGE_PY;
	if (history_coverage_read_mem("fuzz.cov", (const char *)data + 1, len - 1, format,
				      fuzz_pair, &n) < 0)
		FUZZ_CHECK(gi_error_last()[0] != '\0');
	gi_error_clear();
	return 0;
}
