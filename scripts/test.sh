#!/usr/bin/env bash
# Sets up the machine and runs every test:
#   1. build (warnings are errors) and run the whole CTest suite
#   2. the same suite again built with AddressSanitizer + UndefinedBehaviorSanitizer
#   3. a short run of every libFuzzer target
#   4. the firmware core cross-compiled for a 32-bit MCU, with its code size
#   5. the ESP-IDF component and the core compile-checked against real ESP-IDF headers
#      (scripts/check-espidf.sh; skipped, and said so, when the header kit is absent)
# Options: --quick skips 2 and 3 (for a fast local loop). Set VT132_FUZZ_SECONDS to fuzz longer.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1

bash scripts/setup.sh
jobs=$(nproc)
stages_passed=0

run_suite() {  # BUILD_DIR CTEST_EXCLUDE CMAKE_ARGS...
  local dir=$1 exclude=$2
  shift 2
  echo "== build $dir ($*)"
  cmake -S . -B "$dir" -DVT132_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs" >"$dir/build.log" 2>&1 || { tail -60 "$dir/build.log"; exit 1; }
  echo "== ctest $dir"
  (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 600 ${exclude:+-E "$exclude"})
  stages_passed=$((stages_passed + 1))
}

# /usr: the prefix the Debian package is built for (tests/integration/packaging).
run_suite build "" -DCMAKE_INSTALL_PREFIX=/usr
if [ "$quick" -eq 0 ]; then
  # halt_on_error makes a sanitizer report fail the test that triggered it. The package test
  # is left out here: it proves the shipped (non-sanitizer) build.
  export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  run_suite build-asan "^packaging" -DVT132_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
  unset ASAN_OPTIONS UBSAN_OPTIONS
  echo "== fuzz smoke"
  scripts/fuzz.sh "${VT132_FUZZ_SECONDS:-5}"
  stages_passed=$((stages_passed + 1))
fi
echo "== mcu build"
scripts/check-mcu-build.sh
stages_passed=$((stages_passed + 1))
echo "== esp-idf kit check"
espidf_rc=0
scripts/check-espidf.sh || espidf_rc=$?
case $espidf_rc in
  0) stages_passed=$((stages_passed + 1)) ;;
  3) echo "stages: $stages_passed passed, 0 failed, 1 skipped (esp-idf kit check: no ESP-IDF header kit)"
     exit 0 ;;
  *) exit 1 ;;
esac
echo "stages: $stages_passed passed, 0 failed"
