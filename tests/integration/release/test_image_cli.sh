#!/usr/bin/env bash
# inspect / verify / stamp on real files, checked through the real binaries.
source "$(dirname "$0")/../harness.sh"
: "${BIN:?BIN must name the folder with vt132-release and vt132-mkimage}"
release="$BIN/vt132-release"
mkimage="$BIN/vt132-mkimage"

# Byte surgery on a copy: patch FILE OFFSET HEXBYTE
patch_byte() {
  printf "\\x$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

json_field() {  # FILE JQ-PATH
  "$release" inspect "$1" --json | jq -r "$2"
}

test_inspect_json_reports_what_the_generator_wrote() {
  "$mkimage" --version V1.4.0-beta.4 --secure-version 3 --idf-version v4.0.2 --chip esp32 --size 300K -o img.bin >/dev/null
  expect_equal "$(json_field img.bin .app.version)" "V1.4.0-beta.4"
  expect_equal "$(json_field img.bin .app.project_name)" "VT132"
  expect_equal "$(json_field img.bin .app.idf_ver)" "v4.0.2"
  expect_equal "$(json_field img.bin .app.secure_version)" "3"
  expect_equal "$(json_field img.bin .chip_id)" "0"
  expect_equal "$(json_field img.bin '.segments | length')" "6"
  expect_equal "$(json_field img.bin '.segments[0].load_addr')" "$((0x3f400020))"
  expect_equal "$(json_field img.bin .checksum.valid)" "true"
  expect_equal "$(json_field img.bin .sha256.valid)" "true"
  expect_equal "$(json_field img.bin .size)" "$(stat -c %s img.bin)"
  # The appended hash is the SHA-256 of everything before it.
  local size=$(stat -c %s img.bin)
  expect_equal "$(json_field img.bin .sha256.stored)" "$(head -c $((size - 32)) img.bin | sha256sum | cut -d' ' -f1)"
}

test_inspect_text_shows_version_segments_and_validity() {
  "$mkimage" --version V1.7.0 -o img.bin >/dev/null
  expect_status 0 "$release" inspect img.bin
  expect_contains "$out" "Version:        V1.7.0"
  expect_contains "$out" "Segments:       6"
  expect_contains "$out" "Validation:     valid"
}

test_inspect_shows_a_truncated_image_as_far_as_it_goes_and_fails() {
  "$mkimage" -o img.bin >/dev/null
  head -c 5000 img.bin > cut.bin
  expect_status 1 "$release" inspect cut.bin
  expect_contains "$out" "INVALID: segment 0 overruns file"
}

test_verify_accepts_a_valid_image_and_prints_version_and_hash() {
  "$mkimage" --version V1.7.0 --size 1100K -o img.bin >/dev/null
  expect_status 0 "$release" verify img.bin --chip esp32 --max-size 0x140000
  expect_contains "$out" "valid esp32 app image V1.7.0"
  # The whole file's SHA-256, as sha256sum, SHA256SUMS and the manifest show it.
  expect_contains "$out" "sha256 $(sha256sum img.bin | cut -d' ' -f1)"
}

test_verify_names_each_problem_in_one_line() {
  "$mkimage" --size 100K -o good.bin >/dev/null
  local size=$(stat -c %s good.bin)

  cp good.bin bad.bin; patch_byte bad.bin 0 e8
  expect_status 1 "$release" verify bad.bin
  expect_equal "$err" "bad.bin: bad magic 0xe8 at offset 0 (an app image starts with 0xe9)"

  cp good.bin bad.bin; patch_byte bad.bin 33 00   # app descriptor magic
  expect_status 1 "$release" verify bad.bin
  expect_contains "$err" "bad.bin: no app descriptor"

  cp good.bin bad.bin; patch_byte bad.bin 4000 5a   # segment data
  expect_status 1 "$release" verify bad.bin
  expect_contains "$err" "bad.bin: checksum mismatch at offset"

  cp good.bin bad.bin; patch_byte bad.bin $((size - 1)) 00   # the stored hash
  expect_status 1 "$release" verify bad.bin
  expect_contains "$err" "bad.bin: SHA-256 mismatch"

  head -c $((size / 2)) good.bin > bad.bin
  expect_status 1 "$release" verify bad.bin
  expect_contains "$err" "overruns file"

  head -c 10 good.bin > bad.bin
  expect_status 1 "$release" verify bad.bin
  expect_equal "$err" "bad.bin: truncated at offset 10 (in the image header)"

  expect_status 1 "$release" verify good.bin --chip esp32s3
  expect_equal "$err" "good.bin: wrong chip: image is for esp32 (chip id 0), expected esp32s3"

  expect_status 1 "$release" verify good.bin --max-size 64K
  expect_contains "$err" "good.bin: too large for the partition"
  [ "$(wc -l <<<"$err")" -eq 1 ] || fail "expected one line, got: $err"
}

test_verify_reports_unreadable_files_and_bad_options_clearly() {
  expect_status 1 "$release" verify missing.bin
  expect_equal "$err" "vt132-release: cannot read missing.bin: No such file or directory"
  mkdir dir.bin
  expect_status 1 "$release" verify dir.bin
  expect_contains "$err" "not a regular file"
  "$mkimage" -o img.bin >/dev/null
  expect_status 1 "$release" verify img.bin --chip esp8266
  expect_contains "$err" "unknown chip \"esp8266\""
  expect_status 2 "$release" verify
}

test_stamp_round_trip_writes_a_valid_image_and_keeps_the_input() {
  "$mkimage" --version V1.7.0 -o in.bin >/dev/null
  local before=$(sha256sum in.bin)
  expect_status 0 "$release" stamp in.bin --version V1.8.0 --secure-version 2 -o out.bin
  expect_contains "$out" "V1.7.0 -> V1.8.0, secure_version 2"
  expect_equal "$(sha256sum in.bin)" "$before"
  expect_status 0 "$release" verify out.bin --chip esp32
  expect_equal "$(json_field out.bin .app.version)" "V1.8.0"
  expect_equal "$(json_field out.bin .app.secure_version)" "2"
  expect_equal "$(cmp -l in.bin out.bin | wc -l | tr -d ' ')" "$(cmp -l in.bin out.bin | awk '$1 <= 56 || $1 > '$(( $(stat -c %s in.bin) - 48 ))'' | wc -l | tr -d ' ')"
  expect_equal "$(ls -A | sort | tr '\n' ' ')" "in.bin out.bin "
}

test_stamp_refuses_bad_versions_damaged_inputs_and_overwriting_the_input() {
  "$mkimage" -o in.bin >/dev/null
  expect_status 1 "$release" stamp in.bin --version V1.8 -o out.bin
  expect_equal "$err" "vt132-release: \"V1.8\" is not a version: expected MAJOR.MINOR.PATCH"
  expect_status 1 "$release" stamp in.bin --version V1.0.0-beta.1234567890123456789012 -o out.bin
  expect_contains "$err" "holds at most 31"
  expect_status 1 "$release" stamp in.bin --version V1.8.0 -o in.bin
  expect_contains "$err" "refusing to overwrite the input image"
  ln -s in.bin link.bin
  expect_status 1 "$release" stamp in.bin --version V1.8.0 -o link.bin
  expect_status 2 "$release" stamp in.bin --version V1.8.0 --secure-version -1 -o out.bin
  cp in.bin bad.bin; patch_byte bad.bin 4000 5a
  expect_status 1 "$release" stamp bad.bin --version V1.8.0 -o out.bin
  expect_contains "$err" "cannot stamp: checksum mismatch"
  [ ! -e out.bin ] || fail "out.bin written despite errors"
}

test_help_teaches_with_examples() {
  expect_status 0 "$release" --help
  expect_contains "$out" "vt132-release verify build/VT132.bin --chip esp32"
  expect_status 0 "$release" stamp --help
  expect_contains "$out" "Example: vt132-release stamp"
  expect_status 0 "$release" --version
  expect_contains "$out" "vt132-release 0."
}

run_tests
