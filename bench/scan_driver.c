/*
 * scan_driver.c - the program bench/scan.sh times: read each file named on
 * stdin (one path a line) and run the Python or C scanner on it (by
 * extension).  Prints files, bytes, facts found and the CPU seconds spent
 * in the scanners alone.  Built by bench/scan.sh, not by CMake or the tests.
 */
#include "scan_int.h"

#include <string.h>
#include <time.h>

struct totals {
	size_t files, bytes, imports, defs, paths, includes, warnings;
	double scan_s;
};

/* CPU seconds of this process (immune to other load on the machine). */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void scan_one(const char *path, const struct gi_buf *b, struct totals *t)
{
	double t0 = cpu_now();
	int rc;

	if (gi_ends_with(path, ".py")) {
		struct lineage_pyfacts f;

		rc = lineage_pyscan(path, b->ptr ? b->ptr : "", b->len, &f);
		t->imports += f.nimports;
		t->defs += f.defs.nr;
		t->paths += f.npaths;
		lineage_pyfacts_release(&f);
	} else {
		struct lineage_cfacts f;

		rc = lineage_cscan(path, b->ptr ? b->ptr : "", b->len, &f);
		t->includes += f.nincludes;
		lineage_cfacts_release(&f);
	}
	t->scan_s += cpu_now() - t0;
	t->warnings += rc != 0;
	t->files++;
	t->bytes += b->len;
}

int main(void)
{
	struct totals t = { 0 };
	struct gi_buf b;
	char line[4096];

	gi_buf_init(&b, (size_t)256 << 20);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		gi_buf_release(&b); /* gi_read_file() starts a new buffer */
		if (gi_read_file(line, b.max, &b))
			gi_die("%s", gi_error_last());
		scan_one(line, &b, &t);
	}
	printf("files %zu bytes %zu imports %zu defs %zu paths %zu includes %zu warnings %zu "
	       "scan_seconds %.4f\n",
	       t.files, t.bytes, t.imports, t.defs, t.paths, t.includes, t.warnings, t.scan_s);
	gi_buf_release(&b);
	return 0;
}
