#!/usr/bin/env bash
# Lineage graph speed on a generated 100,000-file repository (70% Python
# with imports), as ratios to git in the same run:
#   full build (empty store)          vs `git ls-tree -r HEAD`   goal < 10x
#   load of a stored graph            vs `git ls-tree -r HEAD`
#   update for a 20-file commit       vs `git diff-tree -r`      goal < 3x
# usage: bench/graph.sh [GIT_IMPACT] [NFILES]   (prints figures; never fails on speed)
set -euo pipefail
BIN=$(realpath "${1:-build/git-impact}")
N=${2:-100000}
W=$(mktemp -d "${TMPDIR:-/tmp}/gi-bench-graph-XXXXXX")
trap 'rm -rf "$W"' EXIT
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com
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
export IMPACT_STORE="$W/impact.db"

# best of 3 wall-clock seconds of a command
t() { python3 - "$@" <<'P'
import subprocess, sys, time
best = 1e9
for _ in range(3):
    t0 = time.perf_counter(); subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); best = min(best, time.perf_counter() - t0)
print(f"{best:.4f}")
P
}
once() { python3 - "$@" <<'P'
import subprocess, sys, time
t0 = time.perf_counter(); subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); print(f"{time.perf_counter() - t0:.4f}")
P
}
files=$(git ls-tree -r main | wc -l)
ls_tree=$(t git ls-tree -r main~1)
diff_tree=$(t git diff-tree -r main~1 main)
rm -f "$IMPACT_STORE"*
full=$(once "$BIN" graph --format summary --rev main~1)
load=$(t "$BIN" graph --format summary --rev main~1)
update=$(once "$BIN" graph --format summary --rev main)
rm -f "$IMPACT_STORE"*
"$BIN" graph --format summary --rev main~1 >/dev/null
echo "lineage graph: $files files"
"$BIN" graph --format summary --rev main | sed 's/^/  /'
r() { python3 -c "print(f'{$1 / $2:.1f}x')"; }
printf '  %-34s %8.3fs  baseline\n' "git ls-tree -r" "$ls_tree"
printf '  %-34s %8.3fs  %s (goal < 10x)\n' "full build, empty store" "$full" "$(r $full $ls_tree)"
printf '  %-34s %8.3fs  %s\n' "load stored graph (+ summary)" "$load" "$(r $load $ls_tree)"
printf '  %-34s %8.3fs  baseline\n' "git diff-tree -r (20 files)" "$diff_tree"
printf '  %-34s %8.3fs  %s (goal < 3x)\n' "update for the 20-file commit" "$update" "$(r $update $diff_tree)"
