#!/usr/bin/env bash
# Start-up (lineage/link/nonet.c): libgit2's init parses no CA bundle,
# through the executable's own loaders; a static libgit2 brings no libssh2,
# libcrypto or krb5 into the process, static dependencies no shared copies;
# commands still work.
. "$(dirname "$0")/lib.sh"

cd "$TMP"
git init -q repo && cd repo
echo a >a.py && git add a.py && git commit -q -m one
echo b >a.py && git commit -q -am two
run_traced() { # LD_DEBUG=WHAT: ld.so's report of the libraries or bindings
  LD_DEBUG=$1 LD_DEBUG_OUTPUT="$TMP/ld-$1" "$GIT_IMPACT" select --base HEAD~1 -q >"$TMP/out" 2>"$TMP/err" ||
    { cat "$TMP/err" >&2; fail "select failed"; }
  cat "$TMP/ld-$1".* >"$TMP/$1"
}
run_traced libs
if grep -q 'calling init: .*libgit2' "$TMP/libs"; then
  run_traced bindings
  for sym in mbedtls_x509_crt_parse_file mbedtls_x509_crt_parse_path; do
    expect_grep "libgit2[^ ]* .* to [^ ]*git-impact .*\`$sym'" "$TMP/bindings"
  done
  ok "shared libgit2 binds the CA loaders to git-impact's stand-ins"
else
  expect_no_grep 'calling init: .*lib(ssh2|crypto|krb5|gssapi|mbed)' "$TMP/libs"
  ok "static libgit2: no libssh2, libcrypto, krb5 or mbedTLS loaded"
fi
# GI_STATIC_DEPS (CMakeLists.txt): when the build linked the archives, only
# the C library's own shared objects are loaded.
if grep -q '^GI_STATIC_DEPS_LINK:INTERNAL=1' "${GI_BUILD_DIR:-/nonexistent}/CMakeCache.txt" 2>/dev/null; then
  expect_no_grep 'calling init: .*lib(sqlite3|jansson|xxhash|yaml|expat)' "$TMP/libs"
  ok "static SQLite, jansson, xxHash, libyaml, expat: none loaded"
fi
if command -v strace >/dev/null; then
  # LeakSanitizer (make asan) cannot run under ptrace
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -o "$TMP/strace" -e trace=open,openat "$GIT_IMPACT" select --base HEAD~1 -q >/dev/null 2>"$TMP/err" ||
    { cat "$TMP/err" >&2; fail "select under strace failed"; }
  expect_grep 'openat\(.*\.git' "$TMP/strace"
  expect_no_grep '/etc/ssl|\.crt"|\.pem"' "$TMP/strace"
  ok "no certificate file opened"
else
  echo "ok - skipped: no strace to watch the files opened"
fi
expect_exit 0 git-impact select --base HEAD~1 --format json
expect_grep '"tests"' "$TMP/out"
ok "select still works"
