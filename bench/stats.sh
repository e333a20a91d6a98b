#!/usr/bin/env bash
# Benchmark loading every test's history statistics, as each select does:
# from the per-test summary (O(tests)) against the scan of every result
# (O(results)) it replaced, each in a fresh process on the same store, best
# of ROUNDS (wall and CPU separately).  The driver is built here with cc
# from the sources (optimised, as in a release build).
# usage: bench/stats.sh STORE [ROUNDS]   (STORE: an impact.db, e.g. the one
#        `SCALE_KEEP=DIR bench/scale.sh ...` keeps in DIR/impact.db)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
STORE=${1:?usage: bench/stats.sh STORE [ROUNDS]}
ROUNDS=${2:-9}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gi-bench-stats-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -DNDEBUG -I"$SRC/common" -I"$SRC/store" \
  -I"$SRC/history" -o "$TMP/stats_driver" "$SRC/bench/stats_driver.c" "$SRC/history/stats.c" \
  "$SRC"/store/*.c "$SRC"/common/*.c -lsqlite3 -lxxhash -lm

results=$(python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM results").fetchone()[0])' "$STORE")
for how in summary scan; do
  for _ in $(seq "$ROUNDS"); do "$TMP/stats_driver" "$STORE" "$how"; done |
    awk -v how="$how" -v r="$results" 'NR == 1 || $2 < w { w = $2 } NR == 1 || $3 < c { c = $3 } { n = $1 }
      END { printf "%-8s %d tests (%d results): best wall %.1f ms, best CPU %.1f ms\n", how, n, r, w, c }'
done
