#!/usr/bin/env bash
# Cross-compiles the portable core for a 32-bit MCU (Cortex-M4 with newlib, a stand-in for
# the ESP32's Xtensa toolchain, which Debian does not ship) with the firmware's flags, and
# prints its code size. Fails if any core file is not firmware-clean or .text exceeds the
# budget (issue 6: 96 KiB).
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${VT132_TEXT_BUDGET:-98304}
out=build-mcu
rm -rf "$out" && mkdir -p "$out"
flags=(-std=gnu++17 -Os -fno-exceptions -fno-rtti -mcpu=cortex-m4 -mthumb -ffunction-sections -fdata-sections
       -Wall -Wextra -Werror -Ifirmware/core/include)
objs=()
while IFS= read -r src; do
  obj="$out/$(echo "${src#firmware/core/src/}" | tr / _).o"
  arm-none-eabi-g++ "${flags[@]}" -c "$src" -o "$obj"
  objs+=("$obj")
done < <(find firmware/core/src -name '*.cpp' | sort)
arm-none-eabi-ar rcs "$out/libvt132_core.a" "${objs[@]}"
arm-none-eabi-size -t "${objs[@]}" > "$out/size.txt"
text=$(awk '/\(TOTALS\)/ {print $1}' "$out/size.txt")
data=$(awk '/\(TOTALS\)/ {print $2}' "$out/size.txt")
bss=$(awk '/\(TOTALS\)/ {print $3}' "$out/size.txt")
echo "mcu-build: ${#objs[@]} core files, .text ${text} bytes ($((text / 1024)) KiB, budget $((budget / 1024)) KiB), .data ${data}, .bss ${bss}"
if [ "$text" -gt "$budget" ]; then
  echo "mcu-build: .text over budget" >&2
  sort -k1 -n -r "$out/size.txt" | head -5 >&2
  exit 1
fi
