#!/usr/bin/env bash
# Hostile paths and ids: manifests naming files outside the repository
# ('../', absolute, MLflow sources), manifests that are symlinks out of it,
# and test ids full of shell syntax.  Each is refused or contained: nothing
# outside the repository enters the graph or is read, the bad manifest is
# named with its line and widens the selection, and ids reach a shell only
# quoted.
. "$(dirname "$0")/lib.sh"

OUT="$TMP/outside"
mkdir -p "$OUT" && echo secret >"$OUT/secret.csv"
printf 'stages:\n  linked:\n    cmd: x\n    deps: [src/a.py]\n    outs: [data/linked.csv]\n' >"$OUT/dvc.yaml"
printf 'train:\n  lr: 0.1\n' >"$OUT/params.yaml"

cd "$TMP" && git init -q repo && cd repo
mkdir -p src tests
echo 'x = 1' >src/a.py
printf 'import src.a\ndef test_a(): pass\n' >tests/test_a.py
printf 'def test_b(): pass\n' >tests/test_b.py
cat >dvc.yaml <<YAML
stages:
  steal:
    cmd: cat data.csv
    deps:
      - src/a.py
      - ../../outside/secret.csv
  abs:
    cmd: cat x
    deps: [$OUT/secret.csv]
YAML
git add -A && git commit -qm one
expect_exit 0 git-impact init
expect_exit 0 git-impact graph --format json
expect_grep "cannot parse 'dvc.yaml' at line 6: path '../../outside/secret.csv' leaves the repository" "$TMP/err"
expect_grep '"name":"dvc.yaml".*"unplaced":true' "$TMP/out"
expect_no_grep '"name":"[^"]*(outside|secret)' "$TMP/out"
ok "dvc.yaml: a dep above the top is refused naming its line; the file is unplaced"

sed -i '/steal:/,/secret.csv/d' dvc.yaml
git commit -qam two
expect_exit 0 git-impact graph --format json
expect_grep "cannot parse 'dvc.yaml' at line [0-9]+: .*leaves the repository" "$TMP/err"
expect_no_grep '"name":"[^"]*(outside|secret)' "$TMP/out"
ok "dvc.yaml: an absolute dep is refused"

# A manifest changed to an unplaceable one widens the selection to everything.
expect_exit 0 git-impact select --base HEAD~1 --head HEAD
expect_grep "unplaced: 'dvc.yaml'" "$TMP/err"
expect_grep '^tests/test_b.py' "$TMP/out"
ok "an unplaceable manifest runs every test and says why"

# impact.yaml: a declared dependency above the top is refused by line.
git rm -q dvc.yaml
cat >impact.yaml <<'YAML'
tests:
  "tests/test_b.py::*":
    depends: ["src/a.py", "../outside/secret.csv"]
YAML
git add -A && git commit -qm three
expect_exit 0 git-impact graph --format json
expect_grep "cannot parse 'impact.yaml' at line 3: 'depends' entry '../outside/secret.csv' is empty or outside the repository" "$TMP/err"
expect_no_grep '"name":"[^"]*(outside|secret)' "$TMP/out"
ok "impact.yaml: a dependency outside the repository is refused naming its line"

# Symlinked manifests (in the commit) are never followed out of the tree.
git rm -q impact.yaml
ln -s "$OUT/dvc.yaml" dvc.yaml
ln -s ../../outside/params.yaml params.yaml
mkdir -p mlruns/models/clf/version-1 mlruns/models/clf/version-2
printf 'name: clf\nversion: 1\nrun_id: r1\nsource: file:///home/u/p/mlruns/../../../../outside\n' \
  >mlruns/models/clf/version-1/meta.yaml
printf 'name: clf\nversion: 2\nrun_id: r2\nsource: ../../outside/model\n' \
  >mlruns/models/clf/version-2/meta.yaml
git add -A && git commit -qm four
expect_exit 0 git-impact graph --format json
expect_no_grep '"name":"[^"]*(linked|train\.lr|outside)' "$TMP/out"
expect_grep '"name":"models:/clf/1"' "$TMP/out"
ok "symlinked dvc.yaml and params.yaml are not read; MLflow sources outside stay outside the graph"

# Test ids with shell syntax: recorded as they are, printed quoted.
cat >"$TMP/junit.xml" <<'XML'
<testsuites><testsuite name="pytest"><testcase classname="tests.test_b" file="tests/test_b.py"
 name="test_q[$(touch PWNED);a'b`touch PWNED2`]" time="0.1"/></testsuite></testsuites>
XML
expect_exit 0 git-impact record "$TMP/junit.xml"
expect_exit 0 git-impact select --base HEAD~1 --head HEAD --mode all --format pytest
eval "set -- $(cat "$TMP/out")"
[ ! -e PWNED ] && [ ! -e PWNED2 ] || fail "a test id ran as shell code"
printf '%s\n' "$@" | grep -qxF "tests/test_b.py::test_q[\$(touch PWNED);a'b\`touch PWNED2\`]" \
  || { printf '%s\n' "$@"; fail "the id comes back whole from --format pytest"; }
ok "test ids with shell syntax are printed quoted (--format pytest)"
