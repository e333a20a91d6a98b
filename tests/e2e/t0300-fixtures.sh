#!/usr/bin/env bash
# The DVC and MLflow fixture repositories build deterministically (same HEAD
# and tag oids twice), carry the documented tags, and hold well-formed
# manifests (dvc.lock schema 2.0, .dvc md5, MLmodel run ids).
. "$(dirname "$0")/lib.sh"
fx="$GI_SOURCE_DIR/fixtures"

build_twice() { # NAME: build NAME twice, compare every ref
  bash "$fx/make-$1-repo.sh" "$TMP/$1-a"
  bash "$fx/make-$1-repo.sh" "$TMP/$1-b"
  git -C "$TMP/$1-a" show-ref >"$TMP/$1-a.refs"
  git -C "$TMP/$1-b" show-ref >"$TMP/$1-b.refs"
  cmp -s "$TMP/$1-a.refs" "$TMP/$1-b.refs" || fail "$1 fixture differs between two builds"
  [ -z "$(git -C "$TMP/$1-a" status --porcelain)" ] || fail "$1 fixture work tree is not clean"
}
has_tags() { # REPO TAG...: each TAG exists and has a parent
  local repo=$1
  shift
  for t in "$@"; do
    git -C "$repo" rev-parse -q --verify "refs/tags/$t^{commit}" >/dev/null || fail "no tag '$t' in $repo"
    git -C "$repo" rev-parse -q --verify "$t~1" >/dev/null || fail "tag '$t' has no parent"
  done
}
changed() { git -C "$1" diff --name-only "$2~1" "$2" | tr '\n' ' '; }

build_twice dvc
d="$TMP/dvc-a"
has_tags "$d" change-train-n_est change-featurize-max_features reformat-params bump-data \
  change-one-module readme-only
ok "dvc fixture is deterministic and tagged"

[ "$(changed "$d" readme-only)" = "README.md " ] || fail "readme-only changes $(changed "$d" readme-only)"
[ "$(changed "$d" reformat-params)" = "params.yaml " ] || fail "reformat-params changes more than params.yaml"
[ "$(changed "$d" change-one-module)" = "src/metrics.py " ] || fail "change-one-module changes $(changed "$d" change-one-module)"
expect_grep "^- md5: [0-9a-f]{32}$" <(git -C "$d" show bump-data:data/data.xml.dvc)
[ "$(git -C "$d" show bump-data~1:data/data.xml.dvc)" != "$(git -C "$d" show bump-data:data/data.xml.dvc)" ] ||
  fail "bump-data does not change the dataset md5"
git -C "$d" show change-train-n_est -- params.yaml >"$TMP/diff"
expect_grep '^\+  n_est: 100$' "$TMP/diff"
expect_grep "^schema: '2.0'$" "$d/dvc.lock"
python3 - "$d" <<'PY' || fail "reformat-params changed a value"
import subprocess, sys
def values(rev):
    text = subprocess.run(["git", "-C", sys.argv[1], "show", rev + ":params.yaml"],
                          capture_output=True, text=True, check=True).stdout
    try:
        import yaml
    except ImportError:
        sys.exit(0)
    return yaml.safe_load(text)
a, b = values("reformat-params~1"), values("reformat-params")
sys.exit(0 if a == b else 1)
PY
ok "dvc fixture tags change what fixtures/README.md says"

build_twice mlflow
m="$TMP/mlflow-a"
has_tags "$m" new-model-version promote-model change-one-module readme-only
git -C "$m" diff --name-only new-model-version~1 new-model-version >"$TMP/names"
expect_grep '^mlruns/models/churn-model/version-3/meta.yaml$' "$TMP/names"
expect_no_grep 'fraud-model' "$TMP/names"
run=$(sed -n 's/^run_id: //p' "$m/mlruns/models/churn-model/version-3/meta.yaml")
expect_grep "^run_id: $run$" "$m/mlruns/1/$run/artifacts/model/MLmodel"
[ "$(cat "$m/mlruns/models/churn-model/aliases/champion")" = 3 ] || fail "champion alias is not version 3"
ok "mlflow fixture is deterministic, tagged, and its registry is consistent"
