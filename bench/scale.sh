#!/usr/bin/env bash
# git-impact at scale (issue 8 item 5, issue 4 "Measured"): a generated
# repository of FILES files (70% Python), COMMITS commits, TESTS tests and
# RUNS recorded runs (bench/gen-scale.py, git fast-import; deterministic).
# Measures ingest, graph build, record, select for a 20-file change (warm,
# best of 5, as a ratio to `git diff --name-only` on the same range),
# evaluate and report, each with its peak memory (/usr/bin/time -v), and
# the store's size.  Prints a Markdown table (the command of every figure
# included); never fails on speed.
# usage: bench/scale.sh [GIT_IMPACT] [FILES] [COMMITS] [TESTS] [RUNS]
#        (defaults: build/git-impact 100000 50000 10000 1000)
# SCALE_KEEP=DIR keeps the repository and store in DIR (created, must not
# exist) for profiling afterwards: cd DIR/repo; IMPACT_STORE=DIR/impact.db.
set -euo pipefail
BIN=$(realpath "${1:-build/git-impact}")
FILES=${2:-100000}
COMMITS=${3:-50000}
TESTS=${4:-10000}
RUNS=${5:-1000}
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -n "${SCALE_KEEP:-}" ]; then
  mkdir "$SCALE_KEEP" && W=$(realpath "$SCALE_KEEP")
else
  W=$(mktemp -d "${TMPDIR:-/tmp}/gi-bench-scale-XXXXXX")
  trap 'rm -rf "$W"' EXIT
fi
[ -x /usr/bin/time ] || { echo "bench/scale.sh needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com
export IMPACT_STORE="$W/impact.db"
ROWS=()

# run_timed NAME CMD...: run once under /usr/bin/time; sets WALL (s) and RSS (MB)
run_timed() {
  local name=$1
  shift
  /usr/bin/time -v -o "$W/time.txt" "$@" >"$W/out.txt" 2>"$W/err.txt" ||
    { cat "$W/err.txt" >&2; echo "bench/scale.sh: '$*' failed" >&2; exit 1; }
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); s = 0;
           for (i = 1; i <= n; i++) s = s * 60 + a[i]; printf "%.3f", s }' "$W/time.txt")
  RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$W/time.txt")
}
# best NAME N CMD...: best wall of N runs (RSS of the best run)
best() {
  local n=$2 bw='' br=''
  shift 2
  for _ in $(seq "$n"); do
    run_timed x "$@"
    if [ -z "$bw" ] || awk "BEGIN { exit !($WALL < $bw) }"; then bw=$WALL br=$RSS; fi
  done
  WALL=$bw RSS=$br
}
# row WHAT COMMAND WALL RSS [RATIO]: one line of the result table
row() { ROWS+=("| $1 | \`$2\` | $3 s | $4 MB | ${5:-} |"); printf '%-44s %9s s %8s MB  %s\n' "$1" "$3" "$4" "${5:-}" >&2; }
ratio() { awk "BEGIN { printf \"%.1fx\", $1 / ($2 > 0 ? $2 : 0.001) }"; }

echo "generating: $FILES files, $COMMITS commits, $TESTS tests ..." >&2
git init -q -b main "$W/repo" && cd "$W/repo"
t0=$(date +%s)
python3 "$HERE/gen-scale.py" "$FILES" "$COMMITS" "$TESTS" | git fast-import --quiet
git repack -adq
echo "generated in $(($(date +%s) - t0)) s: $(git rev-list --count HEAD) commits," \
     "$(git ls-tree -r HEAD | wc -l) files" >&2

run_timed ingest "$BIN" ingest -q
row "ingest ($COMMITS commits, empty store)" "git impact ingest" "$WALL" "$RSS"

best lstree 3 git ls-tree -r HEAD
lstree=$WALL
row "baseline: git ls-tree -r HEAD" "git ls-tree -r HEAD" "$WALL" "$RSS"
run_timed graph "$BIN" graph --format summary
row "graph build ($FILES files, none stored)" "git impact graph --format summary" "$WALL" "$RSS" \
    "$(ratio "$WALL" "$lstree") of ls-tree"
grep -E 'nodes|edges|tests' "$W/out.txt" | sed 's/^/  graph: /' >&2 || true

# RUNS runs on the last RUNS commits: every 10th full, the others a 30% subset;
# 0.2% of results fail, 1 test in 200 is flaky.  One JUnit file per run.
echo "recording $RUNS runs ..." >&2
python3 - "$BIN" "$RUNS" "$TESTS" "$W" >"$W/record.txt" <<'PY'
import os, random, resource, subprocess, sys, time
bin_, runs, ntests, w = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rnd = random.Random(7)
commits = subprocess.run(["git", "rev-list", "--first-parent", f"--max-count={runs}", "HEAD"],
                         capture_output=True, text=True, check=True).stdout.split()[::-1]
tests = []
for t in range(ntests):
    k = t // 10
    f = f"tests/pkg{k // 10:04d}/test_m{k % 10}.py"
    tests.append((f.replace("/", ".")[:-3], f, f"test_{t % 10}", rnd.lognormvariate(-2, 1.5)))
flaky = set(rnd.sample(range(ntests), ntests // 200))
walls = []
for r, c in enumerate(commits):
    full = r % 10 == 0
    pick = range(ntests) if full else sorted(rnd.sample(range(ntests), ntests * 3 // 10))
    path = f"{w}/run.xml"
    with open(path, "w") as out:
        out.write('<?xml version="1.0"?><testsuites><testsuite name="pytest">\n')
        for i in pick:
            cls, f, name, d = tests[i]
            fail = rnd.random() < (0.2 if i in flaky else 0.002)
            body = '><failure message="boom">assert 0</failure></testcase>' if fail else "/>"
            out.write(f'<testcase classname="{cls}" name="{name}" file="{f}" time="{d:.3f}"{body}\n')
        out.write("</testsuite></testsuites>\n")
    args = [bin_, "record", "--commit", c, "--run-id", f"ci-{r}", path] + (["--full"] if full else [])
    t0 = time.monotonic()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    walls.append(time.monotonic() - t0)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
walls.sort()
print(f"{len(walls)} {sum(walls):.1f} {walls[len(walls) // 2]:.3f} {walls[-1]:.3f} {rss:.1f}")
PY
read -r nrec rec_total rec_median rec_max rec_rss <"$W/record.txt"
row "record: $nrec runs, total" "git impact record --commit C --run-id ci-N [--full] run.xml" \
    "$rec_total" "$rec_rss" "median $rec_median s, max $rec_max s per run"

# A 20-file change on top of main: module bodies only (imports unchanged),
# outside the core package pkg0000 that every test reaches.
python3 - "$FILES" <<'PY' | git fast-import --quiet
import random, subprocess, sys
files = [p for p in subprocess.run(["git", "ls-tree", "-r", "--name-only", "main"], capture_output=True,
                                   text=True, check=True).stdout.split() if p.startswith("pkg") and "mod" in p and not p.startswith("pkg0000/")]
print("commit refs/heads/main\ncommitter b <b@example.com> 1900000000 +0000\ndata 6\nchange\nfrom refs/heads/main^0")
for p in random.Random(3).sample(files, 20):
    text = subprocess.run(["git", "show", f"main:{p}"], capture_output=True, text=True, check=True).stdout
    data = text + "# edited\n"
    print(f"M 100644 inline {p}\ndata {len(data.encode())}\n{data}")
print()
PY
git reset -q --soft main 2>/dev/null || true
best diff 5 git diff --name-only HEAD~1 HEAD
diff_wall=$WALL
row "baseline: git diff --name-only (20 files)" "git diff --name-only HEAD~1 HEAD" "$WALL" "$RSS"
run_timed select_cold "$BIN" select --base HEAD~1 --head HEAD -q
row "select, first (builds the head's graph)" "git impact select --base HEAD~1 --head HEAD" "$WALL" "$RSS"
best select 5 "$BIN" select --base HEAD~1 --head HEAD -q
row "select, warm (best of 5)" "git impact select --base HEAD~1 --head HEAD" "$WALL" "$RSS" \
    "$(ratio "$WALL" "$diff_wall") of git diff (goal < 3x, < 0.1 s, < 200 MB)"
"$BIN" select --base HEAD~1 --head HEAD 2>&1 >/dev/null | sed 's/^/  /' >&2
best select_json 3 "$BIN" select --base HEAD~1 --head HEAD -q --format json
row "select --format json, warm (best of 3)" "git impact select --base HEAD~1 --head HEAD --format json" "$WALL" "$RSS"

if "$BIN" evaluate -h >/dev/null 2>&1; then
  run_timed evaluate "$BIN" evaluate
  row "evaluate (replay of $RUNS runs)" "git impact evaluate" "$WALL" "$RSS"
fi
if "$BIN" report -h >/dev/null 2>&1; then
  run_timed report "$BIN" report --format md --out "$W/report.md"
  row "report (markdown)" "git impact report --format md --out FILE" "$WALL" "$RSS"
  run_timed report_html "$BIN" report --format html --out "$W/report.html"
  row "report (html)" "git impact report --format html --out FILE" "$WALL" "$RSS"
fi

size=$(du -cb "$IMPACT_STORE"* | tail -1 | cut -f1)
echo
echo "Repository: $FILES files, $COMMITS commits, $TESTS tests, $RUNS runs" \
     "(\`bench/scale.sh BIN $FILES $COMMITS $TESTS $RUNS\`), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)."
echo "Store: $(awk "BEGIN { printf \"%.1f\", $size / 1048576 }") MB (goal < 1 GB)."
echo
echo "| step | command | wall | peak RSS | notes |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
