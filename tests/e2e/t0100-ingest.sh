#!/usr/bin/env bash
# `git impact init` / `ingest` on a real repository: the stored first-parent
# diff of every commit equals `git diff-tree --raw -M` (root, merges, renames,
# binary file, submodule entry, type change, paths with spaces and non-UTF-8
# bytes); a second ingest stores only the new commits.
. "$(dirname "$0")/lib.sh"

n=0
commit() { # commit MESSAGE: commit with a date one minute after the last
  n=$((n + 1))
  GIT_AUTHOR_DATE="2024-01-01T00:$(printf %02d $n):00Z" \
  GIT_COMMITTER_DATE="2024-01-01T00:$(printf %02d $n):00Z" git commit -q -m "$1"
}
# same_as_git REV: the stored diff of REV equals git's against its first parent
same_as_git() {
  local base
  base=$(git rev-parse -q --verify "$1^1" || git hash-object -t tree /dev/null)
  git impact ingest --show "$1" | tail -n +6 >"$TMP/mine"
  git diff-tree -r --no-abbrev -M "$base" "$1" >"$TMP/theirs"
  diff -u "$TMP/theirs" "$TMP/mine" >&2 || fail "stored diff of $1 differs from git's"
}

cd "$TMP" && git init -q repo && cd repo
printf 'line %s\n' $(seq 1 50) >a.txt && git add a.txt && commit root
echo b >"with space.txt" && printf 'x\n' >"$(printf 'caf\351.txt')" && git add . && commit paths
git mv a.txt renamed.txt && commit rename
git checkout -q -b side && echo s >side.txt && git add side.txt && commit side
git checkout -q main && echo more >>renamed.txt && git add renamed.txt && commit edit
GIT_COMMITTER_DATE="2024-01-01T00:30:00Z" git merge -q --no-edit side
head -c 2048 /dev/zero | tr '\0' '\377' >bin.dat && git add bin.dat
git update-index --add --cacheinfo "160000,$(git rev-parse HEAD~1),sub"
git rm -q "with space.txt" && commit "binary and submodule"
ln -s renamed.txt link && git add link && commit symlink
rm link && echo now-a-file >link && git add link && commit typechange
git tag v1

expect_exit 0 git impact init
expect_grep "^store ready at '.*impact.db'" "$TMP/out"
expect_grep '^ingested 9 commits \([0-9]+ changes\) in [0-9.]+ s; 0 boundary commits$' "$TMP/out"
for c in $(git rev-list --all); do same_as_git "$c"; done
ok "every stored diff equals git diff-tree's (root, merge, rename, binary, submodule, typechange)"

expect_exit 0 git impact ingest --show "$(git rev-list --max-parents=0 HEAD)"
expect_grep '^parents $' "$TMP/out"
expect_grep $'^:000000 100644 0{40} [0-9a-f]{40} A\ta.txt$' "$TMP/out"
expect_exit 0 git impact ingest --show HEAD~2
expect_grep $'A\tsub$' "$TMP/out"
expect_grep $'^:000000 160000 ' "$TMP/out"
expect_grep $'A\tbin.dat$' "$TMP/out"
expect_exit 0 git impact ingest --show 'HEAD~2^1'
expect_grep "^parents $(git rev-parse 'HEAD~3^1') $(git rev-parse 'HEAD~3^2')$" "$TMP/out"
expect_grep '^boundary 0$' "$TMP/out"
expect_grep '^author Fixture Author <author@example.com>$' "$TMP/out"
expect_exit 0 git impact ingest --show HEAD~5
expect_grep $'^:100644 100644 [0-9a-f]{40} [0-9a-f]{40} R100\ta.txt\trenamed.txt$' "$TMP/out"
expect_exit 0 git impact ingest --show HEAD~6
expect_grep $'A\t"caf\\\\351.txt"$' "$TMP/out"
expect_grep $'A\twith space.txt$' "$TMP/out"
expect_exit 0 git impact ingest --show HEAD
expect_grep $'^:120000 100644 [0-9a-f]{40} [0-9a-f]{40} T\tlink$' "$TMP/out"
ok "root, merge parents, submodule, rename, type change, raw-byte paths as stored"

expect_exit 0 git impact ingest
expect_grep '^ingested 0 commits \(0 changes\)' "$TMP/out"
echo later >>renamed.txt && git add renamed.txt && commit later1
git checkout -q -b topic v1~3 && echo t >topic.txt && git add topic.txt && commit topic
expect_exit 0 git impact ingest
expect_grep '^ingested 2 commits \(2 changes\) in [0-9.]+ s; 0 boundary commits$' "$TMP/out"
same_as_git main && same_as_git topic
expect_exit 0 git impact ingest -q
[ ! -s "$TMP/out" ] || fail "ingest -q printed: $(cat "$TMP/out")"
ok "a second ingest stores only the new commits"

# renames found while other folders change too: the rename diff reads only
# the paths that are added, deleted or retyped, and merges in the edits
# (renamed to an earlier path: git orders a diff with renames by new path)
mkdir -p d1 d2 d3 && printf 'line %s\n' $(seq 1 40) >d2/same.txt &&
  printf 'text %s\n' $(seq 1 40) >d2/edited.txt && echo c >d3/c.txt && echo y >d3/y.txt &&
  git add d2 d3 && commit folders
git mv d2/same.txt d1/same.txt && git mv d2/edited.txt d1/e.txt && echo more >>d1/e.txt &&
  echo c2 >>d3/c.txt && echo n >x-y.txt && git rm -q d3/y.txt && ln -s d3/c.txt d2/link &&
  git add -A && commit mixed
expect_exit 0 git impact ingest
expect_grep '^ingested 2 commits \(10 changes\)' "$TMP/out"
git impact ingest --show HEAD | tail -n +6 | sed 's/ R[0-9]*\t/ R\t/' >"$TMP/mine"
git diff-tree -r --no-abbrev -M HEAD~1 HEAD | sed 's/ R[0-9]*\t/ R\t/' >"$TMP/theirs"
diff -u "$TMP/theirs" "$TMP/mine" >&2 || fail "stored diff of a mixed commit differs from git's"
expect_exit 0 git impact ingest --show HEAD
expect_grep $'R100\td2/same.txt\td1/same.txt$' "$TMP/out"
expect_grep $'R0[5-9][0-9]\td2/edited.txt\td1/e.txt$' "$TMP/out"
ok "renames, edits, adds, deletes and a symlink in one commit, as git finds them"

expect_exit 2 git impact ingest --show 0000000000000000000000000000000000000000
expect_exit 2 git impact ingest --bogus
expect_grep "unknown option '--bogus'" "$TMP/err"
ok "bad options and unknown commits exit 2"
