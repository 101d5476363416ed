#!/usr/bin/env bash
# Fetches the sources of the cryptography kiln's model containers use, as
# Debian 12 packages them: libsodium (Ed25519, X25519, SHA-256) and mbed TLS
# (ECDSA P-256, AES-CTR/GCM/KW, HKDF). The build compiles them for the host
# and for each Cortex-M core (third_party/crypto/CMakeLists.txt).
#
# Usage: scripts/fetch-crypto.sh [DIR]   (default third_party/debian)
# Adds a deb-src line for Debian's own archive when apt has none (as root, or
# through sudo), then runs `apt-get source`, which checks each file against
# the archive's signed index. Does nothing when DIR already holds both.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-third_party/debian}
packages=(libsodium mbedtls)

have_all() {
  for p in "${packages[@]}"; do
    [ -f "$dir/$p.stamp" ] || return 1
  done
}
have_all && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
else
  sudo=(sudo)
fi

# apt-get source unpacks with dpkg-source (dpkg-dev).
if ! command -v dpkg-source >/dev/null 2>&1; then
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends dpkg-dev >/dev/null
fi

if ! apt-get source --print-uris -qq libsodium >/dev/null 2>&1; then
  list=/etc/apt/sources.list.d/kiln-debian-src.sources
  echo "kiln: adding Debian's source archive to apt ($list)" >&2
  "${sudo[@]}" tee "$list" >/dev/null <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  "${sudo[@]}" apt-get update -qq
fi

mkdir -p "$dir"
for p in "${packages[@]}"; do
  [ -f "$dir/$p.stamp" ] && continue
  echo "kiln: apt-get source $p" >&2
  rm -rf "$dir/$p" "$dir/$p.tmp"
  mkdir -p "$dir/$p.tmp"
  (cd "$dir/$p.tmp" && apt-get source -qq "$p" >/dev/null)
  # One unpacked tree per package, named without its version.
  tree=$(find "$dir/$p.tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
  [ -n "$tree" ] || { echo "kiln: apt-get source $p unpacked nothing" >&2; exit 1; }
  mv "$tree" "$dir/$p"
  ls "$dir/$p.tmp"/*.dsc | xargs -n 1 basename > "$dir/$p.stamp"
  rm -rf "$dir/$p.tmp"
done
