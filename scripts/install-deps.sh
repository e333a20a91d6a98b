#!/usr/bin/env bash
# Install the Debian packages git-impact needs to build and test, if any are
# missing.  As root: apt-get update, then apt-get install.  Otherwise: print
# the exact command to run, and fail.
set -euo pipefail

pkgs=(build-essential cmake pkg-config git
      libgit2-dev libsqlite3-dev libjansson-dev libxxhash-dev
      libyaml-dev libexpat1-dev libcmocka-dev python3 python3-yaml)
# extra packages a caller needs (CI: clang for the fuzz targets)
read -r -a extra <<<"${GI_EXTRA_PKGS:-}"
pkgs+=("${extra[@]}")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "git-impact needs these packages; run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
