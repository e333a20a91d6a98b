#!/usr/bin/env bash
# `git impact select` on the DVC example-get-started fixture: each tagged
# change selects exactly the tests fixtures/README.md says it should.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-select.sh"

bash "$GI_SOURCE_DIR/fixtures/make-dvc-repo.sh" "$TMP/dvc" >/dev/null
cd "$TMP/dvc"
git impact init >/dev/null
for tag in change-train-n_est change-featurize-max_features reformat-params bump-data \
           change-one-module readme-only; do
  record_all_pass "$tag~1"
done

smoke=tests/test_smoke.py
expect_files change-train-n_est tests/test_train.py tests/test_evaluate.py $smoke
expect_files change-featurize-max_features tests/test_featurize.py tests/test_train.py \
  tests/test_evaluate.py $smoke
expect_files reformat-params $smoke
expect_files bump-data tests/test_prepare.py tests/test_featurize.py tests/test_train.py \
  tests/test_evaluate.py $smoke
expect_files change-one-module tests/test_metrics.py tests/test_evaluate.py $smoke
expect_files readme-only $smoke

# the JSON carries the path that reached each selected test
git impact select --base change-one-module~1 --head change-one-module --format json >"$TMP/j" 2>/dev/null
python3 - "$TMP/j" <<'PY' || fail "json output lacks the lineage path"
import json, sys
doc = json.load(open(sys.argv[1]))
tests = {t["id"]: t for t in doc["tests"]}
paths = [t.get("path") or "" for i, t in tests.items() if i.startswith("tests/test_evaluate.py::") and t["selected"]]
assert paths and all("src/metrics.py" in p for p in paths), paths
PY
ok "json carries the lineage path"
