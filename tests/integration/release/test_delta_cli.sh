#!/usr/bin/env bash
# `vt132-release delta`, `create --delta-from` and publishing a release with patches, on
# "next release" pairs from `vt132-mkimage --next-of`, checked with jq, openssl and sha256sum.
source "$(dirname "$0")/../harness.sh"
: "${BIN:?BIN must name the folder with vt132-release, vt132-mkimage and vt132-ota-server}"
release="$BIN/vt132-release"
mkimage="$BIN/vt132-mkimage"
server="$BIN/vt132-ota-server"
source "$(dirname "$0")/../ota_server.sh"

make_pair() {  # OLD.bin NEW.bin: V1.7.0 and the release after it
  "$mkimage" --code-like --version V1.7.0 --size 400K -o "$1" >/dev/null
  "$mkimage" --next-of "$1" --version V1.8.0 --seed 3 -o "$2" >/dev/null
}

test_mkimage_next_release_is_a_valid_image_made_the_same_from_the_same_seed() {
  make_pair old.bin new.bin
  expect_status 0 "$release" verify new.bin --chip esp32
  "$mkimage" --next-of old.bin --version V1.8.0 --seed 3 -o again.bin >/dev/null
  cmp -s new.bin again.bin || fail "same seed, different image"
  "$mkimage" --next-of old.bin --version V1.8.0 --seed 4 -o other.bin >/dev/null
  cmp -s new.bin other.bin && fail "another seed made the same image"
  expect_equal "$("$release" inspect new.bin --json | jq -r .app.version)" "V1.8.0"
}

test_delta_then_apply_reproduces_the_new_image_byte_for_byte() {
  make_pair old.bin new.bin
  expect_status 0 "$release" delta old.bin new.bin -o p.patch
  expect_contains "$out" "p.patch: $(stat -c %s p.patch) bytes"
  [ "$(stat -c %s p.patch)" -lt $(($(stat -c %s new.bin) / 10)) ] || fail "patch is not small: $(stat -c %s p.patch)"
  expect_status 0 "$release" delta --apply old.bin p.patch -o out.bin
  cmp -s out.bin new.bin || fail "applied result differs from new.bin"
  expect_contains "$out" "sha256:$(sha256sum new.bin | cut -c1-64)"
}

test_a_patch_applied_to_another_base_fails_by_name_and_writes_nothing() {
  make_pair old.bin new.bin
  "$release" delta old.bin new.bin -o p.patch >/dev/null
  "$mkimage" --code-like --version V1.7.0 --size 400K --seed 9 -o other.bin >/dev/null
  expect_status 1 "$release" delta --apply other.bin p.patch -o out.bin
  expect_contains "$err" "base image differs from the one the patch was made for"
  [ ! -e out.bin ] || fail "out.bin written"
  expect_equal "$(ls)" "$(printf 'new.bin\nold.bin\nother.bin\np.patch')"
}

test_a_damaged_patch_is_refused_and_an_existing_output_is_kept() {
  make_pair old.bin new.bin
  "$release" delta old.bin new.bin -o p.patch >/dev/null
  cp p.patch bad.patch
  printf '\x55' | dd of=bad.patch bs=1 seek=200 conv=notrunc 2>/dev/null
  echo keep >out.bin
  expect_status 1 "$release" delta --apply old.bin bad.patch -o out.bin
  expect_contains "$err" "patch refused"
  expect_equal "$(cat out.bin)" "keep"
  head -c 100 p.patch >short.patch
  expect_status 1 "$release" delta --apply old.bin short.patch -o out.bin
  expect_contains "$err" "patch is truncated"
  expect_status 1 "$release" delta --apply old.bin old.bin -o out.bin
  expect_contains "$err" "not a VT132 delta patch"
}

test_delta_usage_errors_exit_2_and_help_shows_both_forms() {
  expect_status 0 "$release" delta --help
  expect_contains "$out" "vt132-release delta --apply"
  expect_contains "$out" "docs/delta.md"
  expect_status 2 "$release" delta only-one.bin
  make_pair old.bin new.bin
  expect_status 1 "$release" delta old.bin missing.bin -o p.patch
  expect_contains "$err" "missing.bin"
  expect_status 1 "$release" delta old.bin new.bin -o new.bin
  expect_contains "$err" "refusing to overwrite the input"
}

test_create_delta_from_lists_the_patch_in_the_signed_manifest_and_ships_it() {
  make_pair old.bin new.bin
  "$release" keygen --out k.pem >/dev/null
  "$release" create --image old.bin --tag V1.7.0 --key k.pem --out dist/V1.7.0 >/dev/null
  expect_status 0 "$release" create --image new.bin --tag V1.8.0 --key k.pem --out dist/V1.8.0 --delta-from dist/V1.7.0
  expect_contains "$out" "VT132-from-V1.7.0.patch"
  local m=dist/V1.8.0/vt132-manifest.json p=dist/V1.8.0/VT132-from-V1.7.0.patch
  [ -f "$p" ] || fail "no patch asset"
  expect_equal "$(jq -r .delta "$m")" "1"
  expect_equal "$(jq -r .patch1_asset "$m")" "VT132-from-V1.7.0.patch"
  expect_equal "$(jq -r .patch1_base "$m")" "$(sha256sum old.bin | cut -c1-64)"
  expect_equal "$(jq -r .patch1_sha256 "$m")" "$(sha256sum "$p" | cut -c1-64)"
  expect_equal "$(jq -r .patch1_size "$m")" "$(stat -c %s "$p")"
  expect_equal "$(cd dist/V1.8.0 && openssl dgst -sha256 -verify ../../k.pub.pem -signature vt132-manifest.json.sig vt132-manifest.json)" "Verified OK"
  (cd dist/V1.8.0 && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c failed"
  expect_equal "$(jq -r '[.assets[].name] | sort | join(" ")' dist/V1.8.0/release.json)" \
    "SHA256SUMS VT132-from-V1.7.0.patch VT132.bin vt132-manifest.json vt132-manifest.json.sig"
  "$release" delta --apply old.bin "$p" -o out.bin >/dev/null
  cmp -s out.bin dist/V1.8.0/VT132.bin || fail "the shipped patch does not make the shipped image"
}

test_create_delta_from_refuses_a_fourth_base_and_leaves_no_directory() {
  make_pair old.bin new.bin
  expect_status 1 "$release" create --image new.bin --tag V1.8.0 --out rel \
    --delta-from old.bin --delta-from old.bin --delta-from old.bin --delta-from old.bin
  expect_contains "$err" "a manifest lists at most 3 patches"
  expect_status 1 "$release" create --image new.bin --tag V1.8.0 --out rel --delta-from new.bin
  expect_contains "$err" "is the new image itself"
  [ ! -e rel ] || fail "a refused create left rel/"
}

test_publish_uploads_the_patch_like_any_asset() {
  start_server
  make_pair old.bin new.bin
  "$release" create --image new.bin --tag V1.8.0 --repo "$repo" --out rel --delta-from old.bin >/dev/null
  expect_status 0 publish_dir rel
  expect_equal "$(curl -sf --cacert data/tls/ca.pem "$url/repos/$repo/releases/latest" | jq -r '[.assets[].name] | sort | join(" ")')" \
    "SHA256SUMS VT132-from-V1.7.0.patch VT132.bin vt132-manifest.json"
  curl -sf --cacert data/tls/ca.pem -o got.patch "$url/$repo/releases/download/V1.8.0/VT132-from-V1.7.0.patch"
  cmp -s got.patch rel/VT132-from-V1.7.0.patch || fail "downloaded patch differs"
}

run_tests
