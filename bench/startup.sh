#!/usr/bin/env bash
# The fixed start-up cost: `git impact --version` and a warm `select` on a
# three-commit repository (nothing to select: start-up, store open and close
# are all there is), against `git diff --name-only` on the same range, in
# the same run.  Best of ROUNDS for CPU (user + sys, the stable figure) and
# for wall, with minor page faults, each binary in turn every round.
# usage: bench/startup.sh [-n ROUNDS] BIN...   (prints a Markdown table; never fails on speed)
set -euo pipefail
ROUNDS=30
while getopts n: o; do
  case $o in
  n) ROUNDS=$OPTARG ;;
  *) echo "usage: bench/startup.sh [-n ROUNDS] BIN..." >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: bench/startup.sh [-n ROUNDS] BIN..." >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/gi-bench-startup-XXXXXX")
trap 'rm -rf "$W"' EXIT
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com
git init -q "$W/repo"
for i in 1 2 3; do echo "$i" >"$W/repo/f$i.py"; git -C "$W/repo" add . && git -C "$W/repo" commit -q -m "c$i"; done
exec python3 - "$ROUNDS" "$W" "$@" <<'PY'
import os, subprocess, sys, time

rounds, w, bins = int(sys.argv[1]), sys.argv[2], [os.path.realpath(b) for b in sys.argv[3:]]
repo = os.path.join(w, "repo")

def run(argv, store):
    env = dict(os.environ, IMPACT_STORE=store) if store else os.environ
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"bench/startup.sh: {' '.join(argv)} failed")
    return time.perf_counter() - t0, ru.ru_utime + ru.ru_stime, ru.ru_minflt

rows = [("git diff --name-only HEAD~1 HEAD", ["git", "diff", "--name-only", "HEAD~1", "HEAD"], None)]
for i, b in enumerate(bins):
    store = os.path.join(w, f"store{i}.db")  # each binary its own store, warmed below
    run([b, "select", "--base", "HEAD~1", "-q"], store)
    name = os.path.basename(b)
    rows += [(f"{name} --version", [b, "--version"], None),
             (f"{name} select --base HEAD~1 -q", [b, "select", "--base", "HEAD~1", "-q"], store)]
best = [[float("inf")] * 3 for _ in rows]
for _ in range(rounds):
    for i, (_, argv, store) in enumerate(rows):
        for k, v in enumerate(run(argv, store)):
            best[i][k] = min(best[i][k], v)
dw, dc = best[0][0], best[0][1]
print(f"Best of {rounds} rounds; {os.cpu_count()} cores, load {' '.join(open('/proc/loadavg').read().split()[:3])}.")
print()
print("| command | wall | vs git diff | CPU (user+sys) | vs git diff | minor faults |")
print("|---|---|---|---|---|---|")
for (name, _, _), (wl, c, f) in zip(rows, best):
    print(f"| {name} | {wl * 1000:.1f} ms | {wl / dw:.1f}x | {c * 1000:.1f} ms | {c / max(dc, 1e-4):.1f}x | {f:.0f} |")
PY
