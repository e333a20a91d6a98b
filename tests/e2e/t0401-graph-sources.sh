#!/usr/bin/env bash
# The lineage graph from sources: Python import chains through an
# `__init__.py` re-export (precise: only the defining module), a src/
# layout, literal data paths as `reads`, C includes, a binary .py (a warning
# naming the file, marked unplaced, the rest still built).
. "$(dirname "$0")/lib.sh"

cd "$TMP" && git init -q repo && cd repo
mkdir -p src/churn tests data csrc
cat > src/churn/__init__.py <<'P'
from .train import fit
from .features import build_features
P
cat > src/churn/train.py <<'P'
import json
from churn.features import build_features

def fit(x):
    with open("data/labels.csv") as f:
        return build_features(f.read())
P
cat > src/churn/features.py <<'P'
def build_features(x):
    return x
P
cat > src/churn/report.py <<'P'
def report(): pass
P
cat > tests/test_train.py <<'P'
"""import churn.report  -- in a docstring: not an import"""
from churn import fit

def test_fit():
    assert fit("a")
P
cat > tests/test_features.py <<'P'
from churn.features import build_features
P
echo "a,b" > data/labels.csv
printf '#include "util.h"\nint main(void) { return util(); }\n' > csrc/main_test.c
printf 'int util(void);\n' > csrc/util.h
printf '\x00\x01binary' > src/churn/blob.py
git add -A && git commit -qm init

expect_exit 0 git impact graph --format json
expect_grep "src/churn/blob.py" "$TMP/err"
python3 - "$TMP/out" <<'P' || fail "json graph lacks an expected source edge"
import json, sys
g = json.load(open(sys.argv[1]))
edges = {(e["from"], e["kind"], e["to"]) for e in g["edges"]}
nodes = {(n["kind"], n["name"]): n for n in g["nodes"]}
want = [
    ("test:tests/test_train.py", "imports", "file:src/churn/train.py"),
    ("file:src/churn/train.py", "imports", "file:src/churn/features.py"),
    ("file:src/churn/train.py", "reads", "file:data/labels.csv"),
    ("test:tests/test_features.py", "imports", "file:src/churn/features.py"),
    ("test:csrc/main_test.c", "includes", "file:csrc/util.h"),
]
missing = [w for w in want if w not in edges]
assert not missing, missing
# precision: the re-export resolves to the defining module, not to __init__.py
assert ("test:tests/test_train.py", "imports", "file:src/churn/__init__.py") not in edges
assert not any(e[2] == "file:src/churn/report.py" for e in edges)
assert nodes[("file", "src/churn/report.py")]["unplaced"] is True
assert nodes[("file", "src/churn/blob.py")]["unplaced"] is True
assert nodes[("file", "src/churn/train.py")]["unplaced"] is False
assert g["warnings"]
P
ok "python imports, re-exports, literal paths and C includes become edges"

expect_exit 0 git impact why tests/test_train.py::test_fit
expect_grep '^tests/test_train.py -> imports -> src/churn/train.py -> imports -> src/churn/features.py$' "$TMP/out"
expect_grep '^tests/test_train.py -> imports -> src/churn/train.py -> reads -> data/labels.csv$' "$TMP/out"
ok "why follows the import chain"

# Next commits' graphs (updated from the parent's stored graph where safe)
# equal fresh builds: a body edit, a new import inside a function, a new top-level import.
same_as_fresh() {
  git impact graph --format json > "$TMP/inc.json" 2>/dev/null
  IMPACT_STORE="$TMP/fresh-$1.db" git impact graph --format json > "$TMP/full.json" 2>/dev/null
  cmp -s "$TMP/inc.json" "$TMP/full.json" || { diff "$TMP/inc.json" "$TMP/full.json" | head; fail "graph after '$1' differs from a full build"; }
}
git impact graph --format summary >/dev/null 2>&1
echo "# touched" >> src/churn/features.py
git commit -qam body && same_as_fresh body
printf 'def test_r():\n    from churn.report import report\n' >> tests/test_features.py
git commit -qam inner && same_as_fresh inner
expect_grep '"from":"test:tests/test_features.py","kind":"imports","to":"file:src/churn/report.py"' "$TMP/inc.json"
printf 'from churn.train import fit\n' >> src/churn/report.py
git commit -qam top && same_as_fresh top
expect_grep '"from":"file:src/churn/report.py","kind":"imports","to":"file:src/churn/train.py"' "$TMP/inc.json"
ok "the next commits' graphs match full builds"
