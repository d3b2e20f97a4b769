#!/usr/bin/env bash
# How much work `vt132-release create` adds beyond reading the image: for a 1.1 MB image, its
# median wall time as a ratio to `sha256sum` of the same file, both measured in this script
# on the same warm file (the machines are shared and noisy; only the ratio means much).
#   tests/bench/bench_create.sh [BUILD_DIR] [RUNS]
set -euo pipefail
build=${1:-build}
runs=${2:-41}
bin=$(cd "$build/bin" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin/vt132-mkimage" --version V1.8.0 --size 1100K -o VT132.bin >/dev/null
"$bin/vt132-release" keygen --out key.pem >/dev/null

median_ns() {  # prints the median duration in ns of running "$@" $runs times
  local samples=() i start end
  for i in $(seq 1 "$runs"); do
    rm -rf rel
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    samples+=($((end - start)))
  done
  printf '%s\n' "${samples[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

ref=$(median_ns sha256sum VT132.bin)
startup=$(median_ns "$bin/vt132-release" --version)
unsigned=$(median_ns "$bin/vt132-release" create --image VT132.bin --tag V1.8.0 --out rel)
signed=$(median_ns "$bin/vt132-release" create --image VT132.bin --tag V1.8.0 --key key.pem --out rel)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "bench_create: image $(stat -c %s VT132.bin) bytes, median of $runs runs"
echo "  sha256sum                 $((ref / 1000)) us   1.00x"
echo "  create (unsigned)         $((unsigned / 1000)) us   $(ratio "$unsigned" "$ref")x"
echo "  create --key (signed)     $((signed / 1000)) us   $(ratio "$signed" "$ref")x"
echo "  vt132-release --version   $((startup / 1000)) us   $(ratio "$startup" "$ref")x  (process start alone)"
echo "  create's own work: unsigned $(((unsigned - startup) / 1000)) us, signed $(((signed - startup) / 1000)) us"
