#!/usr/bin/env bash
# `git impact select` on the MLflow fixture: a new registered model version
# selects the tests that load that model; a module change selects its
# importers (through an __init__ re-export); README only selects nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-select.sh"

bash "$GI_SOURCE_DIR/fixtures/make-mlflow-repo.sh" "$TMP/ml" >/dev/null
cd "$TMP/ml"
git impact init >/dev/null
for tag in new-model-version promote-model change-one-module readme-only; do
  record_all_pass "$tag~1"
done

smoke=tests/test_smoke.py
expect_files new-model-version tests/test_churn_model.py $smoke
expect_files promote-model tests/test_churn_model.py $smoke
expect_files readme-only $smoke
git impact select --base change-one-module~1 --head change-one-module --format list 2>/dev/null |
  sed 's/::.*//' | sort -u >"$TMP/sel"
for f in tests/test_features.py tests/test_api.py $smoke; do
  grep -qx "$f" "$TMP/sel" || fail "change-one-module: $f not selected"
done
! grep -qx tests/test_churn_model.py "$TMP/sel" || fail "change-one-module: model test selected"
! grep -qx tests/test_fraud_model.py "$TMP/sel" || fail "change-one-module: fraud model test selected"
ok "change-one-module selects its importers only"
