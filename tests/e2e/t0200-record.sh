#!/usr/bin/env bash
# `git impact record` on a real repository: every dialect's fixture records,
# recording twice does not double-count, a bad file leaves the store exactly
# as before with exit 2 and file:line:col, an unknown commit exits 2.
. "$(dirname "$0")/lib.sh"

FIX="$GI_SOURCE_DIR/fixtures/junit"
cd "$TMP"
git init -q repo && cd repo
echo "def f(): return 1" > m.py
git add m.py && git commit -q -m one
echo "def f(): return 2" > m.py
git commit -q -am two
db=.git/impact/impact.db
# count SQL / dump: read the store with python3's sqlite3 (a build dependency).
count() {
  python3 -c 'import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print("|".join(map(str, r)))' "$db" "$1"
}
dump() {
  python3 -c 'import sqlite3, sys, hashlib
print(hashlib.md5("\n".join(sqlite3.connect(sys.argv[1]).iterdump()).encode()).hexdigest())' "$db"
}

expect_exit 0 git impact record "$FIX/pytest.xml"
expect_grep "^recorded 6 testcases from 1 file\(s\) as run 'auto-[0-9a-f]{16}' of commit $(git rev-parse --short=12 HEAD)" "$TMP/out"
expect_grep "6 tests: 2 passed, 1 failed, 1 errors, 2 skipped, 0 flaky" "$TMP/out"
[ "$(count 'SELECT count(*) FROM results')" = 6 ] || fail "6 results after the first record"
[ "$(count "SELECT kind || full FROM runs")" = ci0 ] || fail "a ci run, not full"
ok "pytest results recorded"

expect_exit 0 git impact record "$FIX/pytest.xml"
expect_grep "^already recorded" "$TMP/out"
[ "$(count 'SELECT count(*) FROM results')" = 6 ] || fail "recording twice double-counted"
[ "$(count 'SELECT count(*) FROM runs')" = 1 ] || fail "recording twice made a second run"
ok "recording the same file twice does not double-count"

expect_exit 0 git impact record --commit HEAD~1 --full "$FIX"/ctest.xml "$FIX"/jest-junit.xml \
  "$FIX"/go-junit-report.xml "$FIX"/gotestsum.xml "$FIX"/surefire.xml "$FIX"/surefire-aggregate.xml \
  "$FIX"/pytest-xunit1.xml
expect_grep "^recorded 27 testcases from 7 file" "$TMP/out"
[ "$(count "SELECT kind || full || substr(commit_oid, 1, 7) FROM runs ORDER BY id DESC LIMIT 1")" = \
  "full1$(git rev-parse --short=7 HEAD~1)" ] || fail "the --full run of HEAD~1"
[ "$(count "SELECT outcome FROM results JOIN tests ON tests.id = test_id WHERE name = 'com.example.shop.CartTest::removesItem'")" = 4 ] \
  || fail "surefire flakyFailure is flaky"
[ "$(count "SELECT count(*) FROM tests WHERE name = 'tests/test_model.py::TestEval::test_auc[small]'")" = 1 ] \
  || fail "pytest ids with and without file= are the same test"
ok "every dialect records into one full run"

before=$(dump)
printf '<testsuites>\n<testsuite name="x">\n<testcase name="a">\n' > "$TMP/trunc.xml"
expect_exit 2 git impact record "$FIX/jest-junit.xml" "$TMP/trunc.xml"
expect_grep "^error: cannot parse '$TMP/trunc.xml' at 4:1: no element found$" "$TMP/err"
[ "$(wc -l < "$TMP/err")" = 1 ] || fail "one line of error"
: > "$TMP/empty.xml"
expect_exit 2 git impact record "$TMP/empty.xml"
expect_grep "'$TMP/empty.xml' at 1:1: the file is empty" "$TMP/err"
echo '<html/>' > "$TMP/root.xml"
expect_exit 2 git impact record "$TMP/root.xml"
expect_grep "'$TMP/root.xml' at 1:1: unknown root element <html>" "$TMP/err"
printf '<!DOCTYPE t [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>\n<testsuite><testcase name="&b;"/></testsuite>\n' > "$TMP/bomb.xml"
expect_exit 2 git impact record "$TMP/bomb.xml"
expect_grep "'$TMP/bomb.xml' at 1:25: entity declaration 'a' refused" "$TMP/err"
expect_exit 2 git impact record "$TMP/missing.xml"
expect_grep "cannot open '$TMP/missing.xml'" "$TMP/err"
truncate -s 2G "$TMP/huge.xml"
expect_exit 2 git impact record "$TMP/huge.xml"
expect_grep "cannot read '$TMP/huge.xml': 2147483648 bytes, over the 1024 MiB limit" "$TMP/err"
rm -f "$TMP/huge.xml"
[ "$(dump)" = "$before" ] || fail "a bad file changed the store"
ok "bad files: exit 2, one line naming file:line:col, store unchanged"

expect_exit 2 git impact record --commit no-such-rev "$FIX/pytest.xml"
expect_grep "unknown revision 'no-such-rev'" "$TMP/err"
expect_exit 2 git impact record
expect_grep "no JUnit XML files given" "$TMP/err"
expect_exit 2 git impact record --kind nightly "$FIX/pytest.xml"
expect_grep "unknown run kind 'nightly'" "$TMP/err"
[ "$(dump)" = "$before" ] || fail "a bad command changed the store"
ok "bad commit, no files, bad kind: exit 2"

expect_exit 0 git impact record --run-id ci-7 --kind audit "$FIX/ctest.xml"
expect_exit 0 git impact record --run-id ci-7 "$FIX/gotestsum.xml"
expect_grep "run now holds 7 tests" "$TMP/out"
expect_exit 0 git impact record --run-id ci-7 "$FIX/gotestsum.xml" "$FIX/ctest.xml"
expect_grep "^already recorded" "$TMP/out"
[ "$(count "SELECT count(*) FROM results JOIN runs ON runs.id = run_id WHERE run_key = 'ci-7' AND audit = 1")" = 7 ] \
  || fail "audit results marked"
expect_exit 2 git impact record --run-id ci-7 --commit HEAD~1 "$FIX/jest-junit.xml"
expect_grep "run 'ci-7' was recorded for commit" "$TMP/err"
ok "--run-id merges shards into one run, once"

[ "$(count "SELECT time > 1600000000 FROM runs WHERE run_key = 'ci-7'")" = 1 ] || fail "run time is unix seconds"
expect_exit 0 git impact record --time 1700000000 --run-id at "$FIX/ctest.xml"
[ "$(count "SELECT time FROM runs WHERE run_key = 'at'")" = 1700000000 ] || fail "--time sets the run time"
expect_exit 2 git impact record --time yesterday "$FIX/ctest.xml"
expect_grep "option '--time' needs unix seconds, not 'yesterday'" "$TMP/err"
ok "run time: now in unix seconds, or --time"
