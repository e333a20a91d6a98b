#!/usr/bin/env bash
# The model's replay on select (issue 5): CPU time (user + sys, best of N)
# of `git impact select` in --mode predictive and in auto mode with a stated
# bound (--recall 0.9), for OLD (replays the whole history every time) and
# NEW: without a replay snapshot (full replay, then saves one), with a
# snapshot covering every run, and with one run recorded since the last
# select (the CI case).  Ratios to `git diff --name-only` on the same range
# and to OLD, measured in the same run.  Never fails on speed.
# usage: bench/replay.sh OLD NEW REPO STORE JUNIT BASE HEAD [N]
#   REPO/STORE: a repository and its store (copied, never written); JUNIT: a
#   result file recorded as each "one run since" (a new run id each time);
#   BASE..HEAD: the change (HEAD should have no full run recorded: a
#   selection stored at a covered full run's commit drops the snapshot).
set -euo pipefail
OLD=$(realpath "$1") NEW=$(realpath "$2") REPO=$3 STORE=$4 JUNIT=$(realpath "$5")
BASE=$6 HEAD=$7 N=${8:-5}
W=$(mktemp -d "${TMPDIR:-/tmp}/gi-bench-replay-XXXXXX")
trap 'rm -rf "$W"' EXIT
cp "$STORE" "$W/old.db"
cp "$STORE" "$W/new.db"
cd "$REPO"

# cpu CMD...: user + sys seconds of one run of CMD (output discarded)
cpu() { python3 -c 'import resource, subprocess, sys
r = resource.getrusage(resource.RUSAGE_CHILDREN)
subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[1], "w"), check=True)
s = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.4f" % (s.ru_utime - r.ru_utime + s.ru_stime - r.ru_stime))' "$W/err" "$@" ||
        { cat "$W/err" >&2; exit 1; }; }
best() { sort -n | head -1; }
ratio() { python3 -c 'import sys; a, b = map(float, sys.argv[1:]); print("%.3g" % (a / b) if b > 0 else "n/a")' "$1" "$2"; }
drop() { python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
if c.execute("SELECT 1 FROM sqlite_master WHERE name = ?", ("replay_snapshot",)).fetchone():
    c.execute("DELETE FROM replay_snapshot"); c.commit()' "$W/new.db"; }
last=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT max(time) FROM runs").fetchone()[0] or 0)' "$W/new.db")
n=0
one_more() { # BIN DB: record JUNIT as a new run one minute after the newest
  n=$((n + 1))
  IMPACT_STORE=$2 "$1" record --commit "$BASE" --run-id "bench-replay-$n" \
    --time $((last + 60 * n)) "$JUNIT" >/dev/null
}

git_cpu=$(for i in $(seq "$N"); do cpu git diff --name-only "$BASE" "$HEAD"; done | best)
echo "git diff --name-only $BASE $HEAD: ${git_cpu} s cpu (best of $N; below: user + sys, best of $N)"
for mode in "--mode predictive" "--recall 0.9"; do
  sel="select --base $BASE --head $HEAD $mode"
  old=$(for i in $(seq "$N"); do cpu env IMPACT_STORE="$W/old.db" "$OLD" $sel; done | best)
  full=$(for i in $(seq "$N"); do drop; cpu env IMPACT_STORE="$W/new.db" "$NEW" $sel; done | best)
  warm=$(for i in $(seq "$N"); do cpu env IMPACT_STORE="$W/new.db" "$NEW" $sel; done | best)
  since=$(for i in $(seq "$N"); do one_more "$NEW" "$W/new.db"
          cpu env IMPACT_STORE="$W/new.db" "$NEW" $sel; done | best)
  printf '%-19s old %6.4f s (%sx git) | new: no snapshot %6.4f s (%sx git, %sx old) | ' \
    "$mode" "$old" "$(ratio "$old" "$git_cpu")" "$full" "$(ratio "$full" "$git_cpu")" "$(ratio "$full" "$old")"
  printf 'snapshot %6.4f s (%sx git, %sx old) | 1 run since %6.4f s (%sx git, %sx old)\n' \
    "$warm" "$(ratio "$warm" "$git_cpu")" "$(ratio "$warm" "$old")" \
    "$since" "$(ratio "$since" "$git_cpu")" "$(ratio "$since" "$old")"
done
grep -h "warning" "$W/err" || true
