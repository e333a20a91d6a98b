#!/usr/bin/env bash
# Predictive selection: a history of full runs where tests/test_b.py::test_b2
# fails every other run.  With enough failing runs the guarantee is stated
# (bound and calibration runs on stderr and in JSON), the model adds test_b2
# to the safe set of a change to src/a.py, and selects less than everything.
# Too few runs: the safe set and how many more runs a bound needs.  evaluate
# prints its table and JSON; audit tests are recorded as audit results.
. "$(dirname "$0")/lib.sh"

bash "$GI_SOURCE_DIR/fixtures/make-ab-repo.sh" "$TMP/repo"
cd "$TMP/repo"
git impact init >/dev/null

# junit N FAILB2: one full run's results, test_b2 failing when FAILB2 is 1
junit() {
  local f="$TMP/run$1.xml"
  {
    echo '<testsuite name="pytest">'
    for t in a1 a2; do
      echo "<testcase classname=\"tests.test_a\" name=\"test_$t\" file=\"tests/test_a.py\" time=\"1\"/>"
    done
    for i in 1 2 3 4 5 6; do
      if [ "$i" = 2 ] && [ "$2" = 1 ]; then
        echo "<testcase classname=\"tests.test_b\" name=\"test_b$i\" file=\"tests/test_b.py\" time=\"3\"><failure message=\"x\"/></testcase>"
      else
        echo "<testcase classname=\"tests.test_b\" name=\"test_b$i\" file=\"tests/test_b.py\" time=\"3\"/>"
      fi
    done
    echo '</testsuite>'
  } > "$f"
  echo "$f"
}
record_runs() { # FROM TO
  for n in $(seq "$1" "$2"); do
    git impact record --full --run-id "r$n" --time $((1700000000 + n * 3600)) "$(junit "$n" $((n % 2)))" >/dev/null
  done
}

record_runs 1 10
echo "def fa(): return 3" > src/a.py
git commit -qam "change a"

# too few calibration runs: the safe set, and how many more runs are needed
expect_exit 0 git impact select --base HEAD~1 --recall 0.9 --confidence 0.9
expect_grep 'guarantee: none stated: 5 calibration runs, recall 0.9 at confidence 0.9 needs 17 more; the safe set runs' "$TMP/err"
expect_no_grep 'test_b2' "$TMP/out"
ok "too few runs: safe set, 17 more runs needed"

record_runs 11 60
expect_exit 0 git impact select --base HEAD~1 --recall 0.9 --confidence 0.9 --format json
python3 - "$TMP/out" <<'PY' || fail "predictive JSON"
import json, sys
d = json.load(open(sys.argv[1]))
g = d["summary"]["guarantee"]
assert g["stated"] and g["calibration_runs"] == 30 and g["bound"] <= 0.1, g
sel = {t["id"]: t for t in d["tests"] if t["selected"]}
assert sel["tests/test_b.py::test_b2"]["reason"] == "predicted", sel
assert "tests/test_a.py::test_a1" in sel and "tests/test_b.py::test_b1" not in sel, sel
PY
expect_grep 'guarantee: at most 0.0[0-9]* of failing changes slip through, at confidence 0.9, from 30 calibration runs' "$TMP/err"
ok "enough runs: bound stated, the model adds test_b2, not every test"

git impact select --base HEAD~1 --mode safe >"$TMP/safe" 2>/dev/null
git impact select --base HEAD~1 --recall 0.9 --confidence 0.9 --mode predictive >"$TMP/pred" 2>/dev/null
[ -z "$(comm -23 <(sort "$TMP/safe") <(sort "$TMP/pred"))" ] || fail "predictive is not a superset of safe"
[ "$(wc -l < "$TMP/pred")" -lt 8 ] || fail "predictive selected everything"
ok "predictive is a superset of the safe set and less than all"

# bad input: exit 2 with a message naming the option
expect_exit 2 git impact select --recall 1.5
expect_grep 'recall' "$TMP/err"
expect_exit 2 git impact select --confidence 0
expect_grep 'confidence' "$TMP/err"
expect_exit 2 git impact select --budget -3s
expect_grep 'budget' "$TMP/err"
expect_exit 2 git impact select --audit 2
expect_grep 'audit' "$TMP/err"
expect_exit 2 git impact evaluate --recall 1.5
expect_grep 'recall' "$TMP/err"
expect_exit 2 git impact evaluate --format yaml
ok "bad option values exit 2"

# evaluate: the text table and JSON
expect_exit 0 git impact evaluate --recall 0.9 --confidence 0.9
expect_grep '^change-level recall' "$TMP/out"
expect_grep 'threshold +time share +test share +change recall +test recall' "$TMP/out"
expect_grep 'bound stated for [0-9]+ runs' "$TMP/out"
expect_exit 0 git impact evaluate --recall 0.9 --confidence 0.9 --format json
python3 - "$TMP/out" <<'PY' || fail "evaluate JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["full_runs"] == 60 and d["failing_runs"] == 30, d
assert d["guarantee"]["stated_runs"] > 0 and d["guarantee"]["held"] is True, d["guarantee"]
assert d["guarantee"]["missed_runs"] == 0 and d["time_share"] < 1, d["guarantee"]
assert len(d["curve"]) > 2 and len(d["per_run"]) == 60
assert d["runs_with_lineage"] == 50, d["runs_with_lineage"]  # runs 11-60: HEAD has a parent
PY
ok "evaluate: table and JSON, the bound held"

# audit: tests the selection added as audit samples are recorded as audit results
expect_exit 0 git impact select --base HEAD~1 --mode safe --audit 1 --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(t["reason"]=="audit" for t in d["tests"])' "$TMP/out" ||
  fail "no audit tests"
git impact record --full --run-id audit1 --time 1800000000 "$(junit 99 0)" >/dev/null
expect_exit 0 git impact evaluate --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["audit_results"] == 6, d["audit_results"]' "$TMP/out" ||
  fail "audit results not recorded"
ok "audit samples recorded as audit results"

# lineage in replay: a failure of a test the change reaches (test_a1, never failed
# before) counts as caught in safe mode, because record --full kept the graph's selection
sed 's|name="test_a1" file="tests/test_a.py" time="1"/>|name="test_a1" file="tests/test_a.py" time="1"><failure message="y"/></testcase>|' \
  "$(junit 100 0)" >"$TMP/fail-a1.xml"
grep -q '<failure message="y"' "$TMP/fail-a1.xml" || fail "fixture: no test_a1 failure"
git impact record --full --run-id a1 --time 1800003600 "$TMP/fail-a1.xml" >/dev/null
expect_exit 0 git impact evaluate --mode safe --format json
python3 - "$TMP/out" <<'PY' || fail "a lineage-reached failure not counted as caught"
import json, sys
d = json.load(open(sys.argv[1]))
last = d["per_run"][-1]
assert last["failing"] == 1 and last["caught"] == 1, last
PY
ok "replay counts failures the graph reaches as caught (safe set kept by record --full)"
