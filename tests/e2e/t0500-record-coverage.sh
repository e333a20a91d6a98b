#!/usr/bin/env bash
# `git impact record-coverage`: coverage.py JSON (absolute paths, pytest-cov
# contexts) and lcov make `covers` edges, so a changed file selects the test
# that executed it without any import; a graph stored before the coverage is
# not reused stale; paths outside the repository are skipped with a count;
# a malformed report exits 2 naming the file and line and changes nothing.
. "$(dirname "$0")/lib.sh"

cd "$TMP"
git init -q repo && cd repo
W=$(pwd -P)
mkdir -p src tests
echo "X = 1" > src/a.py
echo "Y = 1" > src/b.py
echo "Z = 1" > src/c.py
printf 'from src.a import X\n\ndef test_a():\n    assert X\n' > tests/test_a.py
printf 'import importlib\n\ndef test_b():\n    importlib.import_module("src." + "b")\n' > tests/test_b.py
git add -A && git commit -q -m one
db=.git/impact/impact.db
count() {
  python3 -c 'import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print("|".join(map(str, r)))' "$db" "$1"
}
cat > "$TMP/junit.xml" <<'EOF'
<testsuites><testsuite name="pytest" tests="2">
<testcase classname="tests.test_a" name="test_a" file="tests/test_a.py" time="1.0"/>
<testcase classname="tests.test_b" name="test_b" file="tests/test_b.py" time="1.0"/>
</testsuite></testsuites>
EOF
expect_exit 0 git impact init
expect_exit 0 git impact record --full "$TMP/junit.xml"
# a graph of HEAD stored before any coverage exists
expect_exit 0 git impact graph --format json
expect_no_grep '"covers"' "$TMP/out"

echo "Y = 2" > src/b.py
git commit -q -am "b changes"
expect_exit 0 git impact why tests/test_b.py::test_b --base HEAD~1 --head HEAD
expect_no_grep "covers" "$TMP/out"
ok "without coverage nothing links test_b to src/b.py"

cat > "$TMP/cov.json" <<EOF
{"meta": {"version": "7.4.0", "show_contexts": true},
 "files": {
  "$W/src/b.py": {"executed_lines": [1], "summary": {"percent_covered": 100.0},
    "contexts": {"1": ["", "tests/test_b.py::test_b|run", "tests/test_b.py::test_b|setup"]},
    "functions": {}, "classes": {}},
  "/usr/lib/python3/importlib/__init__.py": {"contexts": {"1": ["tests/test_b.py::test_b|run"]}},
  "$W/tests/test_b.py": {"contexts": {"1": ["tests/test_b.py::test_b|run"]}}
 },
 "totals": {"covered_lines": 2}}
EOF
expect_exit 0 git impact record-coverage --format coveragepy --commit HEAD~1 "$TMP/cov.json"
expect_grep "^recorded coverage of 1 tests \(2 test-file pairs\) from 1 report\(s\) at commit $(git rev-parse --short=12 HEAD~1)" "$TMP/out"
expect_grep "^skipped 1 pair\(s\) with paths outside the repository \(e.g. '/usr/lib/python3/importlib/__init__.py'\)" "$TMP/out"
[ "$(count 'SELECT count(*) FROM coverage')" = 2 ] || fail "two coverage rows expected"
[ "$(count "SELECT count(*) FROM coverage WHERE path LIKE '/%'")" = 0 ] || fail "an absolute path was stored"
ok "coverage.py JSON recorded with repository-relative paths, outside paths skipped"

expect_exit 0 git impact why tests/test_b.py::test_b --base HEAD~1 --head HEAD
expect_grep "selected \(safe-set\)" "$TMP/out"
expect_grep "tests/test_b.py -> covers -> src/b.py" "$TMP/out"
expect_exit 0 git impact select --base HEAD~1 --head HEAD
expect_grep "^tests/test_b.py::test_b$" "$TMP/out"
ok "a change to a covered file selects the covering test, and why shows covers"

expect_exit 0 git impact graph --rev HEAD~1 --format json
expect_grep '"from":"test:tests/test_b.py","kind":"covers","to":"file:src/b.py"' "$TMP/out"
ok "graphs stored before the coverage are rebuilt with covers edges"

# lcov: TN names the test; DA counts of 0 do not cover
cat > "$TMP/test_a.info" <<EOF
TN:tests/test_a.py::test_a
SF:$W/src/c.py
FN:1,f
DA:1,4
LH:1
end_of_record
SF:src/b.py
DA:1,0
end_of_record
EOF
expect_exit 0 git impact record-coverage "$TMP/test_a.info"
expect_grep "^recorded coverage of 1 tests \(1 test-file pairs\)" "$TMP/out"
expect_grep "^store now holds coverage of 2 tests \(3 pairs\)" "$TMP/out"
echo "Z = 2" > src/c.py
git commit -q -am "c changes"
expect_exit 0 git impact why tests/test_a.py::test_a --base HEAD~1 --head HEAD
expect_grep "tests/test_a.py -> covers -> src/c.py" "$TMP/out"
expect_exit 0 git impact why tests/test_b.py::test_b --base HEAD~1 --head HEAD
expect_no_grep "covers -> src/c.py" "$TMP/out"
ok "lcov tracefile recorded: only executed files are covered"

before=$(count 'SELECT test_id, path, commit_oid FROM coverage ORDER BY 1, 2' | md5sum)
printf 'TN:tests/test_a.py::test_a\nSF:src/a.py\nDA:1,x\nend_of_record\n' > "$TMP/bad.info"
expect_exit 2 git impact record-coverage "$TMP/test_a.info" "$TMP/bad.info"
expect_grep "^error: cannot parse '.*bad.info' at line 3: expected 'DA:<line>,<count>'" "$TMP/err"
[ "$(wc -l < "$TMP/err")" = 1 ] || fail "one line of error expected"
printf '{"files": {"src/a.py": {"contexts": {"1": ["tests/test_a.py::test_a|run"]}}\n' > "$TMP/bad.json"
expect_exit 2 git impact record-coverage "$TMP/bad.json"
expect_grep "^error: cannot parse '.*bad.json' at line 2 column 1: unexpected end of file" "$TMP/err"
printf '{"files": {"src/a.py": {"executed_lines": [1]}}}\n' > "$TMP/nocontexts.json"
expect_exit 2 git impact record-coverage "$TMP/nocontexts.json"
expect_grep "no test contexts" "$TMP/err"
expect_exit 2 git impact record-coverage --format cobertura "$TMP/bad.json"
expect_grep "unknown coverage format 'cobertura'" "$TMP/err"
expect_exit 2 git impact record-coverage
[ "$(count 'SELECT test_id, path, commit_oid FROM coverage ORDER BY 1, 2' | md5sum)" = "$before" ] ||
  fail "a failed record-coverage changed the store"
ok "malformed reports exit 2 with file and line, store untouched"

expect_exit 0 git impact record-coverage -h
expect_grep "^usage: git impact record-coverage" "$TMP/out"
ok "record-coverage -h"
