#!/usr/bin/env bash
# `vt132-release publish` against a real vt132-ota-server over TLS on loopback.
source "$(dirname "$0")/../harness.sh"
: "${BIN:?BIN must name the folder with vt132-release, vt132-mkimage and vt132-ota-server}"
release="$BIN/vt132-release"
mkimage="$BIN/vt132-mkimage"
server="$BIN/vt132-ota-server"
source "$(dirname "$0")/../ota_server.sh"

make_release() {  # TAG DIR
  "$mkimage" --version "$1" --size 300K -o "img-$1.bin" >/dev/null
  "$release" create --image "img-$1.bin" --tag "$1" --repo "$repo" --out "$2" >/dev/null
}

publish() {
  publish_dir "$@"
}

test_publish_makes_the_release_latest_and_its_assets_downloadable() {
  start_server
  make_release V1.1.0 rel
  expect_status 0 publish rel
  expect_contains "$out" "created draft release V1.1.0 in $repo"
  expect_contains "$out" "published: release id"
  local latest
  latest=$(curl -sf --cacert data/tls/ca.pem "$url/repos/$repo/releases/latest")
  expect_equal "$(jq -r .tag_name <<<"$latest")" "V1.1.0"
  expect_equal "$(jq -r .draft <<<"$latest")" "false"
  expect_equal "$(jq -r '.assets | length' <<<"$latest")" "3"
  curl -sf --cacert data/tls/ca.pem -o got.bin "$url/$repo/releases/download/V1.1.0/VT132.bin"
  cmp -s got.bin rel/VT132.bin || fail "downloaded image differs"
}

test_publishing_again_uploads_nothing_and_succeeds() {
  start_server
  make_release V1.1.0 rel
  publish rel >/dev/null
  expect_status 0 publish rel
  expect_contains "$out" "found published release V1.1.0"
  expect_contains "$out" "0 uploaded, 0 replaced, 3 already there"
}

test_a_run_interrupted_after_the_uploads_is_finished_by_the_next() {
  start_server
  make_release V1.1.0 rel
  expect_status 0 publish rel --draft
  expect_contains "$out" "left as draft"
  expect_equal "$(curl -s -o /dev/null -w '%{http_code}' --cacert data/tls/ca.pem "$url/repos/$repo/releases/latest")" "404"
  expect_status 0 publish rel
  expect_contains "$out" "found draft release V1.1.0"
  expect_contains "$out" "0 uploaded, 0 replaced, 3 already there"
  expect_equal "$(curl -sf --cacert data/tls/ca.pem "$url/repos/$repo/releases/latest" | jq -r .tag_name)" "V1.1.0"
}

test_a_run_interrupted_between_uploads_uploads_only_the_rest() {
  start_server
  make_release V1.1.0 rel
  # What an interrupted run leaves: a draft with one of the three assets.
  local id
  id=$(curl -sf --cacert data/tls/ca.pem -H "Authorization: Bearer $VT132_TOKEN" \
    -d '{"tag_name":"V1.1.0","draft":true}' "$api/repos/$repo/releases" | jq -r .id)
  curl -sf --cacert data/tls/ca.pem -H "Authorization: Bearer $VT132_TOKEN" -H "Content-Type: application/json" \
    --data-binary @rel/vt132-manifest.json "$api/repos/$repo/releases/$id/assets?name=vt132-manifest.json" >/dev/null ||
    fail "manual upload failed"
  expect_status 0 publish rel
  expect_contains "$out" "vt132-manifest.json: already there"
  expect_contains "$out" "2 uploaded, 0 replaced, 1 already there"
}

test_different_content_under_the_same_name_needs_replace() {
  start_server
  make_release V1.1.0 rel
  publish rel --draft >/dev/null
  # Same tag, rebuilt image: the same names with other bytes.
  "$mkimage" --version V1.1.0 --size 300K --seed 7 -o other.bin >/dev/null
  "$release" create --image other.bin --tag V1.1.0 --repo "$repo" --out rel2 >/dev/null
  expect_status 1 publish rel2
  expect_contains "$err" "asset VT132.bin on the server differs from the local file"
  expect_contains "$err" "--replace"
  expect_status 0 publish rel2 --replace
  expect_contains "$out" "VT132.bin: replaced"
  curl -sf --cacert data/tls/ca.pem -o got.bin "$url/$repo/releases/download/V1.1.0/VT132.bin"
  cmp -s got.bin rel2/VT132.bin || fail "replacement not served"
  local names
  names=$(curl -sf --cacert data/tls/ca.pem -H "Authorization: Bearer $VT132_TOKEN" \
    "$api/repos/$repo/releases?per_page=10" | jq -r '.[0].assets | map(.name) | sort | join(" ")')
  expect_equal "$names" "SHA256SUMS VT132.bin vt132-manifest.json"
}

test_a_replacement_cut_short_is_cleaned_up_and_finished_by_the_next_run() {
  start_server
  make_release V1.1.0 rel
  # What a --replace cut off between deleting the old asset and renaming the new one leaves:
  # the staged upload, and no asset under the real name.
  local id
  id=$(curl -sf --cacert data/tls/ca.pem -H "Authorization: Bearer $VT132_TOKEN" \
    -d '{"tag_name":"V1.1.0","draft":true}' "$api/repos/$repo/releases" | jq -r .id)
  curl -sf --cacert data/tls/ca.pem -H "Authorization: Bearer $VT132_TOKEN" -H "Content-Type: application/octet-stream" \
    --data-binary @rel/VT132.bin "$api/repos/$repo/releases/$id/assets?name=VT132.bin.replacing" >/dev/null ||
    fail "manual upload failed"
  expect_status 0 publish rel
  expect_contains "$out" "VT132.bin.replacing: removed"
  expect_equal "$(curl -sf --cacert data/tls/ca.pem "$url/repos/$repo/releases/latest" | jq -r '.assets | map(.name) | sort | join(" ")')" \
    "SHA256SUMS VT132.bin vt132-manifest.json"
}

test_token_and_trust_problems_are_explained() {
  start_server
  make_release V1.1.0 rel
  expect_status 1 env -u VT132_TOKEN "$release" publish rel --api "$api" --token-env VT132_TOKEN --cacert data/tls/ca.pem
  expect_contains "$err" "no token: set the environment variable VT132_TOKEN"
  expect_status 1 env VT132_TOKEN=wrong "$release" publish rel --api "$api" --token-env VT132_TOKEN --cacert data/tls/ca.pem
  expect_contains "$err" "HTTP 401"
  expect_contains "$err" "check the token"
  expect_status 1 "$release" publish rel --api "$api" --token-env VT132_TOKEN
  expect_contains "$err" "pass its CA with --cacert"
  expect_status 1 "$release" publish rel --api "ftp://127.0.0.1/" --token-env VT132_TOKEN
  expect_contains "$err" "must start with https://"
  expect_status 1 "$release" publish rel --api "http://updates.example/api/v3" --token-env VT132_TOKEN
  expect_contains "$err" "the token would travel unencrypted"
  expect_status 1 "$release" publish rel --api "$api" --token-env VT132_TOKEN --cacert missing-ca.pem
  expect_contains "$err" "cannot read the CA certificate missing-ca.pem"
  "$release" certs --out other-ca --name 127.0.0.1 >/dev/null
  expect_status 1 "$release" publish rel --api "$api" --token-env VT132_TOKEN --cacert other-ca/ca.pem
  expect_contains "$err" "not signed by the --cacert CA"
}

test_a_damaged_release_directory_is_refused_before_anything_is_sent() {
  start_server
  make_release V1.1.0 rel
  printf '\x00' | dd of=rel/VT132.bin bs=1 seek=4000 conv=notrunc status=none
  expect_status 1 publish rel
  expect_contains "$err" "rel/VT132.bin does not match the digest in release.json"
  expect_equal "$(curl -sf --cacert data/tls/ca.pem "$url/repos/$repo/releases" | jq length)" "0"
  rm rel/release.json
  expect_status 1 publish rel
  expect_contains "$err" "cannot read rel/release.json"
}

run_tests
