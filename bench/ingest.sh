#!/usr/bin/env bash
# History ingestion speed on a generated repository (default 20,000 commits
# over 2,000 files, made with git fast-import and repacked as gc would), as a
# ratio to `git log --all --name-status --no-renames` in the same run (goal
# under 2x).  Prints wall and CPU (user+sys) seconds, best of RUNS; never
# fails on speed.  Other git-impact binaries given after RUNS (an older
# build, say) are measured too, on the same repository in the same run.
# usage: bench/ingest.sh [GIT_IMPACT] [COMMITS] [FILES] [RUNS] [OTHER_GIT_IMPACT...]
set -euo pipefail
BIN=$(realpath "${1:-build/git-impact}")
COMMITS=${2:-20000}
FILES=${3:-2000}
RUNS=${4:-3}
OTHERS=()
for o in "${@:5}"; do OTHERS+=("$(realpath "$o")"); done
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/gi-bench-ingest-XXXXXX")
trap 'rm -rf "$W"' EXIT

git init -q -b main "$W/repo" && cd "$W/repo"
python3 "$HERE/gen-history.py" "$COMMITS" "$FILES" | git fast-import --quiet
git repack -adq
echo "repository: $(git rev-list --all | wc -l) commits, $(git ls-tree -r HEAD | wc -l) files at HEAD"

# measure NAME CMD...: best wall and CPU seconds of RUNS runs of CMD (before each: $PRE)
measure() {
  local name=$1 best_wall='' best_cpu='' out
  shift
  for _ in $(seq "$RUNS"); do
    eval "${PRE:-:}"
    out=$(python3 - "$@" <<'P'
import os, subprocess, sys, time
# children's times before the run are not zero when python3 is a wrapper
# (a pyenv shim's own children count here, 0.4 s): measure the difference
r0, t = os.times(), time.monotonic()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
r = os.times()
cpu = r.children_user + r.children_system - r0.children_user - r0.children_system
print(f"{time.monotonic() - t:.3f} {cpu:.3f}")
P
)
    set -- "$@"
    read -r wall cpu <<<"$out"
    if [ -z "$best_wall" ] || python3 -c "import sys; sys.exit(not $wall < $best_wall)"; then best_wall=$wall; fi
    if [ -z "$best_cpu" ] || python3 -c "import sys; sys.exit(not $cpu < $best_cpu)"; then best_cpu=$cpu; fi
  done
  printf '%-34s wall %7.3f s   cpu %7.3f s\n' "$name" "$best_wall" "$best_cpu"
  eval "${name//[^a-z]/_}_wall=$best_wall ${name//[^a-z]/_}_cpu=$best_cpu"
}

export IMPACT_STORE="$W/impact.db"
PRE='' measure "git log" git log --all --name-status --no-renames
PRE='rm -f "$IMPACT_STORE" "$IMPACT_STORE-wal" "$IMPACT_STORE-shm"' measure "git impact ingest (empty store)" "$BIN" ingest -q
PRE='' measure "git impact ingest (up to date)" "$BIN" ingest -q
ratio() { # ratio LABEL WALL CPU: against git log
  python3 - "$1" "$git_log_wall" "$git_log_cpu" "$2" "$3" <<'P'
import sys
label, (gw, gc, iw, ic) = sys.argv[1], map(float, sys.argv[2:])
print(f"ratio {label} / git log:  wall {iw / gw:.2f}x   cpu {ic / gc:.2f}x   (goal < 2x)")
P
}
ratio ingest "$git_impact_ingest__empty_store__wall" "$git_impact_ingest__empty_store__cpu"
for o in "${OTHERS[@]}"; do
  PRE='rm -f "$IMPACT_STORE" "$IMPACT_STORE-wal" "$IMPACT_STORE-shm"' measure "other ingest (empty store)" "$o" ingest -q
  ratio "$o" "$other_ingest__empty_store__wall" "$other_ingest__empty_store__cpu"
done
