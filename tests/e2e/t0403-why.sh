#!/usr/bin/env bash
# `git impact why TEST --base --head` on the DVC fixture: the same selection
# as `select`, explained for one test: the changed node, the path, the kinds,
# the history; why not when skipped; why always when always-run; an unknown
# test is exit 2 with the nearest names.  Without a change, `why` still
# prints the dependency paths of --rev.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-select.sh"

bash "$GI_SOURCE_DIR/fixtures/make-dvc-repo.sh" "$TMP/dvc" >/dev/null
cd "$TMP/dvc"
git impact init >/dev/null
record_all_pass change-train-n_est~1
range=(--base change-train-n_est~1 --head change-train-n_est)

# A param change explains the train test through the param path.
expect_exit 0 git impact why tests/test_train.py::test_min_split "${range[@]}"
expect_grep '^tests/test_train.py::test_min_split: selected \(safe-set\)$' "$TMP/out"
expect_grep '^  why: a changed node reaches it through the lineage graph$' "$TMP/out"
expect_grep '^  reached by \(data, param\):$' "$TMP/out"
expect_grep '^    param params.yaml:train.n_est: tests/test_train.py -> declared -> params.yaml:train.n_est$' "$TMP/out"
expect_grep '^  history: last passed at [0-9a-f]{12} on [0-9-]+; 1 runs, 0 failed, 0 flaky' "$TMP/out"
ok "a param change explains the train test by the param path, kinds and history"

# The same in JSON, and it agrees with select.
expect_exit 0 git impact why tests/test_train.py::test_min_split "${range[@]}" --format json
cp "$TMP/out" "$TMP/why.json"
git impact select "${range[@]}" --format json > "$TMP/sel.json" 2>/dev/null
python3 - "$TMP/why.json" "$TMP/sel.json" <<'PY' || fail "json explanation"
import json, sys
w = json.load(open(sys.argv[1]))
sel = {t["id"]: t for t in json.load(open(sys.argv[2]))["tests"]}
t = sel[w["test"]]
assert w["selected"] is True and w["reason"] == "safe-set" == t["reason"], (w, t)
assert w["path"] == t["path"] and sorted(w["kinds"]) == sorted(t["kinds"]) == ["data", "param"], w
reach = {r["node"]: r for r in w["reached_by"]}
assert reach["params.yaml:train.n_est"]["kind"] == "param", reach
assert reach["params.yaml:train.n_est"]["path"].endswith("declared -> params.yaml:train.n_est")
assert "param params.yaml:train.n_est" in w["change"]["changed"], w["change"]
assert w["history"]["last_outcome"] == "passed" and w["history"]["runs"] == 1, w["history"]
assert w["history"]["median_duration"] == 0.5
PY
ok "--format json carries the verdict, path, kinds, reaching nodes and history, as select decides"

# An unaffected test: not selected, and why not (the key it reads did not change).
expect_exit 0 git impact why tests/test_prepare.py::test_split_sizes "${range[@]}"
expect_grep '^tests/test_prepare.py::test_split_sizes: not selected \(not-impacted\)$' "$TMP/out"
expect_grep '^  why not: none of the [0-9]+ changed nodes is among the [0-9]+ nodes it depends on$' "$TMP/out"
expect_grep "^    param params.yaml:train.n_est$" "$TMP/out"
expect_grep "^  near: 'params.yaml:train.n_est' changed; the test depends on 'params.yaml:prepare.seed', 'params.yaml:prepare.split' of 'params.yaml', not on it$" "$TMP/out"
expect_no_grep "reached by" "$TMP/out"
ok "an unaffected test: not selected, with the changed nodes and the keys it reads instead"

# Always selected: always-run, and failed last (recorded after the fact).
expect_exit 0 git impact why tests/test_smoke.py::test_python_version "${range[@]}"
expect_grep '^tests/test_smoke.py::test_python_version: selected \(always-run\)$' "$TMP/out"
expect_grep "^  why: marked always-run" "$TMP/out"
cat > "$TMP/fail.xml" <<'XML'
<testsuite name="pytest"><testcase classname="tests.test_metrics" name="test_perfect_ranking" file="tests/test_metrics.py" time="0.2"><failure message="boom"/></testcase></testsuite>
XML
git impact record --commit change-train-n_est~1 "$TMP/fail.xml" >/dev/null
expect_exit 0 git impact why tests/test_metrics.py::test_perfect_ranking "${range[@]}"
expect_grep '^tests/test_metrics.py::test_perfect_ranking: selected \(failed-last\)$' "$TMP/out"
expect_grep "^  why: it failed in its last recorded run at [0-9a-f]{12}, so it always runs$" "$TMP/out"
expect_grep "^  history: last failed at .*2 runs, 1 failed" "$TMP/out"
ok "always-run and failed-last say so"

# A test file stands for its tests.
expect_exit 0 git impact why tests/test_metrics.py "${range[@]}"
expect_grep '^tests/test_metrics.py: selected \(failed-last\)$' "$TMP/out"
expect_grep '^  test tests/test_metrics.py::test_average_precision: not selected \(not-impacted\)$' "$TMP/out"
expect_grep '^  test tests/test_metrics.py::test_perfect_ranking: selected \(failed-last\)$' "$TMP/out"
ok "a test file: each of its tests with its verdict"

# A code change in the work tree.
echo "# touched" >> src/metrics.py
expect_exit 0 git impact why tests/test_evaluate.py::test_scores_perfect --worktree --base HEAD
expect_grep '^tests/test_evaluate.py::test_scores_perfect: selected \(safe-set\)$' "$TMP/out"
expect_grep '^    code src/metrics.py: tests/test_evaluate.py -> imports -> src/evaluate.py -> imports -> src/metrics.py$' "$TMP/out"
expect_grep '^  change: [0-9a-f]{12}..the work tree' "$TMP/out"
git checkout -q src/metrics.py
ok "--worktree explains a work-tree change"

# Unknown test: exit 2, the nearest names.
expect_exit 2 git impact why tests/test_prepare.py::test_split "${range[@]}"
expect_grep "^error: no test 'tests/test_prepare.py::test_split' in the graph or history; nearest: 'tests/test_prepare.py::test_split_sizes'" "$TMP/err"
expect_exit 2 git impact why tests/test_train.py::test_min_split "${range[@]}" --format yaml
expect_grep "format must be text or json" "$TMP/err"
ok "an unknown test: exit 2 naming the nearest tests; bad --format: exit 2"

# No store: the fallback is said; an unrecorded id is known by its test file.
IMPACT_STORE="$TMP/none/impact.db" expect_exit 0 git impact why tests/test_train.py::test_new "${range[@]}"
expect_grep '^tests/test_train.py::test_new: selected \(' "$TMP/out"
expect_grep "^  also: every test runs for this change: no store" "$TMP/out"
expect_grep "^  note: no recorded run has 'tests/test_train.py::test_new': it is known by its test file 'tests/test_train.py'$" "$TMP/out"
ok "without a store the fallback is said; an unrecorded id falls back to its test file"

# Without a change: the dependency paths at --rev, as before.
expect_exit 0 git impact why tests/test_train.py
expect_grep '^tests/test_train.py -> declared -> params.yaml:train.n_est$' "$TMP/out"
ok "without a change, why prints the dependency paths"
