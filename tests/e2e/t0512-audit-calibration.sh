#!/usr/bin/env bash
# Audit samples calibrate the test-level guarantee: select --audit 0.5, run
# the selection with every test failing, record it, and the calibration
# count grows by the failures whose audit coin is heads; notes, select JSON
# and evaluate say the values came from audit samples; a run missing a
# heads test gives none; sync carries them to another clone.  CI=true
# turns a 1% sample on by default, --audit 0 off.
. "$(dirname "$0")/lib.sh"

git init -q --bare "$TMP/remote.git"
mkdir -p "$TMP/repo" && cd "$TMP/repo"
git init -q .
git remote add origin "$TMP/remote.git"
mkdir -p src tests
echo "def fa(): return 1" > src/a.py
: > src/__init__.py
printf 'from src.a import fa\n\ndef test_a1(): assert fa()\n' > tests/test_a.py
for i in 1 2 3 4 5 6 7 8; do printf '\ndef test_b%d(): pass\n' "$i" >> tests/test_b.py; done
git add -A && git commit -qm base
git impact init >/dev/null

# junit OUT FAIL ID...: one run's results of the given test ids, failing when FAIL is 1
junit() {
  local out=$1 failing=$2
  shift 2
  {
    echo '<testsuite name="pytest">'
    for id in "$@"; do
      local file=${id%%::*} name=${id##*::} cls
      cls=${file%.py}; cls=${cls//\//.}
      if [ "$failing" = 1 ]; then
        echo "<testcase classname=\"$cls\" name=\"$name\" file=\"$file\" time=\"1\"><failure message=\"x\"/></testcase>"
      else
        echo "<testcase classname=\"$cls\" name=\"$name\" file=\"$file\" time=\"1\"/>"
      fi
    done
    echo '</testsuite>'
  } > "$out"
}
all_ids() { echo tests/test_a.py::test_a1; for i in 1 2 3 4 5 6 7 8; do echo "tests/test_b.py::test_b$i"; done; }
# selected_ids FILE: the ids a select --format json selected
selected_ids() { python3 -c 'import json,sys; [print(t["id"]) for t in json.load(open(sys.argv[1]))["tests"] if t["selected"]]' "$1"; }
calib() { # the test-level calibration count select states: "TOTAL FULL AUDIT"
  git impact select --base HEAD~1 --level test --audit 0 --format json >"$TMP/cal.json" 2>"$TMP/cal.err"
  python3 -c 'import json,sys; g=json.load(open(sys.argv[1]))["summary"]["guarantee"]; print(g["calibration_runs"], g["calibration_full"], g["calibration_audit"])' "$TMP/cal.json"
}

# one passing full run: every test known, none new
junit "$TMP/full.xml" 0 $(all_ids)
git impact record --full --run-id full-1 --time 1700000000 "$TMP/full.xml" >/dev/null
echo "def fa(): return 2" > src/a.py
git commit -qam "change a"
[ "$(calib)" = "0 0 0" ] || fail "calibration before any audited run: $(calib)"

# CI=true: a 1% sample unless --audit says otherwise; no CI: none
expect_exit 0 env CI=true git impact select --base HEAD~1
expect_grep '^git-impact: audit: [0-9]+ skipped tests added as an audit sample' "$TMP/err"
expect_exit 0 env CI=true git impact select --base HEAD~1 --audit 0
expect_no_grep 'audit:' "$TMP/err"
expect_exit 0 git impact select --base HEAD~1
expect_no_grep 'audit:' "$TMP/err"
ok "CI=true turns a 1% audit sample on, --audit 0 off"

# an audited run where every selected test fails: the heads ones calibrate
expect_exit 0 git impact select --base HEAD~1 --audit 0.5 --format json
cp "$TMP/out" "$TMP/sel.json"
grep -q '"reason": *"audit"' "$TMP/sel.json" || fail "no test drawn for the audit sample"
junit "$TMP/ci1.xml" 1 $(selected_ids "$TMP/sel.json")
git impact record --run-id ci-1 --time 1700003600 "$TMP/ci1.xml" >/dev/null
read -r total full audit <<<"$(calib)"
[ "$full" = 0 ] && [ "$audit" -ge 1 ] && [ "$total" = "$audit" ] ||
  fail "audited run: calibration $total ($full full, $audit audit)"
[ "$audit" -le "$(selected_ids "$TMP/sel.json" | wc -l)" ] || fail "more values than failures"
expect_grep "guarantee: none stated: $total calibration runs \\(0 from full runs, $audit from audit samples\\)" \
  "$TMP/cal.err"
# change level: a subsample gives no change-level value
expect_exit 0 git impact select --base HEAD~1 --audit 0
expect_grep 'guarantee: none stated: 0 calibration runs, ' "$TMP/err"
ok "an audited run adds $audit test-level values, none at change level"

# a run of the same selection that lacks its listed tests gives nothing
git commit -q --allow-empty -m "again"
expect_exit 0 git impact select --base HEAD~1 --audit 1 --format json
junit "$TMP/ci2.xml" 1 tests/test_other.py::test_x
git impact record --run-id ci-2 --time 1700007200 "$TMP/ci2.xml" >/dev/null
[ "$(calib)" = "$total 0 $audit" ] || fail "an incomplete audited run counted: $(calib)"
expect_exit 0 git impact evaluate --level test --format json
python3 - "$TMP/out" "$audit" <<'PY' || fail "evaluate: audit calibration"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["audit_runs"] == 2 and d["audit_runs_dropped"] == 1, d
assert d["calibration_test_audit"] == int(sys.argv[2]) and d["calibration_test_full"] == 0, d
PY
expect_exit 0 git impact evaluate
expect_grep '^audit: 2 runs with an audit sample, 1 dropped' "$TMP/out"
expect_grep "^test-level calibration values: 0 from full runs, $audit from audit samples" "$TMP/out"
ok "a run missing a heads test is dropped, and evaluate says so"

# sync: another clone gets the same calibration
expect_exit 0 git impact sync push origin
git push -q origin HEAD:refs/heads/main
git clone -q "$TMP/remote.git" "$TMP/clone" && cd "$TMP/clone"
git impact init >/dev/null
expect_exit 0 git impact sync pull origin
[ "$(calib)" = "$total 0 $audit" ] || fail "after sync: $(calib)"
ok "sync carries the audit calibration"
