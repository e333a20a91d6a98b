#!/usr/bin/env bash
# `git impact sync push|pull`: results travel as git notes (refs/notes/impact)
# through a bare remote; two clones recording concurrently lose nothing;
# notes from a newer version or corrupted: a clear warning, kept, not lost.
. "$(dirname "$0")/lib.sh"

FIX="$GI_SOURCE_DIR/fixtures/junit"
cd "$TMP"
git init -q --bare remote.git
git init -q a && cd a
echo "def f(): return 1" > m.py
git add m.py && git commit -q -m one
git remote add origin "$TMP/remote.git"
git push -q origin main
cd "$TMP" && git clone -q remote.git b
q() { # q DB SQL: one query on a store
  python3 -c 'import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print("|".join(map(str, r)))' "$1" "$2"
}
head=$(git -C a rev-parse HEAD)

cd "$TMP/a"
expect_exit 0 git impact sync push
expect_grep "nothing to push" "$TMP/out"
expect_exit 0 git impact record --run-id ci-1 "$FIX/pytest.xml"
expect_exit 0 git impact sync push
expect_grep "^sync push: 'origin' holds the notes of 1 commit\(s\); 1 written" "$TMP/out"
git -C "$TMP/remote.git" notes --ref=impact show "$head" > "$TMP/note"
expect_grep '^\{"commit":"'"$head"'","full":0,"impact":1,"kind":"ci","run":"ci-1",' "$TMP/note"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/note" || fail "note is JSON lines"
ok "push: a commit's runs as one JSON line per run under refs/notes/impact"

cd "$TMP/b"
expect_exit 0 git impact sync pull
expect_grep "^sync pull: notes of 1 commit\(s\) from 'origin': 1 new run\(s\), 6 new result\(s\)" "$TMP/out"
[ "$(q .git/impact/impact.db "SELECT count(*) FROM results")" = 6 ] || fail "6 results imported"
[ "$(q .git/impact/impact.db "SELECT run_key || kind || full || commit_oid FROM runs")" = "ci-1ci0$head" ] \
  || fail "run key, kind, full flag and commit kept"
expect_exit 0 git impact sync pull
expect_grep "0 new run\(s\), 0 new result\(s\)" "$TMP/out"
[ "$(q .git/impact/impact.db "SELECT count(*) FROM results")" = 6 ] || fail "pull twice: no double count"
ok "pull imports into the store, once"

# Two clones record concurrently (a shard each of one run, plus their own runs), then sync.
cd "$TMP/a" && expect_exit 0 git impact record --run-id ci-2 "$FIX/ctest.xml"
cd "$TMP/b" && expect_exit 0 git impact record --run-id ci-2 "$FIX/gotestsum.xml"
cd "$TMP/b" && expect_exit 0 git impact record --run-id nightly --full "$FIX/jest-junit.xml"
cd "$TMP/a" && expect_exit 0 git impact sync push
cd "$TMP/b" && expect_exit 0 git impact sync push
expect_grep "holds the notes of 1 commit" "$TMP/out"
cd "$TMP/a" && expect_exit 0 git impact sync pull
cd "$TMP/b" && expect_exit 0 git impact sync pull
for c in a b; do
  db="$TMP/$c/.git/impact/impact.db"
  [ "$(q "$db" "SELECT group_concat(run_key || ':' || full, ',') FROM (SELECT * FROM runs ORDER BY run_key)")" = \
    "ci-1:0,ci-2:0,nightly:1" ] || fail "clone $c has every run: $(q "$db" 'SELECT run_key FROM runs')"
  [ "$(q "$db" "SELECT count(*) FROM results JOIN runs ON runs.id = run_id WHERE run_key = 'ci-2'")" = 7 ] \
    || fail "clone $c: both shards of ci-2 (3 + 4 tests)"
done
[ "$(q "$TMP/a/.git/impact/impact.db" "SELECT count(*) FROM results")" = \
  "$(q "$TMP/b/.git/impact/impact.db" "SELECT count(*) FROM results")" ] || fail "both clones hold the same results"
for c in a b; do
  (cd "$TMP/$c" && expect_exit 0 git impact init --check) || fail "clone $c: init --check"
  [ "$(q "$TMP/$c/.git/impact/impact.db" "SELECT sum(n_pass + n_fail + n_error + n_skip + n_flaky) FROM test_summary")" = \
    "$(q "$TMP/$c/.git/impact/impact.db" "SELECT count(*) FROM results")" ] || fail "clone $c: the summary counts every result"
done
ok "two clones recording concurrently: nothing lost, runs merged by union, summaries true"

# A push that races another: b's view of the remote is stale; its push merges again.
cd "$TMP/a" && expect_exit 0 git impact record --run-id from-a "$FIX/surefire.xml" && expect_exit 0 git impact sync push
cd "$TMP/b" && expect_exit 0 git impact record --run-id from-b "$FIX/go-junit-report.xml" && expect_exit 0 git impact sync push
git -C "$TMP/remote.git" notes --ref=impact show "$head" > "$TMP/note"
expect_grep '"run":"from-a"' "$TMP/note"
expect_grep '"run":"from-b"' "$TMP/note"
ok "a later push merges the remote's notes first (fast-forward, nothing overwritten)"

# Bad notes on the remote: a newer format and a corrupted line.
cd "$TMP" && git clone -q remote.git c && cd c && git fetch -q origin refs/notes/impact:refs/notes/impact
{ git notes --ref=impact show "$head"
  echo '{"impact":2,"run":"future","commit":"'"$head"'","hologram":true}'
  echo '{"impact":1,"run":"broken",'
} > "$TMP/bad"
git notes --ref=impact add -f -F "$TMP/bad" "$head"
git push -q --no-verify origin refs/notes/impact:refs/notes/impact
cd "$TMP/b"
expect_exit 0 git impact sync pull
expect_grep "^warning: cannot read the note of commit $head in 'refs/impact/fetched' at line [0-9]+: written by a newer git-impact \(note format 2, this one reads 1\); kept as is, not imported$" "$TMP/err"
expect_grep "^warning: cannot read the note of commit $head in 'refs/impact/fetched' at line [0-9]+: .*; kept as is" "$TMP/err"
expect_grep "^warning: 2 note line\(s\) could not be read" "$TMP/err"
[ "$(q .git/impact/impact.db "SELECT count(*) FROM runs WHERE run_key IN ('future', 'broken')")" = 0 ] || fail "bad lines not imported"
expect_exit 0 git impact sync push
git -C "$TMP/remote.git" notes --ref=impact show "$head" > "$TMP/note"
expect_grep '"hologram":true' "$TMP/note"
expect_grep '^\{"impact":1,"run":"broken",$' "$TMP/note"
expect_grep '"run":"from-b"' "$TMP/note"
ok "newer-format and corrupted note lines: clear warning, kept verbatim, the rest imported"

expect_exit 2 git impact sync fetch
expect_grep "usage: git impact sync push\|pull" "$TMP/err"
expect_exit 2 git impact sync pull no-such-remote
expect_grep "cannot read the notes of remote 'no-such-remote'" "$TMP/err"
ok "bad usage and unknown remote: exit 2 with a message"
