#!/usr/bin/env bash
# The CLI skeleton: help, version, unknown commands, -h on every command,
# `git impact` found by git, init creates the store where the design says.
. "$(dirname "$0")/lib.sh"

expect_exit 0 git-impact --version
expect_grep '^git-impact version [0-9]' "$TMP/out"
expect_exit 0 git-impact -h
expect_grep '^usage: git impact' "$TMP/out"
expect_exit 2 git-impact no-such-command
expect_grep "'no-such-command' is not a git impact command" "$TMP/err"

for cmd in $(git-impact -h | awk '/^commands:/{on=1; next} on && !NF {exit} on {print $1}'); do
  expect_exit 0 git-impact "$cmd" -h
  expect_grep "^usage: git impact $cmd" "$TMP/out"
done
ok "every command answers -h"

cd "$TMP"
expect_exit 2 git-impact init
expect_grep "not a git repository" "$TMP/err"
git init -q repo && cd repo
git commit -q --allow-empty -m root
expect_exit 0 git impact init
[ -f .git/impact/impact.db ] || fail "no store at .git/impact/impact.db"
expect_exit 2 git impact init --bogus
expect_grep "unknown option '--bogus'" "$TMP/err"
ok "init creates .git/impact/impact.db via 'git impact'"
