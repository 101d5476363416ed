#!/usr/bin/env bash
# Installs the Debian 12 packages kiln builds with, if any are missing.
# Run as root (or with sudo available); does nothing when all are present.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libflatbuffers-dev flatbuffers-compiler
  libcli11-dev nlohmann-json3-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libonnx-dev libprotobuf-dev
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm
  clang libclang-rt-14-dev clang-format clang-tidy
  python3-cryptography
  libtorch-dev zlib1g-dev libcsv-dev libsndfile1-dev python3-torch python3-torchvision python3-numpy python3-torchaudio python3-scipy dataset-fashion-mnist
  # Headless Chromium opens kiln's HTML reports in the tests.
  chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js: npm fetches the report's chart libraries (Vega) at build time and
# desktop TFLite for the tests; any install of it will do.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "kiln: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "kiln: run as root, or install: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
