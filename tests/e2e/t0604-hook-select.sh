#!/usr/bin/env bash
# The pre-push hook with the REAL `git impact select` (t0602 stubs it), on
# the DVC fixture pushed through a bare remote with `git push`: a change to
# one module runs exactly that module's tests (and the always-run ones);
# a failing one blocks the push; bad input (notes from a newer version or
# corrupted, a broken store, a missing or crashing runner) never lets a
# push go out untested.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-select.sh"

bash "$GI_SOURCE_DIR/fixtures/make-dvc-repo.sh" "$TMP/fixture" >/dev/null
git init -q --bare "$TMP/remote.git"
git clone -q "$TMP/fixture" "$TMP/work" && cd "$TMP/work"
git remote set-url origin "$TMP/remote.git"
git checkout -q -B main change-one-module~1
git push -q --no-verify -u origin main
git remote set-head origin main
git impact init >/dev/null
record_all_pass change-one-module~1

# The runner logs each id it gets, fails when $FAILFLAG exists.
cat > "$TMP/runner.sh" <<'SH'
#!/bin/sh
echo "--- $#" >> "$RUNLOG"
for a in "$@"; do echo "$a" >> "$RUNLOG"; done
[ ! -e "$FAILFLAG" ]
SH
chmod +x "$TMP/runner.sh"
export RUNLOG="$TMP/runlog" FAILFLAG="$TMP/FAIL"
expect_exit 0 git impact hook install --runner "$TMP/runner.sh {args}"

# The ids of every test function in the given test files.
ids_of() {
  local f
  for f in "$@"; do sed -n 's/^def \(test_[A-Za-z0-9_]*\).*/'"${f//\//\\/}"'::\1/p' "$f"; done | sort
}

# 1. A change to src/metrics.py: exactly the tests of metrics, evaluate (imports
#    metrics) and the always-run smoke tests reach the runner.
git merge -q --ff-only change-one-module
rm -f "$RUNLOG"
git push -q origin main 2> "$TMP/pusherr" || { cat "$TMP/pusherr"; fail "push of a one-module change"; }
[ "$(git rev-parse origin/main)" = "$(git rev-parse HEAD)" ] || fail "the push went out"
grep -v '^---' "$RUNLOG" | sort > "$TMP/got"
ids_of tests/test_metrics.py tests/test_evaluate.py tests/test_smoke.py > "$TMP/want"
[ -s "$TMP/want" ] || fail "no expected ids"
diff "$TMP/want" "$TMP/got" >&2 || fail "the runner must get exactly the module's tests"
[ "$(grep -c '^---' "$RUNLOG")" = 1 ] || fail "one runner call"
expect_grep "selected $(wc -l < "$TMP/want") of $(ids_of tests/test_*.py | wc -l) tests" "$TMP/pusherr"
expect_grep "tests passed on" "$TMP/pusherr"
ok "a push of a change to one module runs exactly its tests (real select, real git push)"

# 2. A failing test blocks the push; the remote keeps its old head.
git merge -q --ff-only readme-only   # README and more: nothing but always-run
echo "# another edit" >> src/metrics.py && git commit -q -am "metrics again"
touch "$FAILFLAG"
if git push -q origin main 2> "$TMP/pusherr"; then fail "a failing test must block the push"; fi
expect_grep "TESTS FAILED on" "$TMP/pusherr"
expect_grep "push blocked" "$TMP/pusherr"
[ "$(git rev-parse origin/main)" != "$(git rev-parse HEAD)" ] || fail "nothing went out"
rm -f "$FAILFLAG"
ok "a failing selected test blocks the push"

# 3. Notes from a newer version and a corrupted note, pulled into this clone:
#    a clear warning, and the next push still runs its tests.
head=$(git rev-parse origin/main)
{ echo '{"impact":2,"run":"future","commit":"'"$head"'","hologram":true}'
  echo '{"impact":1,"run":"broken",'; } > "$TMP/bad"
git notes --ref=impact add -f -F "$TMP/bad" "$head"
git push -q --no-verify origin refs/notes/impact:refs/notes/impact
git update-ref -d refs/notes/impact
expect_exit 0 git impact sync pull
expect_grep "written by a newer git-impact \(note format 2, this one reads 1\); kept as is, not imported" "$TMP/err"
expect_grep "2 note line\(s\) could not be read" "$TMP/err"
rm -f "$RUNLOG"
git push -q origin main 2> "$TMP/pusherr" || { cat "$TMP/pusherr"; fail "push after bad notes"; }
grep -v '^---' "$RUNLOG" | sort > "$TMP/got"
diff "$TMP/want" "$TMP/got" >&2 || fail "after bad notes, the same tests run"
ok "notes from a newer version or corrupted: a clear warning; the push is still tested"

# 4. A broken store: select falls back to every test, and says so.
cp .git/impact/impact.db "$TMP/db.bak"
printf 'this is not a database\n' > .git/impact/impact.db
echo "# third edit" >> src/metrics.py && git commit -q -am "metrics, store broken"
rm -f "$RUNLOG"
git push -q origin main 2> "$TMP/pusherr" || { cat "$TMP/pusherr"; fail "push with a broken store"; }
expect_grep "running every test: no store" "$TMP/pusherr"
[ "$(head -n 1 "$RUNLOG")" = "--- 0" ] || { cat "$RUNLOG"; fail "every test: the runner gets no selection"; }
cp "$TMP/db.bak" .git/impact/impact.db
ok "a broken store: every test runs, with the reason"

# 5. A runner that does not exist, or crashes: the push is blocked with a clear message.
echo "# fourth edit" >> src/metrics.py && git commit -q -am "metrics, bad runner"
git config impact.runner "no-such-runner-xyz {args}"
if git push -q origin main 2> "$TMP/pusherr"; then fail "a missing runner must block"; fi
expect_grep "cannot run the runner 'no-such-runner-xyz \{args\}' \(exit 127" "$TMP/pusherr"
printf '#!/bin/sh\nkill -SEGV $$\n' > "$TMP/crash.sh" && chmod +x "$TMP/crash.sh"
git config impact.runner "$TMP/crash.sh {args}"
if git push -q origin main 2> "$TMP/pusherr"; then fail "a crashing runner must block"; fi
expect_grep "the runner crashed \(exit 139, signal 11\)" "$TMP/pusherr"
[ "$(git rev-parse origin/main)" != "$(git rev-parse HEAD)" ] || fail "nothing went out untested"
ok "a missing or crashing runner blocks the push with a clear message"
