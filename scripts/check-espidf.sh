#!/usr/bin/env bash
# Compile-checks the ESP-IDF component against the real ESP-IDF v5.5.5 headers of the
# shared header kit (../shared/espidf-kit, or $ESPIDF_KIT), for esp32 and esp32c3:
#   - every .cpp of firmware/esp-idf/ (the ports and the example app_main),
#   - every core source (firmware/core/src/**/*.cpp), as the component compiles it on the
#     device: the same include directories, -fno-exceptions -fno-rtti, the device's libc,
#   - and tests/espidf/wrong_call.cpp, which has one wrong esp_ota_* call and MUST fail: if
#     it passes, the kit check cannot fail and proves nothing, so the whole check fails.
# The component's Kconfig options are defined from their Kconfig defaults, as sdkconfig.h
# would after `idf.py menuconfig` with nothing changed; an option the code uses but Kconfig
# lacks fails the check. Any compiler warning fails it too (ESP-IDF builds with -Werror=all).
# Exit: 0 all passed, 1 a file failed, 3 skipped (no kit). -fsyntax-only: nothing is linked.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
kit=${ESPIDF_KIT:-../shared/espidf-kit}
if [ ! -x "$kit/check.sh" ]; then
  echo "SKIPPED: no ESP-IDF header kit at $kit"
  exit 3
fi
kit=$(cd "$kit" && pwd)
# The kit's own check.sh reads ESPIDF_KIT as its inner kit/ directory: not ours.
unset ESPIDF_KIT
if ! command -v "${CXX_RISCV:-riscv64-unknown-elf-g++}" >/dev/null; then
  echo "check-espidf: riscv64-unknown-elf-g++ missing (scripts/setup.sh installs gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf)" >&2
  exit 1
fi
start_ms=$(date +%s%3N)

# CONFIG_VT132_* from firmware/esp-idf/Kconfig's defaults: bool y -> 1, bool n -> undefined,
# int -> its value, string -> a C string literal. With "flip", every bool is inverted, so the
# other side of each #ifdef on a bool option is checked too.
kconfig_defines() {  # [flip]
  awk -v flip="${1:-}" '
    /^[ \t]*config[ \t]/ { name = $2; type = "" }
    /^[ \t]*(bool|int|string)([ \t]|$)/ { type = $1 }
    /^[ \t]*default[ \t]/ && name != "" {
      v = $0; sub(/^[ \t]*default[ \t]+/, "", v)
      if (type == "bool") { if ((v == "y") != (flip == "flip")) { print "-D"; print "CONFIG_" name "=1" } }
      else { print "-D"; print "CONFIG_" name "=" v }
      name = ""
    }' firmware/esp-idf/Kconfig
}
mapfile -t defs < <(kconfig_defines)
mapfile -t flipped < <(kconfig_defines flip)
[ ${#defs[@]} -gt 0 ] || { echo "check-espidf: no defaults read from firmware/esp-idf/Kconfig" >&2; exit 1; }

# The component's include directories (firmware/esp-idf/CMakeLists.txt INCLUDE_DIRS).
incs=(-I firmware/core/include -I firmware/esp-idf)
mapfile -t files < <({ find firmware/esp-idf -name '*.cpp'; find firmware/core/src -name '*.cpp'; } | sort)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# One file and target per job; its output is printed whole, so parallel jobs do not mix.
check_one() {  # TARGET DEFINES_FILE FILE
  local defs incs out rc
  mapfile -t defs < "$2"
  read -r -a incs <<<"$incs_s"
  out=$("$kit/check.sh" -t "$1" "${incs[@]}" "${defs[@]}" "$3" 2>&1)
  rc=$?
  if [ $rc -eq 0 ] && grep -q 'warning:' <<<"$out"; then
    out=$(sed '/^OK /d' <<<"$out")$'\n'"FAIL [$1] $3 (compiler warnings)"
    rc=1
  fi
  printf '%s\n' "$out"
  return $rc
}
export -f check_one
export kit incs_s="${incs[*]}"
printf '%s\n' "${defs[@]}" > "$log/defaults"
printf '%s\n' "${flipped[@]}" > "$log/flipped"

for target in esp32 esp32c3; do
  printf '%s\n' "${files[@]}" |
    xargs -P2 -I{} bash -c 'check_one "$@"' _ "$target" "$log/defaults" {} > "$log/$target.txt" 2>&1
done
# The files that read Kconfig options, again with every bool option the other way round.
mapfile -t config_users < <(grep -l 'CONFIG_VT132_' "${files[@]}")
for target in esp32 esp32c3; do
  for f in "${config_users[@]}"; do check_one "$target" "$log/flipped" "$f"; done
done > "$log/flipped.txt" 2>&1
cat "$log"/esp32.txt "$log"/esp32c3.txt "$log"/flipped.txt | grep -v '^OK ' || true
ok=$(cat "$log"/*.txt | grep -c '^OK ')
failed=$(cat "$log"/*.txt | grep -c '^FAIL ')
expected=$((2 * ${#files[@]} + 2 * ${#config_users[@]}))

# The negative control: one deliberately wrong call must fail on both targets, for the
# reason planted in it (not, say, a missing header).
control_ok=1
for target in esp32 esp32c3; do
  if out=$("$kit/check.sh" -t "$target" "${incs[@]}" tests/espidf/wrong_call.cpp 2>&1); then
    echo "check-espidf: tests/espidf/wrong_call.cpp PASSED on $target: the kit check cannot fail" >&2
    control_ok=0
  elif ! grep -q "too few arguments to function.*esp_ota_begin" <<<"$out"; then
    echo "check-espidf: tests/espidf/wrong_call.cpp failed on $target, but not for its wrong esp_ota_begin call:" >&2
    printf '%s\n' "$out" | head -20 >&2
    control_ok=0
  fi
done

ms=$(( $(date +%s%3N) - start_ms ))
echo "check-espidf: ${#files[@]} files x 2 targets (esp32, esp32c3), ${#config_users[@]} again with the Kconfig bools flipped: $ok OK, $failed FAIL; wrong-call control $([ $control_ok = 1 ] && echo 'fails as it must' || echo 'BROKEN'); $((ms / 1000)).$((ms % 1000 / 100)) s"
[ "$failed" -eq 0 ] && [ "$ok" -eq "$expected" ] && [ $control_ok = 1 ]
