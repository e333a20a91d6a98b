#!/usr/bin/env bash
# The HTML report rendered by headless Chromium (Debian's `chromium`,
# installed here with apt-get when running as root and it is missing;
# otherwise the test skips and says so): the rendered page has both SVG
# charts and the figures, it prints to PDF, and a screenshot is kept as a
# CI artefact in $GI_BUILD_DIR/artifacts/report.png.
. "$(dirname "$0")/lib.sh"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "# installing chromium with apt-get (once)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
    >"$TMP/apt.log" 2>&1 || { apt-get update -qq >/dev/null 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
    >"$TMP/apt.log" 2>&1; } || true
  browser=$(command -v chromium || true)
fi
if [ -z "$browser" ]; then
  echo "# skip: no chromium (install Debian's 'chromium' package, as root, to render the HTML report)"
  exit 0
fi
chrome() {
  "$browser" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
    --user-data-dir="$TMP/chrome" "$@" 2>>"$TMP/chrome.log"
}

now=$(date +%s)
monday=$(( (now / 86400 - (now / 86400 + 3) % 7) * 86400 ))
w1=$((monday - 7 * 86400 + 3600)) w0=$((monday + 60))
[ "$w0" -le "$now" ] || w0=$now

cd "$TMP"
git init -q repo && cd repo
mkdir -p src tests
echo 'def a(): return 1' > src/a.py
printf 'from src.a import a\ndef test_one(): assert a()\n' > tests/test_a.py
printf 'def test_two(): pass\n' > tests/test_b.py
git add . && git commit -q -m c1
git impact init >/dev/null
xml() { # FILE OUTCOME_OF_test_one: a two-test JUnit file
  { echo '<testsuite name="pytest">'
    printf '<testcase classname="tests.test_a" name="test_one" file="tests/test_a.py" time="60">'
    [ "$2" = fail ] && printf '<failure message="boom"/>'
    echo '</testcase><testcase classname="tests.test_b" name="test_two" file="tests/test_b.py" time="3540"/>'
    echo '</testsuite>'; } > "$1"
}
sql() {
  python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' .git/impact/impact.db "$1"
}
xml "$TMP/full.xml" pass
git impact record --full --kind full --time "$w1" "$TMP/full.xml" >/dev/null
echo 'def a(): return 0' > src/a.py && git commit -q -am c2
git impact select --base HEAD~1 --head HEAD >/dev/null 2>&1
sql "UPDATE selections SET time = $((w1 + 100))"
xml "$TMP/ci.xml" fail
sed -i 's|<testcase classname="tests.test_b".*/>||' "$TMP/ci.xml"
git impact record --time $((w1 + 200)) "$TMP/ci.xml" >/dev/null
xml "$TMP/full2.xml" fail
git impact record --full --kind full --time $((w1 + 300)) --run-id nightly "$TMP/full2.xml" >/dev/null
echo 'def a(): return 2' > src/a.py && git commit -q -am c3
git impact select --base HEAD~1 --head HEAD >/dev/null 2>&1
sql "UPDATE selections SET time = $w0 WHERE id = (SELECT max(id) FROM selections)"
sed 's|<failure message="boom"/>||' "$TMP/ci.xml" > "$TMP/ci2.xml"
git impact record --time "$w0" "$TMP/ci2.xml" >/dev/null
git impact report --weeks 4 --format html --out "$TMP/report.html" ||
  fail "git impact report --format html failed"
ok "a report of two weeks"

chrome --dump-dom "file://$TMP/report.html" > "$TMP/dom.html" || { cat "$TMP/chrome.log" >&2; fail "chromium --dump-dom"; }
expect_grep '<figure id="chart-reduction"><figcaption>' "$TMP/dom.html"
expect_grep '<figure id="chart-saved"><figcaption>' "$TMP/dom.html"
[ "$(grep -o '<svg' "$TMP/dom.html" | wc -l)" -eq 2 ] || fail "two svg charts in the rendered page"
expect_grep '<path class="reduction"[^>]* d="M[0-9.]+ [0-9.]+ L' "$TMP/dom.html"
expect_grep '<rect class="saved"' "$TMP/dom.html"
expect_grep '<rect class="recall"' "$TMP/dom.html"
expect_grep '<line class="target"' "$TMP/dom.html"
expect_grep 'id="card-caught"><b class="figure">1</b>' "$TMP/dom.html"
expect_grep 'id="card-selections"><b class="figure">2</b>' "$TMP/dom.html"
expect_grep '<td>100.0%</td>' "$TMP/dom.html"
expect_grep '<td class="unknown">unknown</td>' "$TMP/dom.html"
ok "the rendered page has both charts, the cards and the weekly figures"

chrome --print-to-pdf="$TMP/report.pdf" "file://$TMP/report.html" >/dev/null ||
  { cat "$TMP/chrome.log" >&2; fail "chromium --print-to-pdf"; }
head -c 5 "$TMP/report.pdf" | grep -q '%PDF-' || fail "printing gives a PDF"
ok "the page prints"

art=${GI_BUILD_DIR:-$PWD}/artifacts
mkdir -p "$art"
chrome --window-size=1366,2200 --screenshot="$art/report.png" "file://$TMP/report.html" >/dev/null ||
  { cat "$TMP/chrome.log" >&2; fail "chromium --screenshot"; }
[ "$(head -c 8 "$art/report.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
  fail "the screenshot is a PNG"
cp "$TMP/report.html" "$art/report.html"
ok "screenshot kept in $art/report.png"
