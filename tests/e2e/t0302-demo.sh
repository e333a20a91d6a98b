#!/usr/bin/env bash
# `make demo` (fixtures/demo.sh) runs to the end on the built binary: it
# builds the example, initialises the store, records the history and selects
# for the last 12 commits, evaluates, reports, and prints its summary.
. "$(dirname "$0")/lib.sh"

DEMO_DIR="$TMP/demo" expect_exit 0 bash "$GI_SOURCE_DIR/fixtures/demo.sh" "$GIT_IMPACT"
expect_grep '^== summary' "$TMP/out"
expect_grep '^   repository: .*\(300 commits on main\)' "$TMP/out"
expect_grep '^   recorded [1-9][0-9]* runs' "$TMP/out"
expect_grep "^   selection: [0-9]+ of [0-9]+ tests selected over 12 commits" "$TMP/out"
expect_grep '^   change-level recall [0-9.]+ \([0-9]+ of [0-9]+ failing runs caught\)' "$TMP/out"
expect_grep '^   lineage: [1-9][0-9]* of [0-9]+ full runs' "$TMP/out"
expect_grep '^   8 weeks .*selections' "$TMP/out"
[ -f "$TMP/demo/repo/.git/impact/impact.db" ] || fail "demo did not create the store"
ok "the demo runs end to end"
