#!/usr/bin/env bash
# The model's replay snapshot: select saves it and, once it exists, replays
# only the runs recorded since; its selection is identical to one from a
# full replay (the same store with the snapshot deleted).  A merge into a
# covered run drops it; evaluate saves the one it ends with; a damaged one
# is ignored with a warning naming the store (same selection), reported by
# init --check and dropped by --repair.
. "$(dirname "$0")/lib.sh"

bash "$GI_SOURCE_DIR/fixtures/make-ab-repo.sh" "$TMP/repo"
cd "$TMP/repo"
git impact init >/dev/null
db=.git/impact/impact.db
base=$(git rev-parse HEAD)

# junit N: one run's results; test_b2 fails in odd runs, test_b5 in every third
junit() {
  local f="$TMP/run$1.xml" fail
  {
    echo '<testsuite name="pytest">'
    for t in a1 a2 b1 b2 b3 b4 b5 b6; do
      fail=
      { [ "$t" = b2 ] && [ $(($1 % 2)) = 1 ]; } && fail='<failure message="x"/>'
      { [ "$t" = b5 ] && [ $(($1 % 3)) = 0 ]; } && fail='<failure message="y"/>'
      echo "<testcase classname=\"tests.test_${t%?}\" name=\"test_$t\" file=\"tests/test_${t%?}.py\" time=\"$((1 + $1 % 4))\">$fail</testcase>"
    done
    echo '</testsuite>'
  } > "$f"
  echo "$f"
}
record_runs() { # FROM TO
  for n in $(seq "$1" "$2"); do
    git impact record --commit "$base" --full --run-id "r$n" --time $((1700000000 + n * 3600)) "$(junit "$n")" >/dev/null
  done
}
sql() { python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for r in c.execute(sys.argv[2]): print("|".join(map(str, r)))
c.commit()' "$db" "$1"; }
# damage: flip one bit in the middle of the snapshot's bytes
damage() { python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
d = bytearray(c.execute("SELECT data FROM replay_snapshot").fetchone()[0])
d[len(d) // 2] ^= 1
c.execute("UPDATE replay_snapshot SET data = ?", (bytes(d),)); c.commit()' "$db"; }
select_json() { git impact select --base HEAD~1 --mode predictive --format json > "$1" 2> "$TMP/err" || fail "select"; }
# same_as_full OUT: a select on a copy of the store without its snapshot agrees with OUT
same_as_full() {
  rm -rf "$TMP/copy" && cp -r "$TMP/repo" "$TMP/copy"
  (cd "$TMP/copy" && db=.git/impact/impact.db && sql "DELETE FROM replay_snapshot" &&
   git impact select --base HEAD~1 --mode predictive --format json > "$TMP/full.json" 2>/dev/null) ||
    fail "select on the copy"
  cmp -s "$1" "$TMP/full.json" || { diff "$1" "$TMP/full.json" >&2; fail "$2: differs from a full replay"; }
}

record_runs 1 24
echo "def fa(): return 3" > src/a.py
git commit -qam "change a"

select_json "$TMP/s1.json"
[ "$(sql 'SELECT runs FROM replay_snapshot')" = 24 ] || fail "no snapshot of 24 runs after select"
expect_exit 0 git impact init --check
ok "select saves the snapshot; init --check agrees"

record_runs 25 30
select_json "$TMP/s2.json"
[ "$(sql 'SELECT runs FROM replay_snapshot')" = 30 ] || fail "snapshot not brought forward"
same_as_full "$TMP/s2.json" "resumed"
ok "resumed from the snapshot: the selection of a full replay"

# a second shard merged into a covered run: the snapshot is dropped, then rebuilt
git impact record --commit "$base" --run-id r28 --time $((1700000000 + 28 * 3600)) "$(junit 29)" >/dev/null
[ -z "$(sql 'SELECT runs FROM replay_snapshot')" ] || fail "merge into a covered run kept the snapshot"
expect_exit 0 git impact evaluate
[ "$(sql 'SELECT runs FROM replay_snapshot')" = 30 ] || fail "evaluate did not save its replay"
select_json "$TMP/s3.json"
same_as_full "$TMP/s3.json" "after a merge"
ok "a merge into a covered run drops the snapshot; evaluate saves the one it ends with"

damage
expect_exit 2 git impact init --check
expect_grep "replay snapshot is wrong" "$TMP/err"
select_json "$TMP/s4.json"
expect_grep "warning: store '.*impact.db': the replay snapshot is ignored and rebuilt: its checksum does not match" "$TMP/err"
cmp -s "$TMP/s3.json" "$TMP/s4.json" || fail "a damaged snapshot changed the selection"
expect_exit 0 git impact init --check
ok "a damaged snapshot is ignored with a warning and rebuilt"

damage
expect_exit 0 git impact init --repair
expect_grep "repair: dropped the replay snapshot" "$TMP/out"
[ -z "$(sql 'SELECT runs FROM replay_snapshot')" ] || fail "repair kept a wrong snapshot"
ok "init --repair drops a wrong snapshot"
