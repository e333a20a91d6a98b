#!/usr/bin/env bash
# `ingest --rev`: a single revision, A..B and A...B ranges, unknown
# revisions (exit 2, one line naming it), and a full ingest afterwards.
. "$(dirname "$0")/lib.sh"

cd "$TMP" && git init -q repo && cd repo
for i in 1 2 3 4 5; do
  echo "$i" >"f$i" && git add "f$i"
  GIT_COMMITTER_DATE="2024-01-01T00:0$i:00Z" git commit -q -m "c$i"
done
git checkout -q -b side HEAD~2
echo s >s && git add s && GIT_COMMITTER_DATE="2024-01-01T00:06:00Z" git commit -q -m side
git checkout -q main

expect_exit 2 git impact ingest --rev nope
expect_grep "^error: unknown revision 'nope'$" "$TMP/err"
[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "expected one line"
expect_exit 2 git impact ingest --rev main..nope
expect_grep "^error: unknown revision 'nope'$" "$TMP/err"
expect_exit 2 git impact ingest --rev
expect_grep "needs a value" "$TMP/err"
ok "unknown revisions exit 2 naming the revision"

expect_exit 0 git impact ingest --rev main~1..main
expect_grep '^ingested 1 commits \(1 changes\)' "$TMP/out"
expect_exit 2 git impact ingest --show main~1
expect_grep "is not in the store" "$TMP/err"
expect_exit 0 git impact ingest --rev side...main
expect_grep '^ingested 2 commits \(2 changes\)' "$TMP/out"
expect_exit 0 git impact ingest --rev side~1
expect_grep '^ingested 3 commits \(3 changes\)' "$TMP/out"
expect_exit 0 git impact ingest
expect_grep '^ingested 0 commits' "$TMP/out"
expect_exit 0 git impact ingest --show main~1
expect_grep '^boundary 0$' "$TMP/out"
ok "ranges store just their commits; a later full ingest fills the rest"
