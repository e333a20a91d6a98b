#!/usr/bin/env bash
# Crash safety: `git impact ingest` and `git impact record` killed with
# SIGKILL at random points, many times.  After every kill the store opens,
# passes its integrity check (`git impact init --check`) and holds each
# run whole or not at all; ingest resumed after kills ends with exactly the
# store an uninterrupted ingest makes.
. "$(dirname "$0")/lib.sh"

KILLS=${GI_CRASH_KILLS:-30}
RANDOM=8008   # the same kill points every run (as far as load allows)
cd "$TMP"
git init -q -b main repo && cd repo
python3 "$GI_SOURCE_DIR/bench/gen-history.py" 1500 300 | git fast-import --quiet
git checkout -q main
export IMPACT_STORE="$TMP/impact.db"

# rows SQL: the rows of a query, fields joined by '|' (the sqlite3 shell when
# installed, as it starts faster than python3's sqlite3, a build dependency)
rows() {
  if command -v sqlite3 >/dev/null; then
    sqlite3 "$IMPACT_STORE" "$1"
  else
    python3 -c 'import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print("|".join(map(str, r)))' "$IMPACT_STORE" "$1"
  fi
}
q() { rows "$1" | head -1; }
# digest: the ingested history (commits, their changes, the tips), row ids left out
digest() {
  rows "SELECT c.oid, c.parents, c.boundary, ch.status, hex(ch.old_path), hex(ch.new_path),
               ch.old_blob, ch.new_blob, ch.old_mode, ch.new_mode, ch.similarity
        FROM commits c LEFT JOIN changes ch ON ch.commit_id = c.id ORDER BY c.oid, ch.rowid" |
    sha1sum
  rows "SELECT oid FROM ingest_tips ORDER BY 1" | sha1sum
}
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
# duration_ms CMD...: wall milliseconds of a command that must succeed
duration_ms() {
  local t0
  t0=$(now_ms)
  "$@" >/dev/null
  echo $(($(now_ms) - t0))
}
# kill_at MS CMD...: start CMD, SIGKILL it after MS milliseconds; prints "killed" or
# "finished".  CMD is git-impact itself: `git impact` would run it as a child of git.
kill_at() {
  local ms=$1 pid
  shift
  "$@" >/dev/null 2>"$TMP/kill.err" &
  pid=$!
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  if kill -KILL "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null || true
    echo killed
  else
    wait "$pid" || { cat "$TMP/kill.err" >&2; fail "'$*' failed without being killed"; }
    echo finished
  fi
}
# a random delay in [0, MS) milliseconds
delay() { echo $(((RANDOM * 32768 + RANDOM) % $1)); }
# after a kill: the store (if the process got far enough to make one) opens and is sound
check_store() {
  [ -e "$IMPACT_STORE" ] || return 0
  expect_exit 0 git impact init --check
  expect_grep 'passes its integrity check' "$TMP/out"
}

# Reference: an uninterrupted ingest.
ingest_ms=$(duration_ms git impact ingest -q)
want=$(digest)
ncommits=$(q 'SELECT count(*) FROM commits')
[ "$ncommits" -ge 1500 ] || fail "reference ingest stored $ncommits commits"
ok "reference ingest: $ncommits commits in $ingest_ms ms"

# Ingest killed at random points from an empty store; every fifth time the
# next ingest resumes what the killed one left and must end where the
# uninterrupted one did.
killed=0
for i in $(seq "$KILLS"); do
  rm -f "$IMPACT_STORE" "$IMPACT_STORE-wal" "$IMPACT_STORE-shm"
  r=$(kill_at "$(delay "$ingest_ms")" git-impact ingest -q)
  [ "$r" = killed ] && killed=$((killed + 1))
  check_store
  if [ -e "$IMPACT_STORE" ] && [ "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'commits'")" = 1 ]; then
    # no commit stored without its changes: the root adds every file
    n=$(q "SELECT count(*) FROM commits c WHERE c.parents = '' AND NOT EXISTS (SELECT 1 FROM changes WHERE commit_id = c.id)")
    [ "$n" = 0 ] || fail "kill $i: a root commit without its changes"
  fi
  if [ $((i % 5)) = 0 ]; then
    git impact ingest -q
    [ "$(digest)" = "$want" ] || fail "kill $i: ingest resumed after a kill differs from an uninterrupted one"
  fi
done
[ "$killed" -ge $((KILLS / 3)) ] || fail "only $killed of $KILLS kills landed while ingest ran"
ok "ingest SIGKILLed $killed times mid-run: the store always opens, passes its check, resumes to the same history"

# A large JUnit run: 15,000 testcases in three files.
python3 - "$TMP" <<'PY'
import sys
for k in range(3):
    with open(f"{sys.argv[1]}/big{k}.xml", "w") as f:
        f.write('<?xml version="1.0"?><testsuites><testsuite name="big">\n')
        for i in range(5000):
            f.write(f'<testcase classname="tests.test_b{k}_{i // 100}" name="test_{i}" '
                    f'file="tests/test_b{k}_{i // 100}.py" time="0.001"/>\n')
        f.write('</testsuite></testsuites>\n')
PY
rm -f "$IMPACT_STORE" "$IMPACT_STORE-wal" "$IMPACT_STORE-shm"
git impact ingest -q
record_ms=$(duration_ms git impact record --run-id reference "$TMP"/big0.xml "$TMP"/big1.xml "$TMP"/big2.xml)
total=$(q "SELECT count(*) FROM results JOIN runs ON runs.id = run_id WHERE run_key = 'reference'")
[ "$total" = 15000 ] || fail "reference record stored $total results"

killed=0 whole=0 none=0
for i in $(seq "$KILLS"); do
  r=$(kill_at "$(delay "$record_ms")" git-impact record --run-id "crash-$i" "$TMP"/big0.xml "$TMP"/big1.xml "$TMP"/big2.xml)
  [ "$r" = killed ] && killed=$((killed + 1))
  check_store
  runs=$(q "SELECT count(*) FROM runs WHERE run_key = 'crash-$i'")
  n=$(q "SELECT count(*) FROM results JOIN runs ON runs.id = run_id WHERE run_key = 'crash-$i'")
  case "$runs/$n" in
    0/0) none=$((none + 1)) ;;
    1/15000) whole=$((whole + 1)) ;;
    *) fail "kill $i: run crash-$i holds $runs run(s) and $n of 15000 results" ;;
  esac
done
[ "$killed" -ge $((KILLS / 3)) ] || fail "only $killed of $KILLS kills landed while record ran"
ok "record SIGKILLed $killed times mid-run: each run whole ($whole) or absent ($none), never partial"

# a killed run recorded again completes normally
expect_exit 0 git impact record --run-id crash-1 "$TMP"/big0.xml "$TMP"/big1.xml "$TMP"/big2.xml
[ "$(q "SELECT count(*) FROM results JOIN runs ON runs.id = run_id WHERE run_key = 'crash-1'")" = 15000 ] ||
  fail "recording a killed run again did not complete it"
expect_exit 0 git impact init --check
ok "a killed run recorded again is complete; the store passes its check"
