#!/usr/bin/env bash
# The main job: set up, build, and show the toolkit working on a generated VT132 image.
# (The local update server and the simulated device join this demo as they land.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)" >build/build.log 2>&1 || { tail -40 build/build.log; exit 1; }

demo=${VT132_DEMO_DIR:-out/demo}
mkdir -p "$demo"
echo "== a synthetic VT132 V1.0.0 image (random code, valid format) -> $demo/VT132.bin"
build/bin/vt132-mkimage --version V1.0.0 --size 1100K -o "$demo/VT132.bin"
echo "== vt132-release inspect"
build/bin/vt132-release inspect "$demo/VT132.bin"
echo "== vt132-release verify, as the device will check it"
build/bin/vt132-release verify "$demo/VT132.bin" --chip esp32 --max-size 0x140000
echo "== vt132-release stamp V1.1.0 into a copy"
build/bin/vt132-release stamp "$demo/VT132.bin" --version V1.1.0 -o "$demo/VT132-V1.1.0.bin"
build/bin/vt132-release verify "$demo/VT132-V1.1.0.bin" --chip esp32
