#!/usr/bin/env bash
# Two clones and a bare remote: CI results recorded in clone A travel as git
# notes (sync push / sync pull) and steer the selection of clone B: a test
# that failed in A's CI run is selected in B as failed-last for an
# unrelated change, and `why` says so; B's own older run does not hide it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-select.sh"

bash "$GI_SOURCE_DIR/fixtures/make-dvc-repo.sh" "$TMP/fixture" >/dev/null
git init -q --bare "$TMP/remote.git"
git -C "$TMP/fixture" push -q "$TMP/remote.git" 'refs/tags/*:refs/tags/*' readme-only:refs/heads/main
git clone -q "$TMP/remote.git" "$TMP/a"
git clone -q "$TMP/remote.git" "$TMP/b"
base=$(git -C "$TMP/a" rev-parse change-one-module~1)
prepare_id=tests/test_prepare.py::test_split_sizes

# B has its own full passing run at the base, an hour before A's CI run.
cd "$TMP/b"
git impact init >/dev/null
git checkout -q "$base"
python3 - "$TMP/b-pass.xml" <<'PY'
import pathlib, re, sys
cases = []
for f in sorted(pathlib.Path("tests").glob("test_*.py")):
    for name in re.findall(r"^def (test_\w+)", f.read_text(), re.M):
        cases.append('<testcase classname="%s" name="%s" file="%s" time="0.5"/>'
                     % (str(f.with_suffix("")).replace("/", "."), name, f))
open(sys.argv[1], "w").write('<testsuite name="pytest">%s</testsuite>\n' % "".join(cases))
PY
git checkout -q main
expect_exit 0 git impact record --commit "$base" --full --run-id b-local --time 1700000000 "$TMP/b-pass.xml"
expect_exit 0 git impact select --base change-one-module~1 --head change-one-module
expect_no_grep "^tests/test_prepare.py::" "$TMP/out"
ok "before the sync, B skips the prepare tests for a metrics change"

# A's CI run at the same commit: the prepare test failed.
cd "$TMP/a"
git impact init >/dev/null
cat > "$TMP/a-ci.xml" <<XML
<testsuite name="pytest">
 <testcase classname="tests.test_prepare" name="test_split_sizes" file="tests/test_prepare.py" time="1.5"><failure message="split sizes differ"/></testcase>
 <testcase classname="tests.test_metrics" name="test_perfect_ranking" file="tests/test_metrics.py" time="0.1"/>
</testsuite>
XML
expect_exit 0 git impact record --commit "$base" --run-id ci-42 --time 1700003600 "$TMP/a-ci.xml"
expect_exit 0 git impact sync push
expect_grep "^sync push: 'origin' holds the notes of 1 commit" "$TMP/out"
git -C "$TMP/remote.git" notes --ref=impact show "$base" > "$TMP/note"
expect_grep '"run":"ci-42"' "$TMP/note"
ok "A records its CI run and pushes it as a note"

# B pulls: the failure steers its selection of an unrelated change.
cd "$TMP/b"
expect_exit 0 git impact sync pull
expect_grep "1 new run\(s\), 2 new result\(s\)" "$TMP/out"
expect_exit 0 git impact select --base change-one-module~1 --head change-one-module
expect_grep "^$prepare_id$" "$TMP/out"
expect_grep "failed-last +1$" "$TMP/err"
expect_no_grep "^tests/test_prepare.py::test_split_is_deterministic$" "$TMP/out"
expect_exit 0 git impact why "$prepare_id" --base change-one-module~1 --head change-one-module
expect_grep "^$prepare_id: selected \(failed-last\)$" "$TMP/out"
expect_grep "^  why: it failed in its last recorded run at ${base:0:12}, so it always runs$" "$TMP/out"
expect_grep "^  history: last failed at ${base:0:12} .*; 2 runs, 1 failed" "$TMP/out"
ok "after sync pull, A's CI failure makes B select the test as failed-last, and why says so"

# Pulling again changes nothing; the selection stays the same.
expect_exit 0 git impact sync pull
expect_grep "0 new run\(s\), 0 new result\(s\)" "$TMP/out"
ok "pull is idempotent"
