#!/usr/bin/env bash
# Replay real CI history (ABB IOF/ROL: 320 cycles, 1,941 tests, verdicts and
# durations; see its README) through git-impact: bench/iofrol.py converts it
# into a git repository (one commit per cycle; what is synthetic is said
# there) and one JUnit file per cycle; then `git impact init`, one
# `record --full` per cycle in time order, and `git impact evaluate`
# (selection replayed before each cycle with no look-ahead) when it exists.
# Prints figures, time as ratios to a baseline run on the same files in the
# same run (`cat` of the JUnit files; a Python expat parse of them); never
# fails on speed.
# usage: bench/iofrol.sh [path/to/git-impact] [CYCLES]   (CYCLES: 0 = all)
# The data folder: $IOFROL_DATA, else ../shared/data/iofrol next to the sources.
# IOFROL_KEEP=DIR builds in DIR and keeps it (its repo/ holds the store), so
# that `git impact evaluate` can be re-run there after a rebuild.
set -euo pipefail
# the store of the benchmark's own repository, never one named by the caller's environment
unset IMPACT_STORE
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(realpath "${1:-$SRC/build/git-impact}")
CYCLES=${2:-0}
DATA=${IOFROL_DATA:-$SRC/../shared/data/iofrol}
[ -x "$BIN" ] || { echo "no git-impact binary at $BIN (run make build)" >&2; exit 2; }
[ -f "$DATA/iofrol.csv" ] || { echo "no IOF/ROL data at $DATA (set IOFROL_DATA)" >&2; exit 2; }
if [ -n "${IOFROL_KEEP:-}" ]; then
  rm -rf "$IOFROL_KEEP" && mkdir -p "$IOFROL_KEEP" && TMP=$(cd "$IOFROL_KEEP" && pwd)
else
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/gi-bench-iofrol-XXXXXX")
  trap 'rm -rf "$TMP"' EXIT
fi
export GIT_CONFIG_NOSYSTEM=1 HOME="$TMP/home"
mkdir -p "$HOME" "$TMP/bin"
ln -s "$BIN" "$TMP/bin/git-impact"
export PATH="$TMP/bin:$PATH"

now() { python3 -c 'import time; print(time.monotonic())'; }
ratio() { python3 -c 'import sys; a, b = map(float, sys.argv[1:]); print("%.1f" % (a / b) if b > 0 else "n/a")' "$1" "$2"; }

python3 "$SRC/bench/iofrol.py" "$DATA/iofrol.csv" "$TMP" --cycles "$CYCLES"
n=$(wc -l < "$TMP/cycles.tsv")
cut -f4 "$TMP/cycles.tsv" > "$TMP/files"
cd "$TMP/repo"
git impact init -q >/dev/null 2>&1 || git impact init >/dev/null

t0=$(now)
while IFS=$'\t' read -r cycle time sha file ntests nfail; do
  git impact record --full --commit "$sha" --time "$time" --run-id "cycle-$cycle" "$file" >/dev/null
done < "$TMP/cycles.tsv"
t1=$(now)
xargs cat < "$TMP/files" >/dev/null
t2=$(now)
python3 - "$TMP/files" <<'PY'
import sys, xml.parsers.expat
for path in open(sys.argv[1]).read().split():
    p = xml.parsers.expat.ParserCreate()
    with open(path, "rb") as f:
        p.ParseFile(f)
PY
t3=$(now)
rec=$(python3 -c "print($t1 - $t0)")
catt=$(python3 -c "print($t2 - $t1)")
pyt=$(python3 -c "print($t3 - $t2)")
echo "iofrol: $n cycles, $(python3 -c "print(sum(int(l.split()[4]) for l in open('$TMP/cycles.tsv')))") test runs recorded"
printf 'record per cycle: %.1f ms; vs cat of the files: %sx; vs a Python expat parse: %sx\n' \
  "$(python3 -c "print($rec * 1000 / $n)")" "$(ratio "$rec" "$catt")" "$(ratio "$rec" "$pyt")"

if git impact evaluate -h >/dev/null 2>&1; then
  t4=$(now)
  git impact evaluate --format json --recall 0.99 > "$TMP/eval.json"
  t5=$(now)
  python3 - "$TMP/eval.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def find(obj, *names):
    for n in names:
        if isinstance(obj, dict) and n in obj:
            return obj[n]
    return None
s = find(d, "summary") or d
print("evaluate (--recall 0.99): " + ", ".join("%s %s" % (k, v) for k, v in s.items()
      if not isinstance(v, (list, dict))))
PY
  printf 'evaluate took %.2f s (%sx the record replay)\n' "$(python3 -c "print($t5 - $t4)")" \
    "$(ratio "$(python3 -c "print($t5 - $t4)")" "$rec")"
else
  echo "evaluate: not available in this git-impact (skipped)"
fi
