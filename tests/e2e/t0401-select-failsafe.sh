#!/usr/bin/env bash
# Fail-safe selection: no store, a base missing from a shallow clone, an
# unplaced change, --mode all: every test, exit 0, the reason on stderr.
# Bad option values: exit 2 naming the option.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-select.sh"

bash "$GI_SOURCE_DIR/fixtures/make-dvc-repo.sh" "$TMP/dvc" >/dev/null
cd "$TMP/dvc"
ntests=$(ls tests/test_*.py | wc -l)

# no store: every test file, and why
expect_exit 0 git impact select --base readme-only~1 --head readme-only
expect_grep 'running every test: no store' "$TMP/err"
[ "$(sed 's/::.*//' "$TMP/out" | sort -u | wc -l)" -eq "$ntests" ] || fail "no store: not every test file"
ok "no store: every test, reason printed"

git impact init >/dev/null
record_all_pass readme-only~1

# an unplaced change: a new file nothing depends on
git checkout -q readme-only
echo "x = 1" > tools.cfg
git add tools.cfg && git commit -qm "add an unplaced file"
expect_exit 0 git impact select --base HEAD~1 --head HEAD
expect_grep "running every test: 1 changed path cannot be placed.*tools.cfg" "$TMP/err"
ok "unplaced change: every test"

expect_exit 0 git impact select --base readme-only~1 --head readme-only --mode all
expect_grep 'running every test: --mode all' "$TMP/err"

# shallow clone whose base is missing
git clone -q --depth 1 "file://$TMP/dvc" "$TMP/shallow" 2>/dev/null
cd "$TMP/shallow"
expect_exit 0 git impact select --base HEAD~3
expect_grep 'running every test: .*(shallow|base)' "$TMP/err"
[ "$(sed 's/::.*//' "$TMP/out" | sort -u | wc -l)" -ge "$ntests" ] || fail "shallow: not every test"
ok "shallow clone: every test, reason printed"
cd "$TMP/dvc"

for bad in "--recall 1.5" "--confidence 0" "--budget -3s" "--audit 2" "--shards 0" \
           "--format nope" "--mode sometimes" "--level suite"; do
  expect_exit 2 git impact select $bad
  expect_grep "${bad%% *}" "$TMP/err"
done
ok "bad option values: exit 2 naming the option"
