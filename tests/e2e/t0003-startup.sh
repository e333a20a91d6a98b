#!/usr/bin/env bash
# Start-up: libgit2's init binds its CA-bundle loaders to git-impact's own
# stand-ins (lineage/repo.c), so no certificate file is ever parsed, and a
# command that opens the repository still works.
. "$(dirname "$0")/lib.sh"

cd "$TMP"
git init -q repo && cd repo
echo a >a.py && git add a.py && git commit -q -m one
echo b >a.py && git commit -q -am two
# ld.so reports every symbol binding; libgit2's calls must reach the executable.
LD_DEBUG=bindings LD_DEBUG_OUTPUT="$TMP/ld" "$GIT_IMPACT" select --base HEAD~1 -q >"$TMP/out" 2>"$TMP/err" ||
  { cat "$TMP/err" >&2; fail "select failed"; }
cat "$TMP"/ld.* >"$TMP/bindings"
for sym in mbedtls_x509_crt_parse_file mbedtls_x509_crt_parse_path; do
  expect_grep "libgit2[^ ]* .* to [^ ]*git-impact .*\`$sym'" "$TMP/bindings"
done
expect_no_grep "libgit2[^ ]* .* to [^ ]*libmbedx509[^ ]* .*\`mbedtls_x509_crt_parse_(file|path)'" "$TMP/bindings"
ok "libgit2 binds the CA loaders to git-impact's stand-ins"
expect_exit 0 git-impact select --base HEAD~1 --format json
expect_grep '"tests"' "$TMP/out"
ok "select still works"
