#!/usr/bin/env bash
# Delta patches on "next release" pairs of ~1.1 MB images (vt132-mkimage --code-like, then
# --next-of): our patch size as a ratio to bsdiff's on the same pair (goal <= 1.5), the time
# `delta --apply` takes as a ratio to a plain copy of the full image through the same file
# I/O (read it, write it, fsync: dd conv=fsync), and the applier's state and heap.
#   tests/bench/bench_delta.sh [BUILD_DIR] [RUNS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=${1:-build}
runs=${2:-11}
bin=$(cd "$build/bin" && pwd)
objs=$(cd "$build" && pwd)/firmware/core/CMakeFiles/vt132_core.dir/src/delta
command -v bsdiff >/dev/null || { echo "bench_delta: needs bsdiff (apt-get install bsdiff)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"


# name, base seed, then --next-of options: a one-line fix, a typical release, a big one, and a
# device that skipped a release (the patch spans two).
"$bin/vt132-mkimage" --code-like --version V1.7.0 --size 1100K --seed 1 -o base1.bin >/dev/null
"$bin/vt132-mkimage" --code-like --version V1.7.0 --size 1100K --seed 2 -o base2.bin >/dev/null
"$bin/vt132-mkimage" --next-of base1.bin --version V1.7.1 --seed 11 --edits 2 --growth 64 -o fix.bin >/dev/null
"$bin/vt132-mkimage" --next-of base1.bin --version V1.8.0 --seed 12 -o typical.bin >/dev/null
"$bin/vt132-mkimage" --next-of base2.bin --version V1.8.0 --seed 13 -o typical2.bin >/dev/null
"$bin/vt132-mkimage" --next-of base2.bin --version V2.0.0 --seed 14 --edits 120 --growth 40K -o big.bin >/dev/null
"$bin/vt132-mkimage" --next-of typical.bin --version V1.9.0 --seed 15 -o skip.bin >/dev/null
pairs="base1:fix base1:typical base2:typical2 base2:big base1:skip"

echo "bench_delta: patch size vs bsdiff $(dpkg-query -W -f='${Version}' bsdiff 2>/dev/null) (bzip2 inside), same pairs"
printf '  %-16s %9s %9s %9s %7s %7s\n' pair new ours bsdiff "ratio" "of new"
worst=0
for pair in $pairs; do
  old=${pair%%:*}.bin
  new=${pair##*:}.bin
  "$bin/vt132-release" delta "$old" "$new" -o "$pair.patch" >/dev/null
  bsdiff "$old" "$new" "$pair.bsdiff"
  "$bin/vt132-release" delta --apply "$old" "$pair.patch" -o check.bin >/dev/null
  cmp -s check.bin "$new" || { echo "bench_delta: $pair does not apply back" >&2; exit 1; }
  ours=$(stat -c %s "$pair.patch")
  theirs=$(stat -c %s "$pair.bsdiff")
  r=$(ratio "$ours" "$theirs")
  worst=$(awk -v a="$r" -v b="$worst" 'BEGIN { print (a > b ? a : b) }')
  printf '  %-16s %9d %9d %9d %6sx %6s%%\n' "${pair/:/->}" "$(stat -c %s "$new")" "$ours" "$theirs" "$r" \
    "$(awk -v a="$ours" -v b="$(stat -c %s "$new")" 'BEGIN { printf "%.2f", 100 * a / b }')"
done
echo "  patch size vs bsdiff: worst ${worst}x (goal <= 1.5)"
echo "  full image for comparison: xz -9 $(xz -9 -c typical.bin | wc -c) bytes of $(stat -c %s typical.bin)"

copy=$(median_ns dd if=typical.bin of=copy.bin bs=64K conv=fsync status=none)
apply=$(median_ns "$bin/vt132-release" delta --apply base1.bin base1:typical.patch -o applied.bin)
startup=$(median_ns "$bin/vt132-release" --version)
echo "bench_delta: apply time, median of $runs runs (base1->typical, $(stat -c %s typical.bin) bytes out)"
echo "  dd conv=fsync (plain copy)  $((copy / 1000)) us   1.00x"
echo "  delta --apply               $((apply / 1000)) us   $(ratio "$apply" "$copy")x"
echo "  vt132-release --version     $((startup / 1000)) us   (process start alone)"
echo "  apply's own work            $(((apply - startup) / 1000)) us   $(ratio "$((apply - startup))" "$copy")x  (without process start)"

state=$("$bin/vt132-release" delta --apply base1.bin base1:typical.patch -o applied.bin | grep -o '[0-9]* bytes of applier state')
allocs=$(nm -C "$objs"/*.o | grep -cE ' U (operator new|malloc|calloc|realloc)' || true)
echo "bench_delta: applier ${state%% *} bytes of state (host, 64-bit), heap: ${allocs} allocation call sites in core/delta (peak heap 0 bytes)"
