#!/usr/bin/env bash
# How much work `vt132-release create` adds beyond reading the image: for a 1.1 MB image, its
# median wall time as a ratio to `sha256sum` of the same file, both measured in this script
# on the same warm file (the machines are shared and noisy; only the ratio means much).
#   tests/bench/bench_create.sh [BUILD_DIR] [RUNS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=${1:-build}
runs=${2:-41}
bin=$(cd "$build/bin" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin/vt132-mkimage" --version V1.8.0 --size 1100K -o VT132.bin >/dev/null
"$bin/vt132-release" keygen --out key.pem >/dev/null

before_each() { rm -rf rel; }  # create refuses to overwrite its output

ref=$(median_ns sha256sum VT132.bin)
startup=$(median_ns "$bin/vt132-release" --version)
unsigned=$(median_ns "$bin/vt132-release" create --image VT132.bin --tag V1.8.0 --out rel)
signed=$(median_ns "$bin/vt132-release" create --image VT132.bin --tag V1.8.0 --key key.pem --out rel)
echo "bench_create: image $(stat -c %s VT132.bin) bytes, median of $runs runs"
echo "  sha256sum                 $((ref / 1000)) us   1.00x"
echo "  create (unsigned)         $((unsigned / 1000)) us   $(ratio "$unsigned" "$ref")x"
echo "  create --key (signed)     $((signed / 1000)) us   $(ratio "$signed" "$ref")x"
echo "  vt132-release --version   $((startup / 1000)) us   $(ratio "$startup" "$ref")x  (process start alone)"
echo "  create's own work: unsigned $(((unsigned - startup) / 1000)) us, signed $(((signed - startup) / 1000)) us"
