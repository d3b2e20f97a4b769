#!/usr/bin/env bash
# `create --bootloader`: FIRMWARE.zip checked with unzip, cmp against each file's source, and
# the offsets in flash_args against the partition table `partitions` prints.
source "$(dirname "$0")/../harness.sh"
: "${BIN:?BIN must name the folder with vt132-release and vt132-mkimage}"
release="$BIN/vt132-release"
mkimage="$BIN/vt132-mkimage"

make_inputs() {  # a bootloader-like image and a release image, both from our own generator
  "$mkimage" --bootloader --size 24K -o bl.bin >/dev/null
  "$mkimage" --version V1.9.0 --size 300K -o app.bin >/dev/null
}

# csv_offset LABEL [CSV]: a partition's offset, as the CSV form of the table prints it.
csv_offset() {
  local csv=${2:-}
  if [ -n "$csv" ]; then "$release" partitions "$csv"; else "$release" partitions; fi |
    awk -F', *' -v l="$1" '$1 == l { print $4 }'
}

test_the_bundle_passes_unzip_and_each_file_equals_its_source() {
  make_inputs
  expect_status 0 "$release" create --image app.bin --tag V1.9.0 --bootloader bl.bin --out rel
  expect_contains "$out" "FIRMWARE.zip"
  unzip -tq rel/FIRMWARE.zip >unzip.log || fail "unzip -t: $(cat unzip.log)"
  expect_equal "$(zipinfo -1 rel/FIRMWARE.zip | tr '\n' ' ')" \
    "FLASHING.md flash_args bootloader.bin partition-table.bin ota_data_initial.bin VT132.bin VT132-factory.bin "
  unzip -q rel/FIRMWARE.zip -d x
  cmp bl.bin x/bootloader.bin || fail "bootloader differs"
  cmp rel/VT132.bin x/VT132.bin || fail "app differs from the release's image"
  "$release" partitions -o table.bin
  cmp table.bin x/partition-table.bin || fail "partition table differs"
  "$release" factory --bootloader bl.bin --app app.bin -o factory.bin >/dev/null
  cmp factory.bin x/VT132-factory.bin || fail "factory image differs from \`factory\`'s"
  expect_equal "$(stat -c %s x/ota_data_initial.bin)" "8192"
  expect_equal "$(tr -d '\377' < x/ota_data_initial.bin | wc -c)" "0"
  # The zip is a release asset like the others: in SHA256SUMS and release.json.
  (cd rel && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c failed"
  grep -q " FIRMWARE.zip$" rel/SHA256SUMS || fail "FIRMWARE.zip not in SHA256SUMS"
  expect_equal "$(jq -r '.assets[] | select(.name == "FIRMWARE.zip") | .size' rel/release.json)" \
    "$(stat -c %s rel/FIRMWARE.zip)"
  # Unlike patches, the zip is not for devices: the manifest does not list it.
  grep -q FIRMWARE rel/vt132-manifest.json && fail "the manifest lists the zip"
  return 0
}

test_flash_args_offsets_are_the_partition_tables() {
  make_inputs
  "$release" create --image app.bin --tag V1.9.0 --bootloader bl.bin --out rel >/dev/null
  unzip -q rel/FIRMWARE.zip -d x
  # The first line: the settings in the bootloader's header (the generator's DIO, 80 MHz, 4 MB).
  expect_equal "$(head -1 x/flash_args)" "--flash_mode dio --flash_freq 80m --flash_size 4MB"
  expect_equal "$(tail -n +2 x/flash_args | tr '\n' ' ')" \
    "0x1000 bootloader.bin 0x8000 partition-table.bin $(csv_offset otadata) ota_data_initial.bin $(csv_offset app0) VT132.bin "
}

test_a_custom_table_moves_the_app_and_otadata_in_flash_args_and_the_factory_image() {
  make_inputs
  cat > custom.csv <<'EOF'
# Name, Type, SubType, Offset, Size
nvs,      data, nvs,    0x9000,  0x4000
otadata,  data, ota,    0xd000,  0x2000
phy_init, data, phy,    0xf000,  0x1000
factory,  app,  factory, 0x20000, 0x100000
ota_0,    app,  ota_0,  0x120000, 0x100000
ota_1,    app,  ota_1,  0x220000, 0x100000
EOF
  expect_status 0 "$release" create --image app.bin --tag V1.9.0 --bootloader bl.bin --partitions custom.csv --out rel
  unzip -q rel/FIRMWARE.zip -d x
  expect_equal "$(csv_offset factory custom.csv)" "0x20000"
  expect_equal "$(tail -n +2 x/flash_args | tr '\n' ' ')" \
    "0x1000 bootloader.bin 0x8000 partition-table.bin 0xd000 ota_data_initial.bin 0x20000 VT132.bin "
  "$release" partitions custom.csv -o custom.bin
  cmp custom.bin x/partition-table.bin || fail "table differs from the CSV's"
  cmp <(tail -c +$((0x20000 + 1)) x/VT132-factory.bin | head -c "$(stat -c %s app.bin)") app.bin ||
    fail "factory image has no app at 0x20000"
}

test_flashing_md_is_written_from_the_real_offsets_and_sizes() {
  make_inputs
  "$release" create --image app.bin --tag V1.9.0 --bootloader bl.bin --out rel >/dev/null
  unzip -q rel/FIRMWARE.zip -d x
  local md
  md=$(cat x/FLASHING.md)
  expect_contains "$md" "# Flashing VT132 V1.9.0 over USB serial"
  expect_contains "$md" "| bootloader.bin | 0x1000 | $(stat -c %s bl.bin) |"
  expect_contains "$md" "| VT132.bin | $(csv_offset app0) | $(stat -c %s app.bin) |"
  expect_contains "$md" "| VT132-factory.bin | 0x0 | $((4 * 1024 * 1024)) |"
  expect_contains "$md" "write_flash --flash_mode dio --flash_freq 80m --flash_size 4MB"
  expect_contains "$md" "    $(csv_offset app0) VT132.bin"
  expect_contains "$md" "write_flash @flash_args"
  expect_contains "$md" "write_flash 0x0 VT132-factory.bin"
  expect_contains "$md" "$("$release" partitions | head -3)"
}

test_a_rebuilt_release_has_a_byte_identical_bundle() {
  make_inputs
  "$release" create --image app.bin --tag V1.9.0 --bootloader bl.bin --out one >/dev/null
  # Other file times and another time zone must not change a byte.
  touch -d '2031-05-06 07:08:09' bl.bin app.bin
  TZ=Pacific/Auckland "$release" create --image app.bin --tag V1.9.0 --bootloader bl.bin --out two >/dev/null
  cmp one/FIRMWARE.zip two/FIRMWARE.zip || fail "the bundle differs between two builds"
  # Every entry carries the same fixed date, 2000-01-01.
  expect_equal "$(TZ=UTC zipinfo -T one/FIRMWARE.zip | awk '/^-/ { print $7 }' | sort -u)" \
    "20000101.000000"
}

test_bad_bootloaders_are_refused_before_anything_is_written() {
  make_inputs
  expect_status 1 "$release" create --image app.bin --tag V1.9.0 --bootloader app.bin --out rel
  expect_contains "$err" "app.bin: too large"
  "$mkimage" --version V1.9.0 --size 16K -o small-app.bin >/dev/null
  expect_status 1 "$release" create --image app.bin --tag V1.9.0 --bootloader small-app.bin --out rel
  expect_contains "$err" "an app image, not a bootloader"
  "$mkimage" --bootloader --chip esp32s3 --size 24K -o s3.bin >/dev/null
  expect_status 1 "$release" create --image app.bin --tag V1.9.0 --bootloader s3.bin --out rel
  expect_contains "$err" "wrong chip"
  head -c 4096 /dev/zero > zeros.bin
  expect_status 1 "$release" create --image app.bin --tag V1.9.0 --bootloader zeros.bin --out rel
  expect_contains "$err" "zeros.bin"
  expect_contains "$err" "magic"
  head -c 2000 bl.bin > cut.bin
  expect_status 1 "$release" create --image app.bin --tag V1.9.0 --bootloader cut.bin --out rel
  expect_contains "$err" "cut.bin: segment 0 overruns file"
  printf 'nvs, data, nvs, 0x9000, 0x5000\n' > noapp.csv
  expect_status 1 "$release" create --image app.bin --tag V1.9.0 --bootloader bl.bin --partitions noapp.csv --out rel
  expect_contains "$err" "neither a factory app nor an ota_0"
  expect_status 2 "$release" create --image app.bin --tag V1.9.0 --partitions noapp.csv --out rel
  expect_contains "$err" "--bootloader"
  [ ! -e rel ] || fail "a release directory was written despite the errors"
}

run_tests
