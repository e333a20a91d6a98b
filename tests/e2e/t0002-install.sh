#!/usr/bin/env bash
# `make install` puts git-impact under PREFIX, where git finds it as `git impact`.
. "$(dirname "$0")/lib.sh"

: "${GI_BUILD_DIR:?}"
cmake --install "$GI_BUILD_DIR" --prefix "$TMP/prefix" >/dev/null
[ -x "$TMP/prefix/bin/git-impact" ] || fail "no git-impact under PREFIX/bin"
PATH="$TMP/prefix/bin:/usr/bin:/bin" git impact --version >"$TMP/out"
expect_grep '^git-impact version' "$TMP/out"
ok "installed under PREFIX and found by git"
