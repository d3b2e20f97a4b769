#!/usr/bin/env bash
# Builds every libFuzzer target (tests/fuzz/fuzz_*.cpp) with clang and runs each one.
#   scripts/fuzz.sh            short smoke run (what the test command does)
#   scripts/fuzz.sh 600        ten minutes per target: the documented long run
# Corpora are kept in build-fuzz/corpus/<target>/ between runs; crashes land in build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
cmake -S . -B build-fuzz -DVT132_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz --target fuzz_targets -j"$(nproc)" >/dev/null
status=0
for bin in build-fuzz/bin/fuzz_*; do
  name=$(basename "$bin")
  corpus=build-fuzz/corpus/$name
  mkdir -p "$corpus"
  seeds=tests/fuzz/seeds/$name
  [ -d "$seeds" ] || seeds=
  if (cd build-fuzz && "../$bin" -max_total_time="$seconds" -print_final_stats=1 "../$corpus" ${seeds:+"../$seeds"} >"$name.log" 2>&1); then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "build-fuzz/$name.log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz: $name ok ($runs runs in ${seconds}s)"
  else
    echo "fuzz: $name FAILED, see build-fuzz/$name.log" >&2
    tail -30 "build-fuzz/$name.log" >&2
    status=1
  fi
done
exit $status
