#!/usr/bin/env bash
# Shallow clones: ingest does not crash, stores the cut-off commits as
# boundaries without a diff, names where history stops, and fills in the
# history once the clone is deepened.
. "$(dirname "$0")/lib.sh"

cd "$TMP" && git init -q src && cd src
for i in 1 2 3 4 5 6; do
  echo "$i" >"f$i" && git add "f$i"
  GIT_COMMITTER_DATE="2024-01-01T00:0$i:00Z" git commit -q -m "c$i"
done
cd "$TMP" && git clone -q --depth 3 "file://$TMP/src" shallow && cd shallow
boundary=$(cat .git/shallow)
[ "$(echo "$boundary" | wc -l)" -eq 1 ] || fail "expected one shallow boundary"

expect_exit 0 git impact init
expect_grep '^ingested 3 commits \(2 changes\) in [0-9.]+ s; 1 boundary commits$' "$TMP/out"
expect_grep "^warning: shallow clone: history stops at $boundary; run 'git fetch --deepen=N' or --unshallow for more$" "$TMP/err"
[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "expected one warning line"
expect_exit 0 git impact ingest --show "$boundary"
expect_grep '^boundary 1$' "$TMP/out"
expect_grep "^parents $(git -C "$TMP/src" rev-parse HEAD~3)$" "$TMP/out"
[ "$(wc -l <"$TMP/out")" -eq 5 ] || fail "a boundary commit must have no stored diff"
ok "a shallow clone ingests, marks its boundary and names it"

expect_exit 0 git impact ingest
expect_grep '^ingested 0 commits' "$TMP/out"
expect_grep "history stops at $boundary" "$TMP/err"
ok "the warning repeats while the clone stays shallow"

git fetch -q --unshallow
expect_exit 0 git impact ingest
expect_no_grep 'shallow' "$TMP/err"
expect_grep '^ingested 4 commits \(4 changes\) .* 0 boundary commits$' "$TMP/out"
expect_exit 0 git impact ingest --show "$boundary"
expect_grep '^boundary 0$' "$TMP/out"
expect_grep $'^:000000 100644 [0-9a-f]{40} [0-9a-f]{40} A\tf4$' "$TMP/out"
ok "after --unshallow the boundary gets its diff and the older commits arrive"
