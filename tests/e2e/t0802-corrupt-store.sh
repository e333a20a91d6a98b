#!/usr/bin/env bash
# A corrupt or foreign store: garbage, truncated, damaged inside, or from a
# newer schema version.  Each gives a clear one-line message naming the
# file; `select` falls back to every test (exit 0, reason on stderr);
# `record` refuses (exit 2) and changes nothing; `init --check` says so;
# `init --repair` moves the file aside (never deleting it), builds a fresh
# store from git history and imports the results shared in refs/notes/impact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-select.sh"

bash "$GI_SOURCE_DIR/fixtures/make-dvc-repo.sh" "$TMP/dvc" >/dev/null
cd "$TMP/dvc"
ntests=$(ls tests/test_*.py | wc -l)
db=.git/impact/impact.db
q() {
  python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$db" "$1"
}

git impact init -q
record_all_pass readme-only~1
git init -q --bare "$TMP/remote.git"
git remote add origin "$TMP/remote.git"
git impact sync push origin >/dev/null
shared=$(q 'SELECT count(*) FROM results')
[ "$shared" -gt 0 ] || fail "no results recorded"
# one more run, never pushed: only the old file keeps it
cp "$GI_SOURCE_DIR/fixtures/junit/pytest.xml" "$TMP/local.xml"
git impact record --run-id local-only "$TMP/local.xml" >/dev/null
cp "$db" "$TMP/good.db"
ok "a store with $shared shared results and one local-only run"

# select_falls_back WHY: every test, exit 0, the reason (matching WHY) on stderr
select_falls_back() {
  expect_exit 0 git impact select --base readme-only~1 --head readme-only
  expect_grep "running every test: no store .*$1" "$TMP/err"
  [ "$(sed 's/::.*//' "$TMP/out" | sort -u | wc -l)" -eq "$ntests" ] || fail "$1: not every test file"
}
# refused WHY: record, ingest, plain init and init --check exit 2 naming the file; the file is unchanged
refused() {
  local sum
  sum=$(md5sum < "$db")
  for cmd in "record $TMP/local.xml" "ingest" "init" "init --check"; do
    expect_exit 2 git impact $cmd
    expect_grep "^error: store '.*$db'.*$1" "$TMP/err"
    [ "$(wc -l < "$TMP/err")" = 1 ] || fail "$cmd: more than one line of error"
  done
  [ "$(md5sum < "$db")" = "$sum" ] || fail "a refused command changed the file"
}
# repaired: init --repair moves the file aside intact and recovers the shared runs
repaired() {
  local sum aside
  sum=$(md5sum < "$db")
  expect_exit 0 git impact init --repair
  expect_grep "^repair: moved it aside to '.*impact\.db\.corrupt-[0-9]{8}T[0-9]{6}Z'" "$TMP/err"
  expect_grep "^repair: recovered 1 run\(s\) with $shared result\(s\)" "$TMP/out"
  aside=$(ls "$db".corrupt-* | head -1)
  [ "$(md5sum < "$aside")" = "$sum" ] || fail "the file set aside is not the old store"
  [ "$(q 'SELECT count(*) FROM results')" = "$shared" ] || fail "shared results not recovered"
  [ "$(q 'SELECT count(*) FROM commits')" -gt 0 ] || fail "history not ingested"
  expect_exit 0 git impact init --check
  expect_exit 0 git impact select --base readme-only~1 --head readme-only
  expect_no_grep "running every test" "$TMP/err"
  mkdir -p "$TMP/aside" && mv "$aside"* "$TMP/aside/"
}

# 1. garbage
head -c 8192 /dev/urandom > "$db"
select_falls_back "is not a database"
expect_grep "init --repair" "$TMP/err"
refused "is not a database.*init --repair"
repaired
ok "garbage store: fallback, refused with a hint, repaired from git and notes"

# 2. truncated to half
head -c $(($(stat -c %s "$TMP/good.db") / 2)) "$TMP/good.db" > "$db"
select_falls_back "corrupt|malformed"
refused "corrupt|malformed"
repaired
ok "truncated store: fallback, refused, repaired"

# 3. damaged inside: the header is sound, the pages of the tests table are not
#    (damage that no query of a selection reads is found by --check only:
#    select does not pay for a full check on every run)
cp "$TMP/good.db" "$db"
python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
size = c.execute("PRAGMA page_size").fetchone()[0]
pages = [r[0] for r in c.execute("SELECT rootpage FROM sqlite_master WHERE tbl_name = 'tests' AND rootpage > 1")]
c.close()
with open(sys.argv[1], "r+b") as f:
    for p in pages:
        f.seek((p - 1) * size); f.write(b"\xff" * 64)
PY
expect_exit 2 git impact init --check
expect_grep "^error: store '.*$db'.*(integrity|corrupt|malformed)" "$TMP/err"
expect_exit 0 git impact select --base readme-only~1 --head readme-only
expect_grep "running every test: .*(corrupt|malformed)" "$TMP/err"
[ "$(sed 's/::.*//' "$TMP/out" | sort -u | wc -l)" -eq "$ntests" ] || fail "damaged: not every test file"
repaired
ok "store damaged inside: the check fails, select runs every test, repaired"

# 4. from a newer git-impact
cp "$TMP/good.db" "$db"
python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version = 99"); c.commit()' "$db"
select_falls_back "schema version 99, newer than this git-impact"
refused "schema version 99, newer than this git-impact.*upgrade git-impact"
repaired
ok "store from a newer schema: fallback, refused (upgrade), set aside by --repair"

# 5. a sound store is left alone
expect_exit 0 git impact init --repair
expect_grep "passes its integrity check: nothing to repair" "$TMP/out"
! ls "$db".corrupt-* >/dev/null 2>&1 || fail "a sound store was moved aside"
# ... but a per-test summary that disagrees with the results is found and rebuilt
expect_exit 0 git impact init --check
python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("UPDATE test_summary SET n_pass = n_pass + 3 WHERE test_id = (SELECT min(test_id) FROM test_summary)"); c.commit()' "$db"
bad=$(q 'SELECT name FROM tests WHERE id = (SELECT min(test_id) FROM test_summary)')
expect_exit 2 git impact init --check
expect_grep "^error: store '.*impact\.db': the test summary of '$bad' differs from its results \(result counts\); 'git impact init --repair' rebuilds it$" "$TMP/err"
expect_exit 0 git impact init --repair
expect_grep "^repair: store .*the test summary of '$bad' differs" "$TMP/err"
expect_grep "^repair: rebuilt the per-test summary from the results" "$TMP/out"
! ls "$db".corrupt-* >/dev/null 2>&1 || fail "a store with a wrong summary was moved aside"
expect_exit 0 git impact init --check
ok "a wrong per-test summary: --check names the test, --repair rebuilds it in place"
# no notes to import: the repair says where the results are
git update-ref -d refs/notes/impact
head -c 8192 /dev/urandom > "$db"
expect_exit 0 git impact init --repair
expect_grep "recovered 0 run" "$TMP/out"
expect_grep "^warning: no test results recovered.*remain only in '.*impact\.db\.corrupt-" "$TMP/err"
ok "a sound store is kept; without notes the repair says where the old results are"
