#!/usr/bin/env bash
# make-corpus.sh - (re)build the seed corpora fuzz/corpus/<target>/ from
# fixtures/ and a few inline samples of what each reader must handle.
# Seeds are small and committed; run from anywhere: bash fuzz/make-corpus.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/fuzz/corpus"
fx="$top/fixtures"

# seed TARGET NAME [PREFIX-BYTE] < data: write one seed file.
seed() {
  local dir="$out/$1"
  mkdir -p "$dir"
  if [ $# -ge 3 ]; then
    { printf "\\x$3"; cat; } >"$dir/$2"
  else
    cat >"$dir/$2"
  fi
}

rm -rf "$out"
for f in "$fx"/junit/*.xml; do seed junit "$(basename "$f")" <"$f"; done
seed junit rerun.xml <<'X'
<?xml version="1.0"?><testsuites><testsuite name="s"><testcase classname="a.B" name="t" time="0.5"><flakyFailure message="x"/></testcase><testcase name="u" file="tests/test_u.py"><skipped/></testcase></testsuite></testsuites>
X

c=0123456789abcdef0123456789abcdef01234567
seed notes run.jsonl <<X
{"commit":"$c","full":1,"impact":1,"kind":"ci","run":"r1","time":1704067200,"tests":{"tests/test_a.py::test_x":[0,0.25,0],"tests/test_a.py::test_y":[1,null,1]}}
{"commit":"$c","full":0,"impact":1,"kind":"hook","run":"r2","time":1704067300,"tests":{"tests/test_a.py::test_x":[4,1.5,0]}}
not json at all
X

g="$fx/manifests/get-started"
for f in params.yaml params-reformatted.yaml impact.yaml dvc.yaml dvc.lock; do
  seed yaml "$f" <"$g/$f"
done
seed yaml anchors.yaml <<'X'
base: &b {lr: 0.1, n: [1, 2, 3]}
train:
  <<: *b
  lr: 1e-2
  name: "quoted"
  block: |
    text
X
seed json params.json <<'X'
{"train": {"lr": 0.01, "n_est": 100, "layers": [64, 32]}, "seed": 42, "name": "x", "on": true, "none": null}
X
seed json nested.json <<'X'
[{"a": {"b": {"c": [1.0, 1e0, "1"]}}}, {}]
X
seed dvc dvc.yaml <<'X'
vars:
  - params.yaml
  - sizes: {small: 10}
stages:
  prepare:
    cmd: python src/prepare.py data/data.xml
    deps: [src/prepare.py, data/data.xml]
    params: [prepare.seed, prepare.split]
    outs: [data/prepared]
  train:
    foreach: [a, b]
    do:
      cmd: python train.py ${item} ${sizes.small}
      wdir: ../models
      deps: [data/prepared]
      params: [train, {other.yaml: [k1, k2]}]
      outs: [{model-${item}.pkl: {cache: false}}]
      metrics: [{scores.json: {cache: false}}]
X
seed dvc get-started.yaml <"$g/dvc.yaml"
seed dvclock dvc.lock 00 <"$g/dvc.lock"
seed dvclock data.xml.dvc 01 <"$g/data/data.xml.dvc"
seed dvclock import.dvc 01 <<'X'
frozen: true
wdir: ..
deps:
- path: https://example.com/data.csv
  md5: 0123456789abcdef0123456789abcdef
outs:
- md5: 22a1a2931c8370d3aeedd7183606fd7f.dir
  size: 14445097
  nfiles: 3
  path: data
X
m="$fx/manifests/mlflow/mlruns"
seed mlflow MLmodel 00 <"$(find "$m" -name MLmodel | head -1)"
seed mlflow version-1 01 <"$m/models/clf/version-1/meta.yaml"
seed mlflow version-2 01 <"$m/models/clf/version-2/meta.yaml"
seed mlflow model-meta 02 <"$m/models/clf/meta.yaml"
seed mlflow model-aliases 02 <<'X'
name: clf
aliases:
  prod: 2
  canary: 1
X
seed mlflow alias 03 <"$m/models/clf/aliases/champion"
seed config impact.yaml <"$g/impact.yaml"
seed config full.yaml <<'X'
version: 1
roots: [src, .]
include_dirs: include
test_patterns: ["tests/**/test_*.py", "**/*_test.c"]
ignore: ["docs/**", "*.md"]
always_run: ["tests/test_smoke.py::*"]
params_files: [conf/extra.json]
tests:
  "tests/test_train.py::*":
    depends: ["params.yaml:train.n_est", "data/raw.csv", "data/raw-*.csv", "models:/clf@prod", "stage:train"]
    always_run: false
  "tests/test_x.py::*": ["model.pkl"]
X
for f in "$fx"/ml/*.py; do seed pyscan "$(basename "$f")" <"$f"; done
seed pyscan imports.py <<'X'
from __future__ import annotations
import os, sys as system
from ..pkg.mod import (a as b,
    c)
from . import x; import y.z
if TYPE_CHECKING: import typing
try:
    from .fast import *
except ImportError:
    pass
data = open("data/labels.csv")
s = r'''import not_me''' + f"{x}" + b"\x00"
def f():
    import inner
class K: pass
X
for f in common/banned.h common/error.c; do seed cscan "$(basename "$f")" <"$top/$f"; done
seed cscan includes.c <<'X'
#include "x.h"
  #  include <gi/api.h> /* comment */
#include \
  "a/b/c.h"
#if 0
#include "../../etc/passwd"
#endif
// #include "not.h"
const char *s = "#include \"no.h\"";
#include "util.h"
X
# coverage: the first byte picks the reader (00 coverage.py JSON, 01 lcov)
seed coverage coveragepy.json 00 <<'X'
{"meta": {"version": "7.4", "show_contexts": true},
 "files": {
  "src/a.py": {"executed_lines": [1, 2],
   "contexts": {"1": ["", "tests/t.py::test_a|run", "tests/t.py::test_a|setup"],
                "2": ["tests/t.py::test_b[x-\u00e9]|run"]},
   "functions": {"f": {"contexts": {"1": ["tests/t.py::hidden|run"]}}}},
  "/w/repo/src/caf\u00e9.py": {"contexts": {"3": ["tests.test_m.test_c"]}},
  "../outside.py": {"contexts": {"1": ["tests/t.py::test_a|run"]}},
  "empty.py": {"contexts": {}}}}
X
seed coverage lcov.info 01 <<'X'
TN:
SF:/w/repo/src/a.py
DA:1,0
DA:2,0,abc
end_of_record
SF:src/b.c
FN:1,f
FNDA:3,f
DA:1,3
LH:1
end_of_record
TN:test_two
SF:../../etc/passwd
DA:7,12
end_of_record
X
printf 'lineage\0../outside' | seed path join-escape
printf 'a/b\0./c/../d//e' | seed path join-dots
printf 'params.yaml:train.lr' | seed path dep-param
printf 'models:/clf@prod' | seed path dep-model
printf '/data/raw-*.csv' | seed path dep-glob
echo "seeds: $(find "$out" -type f | wc -l) files in $(ls "$out" | wc -l) targets"
