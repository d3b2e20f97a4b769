#!/usr/bin/env bash
# Runs every benchmark and ends with one table of figures and ratios, each measured against
# a reference in the same run (the machines are shared and noisy: compare ratios, not times).
#   tests/bench/run_all.sh [BUILD_DIR]        BENCH_QUICK=1 skips the server-vs-nginx run (minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
bin=$(cd "$build/bin" && pwd)
log=$(mktemp /tmp/vt132-bench-all.XXXXXX)
trap 'rm -f "$log"' EXIT
row() { printf '| %-44s | %-40s |\n' "$1" "$2"; }

echo "== release create vs sha256sum"
tests/bench/bench_create.sh "$build" 21 | tee -a "$log"
echo "== device update vs curl"
tests/bench/bench_sim_update.sh "$build" 7 | tee -a "$log"
echo "== delta patches vs bsdiff"
tests/bench/bench_delta.sh "$build" 7 | tee -a "$log"
echo "== firmware core code size"
scripts/check-mcu-build.sh | tee -a "$log"

echo "== device heap during an update (counted by the core's allocator)"
work=$(mktemp -d /tmp/vt132-bench-heap.XXXXXX)
(
  cd "$work"
  "$bin/vt132-mkimage" --version V1.0.0 --size 1100K -o v100.bin >/dev/null
  "$bin/vt132-mkimage" --version V1.1.0 --size 1100K --seed 2 -o v110.bin >/dev/null
  "$bin/vt132-sim" --flash dev.bin --init-app v100.bin </dev/null >/dev/null 2>&1
  python3 -m http.server --bind 127.0.0.1 "${HEAP_PORT:-18777}" >/dev/null 2>&1 &
  web=$!
  sleep 0.5
  printf 'AT+W=b,p\rAT+U=http://127.0.0.1:%s/v110.bin\rAT+U?\rAT+U^\r' "${HEAP_PORT:-18777}" |
    "$bin/vt132-sim" --flash dev.bin --heap-log 2>heap.log >/dev/null || true
  kill "$web"
  peak=$(grep -o 'peak=[0-9]*' heap.log | cut -d= -f2 | sort -n | tail -1)
  outstanding=$(grep -o 'outstanding=[0-9]*' heap.log | tail -1 | cut -d= -f2)
  echo "heap: peak ${peak:-?} bytes during AT+U?/AT+U^, outstanding after ${outstanding:-?} (budget 16384)"
) | tee -a "$log"
rm -rf "$work"

if [ "${BENCH_QUICK:-0}" != 1 ]; then
  echo "== vt132-ota-server vs nginx"
  tests/bench/server/bench.sh "$build" | tee -a "$log"
fi

echo
echo "Summary ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m))"
row "measure" "result"
row "--------------------------------------------" "----------------------------------------"
row "create (signed) vs sha256sum, 1.1 MB image" "$(grep -o 'create --key (signed) .*x' "$log" | awk '{print $NF}')"
row "device update vs curl download, 1.1 MB" "$(grep 'vt132-sim:' "$log" | awk '{print $NF}')"
row "delta patch size vs bsdiff, worst of 5 pairs" "$(grep -o 'vs bsdiff: worst [0-9.]*x' "$log" | awk '{print $NF}') (goal <= 1.5x)"
row "delta --apply own work vs dd copy of image" "$(grep "apply's own work" "$log" | awk '{print $6}')"
row "delta applier state (no heap) vs 4 KiB" "$(grep -o 'applier [0-9]* bytes of state' "$log" | awk '{printf "%d bytes = %.2fx", $2, $2/4096}')"
row "core .text on Cortex-M4 -Os vs 96 KiB budget" "$(grep -o '\.text [0-9]* bytes' "$log" | awk '{printf "%d bytes = %.2fx", $2, $2/98304}')"
row "device heap peak vs 16 KiB budget" "$(grep -o 'peak [0-9]* bytes' "$log" | awk '{printf "%d bytes = %.2fx", $2, $2/16384}')"
if [ "${BENCH_QUICK:-0}" != 1 ]; then
  med() { grep -o "^$1 ($2): .*median ratio [0-9.]*" "$log" | awk '{print $NF}'; }
  row "releases/latest req/s vs nginx, -t1 -c32 (0.7)" "$(med releases/latest '-t1 -c32')x (median of 3)"
  row "releases/latest req/s vs nginx, -t2 -c50 (0.5)" "$(med releases/latest '-t2 -c50')x (median of 3)"
  row "releases?per_page=100 req/s vs nginx" "$(med releases-list '-t2 -c50')x (median of 3)"
  row "HTML release page req/s vs nginx" "$(med html-page '-t2 -c50')x (median of 3)"
  row "image throughput vs nginx (>= 0.9)" "$(grep -o 'image 1.1 MB: .*ratio [0-9.]*' "$log" | awk '{print $NF}')x"
  grep -E '^\[.*\] metadata during' "$log" | while read -r line; do
    row "1,000 slow downloads ${line%%]*}]: metadata p99" "$(grep -o 'p99 [0-9.]*ms' <<<"$line") (< 100ms)"
  done
  grep -E '^\[.*\] server peak RSS' "$log" | while read -r line; do
    row "1,000 slow downloads ${line%%]*}]: server RSS" "$(grep -o 'RSS: [0-9]* MB' <<<"$line" | cut -c6-) (< 300 MB)"
  done
fi
