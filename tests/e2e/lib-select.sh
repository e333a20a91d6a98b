# Sourced by the select end-to-end tests: record a passing full run of every
# test function found in tests/test_*.py at a commit, and compare a
# selection's test files with the expected ones.

# record_all_pass REV: a pytest-dialect JUnit file with every test_* function, recorded --full.
record_all_pass() {
  local rev=$1 xml="$TMP/junit-$1.xml"
  git checkout -q "$rev"
  python3 - "$xml" <<'PY'
import pathlib, re, sys
cases = []
for f in sorted(pathlib.Path("tests").glob("**/test_*.py")):
    mod = str(f.with_suffix("")).replace("/", ".")
    for name in re.findall(r"^def (test_\w+)", f.read_text(), re.M):
        cases.append('<testcase classname="%s" name="%s" file="%s" time="0.5"/>' % (mod, name, f))
with open(sys.argv[1], "w") as out:
    out.write('<?xml version="1.0"?><testsuites><testsuite name="pytest" tests="%d">%s'
              '</testsuite></testsuites>\n' % (len(cases), "".join(cases)))
PY
  git checkout -q -
  git impact record --commit "$rev" --full "$xml" >/dev/null
}

# expect_files TAG FILE...: `select --base TAG~1 --head TAG` selects tests of exactly these files.
expect_files() {
  local tag=$1
  shift
  git impact select --base "$tag~1" --head "$tag" --format list >"$TMP/sel" 2>"$TMP/sel.err" ||
    { cat "$TMP/sel.err" >&2; fail "select for $tag failed"; }
  local got want
  got=$(sed 's/::.*//' "$TMP/sel" | sort -u | tr '\n' ' ')
  want=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ')
  [ "$got" = "$want" ] || { cat "$TMP/sel.err" >&2; fail "$tag: selected files [$got], wanted [$want]"; }
  ok "$tag selects: $want"
}
