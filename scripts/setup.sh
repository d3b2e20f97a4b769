#!/usr/bin/env bash
# Installs every Debian bookworm package the build, tests, fuzzing and benchmarks need.
# Idempotent: packages already present are left alone, and apt-get update runs only
# when something is actually missing (so a warm machine starts in a second).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates openssl curl
  libssl-dev libcpp-httplib-dev nlohmann-json3-dev libcli11-dev libspdlog-dev doctest-dev
  libdivsufsort-dev libcmark-dev bsdiff libzip-dev unzip
  gh hub python3-github
  clang-14 libclang-rt-14-dev
  gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
  nginx-light wrk tmux jq picocom help2man python3 stress-ng chromium faketime
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root (or install them with sudo apt-get install)" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
