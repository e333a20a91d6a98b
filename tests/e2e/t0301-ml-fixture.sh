#!/usr/bin/env bash
# The bundled example (fixtures/make-ml-repo.sh) builds deterministically, has
# the history it promises (hundreds of commits, merges, dataset bumps, model
# versions, param tweaks, docs-only commits), and its JUnit history is
# well-formed pytest-dialect XML, indexed in commit order.
. "$(dirname "$0")/lib.sh"
fx="$GI_SOURCE_DIR/fixtures"

bash "$fx/make-ml-repo.sh" "$TMP/a/repo" >"$TMP/a.out"
bash "$fx/make-ml-repo.sh" "$TMP/b/repo" >/dev/null
expect_grep "^results: $TMP/a/results " "$TMP/a.out"
[ "$(git -C "$TMP/a/repo" rev-parse HEAD)" = "$(git -C "$TMP/b/repo" rev-parse HEAD)" ] ||
  fail "two builds give different HEADs"
diff -r "$TMP/a/results" "$TMP/b/results" >/dev/null || fail "two builds give different results"
expect_exit 2 bash "$fx/make-ml-repo.sh" "$TMP/a/repo"
expect_grep "is not empty" "$TMP/err"
ok "the example builds deterministically (HEAD and results) and refuses a used DEST"

r="$TMP/a/repo"
n=$(git -C "$r" rev-list --count HEAD)
[ "$n" -ge 250 ] || fail "only $n commits"
[ "$(git -C "$r" rev-list --merges --count HEAD)" -ge 2 ] || fail "fewer than two merges"
count() { git -C "$r" log --format=%H -- "$1" | grep -c .; }
[ "$(count data/data.xml.dvc)" -ge 3 ] || fail "too few dataset bumps"
[ "$(count params.yaml)" -ge 10 ] || fail "too few param changes"
[ "$(count src/churn/features.py)" -ge 10 ] || fail "too few code edits"
[ "$(git -C "$r" log --format=%s | grep -c '^docs: ')" -ge 10 ] || fail "too few docs commits"
[ -f "$r/mlruns/models/churn-model/version-3/meta.yaml" ] || fail "fewer than 3 model versions"
expect_grep '^from \. import ' "$r/src/churn/__init__.py"
expect_grep '^from \.\.config import ROOT' "$r/src/churn/utils/io.py"
expect_grep 'open\("data/labels.csv"\)' "$r/tests/test_data.py"
expect_grep "^schema: '2.0'" "$r/dvc.lock"
[ -z "$(git -C "$r" status --porcelain)" ] || fail "work tree not clean"
ok "the example's history has merges, dataset bumps, param, code and docs commits"

python3 - "$TMP/a/results" "$r" <<'PY' || fail "JUnit history is not as promised"
import os, subprocess, sys
import xml.etree.ElementTree as ET
res, repo = sys.argv[1], sys.argv[2]
log = subprocess.run(["git", "-C", repo, "log", "--format=%H %ct"],
                     capture_output=True, text=True, check=True).stdout.split("\n")
pos = dict((l.split()[0], int(l.split()[1])) for l in log if l)  # commit time
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(res, "index.tsv"))]
assert len(rows) >= 100, len(rows)
last, kinds, failing, ids = -1, set(), 0, set()
for oid, name, kind, when in rows:
    assert oid in pos, oid
    assert pos[oid] > last, "index not in commit order"
    assert int(when) > pos[oid], "run before its commit"
    last = pos[oid]
    kinds.add(kind)
    int(when)
    root = ET.parse(os.path.join(res, name)).getroot()
    suite = root.find("testsuite")
    assert root.tag == "testsuites" and suite.get("name") == "pytest"
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases)
    for tc in cases:
        assert tc.get("file").startswith("tests/test_") and tc.get("classname").startswith("tests.")
        float(tc.get("time"))
        ids.add(tc.get("file") + "::" + tc.get("name"))
    failing += any(tc.find("failure") is not None for tc in cases)
assert kinds == {"full", "partial"}, kinds
assert 10 <= failing <= len(rows) // 2, failing
assert len(ids) >= 30, len(ids)
PY
ok "JUnit files parse, are pytest dialect, in commit order, full and partial, some failing"
