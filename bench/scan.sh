#!/usr/bin/env bash
# Benchmark the source scanners (lineage/pyscan.c, lineage/cscan.c): throughput
# in MB/s on a generated ~100 MB Python corpus (and a ~20 MB C corpus), as
# ratios to baselines run on the same files in the same run: `cat` (read
# every byte) and `wc -l` (read and look at every byte).  The driver is built
# here with cc from the sources (optimised, as in a release build).
# usage: bench/scan.sh [MB of Python, default 100]
set -euo pipefail
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
SRC=$(cd "$(dirname "$0")/.." && pwd)
MB=${1:-100}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gi-bench-scan-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -DNDEBUG -I"$SRC/common" -I"$SRC/lineage" \
  -o "$TMP/scan_driver" "$SRC/bench/scan_driver.c" "$SRC/lineage/pyscan.c" \
  "$SRC/lineage/cscan.c" "$SRC"/common/*.c -lxxhash -lm

# A deterministic corpus shaped like real packages: imports of every form,
# docstrings, functions, classes, string literals, comments.
python3 - "$TMP/py" "$TMP/c" "$MB" <<'PY'
import os, random, sys
py, c, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
rnd = random.Random(42)
def pymod(i):
    out = ['"""Module %d of the generated corpus.\n\nimport nothing_here\n"""\n' % i,
           "from __future__ import annotations\nimport os\nimport json\n",
           "from typing import TYPE_CHECKING\n"]
    for k in range(rnd.randint(3, 12)):
        out.append("from pkg%d.mod%d import (\n    f%d,\n    C%d as alias%d,\n)\n" % (k % 20, rnd.randint(0, 400), k, k, k))
    out.append("from . import sibling%d\nfrom ..core import engine\nif TYPE_CHECKING:\n    import pkg.types\n" % (i % 7))
    out.append("try:\n    import ujson as jsonlib\nexcept ImportError:  # fallback\n    import json as jsonlib\n")
    out.append("CONFIG = 'configs/train_%d.yaml'\nDATA_PATH = \"data/raw/part-%05d.csv\"\n" % (i % 9, i))
    for f in range(rnd.randint(8, 30)):
        out.append("\n\ndef func_%d(x, y=%d, *args, **kw):\n    \"\"\"Compute thing %d.\n\n    >>> func_%d(1)\n    \"\"\"\n" % (f, f, f, f))
        out.append("    import math\n    total = 0\n    for j in range(x):  # loop over x\n")
        out.append("        total += math.sqrt(j) * %d.5 + len('text with spaces %d')\n" % (f, f))
        out.append("    with open(os.path.join('data', 'file_%d.json')) as fh:\n        cfg = json.load(fh)\n" % f)
        out.append("    return {'total': total, 'cfg': cfg, \"k\": [1, 2, 3]}\n")
    out.append("\n\nclass Model%d(Base):\n    attr: int = 3\n\n    def method(self):\n        return self.attr\n" % i)
    return "".join(out)
def cfile(i):
    out = ['/* file %d\n#include "in_comment.h"\n */\n' % i, "#include <stdio.h>\n#include <stdlib.h>\n"]
    for k in range(rnd.randint(3, 10)):
        out.append('#include "mod%d/h%d.h"\n' % (k, rnd.randint(0, 300)))
    for f in range(rnd.randint(10, 40)):
        out.append("static int f%d(int x)\n{\n\t// comment %d\n\tconst char *s = \"str \\\" %d\";\n\treturn x * %d + (int)s[0];\n}\n" % (f, f, f, f))
    return "".join(out)
for root, gen, ext, target in ((py, pymod, ".py", mb << 20), (c, cfile, ".c", (mb // 5) << 20)):
    size, i = 0, 0
    while size < target:
        d = os.path.join(root, "pkg%d" % (i % 50))
        os.makedirs(d, exist_ok=True)
        text = gen(i)
        with open(os.path.join(d, "m%d%s" % (i, ext)), "w") as f:
            f.write(text)
        size += len(text)
        i += 1
PY

# best CPU SECONDS (user + system, so other load on the machine matters
# less than with wall time) of 3 runs of CMD; the corpus is in the page cache
# after the first run.
best() {
  local b=999999 t
  for _ in 1 2 3; do
    /usr/bin/time -f "%U %S" -o "$TMP/time" "$@" >/dev/null
    t=$(awk '{print $1 + $2}' "$TMP/time")
    b=$(awk -v a="$t" -v b="$b" 'BEGIN {print (a < b ? a : b)}')
  done
  echo "$b"
}

for lang in py c; do
  find "$TMP/$lang" -type f | sort >"$TMP/$lang.list"
  bytes=$(xargs cat <"$TMP/$lang.list" | wc -c)
  cat_s=$(best sh -c "xargs cat <'$TMP/$lang.list'")
  wc_s=$(best sh -c "xargs wc -l <'$TMP/$lang.list'")
  tot_s=$(best sh -c "'$TMP/scan_driver' <'$TMP/$lang.list'")
  stats=$("$TMP/scan_driver" <"$TMP/$lang.list")
  scan_s=$(echo "$stats" | awk '{print $NF}')
  echo "$lang corpus: $(wc -l <"$TMP/$lang.list") files, $((bytes >> 20)) MB; $stats"
  awk -v b="$bytes" -v c="$cat_s" -v w="$wc_s" -v t="$tot_s" -v s="$scan_s" 'BEGIN {
    mb = b / 1048576
    printf "  (CPU seconds, best of 3)\n"
    printf "  cat          %7.3f s  %8.1f MB/s\n", c, mb / c
    printf "  wc -l        %7.3f s  %8.1f MB/s\n", w, mb / w
    printf "  read+scan    %7.3f s  %8.1f MB/s   = %.2fx cat, %.2fx wc -l\n", t, mb / t, t / c, t / w
    printf "  scan alone   %7.3f s  %8.1f MB/s   (in memory, CPU time in the scanner)\n", s, mb / s
  }'
done
