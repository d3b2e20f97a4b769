#!/usr/bin/env bash
# Runs the whole CTest suite of an already built tree N times in a row while two CPU-bound
# processes (stress-ng) keep both cores busy, as on a shared CI machine, and prints how many
# runs passed. Tests must wait for events, not times: this is how we check that they do.
#   scripts/stress-suite.sh [RUNS (default 10)] [BUILD_DIR (default build)]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
dir=${2:-build}
[ -f "$dir/CTestTestfile.cmake" ] || { echo "stress-suite: build $dir first (bash scripts/test.sh --quick)" >&2; exit 2; }
command -v stress-ng >/dev/null || { echo "stress-suite: stress-ng is missing (bash scripts/setup.sh)" >&2; exit 2; }

stress-ng --cpu 2 --quiet &
load=$!
trap 'kill $load 2>/dev/null; wait $load 2>/dev/null' EXIT
passed=0
for i in $(seq 1 "$runs"); do
  start=$SECONDS
  if (cd "$dir" && ctest -j"$(nproc)" --timeout 600 --output-on-failure >"ctest-stress-$i.log" 2>&1); then
    passed=$((passed + 1))
    echo "run $i: passed ($((SECONDS - start)) s)"
  else
    echo "run $i: FAILED ($((SECONDS - start)) s): $(grep -E '^\s+[0-9]+ - ' "$dir/ctest-stress-$i.log" | tr -s ' ' | tr '\n' ';')"
  fi
done
echo "$passed of $runs runs passed beside two CPU-bound processes"
[ "$passed" -eq "$runs" ]
