# Sourced by every end-to-end test: a scratch folder, fixed git identity and
# dates, and assertion helpers.  $GIT_IMPACT is the binary under test.
set -euo pipefail

: "${GIT_IMPACT:?GIT_IMPACT must name the git-impact binary}"
: "${GI_SOURCE_DIR:?}"
TEST_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gi-$TEST_NAME-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
BIN_DIR="$TMP/bin"
mkdir -p "$BIN_DIR"
if [ -n "${GI_VALGRIND:-}" ]; then
  # make valgrind: every git-impact run under memcheck; an error or a leak
  # exits 99 (so expect_exit fails) with valgrind's report on stderr.
  printf '#!/bin/sh\nexec valgrind -q --leak-check=full --errors-for-leak-kinds=definite,possible --error-exitcode=99 "%s" "$@"\n' \
    "$GIT_IMPACT" >"$BIN_DIR/git-impact"
  chmod +x "$BIN_DIR/git-impact"
else
  ln -s "$GIT_IMPACT" "$BIN_DIR/git-impact"
fi
export PATH="$BIN_DIR:$PATH"
export HOME="$TMP/home"
mkdir -p "$HOME"
export GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME="Fixture Author" GIT_AUTHOR_EMAIL="author@example.com"
export GIT_COMMITTER_NAME="Fixture Committer" GIT_COMMITTER_EMAIL="committer@example.com"
export GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z"
git config --global init.defaultBranch main
git config --global advice.detachedHead false
unset IMPACT_STORE
# CI=true (as CI services set it) turns on a 1% audit sample in select: tests
# that need it set it themselves, so selections here do not depend on where
# the suite runs
unset CI

fail() { echo "FAIL [$TEST_NAME]: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

# expect_exit CODE CMD...: run CMD, fail unless it exits with CODE.
expect_exit() {
  local want=$1 got=0
  shift
  "$@" >"$TMP/out" 2>"$TMP/err" || got=$?
  [ "$got" -eq "$want" ] || { cat "$TMP/out" "$TMP/err" >&2; fail "'$*' exited $got, wanted $want"; }
}
# expect_grep PATTERN FILE: fail unless FILE has a line matching PATTERN.
expect_grep() { grep -qE -- "$1" "$2" || { cat "$2" >&2; fail "no line matching '$1' in $2"; }; }
expect_no_grep() { ! grep -qE -- "$1" "$2" || { cat "$2" >&2; fail "unexpected line matching '$1' in $2"; }; }
