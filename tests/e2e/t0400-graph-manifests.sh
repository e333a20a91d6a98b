#!/usr/bin/env bash
# The lineage graph from manifests: a DVC stage reading a params key, a .dvc
# dataset, an MLflow registered model, impact.yaml declarations, conftest.py
# scoping, an unplaced path; `graph --format json|dot` and `why`.
. "$(dirname "$0")/lib.sh"

cd "$TMP" && git init -q repo && cd repo
mkdir -p src tests data mlruns/models/clf/version-1
cat > params.yaml <<'Y'
prepare:
  split: 0.2
train:
  n_est: 50
  seed: 1
Y
cat > dvc.yaml <<'Y'
stages:
  prepare:
    cmd: python src/prepare.py data/data.xml
    deps: [src/prepare.py, data/data.xml]
    params: [prepare.split]
    outs: [data/prepared]
  train:
    cmd: python src/train.py
    deps: [src/train.py, data/prepared]
    params: [train.n_est]
    outs: [model.pkl]
Y
cat > data/data.xml.dvc <<'Y'
outs:
- md5: 22a1a2931c8370d3aeedd7183606fd7f
  size: 14445097
  path: data.xml
Y
cat > mlruns/models/clf/version-1/meta.yaml <<'Y'
name: clf
version: 1
run_id: abc123
source: file:///tmp/mlruns/0/abc123/artifacts/model
current_stage: Production
Y
cat > impact.yaml <<'Y'
tests:
  "tests/test_train.py::*":
    depends: ["model.pkl", "models:/clf"]
  "tests/test_prep.py::*":
    depends: ["stage:prepare"]
Y
echo "def test_a(): pass" > tests/test_train.py
echo "def test_b(): pass" > tests/test_prep.py
echo "x = 1" > tests/conftest.py
echo "def main(): pass" > src/train.py
echo "def main(): pass" > src/prepare.py
echo "# readme" > README.md
echo "nobody reads me" > src/lonely.txt
git add -A && git commit -qm init

expect_exit 0 git impact graph --format json
J="$TMP/out"
python3 - "$J" <<'P' || fail "json graph lacks an expected edge or node"
import json, sys
g = json.load(open(sys.argv[1]))
edges = {(e["from"], e["kind"], e["to"]) for e in g["edges"]}
nodes = {(n["kind"], n["name"]): n for n in g["nodes"]}
want = [
    ("stage:dvc.yaml:train", "param", "param:params.yaml:train.n_est"),
    ("stage:dvc.yaml:prepare", "reads", "dataset:data/data.xml"),
    ("stage:dvc.yaml:prepare", "reads", "file:src/prepare.py"),
    ("dataset:model.pkl", "produces", "stage:dvc.yaml:train"),
    ("test:tests/test_train.py", "declared", "dataset:model.pkl"),
    ("test:tests/test_train.py", "declared", "model:models:/clf/1"),
    ("test:tests/test_prep.py", "declared", "stage:dvc.yaml:prepare"),
    ("test:tests/test_train.py", "imports", "file:tests/conftest.py"),
]
missing = [w for w in want if w not in edges]
assert not missing, missing
assert nodes[("dataset", "data/data.xml")]["hash"] != "0" * 16
assert nodes[("file", "src/lonely.txt")]["unplaced"] is True
assert nodes[("file", "README.md")]["ignored"] is True and nodes[("file", "README.md")]["unplaced"] is False
assert nodes[("file", "params.yaml")]["unplaced"] is False
assert ("param", "params.yaml:train.seed") in nodes
P
ok "graph --format json has the DVC, params, MLflow, declared and conftest edges"

expect_exit 0 git impact graph --format dot
expect_grep '^digraph lineage \{' "$TMP/out"
expect_grep 'label="produces"' "$TMP/out"
if command -v dot >/dev/null; then dot -Tsvg "$TMP/out" >/dev/null || fail "dot rejects the graph"; fi
ok "graph --format dot"

expect_exit 0 git impact why "tests/test_train.py::test_a"
expect_grep '^tests/test_train.py -> declared -> model.pkl -> produces -> dvc.yaml:train -> param -> params.yaml:train.n_est$' "$TMP/out"
expect_grep '^tests/test_train.py -> declared -> model.pkl -> produces -> dvc.yaml:train -> reads -> data/prepared -> produces -> dvc.yaml:prepare -> reads -> data/data.xml$' "$TMP/out"
expect_exit 0 git impact why tests/test_prep.py
expect_grep '^tests/test_prep.py -> declared -> dvc.yaml:prepare -> param -> params.yaml:prepare.split$' "$TMP/out"
expect_no_grep 'train.n_est' "$TMP/out"
expect_exit 2 git impact why tests/nope.py
expect_grep "no test or file 'tests/nope.py'" "$TMP/err"
ok "why prints each dependency path"

# Key-level identity: reformatting params.yaml keeps every key's hash; a changed key changes only its own.
h() { git impact graph --format json | python3 -c "import json,sys; g=json.load(sys.stdin); print({n['name']: n['hash'] for n in g['nodes']}['$1'])"; }
n1=$(h params.yaml:train.n_est); s1=$(h params.yaml:prepare.split)
printf 'train: {seed: 1, n_est: 50}\nprepare:\n  split: 0.20\n' > params.yaml
git commit -qam reformat
[ "$(h params.yaml:train.n_est)" = "$n1" ] && [ "$(h params.yaml:prepare.split)" = "$s1" ] || fail "reformatting changed a key hash"
printf 'train: {seed: 1, n_est: 60}\nprepare:\n  split: 0.20\n' > params.yaml
git commit -qam n_est
[ "$(h params.yaml:train.n_est)" != "$n1" ] && [ "$(h params.yaml:prepare.split)" = "$s1" ] || fail "key hashes wrong after changing train.n_est"
ok "param keys are identified by their canonical values"

# A dataset version changes with its .dvc hash.
d1=$(h data/data.xml)
sed -i 's/22a1a2931c8370d3aeedd7183606fd7f/33b1a2931c8370d3aeedd7183606fd7f/' data/data.xml.dvc
git commit -qam data
[ "$(h data/data.xml)" != "$d1" ] || fail "dataset hash did not change"
ok "dataset versions follow .dvc hashes"

# Bad input: a broken dvc.yaml warns naming the file and line, is unplaced, the rest is built.
printf 'stages:\n  train:\n    cmd: [unclosed\n' > dvc.yaml
git commit -qam broken
expect_exit 0 git impact graph --format json
expect_grep "dvc.yaml" "$TMP/err"
expect_grep 'line' "$TMP/err"
python3 - "$TMP/out" <<'P' || fail "broken dvc.yaml not marked unplaced or graph incomplete"
import json, sys
g = json.load(open(sys.argv[1]))
nodes = {(n["kind"], n["name"]): n for n in g["nodes"]}
assert nodes[("file", "dvc.yaml")]["unplaced"] is True
assert ("param", "params.yaml:train.n_est") in nodes and g["warnings"]
P
ok "a broken manifest is a warning and an unplaced path"

# Graphs are stored: a second run loads it (same output), and `why` works without a store.
git impact graph --format json > "$TMP/a.json" 2>/dev/null
git impact graph --format json > "$TMP/b.json" 2>/dev/null
cmp -s "$TMP/a.json" "$TMP/b.json" || fail "stored graph differs from the built one"
ok "stored graph round-trips"
