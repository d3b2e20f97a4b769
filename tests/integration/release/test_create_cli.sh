#!/usr/bin/env bash
# keygen and create, checked with independent tools: sha256sum, openssl, jq.
source "$(dirname "$0")/../harness.sh"
: "${BIN:?BIN must name the folder with vt132-release and vt132-mkimage}"
release="$BIN/vt132-release"
mkimage="$BIN/vt132-mkimage"

make_image() {  # VERSION [FILE]
  "$mkimage" --version "$1" --size 200K -o "${2:-VT132.bin}" >/dev/null
}

test_keygen_writes_a_private_key_only_its_owner_can_read_and_a_public_key() {
  expect_status 0 "$release" keygen --out keys/release.pem
  expect_equal "$(stat -c %a keys/release.pem)" "600"
  expect_equal "$(stat -c %a keys)" "700"
  openssl pkey -in keys/release.pem -noout -text | grep -q "NIST CURVE: P-256" || fail "not a P-256 key"
  openssl pkey -pubin -in keys/release.pub.pem -noout || fail "public key unreadable"
  expect_status 1 "$release" keygen --out keys/release.pem
  expect_contains "$err" "keys/release.pem"
}

test_signed_release_verifies_with_openssl_and_sha256sum() {
  "$release" keygen --out k.pem >/dev/null
  make_image V1.8.0
  expect_status 0 "$release" create --image VT132.bin --tag V1.8.0 --key k.pem --out dist/V1.8.0
  expect_equal "$(ls dist/V1.8.0 | tr '\n' ' ')" "SHA256SUMS VT132.bin release.json vt132-manifest.json vt132-manifest.json.sig "
  (cd dist/V1.8.0 && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c failed"
  expect_equal "$(cd dist/V1.8.0 && openssl dgst -sha256 -verify ../../k.pub.pem -signature vt132-manifest.json.sig vt132-manifest.json)" "Verified OK"
  cmp -s VT132.bin dist/V1.8.0/VT132.bin || fail "image was changed"
}

test_a_tampered_manifest_no_longer_verifies_with_openssl() {
  "$release" keygen --out k.pem >/dev/null
  make_image V1.8.0
  "$release" create --image VT132.bin --tag V1.8.0 --key k.pem --out rel >/dev/null
  sed -i 's/"secure_version":0/"secure_version":9/' rel/vt132-manifest.json
  openssl dgst -sha256 -verify k.pub.pem -signature rel/vt132-manifest.json.sig rel/vt132-manifest.json >/dev/null 2>&1 &&
    fail "tampered manifest verified"
  return 0
}

test_manifest_binds_the_image_fields() {
  make_image V1.8.0
  "$mkimage" --version V1.8.0 --secure-version 4 --size 200K -o img.bin >/dev/null
  "$release" create --image img.bin --tag V1.8.0 --expires 30 --out rel >/dev/null
  local m=rel/vt132-manifest.json
  expect_equal "$(jq -r .version $m)" "V1.8.0"
  expect_equal "$(jq -r .project $m)" "VT132"
  expect_equal "$(jq -r .secure_version $m)" "4"
  expect_equal "$(jq -r .chip $m)" "esp32"
  expect_equal "$(jq -r .image $m)" "VT132.bin"
  expect_equal "$(jq -r .size $m)" "$(stat -c %s img.bin)"
  expect_equal "$(jq -r .sha256 $m)" "$(sha256sum img.bin | cut -d' ' -f1)"
  expect_equal "$(jq -r .channel $m)" "stable"
  local created expires
  created=$(date -d "$(jq -r .created $m)" +%s)
  expires=$(date -d "$(jq -r .expires $m)" +%s)
  expect_equal "$((expires - created))" "$((30 * 86400))"
  [ "$(wc -c < $m)" -lt 1024 ] || fail "manifest is not under 1 KiB"
  [ "$(wc -l < $m)" -eq 1 ] || fail "manifest is not one line"
}

test_release_json_is_a_github_release_object_with_server_fields_null() {
  make_image V1.8.0
  echo "Fixes the *cursor* bug." > notes.md
  "$release" create --image VT132.bin --tag V1.8.0 --notes notes.md --repo thehighnibble/vt132 --out rel >/dev/null
  local r=rel/release.json
  expect_equal "$(jq -r .tag_name $r)" "V1.8.0"
  expect_equal "$(jq -r .name $r)" "V1.8.0"
  expect_equal "$(jq -r .body $r)" "Fixes the *cursor* bug."
  expect_equal "$(jq -r .draft $r)" "false"
  expect_equal "$(jq -r .prerelease $r)" "false"
  expect_equal "$(jq -r .repository.full_name $r)" "thehighnibble/vt132"
  expect_equal "$(jq -c '[.id, .url, .html_url, .upload_url, .author, .published_at]' $r)" "[null,null,null,null,null,null]"
  expect_equal "$(jq -r '.assets | map(.name) | join(" ")' $r)" "VT132.bin vt132-manifest.json SHA256SUMS"
  local name
  for name in VT132.bin vt132-manifest.json SHA256SUMS; do
    expect_equal "$(jq -r ".assets[] | select(.name == \"$name\") | .digest" $r)" "sha256:$(sha256sum rel/$name | cut -d' ' -f1)"
    expect_equal "$(jq -r ".assets[] | select(.name == \"$name\") | .size" $r)" "$(stat -c %s rel/$name)"
    expect_equal "$(jq -c ".assets[] | select(.name == \"$name\") | [.id, .url, .browser_download_url, .uploader]" $r)" "[null,null,null,null]"
  done
}

test_prerelease_follows_the_tag_unless_told_otherwise() {
  make_image V1.9.0-beta.1
  "$release" create --image VT132.bin --tag V1.9.0-beta.1 --out a >/dev/null
  expect_equal "$(jq -r .prerelease a/release.json)" "true"
  expect_equal "$(jq -r .channel a/vt132-manifest.json)" "beta"
  "$release" create --image VT132.bin --tag V1.9.0-beta.1 --no-prerelease --out b >/dev/null
  expect_equal "$(jq -r .prerelease b/release.json)" "false"
  make_image V1.9.0 stable.bin
  "$release" create --image stable.bin --tag V1.9.0 --prerelease --out c >/dev/null
  expect_equal "$(jq -r .prerelease c/release.json)" "true"
}

test_a_tag_that_differs_from_the_image_version_is_refused_showing_both() {
  make_image V1.7.0
  expect_status 1 "$release" create --image VT132.bin --tag V1.8.0 --out rel
  expect_contains "$err" "image version V1.7.0 does not match tag V1.8.0"
  [ ! -e rel ] || fail "rel was created"
}

test_stamp_writes_the_tag_version_into_the_released_image_only() {
  make_image V1.7.0
  local before=$(sha256sum VT132.bin)
  expect_status 0 "$release" create --image VT132.bin --tag V1.8.0 --stamp --out rel
  expect_contains "$out" "stamped the image: V1.7.0 -> V1.8.0"
  expect_equal "$(sha256sum VT132.bin)" "$before"
  expect_status 0 "$release" verify rel/VT132.bin --chip esp32
  expect_contains "$out" "app image V1.8.0"
}

test_bad_inputs_are_refused_and_leave_nothing_behind() {
  make_image V1.8.0
  expect_status 1 "$release" create --image missing.bin --tag V1.8.0 --out rel
  expect_contains "$err" "cannot read missing.bin"
  expect_status 1 "$release" create --image VT132.bin --tag V1.8 --out rel
  expect_contains "$err" "tag \"V1.8\" is not a version"
  expect_status 1 "$release" create --image VT132.bin --tag V1.8.0 --key nokey.pem --out rel
  expect_contains "$err" "nokey.pem"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
  expect_status 1 "$release" create --image VT132.bin --tag V1.8.0 --key rsa.pem --out rel
  expect_contains "$err" "not an ECDSA P-256 private key"
  cp VT132.bin bad.bin
  printf '\x00' | dd of=bad.bin bs=1 seek=5000 conv=notrunc status=none
  expect_status 1 "$release" create --image bad.bin --tag V1.8.0 --out rel
  expect_contains "$err" "bad.bin: checksum mismatch"
  printf '\xff\xfe bad utf-8' > notes.md
  expect_status 1 "$release" create --image VT132.bin --tag V1.8.0 --notes notes.md --out rel
  expect_contains "$err" "not valid UTF-8"
  "$mkimage" --version V1.8.0 --size 1400K -o big.bin >/dev/null
  expect_status 1 "$release" create --image big.bin --tag V1.8.0 --out rel
  expect_contains "$err" "too large for the partition"
  expect_status 1 "$release" create --image VT132.bin --tag V1.8.0 --asset-name ../x.bin --out rel
  expect_contains "$err" "not a plain file name"
  expect_status 1 "$release" create --image VT132.bin --tag V1.8.0 --asset-name .VT132.bin --out rel
  expect_contains "$err" "not a plain file name"
  expect_status 1 "$release" create --image VT132.bin --tag V1.8.0 --repo "not a repo" --out rel
  expect_contains "$err" "is not OWNER/NAME"
  expect_equal "$(ls -A | grep -v -e '^VT132.bin$' -e '^bad.bin$' -e '^big.bin$' -e '^notes.md$' -e '^rsa.pem$' | tr '\n' ' ')" ""
}

test_an_output_directory_given_with_a_trailing_slash_is_created_like_without() {
  make_image V1.8.0
  expect_status 0 "$release" create --image VT132.bin --tag V1.8.0 --out dist/V1.8.0/
  (cd dist/V1.8.0 && sha256sum --quiet -c SHA256SUMS) || fail "release incomplete"
  expect_equal "$(ls -A dist)" "V1.8.0"
}

test_untrusted_strings_from_an_image_are_escaped_on_the_terminal() {
  "$mkimage" --any-version --version $'V1\e]0;pwned\a' --size 100K -o odd.bin >/dev/null
  expect_status 0 "$release" create --image odd.bin --tag V1.8.0 --stamp --out rel
  expect_contains "$out" 'stamped the image: V1\x1b]0;pwned\x07 -> V1.8.0'
  case "$out" in *$'\e'*) fail "an escape byte reached the terminal" ;; esac
}

test_an_existing_output_directory_is_never_touched() {
  make_image V1.8.0
  mkdir rel && echo keep > rel/file
  expect_status 1 "$release" create --image VT132.bin --tag V1.8.0 --out rel
  expect_contains "$err" "rel already exists"
  expect_equal "$(ls -A rel)" "file"
  mkdir empty
  expect_status 1 "$release" create --image VT132.bin --tag V1.8.0 --out empty
  expect_equal "$(ls -A | grep -c '^\.')" "0"
}

test_an_unwritable_parent_directory_gives_a_clear_error() {
  make_image V1.8.0
  mkdir locked && chmod 555 locked
  chmod 755 . && chmod o+r VT132.bin
  # Root ignores permissions, so run as nobody when we are root.
  local as=()
  [ "$(id -u)" -eq 0 ] && as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  expect_status 1 "${as[@]}" "$release" create --image VT132.bin --tag V1.8.0 --out locked/rel
  expect_contains "$err" "Permission denied"
  [ ! -e locked/rel ] || fail "locked/rel exists"
}

test_a_killed_create_leaves_either_a_complete_release_or_none() {
  "$mkimage" --version V1.8.0 --size 1400K -o VT132.bin >/dev/null
  local i delay
  for i in $(seq 1 12); do
    delay=$(printf '0.%03d' $((i * 4)))
    "$release" create --image VT132.bin --tag V1.8.0 --max-size 2M --out "rel$i" >/dev/null 2>&1 &
    sleep "$delay"
    kill -9 $! 2>/dev/null
    wait $! 2>/dev/null
    if [ -e "rel$i" ]; then
      (cd "rel$i" && sha256sum --quiet -c SHA256SUMS) || fail "rel$i is incomplete"
      [ -s "rel$i/release.json" ] || fail "rel$i has no release.json"
    fi
  done
}

run_tests
