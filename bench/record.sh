#!/usr/bin/env bash
# Benchmark `git impact record`: time and peak memory on generated JUnit files
# of 50,000 and 500,000 testcases, as ratios to baselines run on the same
# files in the same run (`xmllint --stream`, a streaming XML parse, when
# present; `wc -l`, a plain read).  Memory should stay flat in the file size.
# usage: bench/record.sh [path/to/git-impact]
set -euo pipefail
# the store of the benchmark's own repository, never one named by the caller's environment
unset IMPACT_STORE
BIN=$(realpath "${1:-build/git-impact}")
[ -x "$BIN" ] || { echo "no git-impact binary at $BIN (run make build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gi-bench-record-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# gen N FILE: a pytest-shaped file, 1 in 50 failing with a traceback, 1 in 100 skipped.
gen() {
  python3 - "$1" "$2" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write('<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="%d">\n' % n)
    for i in range(n):
        mod, cls = i // 500, (i // 50) % 10
        f.write('<testcase classname="tests.pkg%d.test_mod%d.TestCase%d" name="test_case_%d[p%d]" time="%d.%03d">'
                % (mod % 20, mod, cls, i, i % 7, i % 3, i % 1000))
        if i % 50 == 0:
            f.write('<failure message="AssertionError: assert %d == %d">%s</failure>' % (i, i + 1, "Traceback line\n" * 20))
        elif i % 100 == 1:
            f.write('<skipped type="pytest.skip" message="not on this platform"/>')
        else:
            f.write('<system-out>ok %d</system-out>' % i)
        f.write('</testcase>\n')
    f.write('</testsuite></testsuites>\n')
PY
}

# measure LABEL CMD...: print "LABEL seconds peakKiB" from GNU time.
measure() {
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$TMP/time" "$@" >/dev/null 2>"$TMP/stderr" ||
    { cat "$TMP/stderr" >&2; echo "failed: $*" >&2; exit 1; }
  read -r secs kib < "$TMP/time"
  echo "$label $secs $kib"
}

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('%.2f' % (a / b if b > 0 else float('inf')))" "$1" "$2"; }

git init -q "$TMP/repo"
git -C "$TMP/repo" -c user.name=b -c user.email=b@example.com commit -q --allow-empty -m root
cd "$TMP/repo"
printf '%-10s %10s %8s %10s %12s %12s %10s\n' testcases "file MiB" "record s" "peak MiB" "xmllint s" "x xmllint" "wc -l s"
for n in 50000 500000; do
  gen "$n" "$TMP/r$n.xml"
  mib=$(( $(stat -c %s "$TMP/r$n.xml") >> 20 ))
  git impact init >/dev/null 2>&1 || true
  read -r _ rs rk < <(measure record "$BIN" record --run-id "bench-$n" "$TMP/r$n.xml")
  read -r _ ws _ < <(measure wc wc -l "$TMP/r$n.xml")
  xs=n/a xr=n/a
  if command -v xmllint >/dev/null; then
    read -r _ xs _ < <(measure xmllint xmllint --stream --noout "$TMP/r$n.xml")
    xr=$(ratio "$rs" "$xs")
  fi
  printf '%-10s %10s %8s %10s %12s %12s %10s\n' "$n" "$mib" "$rs" "$(( rk / 1024 ))" "$xs" "$xr" "$ws"
  rm -f "$TMP/r$n.xml"
done
echo "record: one run per file, written in one transaction; peak memory is the whole process (RSS)"
