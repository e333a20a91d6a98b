/*
 * stats_driver.c - the program bench/stats.sh times: open the store
 * read-only and load every test's statistics once, from the per-test
 * summary (history_stats_load) or, with "scan", from every result
 * (history_stats_scan), as a select does in a fresh process.  Prints the
 * tests loaded and the load's wall and CPU milliseconds.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "history.h"
#include "store.h"

static double wall_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e3 +
	       (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e3;
}

int main(int argc, char **argv)
{
	struct store *s = NULL;
	struct history_stats st;
	double w, c;
	int err;

	if (argc < 2 || store_open(&s, argv[1], STORE_READONLY)) {
		fprintf(stderr, "usage: stats_driver STORE [scan]: %s\n", gi_error_last());
		return 2;
	}
	w = wall_ms();
	c = cpu_ms();
	err = argc > 2 && !strcmp(argv[2], "scan") ?
	      history_stats_scan(s, HISTORY_HALF_LIFE, 0, &st) :
	      history_stats_load(s, HISTORY_HALF_LIFE, 0, &st);
	if (err) {
		fprintf(stderr, "stats_driver: %s\n", gi_error_last());
		return 1;
	}
	printf("%zu %.2f %.2f\n", st.nr, wall_ms() - w, cpu_ms() - c);
	history_stats_release(&st);
	store_free(s);
	return 0;
}
