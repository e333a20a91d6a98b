#!/usr/bin/env bash
# Warm `git impact select` against `git diff --name-only` on the same range,
# in the same run (issue 4 "Measured"): each round runs the baseline, then
# every binary in safe mode, auto mode and with --format json, one after
# the other; the figures are the best of ROUNDS (machines are noisy) for
# the wall time and, separately, for CPU time (user + sys, the stable one),
# with the peak RSS, and each as a ratio to git diff's best.
# usage: bench/select.sh [-n ROUNDS] [-r RANGE] REPO BIN[=STORE]...
#   REPO   a repository with a warm store, e.g. the one `SCALE_KEEP=DIR
#          bench/scale.sh ...` keeps (DIR/repo, store DIR/impact.db)
#   BIN    a git-impact binary; =STORE gives it its own store (an older
#          binary cannot open a store a newer one has migrated), else
#          IMPACT_STORE, else the repository's default store
#   RANGE  BASE..HEAD (default HEAD~1..HEAD)
# Prints a Markdown table.  Never fails on speed.
set -euo pipefail
ROUNDS=7
RANGE=HEAD~1..HEAD
while getopts n:r: o; do
  case $o in
  n) ROUNDS=$OPTARG ;;
  r) RANGE=$OPTARG ;;
  *) echo "usage: bench/select.sh [-n ROUNDS] [-r RANGE] REPO BIN[=STORE]..." >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { echo "usage: bench/select.sh [-n ROUNDS] [-r RANGE] REPO BIN[=STORE]..." >&2; exit 2; }
REPO=$1
shift
exec python3 - "$ROUNDS" "$RANGE" "$REPO" "$@" <<'PY'
import os, subprocess, sys, time

rounds, rng, repo = int(sys.argv[1]), sys.argv[2], sys.argv[3]
base, head = rng.split("..")
bins = []
for arg in sys.argv[4:]:
    b, _, store = arg.partition("=")
    bins.append((os.path.realpath(b), os.path.realpath(store) if store else os.environ.get("IMPACT_STORE")))

def run(argv, store):
    """One run: (wall s, user+sys s, peak RSS MB); output discarded."""
    env = dict(os.environ)
    if store:
        env["IMPACT_STORE"] = store
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read()
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        sys.exit(f"bench/select.sh: {' '.join(argv)} failed ({p.returncode}): {err.decode(errors='replace')}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024

rows = [("baseline: git diff --name-only", ["git", "diff", "--name-only", base, head], None)]
for b, store in bins:
    sel = [b, "select", "--base", base, "--head", head, "-q"]
    name = os.path.basename(b)
    rows += [(f"{name} select --mode safe", sel + ["--mode", "safe"], store),
             (f"{name} select (auto)", sel, store),
             (f"{name} select --format json", sel + ["--format", "json"], store)]
best = [[float("inf"), float("inf"), 0.0] for _ in rows]
for _ in range(rounds):
    for i, (_, argv, store) in enumerate(rows):
        w, c, m = run(argv, store)
        if w < best[i][0]:
            best[i][0], best[i][2] = w, m
        best[i][1] = min(best[i][1], c)
dw, dc = best[0][0], best[0][1]
load = open("/proc/loadavg").read().split()[:3]
print(f"Range {rng} in {repo}; best of {rounds} rounds; {os.cpu_count()} cores, load {' '.join(load)}.")
print()
print("| command | wall | vs git diff | CPU (user+sys) | vs git diff | peak RSS |")
print("|---|---|---|---|---|---|")
for (name, argv, _), (w, c, m) in zip(rows, best):
    print(f"| {name} | {w * 1000:.0f} ms | {w / dw:.1f}x | {c * 1000:.0f} ms | "
          f"{c / max(dc, 0.001):.1f}x | {m:.0f} MB |")
PY
