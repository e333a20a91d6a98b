#!/usr/bin/env bash
# Parallel CI shards on one runner: several `record` and `select` processes
# on one store at once, first on a store none of them has created yet, then
# on an initialised one.  No "database is locked" (or any error) reaches the
# user, every process exits 0, and no result is lost.
. "$(dirname "$0")/lib.sh"

SHARDS=6
TESTS=400
cd "$TMP"
git init -q repo && cd repo
mkdir -p src tests
for i in $(seq 0 9); do
  echo "def f$i(): return $i" > "src/m$i.py"
  printf 'from src.m%d import f%d\n\ndef test_f%d():\n    assert f%d() == %d\n' \
    "$i" "$i" "$i" "$i" "$i" > "tests/test_m$i.py"
done
git add . && git commit -qm one
echo "def f3(): return 33" > src/m3.py
git commit -qam two
db=.git/impact/impact.db
q() {
  python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$db" "$1"
}

# shard K of a run: TESTS distinct tests named after the shard
python3 - "$TMP" "$SHARDS" "$TESTS" <<'PY'
import sys
tmp, shards, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for k in range(shards):
    cases = "".join('<testcase classname="tests.test_s%d" name="test_%d" file="tests/test_s%d.py" time="0.01"/>'
                    % (k, i, k) for i in range(n))
    with open(f"{tmp}/shard{k}.xml", "w") as f:
        f.write(f'<?xml version="1.0"?><testsuites><testsuite name="s{k}">{cases}</testsuite></testsuites>\n')
PY

# run_all TAG CMD...: run each CMD line (one per argument) in parallel; all must exit 0 quietly
run_all() {
  local tag=$1 i=0 pids=() bad=0
  shift
  for c in "$@"; do
    bash -c "$c" >"$TMP/$tag.$i.out" 2>"$TMP/$tag.$i.err" &
    pids+=($!)
    i=$((i + 1))
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      echo "--- $tag.$i exited non-zero: ${*:$((i + 1)):1}" >&2
      cat "$TMP/$tag.$i.err" >&2
      bad=1
    fi
  done
  [ "$bad" = 0 ] || fail "$tag: a parallel process failed"
  if grep -il 'locked\|busy\|error' "$TMP/$tag".*.err >/dev/null; then
    grep -i 'locked\|busy\|error' "$TMP/$tag".*.err >&2
    fail "$tag: an error reached the user"
  fi
}

# 1. No store yet: every shard records at once into the same CI run (each
#    creates and migrates the store if it is first).
cmds=()
for k in $(seq 0 $((SHARDS - 1))); do
  cmds+=("git impact record --run-id ci-1 '$TMP/shard$k.xml'")
done
run_all fresh "${cmds[@]}"
[ "$(q "SELECT count(*) FROM results JOIN runs ON runs.id = run_id WHERE run_key = 'ci-1'")" = \
  $((SHARDS * TESTS)) ] || fail "fresh store: results lost ($(q 'SELECT count(*) FROM results'))"
[ "$(q 'SELECT count(*) FROM runs')" = 1 ] || fail "fresh store: the shards made more than one run"
ok "$SHARDS shards record at once into a store none had created: all $((SHARDS * TESTS)) results kept"

# 2. An initialised store: shards of two runs record while selections run
#    (each select also builds and stores the graph it needs).
git impact init -q
cmds=()
for round in 2 3; do
  for k in $(seq 0 $((SHARDS - 1))); do
    cmds+=("git impact record --commit HEAD~1 --run-id ci-$round '$TMP/shard$k.xml'")
    cmds+=("git impact select --base HEAD~1 --head HEAD --format json >/dev/null")
  done
done
cmds+=("git impact ingest -q")
run_all busy "${cmds[@]}"
for round in 2 3; do
  [ "$(q "SELECT count(*) FROM results JOIN runs ON runs.id = run_id WHERE run_key = 'ci-$round'")" = \
    $((SHARDS * TESTS)) ] || fail "run ci-$round lost results"
done
[ "$(q 'SELECT count(*) FROM runs')" = 3 ] || fail "expected 3 runs"
[ "$(q 'SELECT count(*) FROM selections')" -ge $((2 * SHARDS)) ] || fail "selections lost"
ok "records and selects in parallel: no error reached the user, nothing lost"

# 3. The store still passes its integrity check.
expect_exit 0 git impact init --check
ok "integrity check passes after the parallel runs"
