#!/usr/bin/env bash
# `git impact report` on a scripted history over three weeks: selections
# made by `git impact select` (moved back to their week with python3's
# sqlite3, since select stamps the time of day), runs recorded with
# `record --time`.  Checks the Markdown, JSON and HTML figures: a caught
# failure, a miss found by a full run with the commits it spans, time saved,
# a flaky test, "unknown" for a week without full or audit runs.
. "$(dirname "$0")/lib.sh"

now=$(date +%s)
monday=$(( (now / 86400 - (now / 86400 + 3) % 7) * 86400 ))
w2=$((monday - 14 * 86400 + 3600)) w1=$((monday - 7 * 86400 + 3600)) w0=$((monday + 60))
[ "$w0" -le "$now" ] || w0=$now

cd "$TMP"
git init -q repo && cd repo
mkdir -p src tests
echo 'def a(): return 1' > src/a.py
echo 'def b(): return 1' > src/b.py
printf 'from src.a import a\ndef test_one(): assert a()\n' > tests/test_a.py
printf 'from src.b import b\ndef test_two(): assert b()\n' > tests/test_b.py
# reads data.csv, which impact.yaml (wrongly) ignores: selection skips it
printf 'def test_three(): open("data.csv")\n' > tests/test_c.py
echo 1 > data.csv
printf 'ignore: ["*.csv"]\n' > impact.yaml
git add . && git commit -q -m c1
expect_exit 0 git impact init

# junit FILE ID:OUTCOME:SECONDS... (OUTCOME pass|fail)
junit() {
  local f=$1; shift
  { echo '<testsuite name="pytest">'
    for t in "$@"; do
      IFS=: read -r file name outcome secs <<<"$t"
      cls=${file%.py}
      printf '<testcase classname="%s" name="%s" file="%s" time="%s">' "${cls//\//.}" "$name" "$file" "$secs"
      [ "$outcome" = fail ] && printf '<failure message="boom"/>'
      echo '</testcase>'
    done
    echo '</testsuite>'; } > "$f"
}
A=tests/test_a.py:test_one B=tests/test_b.py:test_two C=tests/test_c.py:test_three
sql() {
  python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); r = c.execute(sys.argv[2]).fetchall(); c.commit()
print("\n".join("|".join(map(str, x)) for x in r))' .git/impact/impact.db "$1"
}
# select HEAD~1..HEAD, then date the stored selection at $1
select_at() {
  expect_exit 0 git impact select --base HEAD~1 --head HEAD
  cp "$TMP/out" "$TMP/selected"
  sql "UPDATE selections SET time = $1 WHERE id = (SELECT max(id) FROM selections)" >/dev/null
}
record() { expect_exit 0 git impact record "$@"; }

# two weeks ago: a full run, then a change to a.py
junit "$TMP/r1.xml" "$A:pass:10" "$B:pass:20" "$C:pass:600"
record --full --kind full --time "$w2" "$TMP/r1.xml"
echo 'def a(): return 2' > src/a.py && git commit -q -am c2
select_at $((w2 + 100))
grep -q test_one "$TMP/selected" && ! grep -q test_three "$TMP/selected" || fail "c2 selects test_one only"
junit "$TMP/r2.xml" "$A:pass:10"
record --time $((w2 + 200)) "$TMP/r2.xml"

# last week: b.py breaks test_two (caught); data.csv breaks test_three
# (skipped: ignored), which the full run finds
echo 'def b(): return 0' > src/b.py && git commit -q -am c3
select_at "$w1"
junit "$TMP/r3.xml" "$B:fail:20"
record --time $((w1 + 100)) "$TMP/r3.xml"
echo 2 > data.csv && git commit -q -am c4
c4=$(git rev-parse HEAD)
select_at $((w1 + 200))
! grep -q test_three "$TMP/selected" || fail "c4 must not select test_three"
junit "$TMP/r4.xml" "$A:pass:10" "$B:fail:20" "$C:fail:600"
record --full --kind full --time $((w1 + 300)) "$TMP/r4.xml"

# this week: no full or audit run; test_one flips at one commit (flaky)
echo 'def a(): return 3' > src/a.py && git commit -q -am c5
select_at "$w0"
junit "$TMP/r5.xml" "$A:pass:10" "$B:fail:20"
junit "$TMP/r6.xml" "$A:fail:10"
record --run-id r5 --time "$w0" "$TMP/r5.xml"
record --run-id r6 --time "$w0" "$TMP/r6.xml"
ok "three weeks of selections and runs"

expect_exit 0 git impact report --weeks 3 --format json --out "$TMP/r.json"
[ -s "$TMP/r.json" ] || fail "--out wrote nothing"
json() { python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$TMP/r.json" "$1"; }
[ "$(json 'len(d["weeks"])')" = 3 ] || fail "3 weeks"
[ "$(json 'd["total"]["selections"]')" = 4 ] || fail "4 selections: $(json 'd["total"]')"
[ "$(json '[w["caught"] for w in d["weeks"]]')" = "[0, 1, 0]" ] || fail "caught per week: $(json '[w["caught"] for w in d["weeks"]]')"
[ "$(json 'd["weeks"][1]["missed"]')" = 1 ] || fail "one miss last week"
[ "$(json 'd["weeks"][1]["recall"]')" = 0.5 ] || fail "recall 0.5 last week"
[ "$(json 'd["weeks"][2]["recall"]')" = None ] || fail "recall unknown this week"
[ "$(json 'd["weeks"][2]["recall_status"]')" = unknown ] || fail "recall_status unknown this week"
[ "$(json 'd["weeks"][0]["recall_status"]')" = "no failures" ] || fail "no failures two weeks ago"
[ "$(json 'd["missed"][0]["test"]')" = tests/test_c.py::test_three ] || fail "the miss is test_three"
[ "$(json 'd["missed"][0]["found_at"]')" = "$c4" ] || fail "found at c4 by the full run"
[ "$(json 'd["missed"][0]["found_by"]')" = full ] || fail "found by the full run"
[ "$(json 'd["missed"][0]["skipped_at"]')" = "$c4" ] || fail "skipped at c4"
[ "$(json 'd["weeks"][2]["flaky_tests"]')" = 1 ] || fail "test_one flaky this week"
[ "$(json 'd["costliest"][0]["test"]')" = tests/test_c.py::test_three ] || fail "test_three costs most"
[ "$(json 'd["never_selected"]')" = "[]" ] || fail "this week selected test_three (it failed last)"
# time: every partial run against the suite's mean cost (10 + 20 + 600 s)
[ "$(json 'round(d["total"]["time_saved_seconds"])')" = "$((4 * 630 - 10 - 20 - 30 - 10))" ] \
  || fail "time saved: $(json 'd["total"]')"
ok "json: caught, missed with its commits, recall, unknown, flaky, time saved"

expect_exit 0 git impact report --weeks 3
md=$TMP/out
expect_grep '^## git-impact: coverage vs reduction' "$md"
expect_grep '^\| total \| 4 \|' "$md"
expect_grep "^\| $(date -u -d @"$w0" +%G-W%V) \|.*\| unknown \| unknown \|" "$md"
expect_grep '\| `tests/test_c.py::test_three` \| [0-9a-f]{12}\.\.[0-9a-f]{12} \| '"${c4:0:12}"' \| full at '"${c4:0:12}"' \|' "$md"
expect_grep '^\| none \| 1 \| 33\.3% \| 0 \| 1 \|' "$md"
expect_grep '^1\. `tests/test_c.py::test_three`: 20\.0 min in 2 runs' "$md"
ok "markdown: weeks, the miss and the commits it spans, kinds, costliest"

expect_exit 0 git impact report --weeks 3 --format html --out "$TMP/r.html"
h=$TMP/r.html
expect_grep '^<!DOCTYPE html>' "$h"
expect_grep 'id="chart-reduction"' "$h"
expect_grep 'id="chart-saved"' "$h"
expect_grep '<rect class="recall"' "$h"
expect_grep 'class="recall-unknown"' "$h"
expect_grep '@media print' "$h"
expect_no_grep '<script|https?:|@import|<link' "$h"
ok "html: self-contained, both charts, unknown marked"

expect_exit 0 git impact report --since "$(date -u -d @"$w1" +%F)" --format json
python3 -c 'import json, sys; d = json.load(sys.stdin); assert len(d["weeks"]) == 2, d["window"]' < "$TMP/out" \
  || fail "--since last week gives two weeks"
expect_exit 0 git impact report --weeks 2 --until "$(date -u -d @"$w1" +%F)" --format json
python3 -c 'import json, sys; d = json.load(sys.stdin)
assert [w["selections"] for w in d["weeks"]] == [1, 2], d["weeks"]
assert d["never_selected"] == ["tests/test_c.py::test_three"], d["never_selected"]' < "$TMP/out" \
  || fail "--until last week: two weeks, test_three never selected"
expect_exit 2 git impact report --format pdf
expect_grep "option '--format' needs md, json or html, not 'pdf'" "$TMP/err"
expect_exit 2 git impact report --since tomorrow
expect_grep "option '--since' needs a date" "$TMP/err"
expect_exit 2 git impact report --weeks 0x
expect_exit 2 git impact report --out /nonexistent/dir/r.html
expect_grep "cannot write '/nonexistent/dir/r.html.tmp'" "$TMP/err"
ok "options: --since, --until, bad format, bad date, unwritable --out"

cd "$TMP" && git init -q empty && cd empty && git commit -q --allow-empty -m root
expect_exit 2 git impact report
expect_grep "no store at" "$TMP/err"
git impact init >/dev/null
expect_exit 0 git impact report --format md
expect_grep 'No selections in the window' "$TMP/out"
ok "no store: a clear error; an empty store: an empty report"
