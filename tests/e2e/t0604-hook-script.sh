#!/usr/bin/env bash
# `hook install` finds the hook script wherever git-impact was built or
# copied: the build folder's own share/git-impact/hooks copy, an installed
# prefix (bin/../share/git-impact/hooks), and the source tree recorded at
# configure time for a binary copied anywhere; IMPACT_HOOK_SCRIPT first.
. "$(dirname "$0")/lib.sh"

cd "$TMP" && git init -q repo && cd repo
build_copy="$(dirname "$GIT_IMPACT")/share/git-impact/hooks/pre-push"
cmp "$build_copy" "$GI_SOURCE_DIR/hooks/pre-push" || fail "the build folder holds a copy of hooks/pre-push"
expect_exit 0 git impact hook install
cmp .git/hooks/pre-push "$GI_SOURCE_DIR/hooks/pre-push" || fail "installed from the build folder"
expect_exit 0 git impact hook uninstall
ok "a build folder anywhere carries share/git-impact/hooks/pre-push"

# An installed layout: PREFIX/bin/git-impact and PREFIX/share/git-impact/hooks/pre-push.
mkdir -p "$TMP/prefix/bin" "$TMP/prefix/share/git-impact/hooks"
cp "$GIT_IMPACT" "$TMP/prefix/bin/git-impact"
{ cat "$GI_SOURCE_DIR/hooks/pre-push"; echo "# installed copy"; } > "$TMP/prefix/share/git-impact/hooks/pre-push"
expect_exit 0 "$TMP/prefix/bin/git-impact" hook install
expect_grep "^# installed copy$" .git/hooks/pre-push
expect_exit 0 "$TMP/prefix/bin/git-impact" hook uninstall
ok "an installed binary takes ../share/git-impact/hooks/pre-push"

# A lone copy of the binary: the source tree recorded at configure time.
mkdir -p "$TMP/lone"
cp "$GIT_IMPACT" "$TMP/lone/git-impact"
expect_exit 0 "$TMP/lone/git-impact" hook install
cmp .git/hooks/pre-push "$GI_SOURCE_DIR/hooks/pre-push" || fail "installed from the source tree"
expect_exit 0 "$TMP/lone/git-impact" hook uninstall
ok "a lone binary falls back to the source tree's hooks/pre-push"

# IMPACT_HOOK_SCRIPT wins, and must be the git-impact hook.
echo '#!/bin/sh' > "$TMP/not-ours"
IMPACT_HOOK_SCRIPT="$TMP/not-ours" expect_exit 2 git impact hook install
expect_grep "'$TMP/not-ours' is not the git-impact hook script" "$TMP/err"
[ ! -e .git/hooks/pre-push ] || fail "nothing installed"
ok "IMPACT_HOOK_SCRIPT is checked"
