#!/usr/bin/env bash
# Real CI history as test input: the first 40 cycles of ABB IOF/ROL
# (../shared/data/iofrol next to the sources, or $IOFROL_DATA), converted by
# bench/iofrol.py, recorded cycle by cycle as full runs; then, when this
# git-impact has `evaluate`, the replay runs and prints its recall figures.
# Skipped (passing, with a message) when the data is not there.
. "$(dirname "$0")/lib.sh"

DATA=${IOFROL_DATA:-$GI_SOURCE_DIR/../shared/data/iofrol}
if [ ! -f "$DATA/iofrol.csv" ]; then
  echo "ok - skipped: no IOF/ROL data at $DATA (set IOFROL_DATA to run this test)"
  exit 0
fi

python3 "$GI_SOURCE_DIR/bench/iofrol.py" "$DATA/iofrol.csv" "$TMP/io" --cycles 40 >/dev/null
[ "$(wc -l < "$TMP/io/cycles.tsv")" = 40 ] || fail "40 cycles expected"
cd "$TMP/io/repo"
[ "$(git rev-list --count main)" = 40 ] || fail "one commit per cycle expected"
[ "$(git log -1 --format=%an main)" = "ABB CI" ] || fail "fixed author expected"
ok "40 cycles converted: one commit and one JUnit file each"

expect_exit 0 git impact init
runs=0 failing=0
while IFS=$'\t' read -r cycle time sha file ntests nfail; do
  expect_exit 0 git impact record --full --commit "$sha" --time "$time" --run-id "cycle-$cycle" "$file"
  expect_grep "^run now holds $ntests tests" "$TMP/out"
  runs=$((runs + 1))
  [ "$nfail" -gt 0 ] && failing=$((failing + 1))
  last=("$sha" "$time" "$cycle" "$file")
done < "$TMP/io/cycles.tsv"
expect_exit 0 git impact record --full --commit "${last[0]}" --time "${last[1]}" --run-id "cycle-${last[2]}" "${last[3]}"
expect_grep "^already recorded" "$TMP/out"
ok "$runs cycles recorded as full runs ($failing with failures); recording again changes nothing"

if ! git impact evaluate -h >/dev/null 2>&1; then
  echo "ok - skipped: this git-impact has no 'evaluate'"
  exit 0
fi
expect_exit 0 git impact evaluate --format json --recall 0.99
cp "$TMP/out" "$TMP/eval.json"
python3 - "$TMP/eval.json" "$runs" "$failing" <<'PY' || fail "evaluate's JSON does not match the recorded history"
import json, sys
d = json.load(open(sys.argv[1]))
runs, failing = int(sys.argv[2]), int(sys.argv[3])
assert d["full_runs"] == runs, (d["full_runs"], runs)
assert 0 < d["failing_runs"] <= failing, (d["failing_runs"], failing)  # flaky-only cycles do not count
for k in ("change_recall", "test_recall", "time_share", "test_share"):
    assert 0 <= d[k] <= 1, (k, d[k])
print("iofrol, 40 cycles, --recall 0.99: change recall %.3f, test recall %.3f, "
      "%.1f%% of tests and %.1f%% of test time selected"
      % (d["change_recall"], d["test_recall"], 100 * d["test_share"], 100 * d["time_share"]))
PY
ok "evaluate replays the cycles and reports recall"
