#!/usr/bin/env bash
# Benchmark selector/: every output format, sharding, budgets and the
# guarantee on 10,000 synthetic tests (30% selected), through a small
# driver linked against the built selector and common libraries.  Figures
# are CPU times (best of 20), as ratios to a baseline timed in the same run: copying the selected ids
# into a buffer, one per line (the least any format must do).  Sharding
# also prints its balance: the longest shard over the mean (1.00 is perfect).
# usage: bench/selector.sh [build-dir]   (after make build)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(realpath "${1:-$SRC/build}")
for lib in selector/libgi_selector.a common/libgi_common.a; do
  [ -f "$BUILD/$lib" ] || { echo "no $BUILD/$lib (run make build)" >&2; exit 2; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gi-bench-selector-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

cat > "$TMP/driver.c" <<'EOF'
#include "selector.h"
#include <math.h>
#include <time.h>

#define NTESTS 10000
#define REPS 20

static unsigned long long rng = 88172645463325252ULL;
static double rnd(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* CPU seconds of this process: steadier than wall time on a busy machine. */
static double cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fill(struct selector_result *r)
{
	char id[256];

	selector_result_init(r);
	for (int i = 0; i < NTESTS; i++) {
		struct selector_test *t;

		snprintf(id, sizeof(id), "tests/pkg%d/test_mod%d.py::TestCase%d::test_case_%d[p%d-%s]",
			 i % 40, i / 50, (i / 10) % 7, i, i % 5, i % 9 ? "x" : "a b$'c'");
		t = selector_result_add(r, id, i % 11 ? exp(rnd() * 5) / 10 : -1);
		t->score = rnd();
		if (rnd() < 0.3)
			selector_test_select(t, SELECTOR_SAFE_SET);
	}
	selector_result_sort(r);
	selector_summarize(r);
}

/* The baseline: every selected id into a buffer, one per line. */
static double baseline(const struct selector_result *r)
{
	struct gi_buf b = GI_BUF_INIT;
	double best = 1e9;

	for (int k = 0; k < REPS * 5; k++) {
		double t0 = cpu();

		gi_buf_reset(&b);
		for (size_t i = 0; i < r->nr; i++)
			if (r->v[i].selected)
				gi_buf_add(&b, r->v[i].id, strlen(r->v[i].id)), gi_buf_addch(&b, '\n');
		best = fmin(best, cpu() - t0);
	}
	gi_buf_release(&b);
	return best;
}

static void row(const char *what, double secs, double base, const char *extra)
{
	printf("%-22s %10.3f %12.1f  %s\n", what, secs * 1e3, secs / base, extra);
}

static void bench_formats(const struct selector_result *r, double base)
{
	static const char *const names[] = { "list", "json", "pytest", "pytest-args", "ctest",
					     "gotest", "jest", "github-matrix", "gitlab" };
	struct gi_buf b = GI_BUF_INIT;
	char extra[64];

	for (size_t f = 0; f < sizeof(names) / sizeof(names[0]); f++) {
		int fmt;
		double best = 1e9;

		if (selector_format_parse(names[f], &fmt) || fmt == SELECTOR_FMT_GOTEST)
			continue; /* gotest needs package::Test ids */
		for (int k = 0; k < REPS; k++) {
			double t0 = cpu();

			gi_buf_reset(&b);
			if (selector_format(r, fmt, &b))
				fprintf(stderr, "%s: %s\n", names[f], gi_error_last()), exit(1);
			best = fmin(best, cpu() - t0);
		}
		snprintf(extra, sizeof(extra), "%zu KiB", b.len >> 10);
		row(names[f], best, base, extra);
	}
	gi_buf_release(&b);
}

static void bench_shards(struct selector_result *r, double base, int n)
{
	double best = 1e9, max = 0, mean;
	char what[32], extra[96];

	for (int k = 0; k < REPS; k++) {
		double t0 = cpu();

		selector_shard(r, n);
		best = fmin(best, cpu() - t0);
	}
	mean = r->seconds_selected / n;
	for (int s = 0; s < n; s++)
		max = fmax(max, r->shard_seconds[s]);
	snprintf(what, sizeof(what), "shard into %d", n);
	snprintf(extra, sizeof(extra), "balance max/mean %.4f (mean %.1f s)", max / mean, mean);
	row(what, best, base, extra);
}

int main(void)
{
	struct selector_result r;
	struct selector_guarantee g = { 0 };
	double base, t0, budget, best = 1e9, *needed = malloc(100000 * sizeof(double));
	char extra[96];

	fill(&r);
	base = baseline(&r);
	printf("%zu tests, %zu selected; baseline (copy selected ids) %.3f ms\n",
	       r.nr, r.nselected, base * 1e3);
	printf("%-22s %10s %12s\n", "operation", "ms", "x baseline");
	bench_formats(&r, base);
	bench_shards(&r, base, 4);
	bench_shards(&r, base, 50);
	budget = r.seconds_selected * 1.5;
	for (int k = 0; k < REPS; k++) {
		t0 = cpu();
		selector_budget(&r, budget);
		best = fmin(best, cpu() - t0);
	}
	snprintf(extra, sizeof(extra), "%zu selected in %.0f s", r.nselected, budget);
	row("budget", best, base, extra);
	for (int i = 0; i < 100000; i++)
		needed[i] = rnd();
	t0 = cpu();
	selector_guarantee_compute(needed, 100000, 0.99, 0.95, &g);
	snprintf(extra, sizeof(extra), "n=100000: threshold %.4f bound %.5f", g.threshold, g.bound);
	row("guarantee", cpu() - t0, base, extra);
	free(needed);
	selector_result_release(&r);
	return 0;
}
EOF
cc -O2 -std=c11 -D_DEFAULT_SOURCE -I"$SRC/selector" -I"$SRC/common" "$TMP/driver.c" \
  "$BUILD/selector/libgi_selector.a" "$BUILD/common/libgi_common.a" \
  $(pkg-config --libs jansson libxxhash) -lm -o "$TMP/driver"
if [ -n "${GI_BENCH_KEEP:-}" ]; then cp "$TMP/driver" "$GI_BENCH_KEEP"; fi
"$TMP/driver"
