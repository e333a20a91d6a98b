#!/usr/bin/env bash
# `git impact hook install|uninstall` and the pre-push hook, driven by real
# `git push` to a bare remote: chaining and byte-for-byte restore, the stdin
# protocol (deletion, new branch, tag, two refs), the runner's placeholders
# with hostile test ids, blocking only on failure, IMPACT_SKIP, fail-safe
# when git-impact fails, results recorded as a hook run.
. "$(dirname "$0")/lib.sh"

cd "$TMP"
git init -q --bare remote.git
git init -q work && cd work
mkdir -p src tests
echo "def f(): return 1" > src/a.py
echo "def test_a(): pass" > tests/test_a.py
git add . && git commit -q -m one
git remote add origin "$TMP/remote.git"
git push -q --no-verify -u origin main
git remote set-head origin main

# A runner that logs its arguments one per line, fails when $TMP/FAIL exists,
# and writes a JUnit file.
cat > "$TMP/runner.sh" <<'SH'
#!/bin/sh
{ echo "---"; for a in "$@"; do echo "arg:$a"; done; echo "regex:${IMPACT_REGEX:-}";
  [ -n "${IMPACT_FILE:-}" ] && sed 's/^/file:/' "$IMPACT_FILE"; } >> "$RUNLOG"
printf '<testsuite><testcase classname="tests.test_a" name="test_a" file="tests/test_a.py"/></testsuite>\n' > report.xml
[ ! -e "$FAILFLAG" ]
SH
chmod +x "$TMP/runner.sh"
export RUNLOG="$TMP/runlog" FAILFLAG="$TMP/FAIL"

# A git-impact that logs `select` calls and answers them from $TMP/ids (or
# fails when $TMP/ids is absent); every other command is the real one.
mkdir -p "$TMP/stub"
cat > "$TMP/stub/git-impact" <<SH
#!/usr/bin/env bash
if [ "\$1" = select ]; then
  echo "\$*" >> "$TMP/selectlog"
  [ -f "$TMP/ids" ] || { echo "error: boom" >&2; exit 3; }
  cat "$TMP/ids"; echo "git-impact: selected \$(wc -l < "$TMP/ids") of 40 tests" >&2; exit 0
fi
exec "$GIT_IMPACT" "\$@"
SH
chmod +x "$TMP/stub/git-impact"
stub() { PATH="$TMP/stub:$PATH" "$@"; }

# An existing pre-push hook, with exact bytes and mode.
printf '#!/bin/sh\n# my old hook\necho "old hook ran: $1" >> "%s/oldlog"\ncat > /dev/null\n' "$TMP" > .git/hooks/pre-push
chmod 750 .git/hooks/pre-push
cp -p .git/hooks/pre-push "$TMP/old-hook"
expect_exit 0 git impact hook install --runner "$TMP/runner.sh {args}" --junit report.xml
expect_grep "kept your pre-push hook as '.*/.git/hooks/pre-push.impact-chained'; it runs first" "$TMP/out"
expect_grep "installed the git-impact pre-push hook" "$TMP/out"
grep -q "git-impact pre-push hook" .git/hooks/pre-push || fail "our hook installed"
cmp .git/hooks/pre-push.impact-chained "$TMP/old-hook" || fail "old hook kept byte for byte"
[ "$(git config impact.runner)" = "$TMP/runner.sh {args}" ] || fail "--runner sets impact.runner"
expect_exit 0 git impact hook install
expect_no_grep "kept your" "$TMP/out"
ok "install chains an existing hook; installing again changes nothing"

commit() { echo "$2" >> "$1" && git add "$1" && git commit -q -m "$2"; }
commit src/a.py "# two"
rm -f "$RUNLOG"
echo "tests/test_a.py::test_a" > "$TMP/ids"
stub git push -q origin main 2> "$TMP/pusherr" || { cat "$TMP/pusherr"; fail "push of passing tests"; }
expect_grep "old hook ran: origin" "$TMP/oldlog"
expect_grep "^arg:tests/test_a.py::test_a$" "$RUNLOG"
expect_grep "select --base $(git rev-parse HEAD~1) --head $(git rev-parse HEAD) --format list" "$TMP/selectlog"
expect_grep "^git-impact: ---- summary ----" "$TMP/pusherr"
expect_grep "selected 1 of 40 tests" "$TMP/pusherr"
expect_grep "tests passed on" "$TMP/pusherr"
[ "$(git rev-parse origin/main)" = "$(git rev-parse HEAD)" ] || fail "the push went out"
ok "a push runs the chained hook, then the selected tests, then goes out"

python3 -c 'import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute("SELECT kind, full, commit_oid FROM runs").fetchall()
assert r == [("hook", 0, sys.argv[2])], r' .git/impact/impact.db "$(git rev-parse HEAD)" || fail "results recorded as a hook run"
ok "results the runner wrote (impact.junit) are recorded as a hook run, not full"

commit src/a.py "# three"
touch "$FAILFLAG"
if stub git push -q origin main 2> "$TMP/pusherr"; then fail "a failing test must block the push"; fi
expect_grep "TESTS FAILED on" "$TMP/pusherr"
expect_grep "push blocked" "$TMP/pusherr"
[ "$(git rev-parse origin/main)" = "$(git rev-parse HEAD~1)" ] || fail "nothing pushed"
ok "a failing test blocks the push"

rm -f "$RUNLOG"
IMPACT_SKIP=1 stub git push -q origin main 2> "$TMP/pusherr" || fail "IMPACT_SKIP=1 pushes"
expect_grep "IMPACT_SKIP=1: tests skipped" "$TMP/pusherr"
[ ! -e "$RUNLOG" ] || fail "IMPACT_SKIP=1 runs no tests"
rm -f "$FAILFLAG"
ok "IMPACT_SKIP=1 skips the tests"

# Two refs at once: a new branch (compared with its merge-base with origin/main) and main.
git checkout -q -b feature
commit src/b.py "def g(): pass"
git checkout -q main
commit src/a.py "# four"
: > "$TMP/selectlog"; rm -f "$RUNLOG"
stub git push -q origin main feature 2> "$TMP/pusherr" || { cat "$TMP/pusherr"; fail "push of two refs"; }
expect_grep "select --base $(git rev-parse main~1) --head $(git rev-parse main) " "$TMP/selectlog"
expect_grep "select --base $(git rev-parse feature~1) --head $(git rev-parse feature) " "$TMP/selectlog"
[ "$(grep -c '^---' "$RUNLOG")" = 2 ] || fail "one run per pushed commit"
[ "$(git rev-parse origin/feature)" = "$(git rev-parse feature)" ] || fail "feature pushed"
ok "two refs at once; a new branch is compared with its merge-base with the default branch"

: > "$TMP/selectlog"; rm -f "$RUNLOG"
stub git push -q origin --delete feature 2> "$TMP/pusherr" || fail "deletion"
expect_grep "refs/heads/feature: deleted, nothing to test" "$TMP/pusherr"
git tag v1 && git tag -a -m "release" v1a HEAD~1
stub git push -q origin v1 v1a 2> "$TMP/pusherr" || fail "tag push"
expect_grep "refs/tags/v1: points at a commit already on 'origin', nothing new to test" "$TMP/pusherr"
expect_grep "refs/tags/v1a: points at a commit already on 'origin'" "$TMP/pusherr"
[ ! -s "$TMP/selectlog" ] && [ ! -e "$RUNLOG" ] || fail "deletion and tags of pushed commits run nothing"
git checkout -q -b t2 && commit src/c.py "x = 1" && git tag v2 && git checkout -q main
stub git push -q origin v2 2> "$TMP/pusherr" || fail "tag of a new commit"
expect_grep "select --base $(git rev-parse main) --head $(git rev-parse v2) " "$TMP/selectlog"
ok "a branch deletion and tags of pushed commits test nothing; a tag of a new commit is tested"

# Hostile test ids never reach a shell: as argv, as a regex, as a file.
printf '%s\n' 'tests/t.py::t[$(touch PWNED)]' "tests/t.py::q[a b'\"c;d]" 'x|y.*' > "$TMP/ids"
for runner in "{args}" "--regex {regex}" "--file {file}"; do
  git config impact.runner "$TMP/runner.sh $runner"
  commit src/a.py "# $runner"
  rm -f "$RUNLOG"
  stub git push -q origin main 2> "$TMP/pusherr" || { cat "$TMP/pusherr"; fail "push with $runner"; }
done
find "$TMP" -name PWNED | grep -q . && fail "a test id was run by a shell"
git config impact.runner "$TMP/runner.sh {args}"
commit src/a.py "# args again"; rm -f "$RUNLOG"
stub git push -q origin main 2>/dev/null
expect_grep '^arg:tests/t.py::t\[\$\(touch PWNED\)\]$' "$RUNLOG"
expect_grep "^arg:tests/t.py::q\[a b'\"c;d\]$" "$RUNLOG"
expect_grep '^arg:x\|y\.\*$' "$RUNLOG"
git config impact.runner "$TMP/runner.sh {regex}"
commit src/a.py "# regex again"; rm -f "$RUNLOG"
stub git push -q origin main 2>/dev/null
grep -qF 'regex:^(tests/t\.py::q\[a b'"'"'"c;d\]|tests/t\.py::t\[\$\(touch PWNED\)\]|x\|y\.\*)$' "$RUNLOG" || { cat "$RUNLOG"; fail "escaped, anchored regex"; }
git config impact.runner "$TMP/runner.sh @{file}"
commit src/a.py "# file again"; rm -f "$RUNLOG"
stub git push -q origin main 2>/dev/null
expect_grep '^arg:@/' "$RUNLOG"
expect_grep '^file:x\|y\.\*$' "$RUNLOG"
git config impact.runner "$TMP/runner.sh {args}"
ok "test ids reach the runner intact as {args}, {regex} and {file}, never through a shell"

# git-impact itself fails: every test runs (the runner gets no selection).
rm -f "$TMP/ids" "$RUNLOG"
commit src/a.py "# select fails"
stub git push -q origin main 2> "$TMP/pusherr" || { cat "$TMP/pusherr"; fail "push when select fails"; }
expect_grep "'git impact select' failed for refs/heads/main \(exit 3\): every test runs" "$TMP/pusherr"
[ "$(cat "$RUNLOG")" = "$(printf -- '---\nregex:.*')" ] || { cat "$RUNLOG"; fail "every test: the runner with no ids"; }
ok "when git-impact fails, every test runs"

echo "tests/test_a.py::test_a" > "$TMP/ids"
git config impact.runner "no-such-runner-xyz {args}"
commit src/a.py "# no runner"
if stub git push -q origin main 2> "$TMP/pusherr"; then fail "a missing runner must block"; fi
expect_grep "cannot run the runner 'no-such-runner-xyz \{args\}' \(exit 127" "$TMP/pusherr"
git config impact.runner 'kill -SEGV $$; {args}'
if stub git push -q origin main 2> "$TMP/pusherr"; then fail "a crashing runner must block"; fi
expect_grep "the runner crashed \(exit 139, signal 11\)" "$TMP/pusherr"
git config --unset impact.runner
if stub git push -q origin main 2> "$TMP/pusherr"; then fail "no runner must block"; fi
expect_grep "no test runner configured" "$TMP/pusherr"
[ "$(git rev-parse origin/main)" != "$(git rev-parse HEAD)" ] || fail "nothing went out untested"
git config impact.runner "$TMP/runner.sh {args}"
ok "a missing, crashing or unset runner blocks the push with a clear message"

expect_exit 0 git impact hook uninstall
expect_grep "your previous pre-push hook is back" "$TMP/out"
cmp .git/hooks/pre-push "$TMP/old-hook" || fail "old hook restored byte for byte"
[ "$(stat -c %a .git/hooks/pre-push)" = 750 ] || fail "old hook mode restored"
[ ! -e .git/hooks/pre-push.impact-chained ] || fail "no chained copy left"
expect_exit 2 git impact hook uninstall
expect_grep "is not the git-impact hook; left as it is" "$TMP/err"
cmp .git/hooks/pre-push "$TMP/old-hook" || fail "a foreign hook is never removed"
ok "uninstall restores the previous hook byte for byte, and never removes a foreign one"

# core.hooksPath and linked worktrees; a symlinked hook is moved, never written through.
git config core.hooksPath .githooks
mkdir -p "$TMP/elsewhere" .githooks
printf '#!/bin/sh\nexit 0\n' > "$TMP/elsewhere/hook" && chmod +x "$TMP/elsewhere/hook"
cp "$TMP/elsewhere/hook" "$TMP/elsewhere.orig"
ln -s "$TMP/elsewhere/hook" .githooks/pre-push
expect_exit 0 git impact hook install
expect_grep "installed the git-impact pre-push hook as '$TMP/work/.githooks/pre-push'" "$TMP/out"
[ -L .githooks/pre-push.impact-chained ] && [ "$(readlink .githooks/pre-push.impact-chained)" = "$TMP/elsewhere/hook" ] \
  || fail "the symlink itself is kept"
cmp "$TMP/elsewhere/hook" "$TMP/elsewhere.orig" || fail "nothing written through the symlink"
[ ! -L .githooks/pre-push ] || fail "our hook is a file, not written through a link"
expect_exit 0 git impact hook uninstall
[ "$(readlink .githooks/pre-push)" = "$TMP/elsewhere/hook" ] || fail "symlink restored"
git config --unset core.hooksPath
git worktree add -q "$TMP/wt" -b wt
(cd "$TMP/wt" && git impact hook install) > "$TMP/out" || fail "install from a worktree"
expect_grep "installed the git-impact pre-push hook as '$TMP/work/.git/hooks/pre-push'" "$TMP/out"
cmp .git/hooks/pre-push.impact-chained "$TMP/old-hook" || fail "chained again from the worktree"
(cd "$TMP/wt" && git impact hook uninstall) > /dev/null || fail "uninstall from a worktree"
cmp .git/hooks/pre-push "$TMP/old-hook" || fail "restored from the worktree"
ok "core.hooksPath and worktrees honoured; a symlinked hook is moved aside, never followed"

# The pre-commit framework (.pre-commit-hooks.yaml) passes the refs as variables.
echo "tests/test_a.py::test_a" > "$TMP/ids"; : > "$TMP/selectlog"
commit src/a.py "# pre-commit"
PRE_COMMIT_FROM_REF=$(git rev-parse origin/main) PRE_COMMIT_TO_REF=HEAD PRE_COMMIT_REMOTE_NAME=origin \
  PRE_COMMIT_LOCAL_BRANCH=refs/heads/main PRE_COMMIT_REMOTE_BRANCH=refs/heads/main \
  stub bash "$GI_SOURCE_DIR/hooks/pre-push" < /dev/null 2> "$TMP/pusherr" || { cat "$TMP/pusherr"; fail "pre-commit run"; }
expect_grep "select --base $(git rev-parse origin/main) --head $(git rev-parse HEAD) " "$TMP/selectlog"
python3 -c 'import yaml, sys; h = yaml.safe_load(open(sys.argv[1]))[0]
assert h["stages"] == ["pre-push"] and h["entry"] == "hooks/pre-push" and not h["pass_filenames"]' \
  "$GI_SOURCE_DIR/.pre-commit-hooks.yaml" || fail ".pre-commit-hooks.yaml"
ok "the pre-commit framework's pre-push stage"

expect_exit 2 git impact hook frobnicate
expect_grep "usage: git impact hook install\|uninstall" "$TMP/err"
expect_exit 0 git impact hook -h
expect_grep "pre-push.impact-chained" "$TMP/out"
ok "usage"
