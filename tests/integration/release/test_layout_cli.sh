#!/usr/bin/env bash
# `partitions` and `factory`: tables in both forms and whole flash images, byte for byte.
source "$(dirname "$0")/../harness.sh"
: "${BIN:?BIN must name the folder with vt132-release and vt132-mkimage}"
release="$BIN/vt132-release"
mkimage="$BIN/vt132-mkimage"

region() {  # FILE OFFSET LENGTH: bytes of a region as hex
  dd if="$1" bs=1 skip="$2" count="$3" status=none | od -An -v -tx1 | tr -d ' \n'
}

test_the_builtin_table_is_the_vt132_layout_of_the_modem_spec() {
  expect_status 0 "$release" partitions
  expect_contains "$out" "app0,    app,  ota_0,  0x10000,  0x140000"
  expect_contains "$out" "app1,    app,  ota_1,  0x150000, 0x140000"
  expect_contains "$out" "otadata, data, ota,    0xe000,   0x2000"
  expect_contains "$out" "spiffs,  data, spiffs, 0x290000, 0x170000"
}

test_csv_to_binary_and_back_gives_the_same_table() {
  "$release" partitions -o table.bin
  expect_equal "$(stat -c %s table.bin)" "3072"
  # The first entry: magic AA 50, data/nvs, offset 0x9000, size 0x5000, label "nvs".
  expect_equal "$(region table.bin 0 16)" "aa50010200900000005000006e767300"
  # The MD5 entry after the five entries covers their 160 bytes.
  expect_equal "$(region table.bin 160 16)" "ebebffffffffffffffffffffffffffff"
  expect_equal "$(region table.bin 176 16)" "$(head -c 160 table.bin | md5sum | cut -d' ' -f1)"
  "$release" partitions table.bin -o back.csv
  expect_equal "$(cat back.csv)" "$("$release" partitions)"
  "$release" partitions back.csv -o again.bin
  cmp -s table.bin again.bin || fail "binary differs after a CSV round trip"
}

test_bad_tables_are_refused_with_the_line_or_entry_at_fault() {
  printf '# Name, Type, SubType, Offset, Size\nnvs, data, nvs, 0x9000, 0x5000\napp0, app, ota_0, 0x10800, 0x100000\n' > misaligned.csv
  expect_status 1 "$release" partitions misaligned.csv
  expect_contains "$err" "misaligned.csv: line 3"
  printf 'nvs, data, nvs, 0x9000, 0x5000\nnvs2, data, nvs, 0xa000, 0x5000\n' > overlap.csv
  expect_status 1 "$release" partitions overlap.csv
  expect_contains "$err" "overlaps"
  printf 'app0, app, ota_0, 0x10000, 0x400000\n' > big.csv
  expect_status 1 "$release" partitions big.csv
  expect_contains "$err" "big.csv"
  "$release" partitions -o table.bin
  printf '\x91' | dd of=table.bin bs=1 seek=5 conv=notrunc status=none  # offset 0x9000 -> 0x9100
  expect_status 1 "$release" partitions table.bin
  expect_contains "$err" "MD5"
}

test_factory_image_places_bootloader_table_and_app_and_erases_the_rest() {
  "$mkimage" --bootloader --size 24K -o bl.bin >/dev/null
  "$mkimage" --version V1.0.0 --size 1100K -o app.bin >/dev/null
  expect_status 0 "$release" factory --bootloader bl.bin --app app.bin -o flash.bin
  expect_contains "$out" "app in app0 at 0x10000"
  expect_equal "$(stat -c %s flash.bin)" "$((4 * 1024 * 1024))"
  local bl=$(stat -c %s bl.bin) app=$(stat -c %s app.bin)
  cmp -s <(tail -c +$((0x1000 + 1)) flash.bin | head -c "$bl") bl.bin || fail "bootloader not at 0x1000"
  "$release" partitions -o table.bin
  cmp -s <(tail -c +$((0x8000 + 1)) flash.bin | head -c 3072) table.bin || fail "table not at 0x8000"
  cmp -s <(tail -c +$((0x10000 + 1)) flash.bin | head -c "$app") app.bin || fail "app not at 0x10000"
  # Everything else is erased flash: count the 0xFF bytes outside the three regions.
  local ff
  ff=$(tr -d '\377' < flash.bin | wc -c)
  local written_non_ff
  written_non_ff=$(cat bl.bin table.bin app.bin | tr -d '\377' | wc -c)
  expect_equal "$ff" "$written_non_ff"
  # otadata (0xe000, two sectors) is erased, so the bootloader starts the first slot.
  expect_equal "$(tail -c +$((0xe000 + 1)) flash.bin | head -c 8192 | tr -d '\377' | wc -c)" "0"
}

test_factory_refuses_inputs_that_cannot_boot() {
  "$mkimage" --bootloader --size 24K -o bl.bin >/dev/null
  "$mkimage" --version V1.0.0 --size 1100K -o app.bin >/dev/null
  expect_status 1 "$release" factory --bootloader app.bin --app app.bin -o flash.bin
  expect_contains "$err" "bootloader: too large"
  expect_status 1 "$release" factory --bootloader bl.bin --app bl.bin -o flash.bin
  expect_contains "$err" "app: no app descriptor"
  "$mkimage" --version V1.0.0 --chip esp32s3 --size 100K -o s3.bin >/dev/null
  expect_status 1 "$release" factory --bootloader bl.bin --app s3.bin -o flash.bin
  expect_contains "$err" "wrong chip"
  printf 'nvs, data, nvs, 0x9000, 0x5000\nstore, data, spiffs, 0x10000, 0x10000\n' > noapp.csv
  expect_status 1 "$release" factory --bootloader bl.bin --app app.bin --partitions noapp.csv -o flash.bin
  expect_contains "$err" "neither a factory app nor an ota_0"
  expect_status 2 "$release" factory --bootloader bl.bin --app app.bin --flash-size 0 -o flash.bin
  expect_status 2 "$release" factory --bootloader bl.bin --app app.bin --flash-size 4G -o flash.bin
  [ ! -e flash.bin ] || fail "flash.bin written despite errors"
}

run_tests
