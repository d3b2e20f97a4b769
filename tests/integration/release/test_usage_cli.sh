#!/usr/bin/env bash
# Usage errors through the real binaries: each names what is wrong and exits 2; tags without
# VT132's capital V get a hint; inspect labels both hashes it shows.
source "$(dirname "$0")/../harness.sh"
: "${BIN:?BIN must name the folder with vt132-release, vt132-mkimage, vt132-sim and vt132-ota-server}"
release="$BIN/vt132-release"
mkimage="$BIN/vt132-mkimage"

test_an_unknown_command_is_named_with_the_known_ones() {
  expect_status 2 "$release" frobnicate
  expect_contains "$err" 'unknown command "frobnicate"'
  expect_contains "$err" "create"
  expect_status 2 "$release" --version-typo
  expect_status 2 "$release"
  expect_contains "$err" "subcommand is required"
}

test_an_unknown_option_is_named_by_every_program() {
  expect_status 2 "$release" create --frob x --image a --tag V1.0.0 --out d
  expect_contains "$err" "--frob"
  expect_status 2 "$mkimage" -o x.bin --frob
  expect_contains "$err" "--frob"
  # Named even when a required option is missing too: the typo is what to fix.
  expect_status 2 "$release" create --tga V1.0.0
  expect_contains "$err" "not expected: "
  expect_contains "$err" "--tga"
  expect_status 2 "$mkimage" --frob
  expect_contains "$err" "not expected: --frob"
  expect_status 2 "$BIN/vt132-sim" --frob
  expect_contains "$err" "not expected: --frob"
  expect_status 2 "$BIN/vt132-sim" --flash f.bin --frob
  expect_contains "$err" "--frob"
  expect_status 2 "$BIN/vt132-ota-server" --data data --frob
  expect_contains "$err" "--frob"
  [ ! -e x.bin ] && [ ! -e f.bin ] || fail "a program did work despite a usage error"
}

test_every_program_exits_2_on_a_missing_option_and_0_on_help() {
  expect_status 2 "$release" create --image a --out d
  expect_contains "$err" "--tag"
  expect_status 2 "$mkimage" --version V1.0.0
  expect_contains "$err" "--out"
  expect_status 2 "$BIN/vt132-sim"
  expect_contains "$err" "--flash"
  expect_status 2 "$BIN/vt132-sim" --flash f.bin --min-rate -5
  local prog
  for prog in "$release" "$mkimage" "$BIN/vt132-sim" "$BIN/vt132-ota-server"; do
    expect_status 0 "$prog" --help
  done
}

test_mkimage_refuses_a_version_that_is_not_one() {
  expect_status 2 "$mkimage" --version banana -o x.bin
  expect_contains "$err" '"banana" is not a version'
  expect_status 2 "$mkimage" --version V1.0.0-averyveryverylongprerelease -o x.bin
  expect_contains "$err" "31-character version field"
  [ ! -e x.bin ] || fail "image written for a bad version"
  expect_status 0 "$mkimage" --version V1.9.0-beta.1 -o x.bin
  # Tests that need a hostile version string say so.
  expect_status 0 "$mkimage" --any-version --version banana -o x.bin
  expect_status 2 "$mkimage" --any-version --version V1.0.0-averyveryverylongprerelease -o x.bin
}

test_tags_without_the_capital_v_get_a_hint() {
  "$mkimage" --version V1.9.0 -o V.bin >/dev/null
  expect_status 1 "$release" create --image V.bin --tag 1.9.0 --out rel
  expect_contains "$err" "note: VT132 tags start with a capital V: V1.9.0, not 1.9.0"
  expect_contains "$err" "does not match tag 1.9.0"
  # A lower-case v is accepted where the image says so, but still noted.
  "$mkimage" --version v1.9.0 -o v.bin >/dev/null
  expect_status 0 "$release" create --image v.bin --tag v1.9.0 --out rel
  expect_contains "$err" "V1.9.0, not v1.9.0"
  expect_status 0 "$release" stamp V.bin --version 1.9.1 -o s.bin
  expect_contains "$err" "V1.9.1, not 1.9.1"
  expect_status 0 "$release" stamp V.bin --version V1.9.1 -o s2.bin
  expect_equal "$err" ""
}

test_inspect_labels_the_appended_and_the_whole_file_sha256() {
  "$mkimage" --version V1.7.0 -o img.bin >/dev/null
  printf 'trailing signature sector' >> img.bin  # so the two hashes cover different bytes
  expect_status 0 "$release" inspect img.bin
  local image_size
  image_size=$("$release" inspect img.bin --json | jq .image_size)
  expect_contains "$out" "Appended SHA-256: $(head -c $((image_size - 32)) img.bin | sha256sum | cut -d' ' -f1) (stored"
  expect_contains "$out" "File SHA-256:     $(sha256sum img.bin | cut -d' ' -f1) (the whole file"
  expect_equal "$("$release" inspect img.bin --json | jq -r .file_sha256)" "$(sha256sum img.bin | cut -d' ' -f1)"
}

run_tests
