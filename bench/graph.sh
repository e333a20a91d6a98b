#!/usr/bin/env bash
# Lineage graph speed on a generated 100,000-file repository (70% Python
# with imports), as ratios to git in the same run:
#   full build (empty store)          vs `git ls-tree -r HEAD`   goal < 10x
#   load of a stored graph            vs `git ls-tree -r HEAD`
#   update for a 20-file commit       vs `git diff-tree -r`      goal < 3x
#   load of the updated graph         vs `git ls-tree -r HEAD`
# Each figure is the best of RUNS runs (default 3): wall seconds, and CPU
# seconds (user + sys: the steadier figure on a shared machine), each as a
# ratio to the same figure of git.  BASELINE_BIN=OTHER measures a second
# binary in the same run (before/after figures).
# usage: bench/graph.sh [GIT_IMPACT] [NFILES]   (prints figures; never fails on speed)
# GRAPH_KEEP=DIR keeps the repository in DIR (and reuses it when it exists).
set -euo pipefail
BIN=$(realpath "${1:-build/git-impact}")
N=${2:-100000}
RUNS=${RUNS:-3}
if [ -n "${GRAPH_KEEP:-}" ]; then
  mkdir -p "$GRAPH_KEEP" && W=$(realpath "$GRAPH_KEEP")
else
  W=$(mktemp -d "${TMPDIR:-/tmp}/gi-bench-graph-XXXXXX")
  trap 'rm -rf "$W"' EXIT
fi
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com
if [ -d "$W/repo/.git" ]; then
cd "$W/repo"
else
git init -q "$W/repo" && cd "$W/repo"

# Two commits through fast-import (no work tree needed): a base tree, then 20 modified .py files.
python3 - "$N" <<'P' | git fast-import --quiet
import sys, random
n = int(sys.argv[1]); rnd = random.Random(42)
npy = n * 7 // 10; pkgs = max(1, npy // 100)
def py(i, salt=""):
    p = i // 100
    imps = [f"from pkg{p:04d}.mod{rnd.randrange(min(100, npy - p * 100)):03d} import f{j}" for j in range(2)]
    imps.append(f"import pkg{rnd.randrange(pkgs):04d}.mod000")
    return "\n".join(imps) + f'\n\ndef f{i % 7}(x):\n    return open("data/d{i % 50}.csv")  # {salt}\n'
def path(i):
    if i < npy:
        p, m = divmod(i, 100)
        if p % 10 == 0 and m < 3:
            return f"tests/pkg{p:04d}/test_m{m}.py"
        return f"pkg{p:04d}/mod{m:03d}.py"
    return f"assets/a{(i - npy) // 1000:03d}/f{i:06d}.txt"
chunks = []
text = {}
class Out:
    write = chunks.append
out = Out()
def blob(data):
    out.write(f"data {len(data.encode())}\n{data}\n")
out.write("commit refs/heads/main\ncommitter b <b@example.com> 1700000000 +0000\ndata 4\nbase\n")
for i in range(n):
    out.write(f"M 100644 inline {path(i)}\n")
    text[i] = py(i) if i < npy else f"asset {i}\n"
    blob(text[i])
for p in range(pkgs):
    out.write(f"M 100644 inline pkg{p:04d}/__init__.py\n"); blob("")
for d in range(50):
    out.write(f"M 100644 inline data/d{d}.csv\n"); blob("a,b\n")
out.write("\ncommit refs/heads/main\ncommitter b <b@example.com> 1700000100 +0000\ndata 7\nchange\n")
for i in rnd.sample(range(npy), 20):  # body edits: same imports and definitions
    if path(i).startswith("pkg"):
        out.write(f"M 100644 inline {path(i)}\n"); blob(text[i] + "# edited\n")
out.write("\n")
sys.stdout.write("".join(chunks))
P
git symbolic-ref HEAD refs/heads/main
git symbolic-ref HEAD refs/heads/main
fi
export IMPACT_STORE="$W/impact.db"

# best_of STORE RUNS SETUP -- CMD...: best wall and CPU seconds of CMD over
# RUNS runs; SETUP (empty, "rm" the store, or "parent": only main~1's graph
# stored) is done before each run, untimed.
best_of() { python3 - "$@" <<'PY'
import os, subprocess, sys, time
store, runs, setup, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[5:]
def rm():
    for suf in ("", "-wal", "-shm", "-journal"):
        try:
            os.remove(store + suf)
        except FileNotFoundError:
            pass
def run(args):
    t0 = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    if status:
        sys.exit(f"bench/graph.sh: '{' '.join(args)}' failed")
    return time.perf_counter() - t0, ru.ru_utime + ru.ru_stime
w = c = 1e9
for _ in range(runs):
    if setup in ("rm", "parent"):
        rm()
    if setup == "parent":
        run([cmd[0], "graph", "--format", "summary", "--rev", "main~1"])
    a, b = run(cmd)
    w, c = min(w, a), min(c, b)
print(f"{w:.4f} {c:.4f}")
PY
}
r() { python3 -c "print(f'{$1 / $2:.1f}x')"; }
row() { # LABEL WALL CPU BASE_WALL BASE_CPU NOTE
  printf '  %-32s %7.3fs %7.3fs  %6s %6s  %s\n' "$1" "$2" "$3" "$(r "$2" "$4")" "$(r "$3" "$5")" "$6"
}
files=$(git ls-tree -r main | wc -l)
read -r ls_w ls_c < <(best_of "$IMPACT_STORE" "$RUNS" none -- git ls-tree -r main~1)
read -r dt_w dt_c < <(best_of "$IMPACT_STORE" "$RUNS" none -- git diff-tree -r main~1 main)
echo "lineage graph: $files files; best of $RUNS; load $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$IMPACT_STORE"*
"$BIN" graph --format summary --rev main | sed -n '1,4s/^/  /p'
printf '  %-32s %8s %8s  %6s %6s\n' "" "wall" "cpu" "wall" "cpu"
printf '  %-32s %7.3fs %7.3fs  baseline\n' "git ls-tree -r" "$ls_w" "$ls_c"
printf '  %-32s %7.3fs %7.3fs  baseline\n' "git diff-tree -r (20 files)" "$dt_w" "$dt_c"
for bin in "$BIN" ${BASELINE_BIN:+"$(realpath "$BASELINE_BIN")"}; do
  echo "  $bin"
  g=("$bin" graph --format summary --rev)
  read -r w c < <(best_of "$IMPACT_STORE" "$RUNS" rm -- "${g[@]}" main~1)
  row "full build, empty store" "$w" "$c" "$ls_w" "$ls_c" "of ls-tree (goal < 10x)"
  read -r w c < <(best_of "$IMPACT_STORE" "$RUNS" none -- "${g[@]}" main~1)
  row "load stored graph (+ summary)" "$w" "$c" "$ls_w" "$ls_c" "of ls-tree"
  read -r w c < <(best_of "$IMPACT_STORE" "$RUNS" parent -- "${g[@]}" main)
  row "update for the 20-file commit" "$w" "$c" "$dt_w" "$dt_c" "of diff-tree (goal < 3x)"
  read -r w c < <(best_of "$IMPACT_STORE" "$RUNS" none -- "${g[@]}" main)
  row "load the updated graph" "$w" "$c" "$ls_w" "$ls_c" "of ls-tree"
done
