#!/usr/bin/env bash
# A release's later life with vt132-release against a real vt132-ota-server over TLS on
# loopback: renew, the unsigned guard, --replace, yank and status; devices are vt132-sim.
source "$(dirname "$0")/../harness.sh"
here=$(cd "$(dirname "$0")" && pwd)
: "${BIN:?BIN must name the folder with vt132-release, vt132-mkimage, vt132-sim and vt132-ota-server}"
release="$BIN/vt132-release"
mkimage="$BIN/vt132-mkimage"
source "$(dirname "$0")/../ota_server.sh"
source "$(dirname "$0")/../device.sh"

cli() {  # vt132-release COMMAND ARGS... against the test server
  local cmd=$1
  shift
  "$release" "$cmd" "$@" --repo "$repo" --api "$api" --token-env VT132_TOKEN --cacert data/tls/ca.pem
}
get() { curl -sf --cacert data/tls/ca.pem -H "Authorization: Bearer $VT132_TOKEN" "$api/repos/$repo/$1"; }
download() {  # TAG NAME OUT
  curl -sf --cacert data/tls/ca.pem -o "$3" "$url/$repo/releases/download/$1/$2"
}
latest_tag() { curl -sf --cacert data/tls/ca.pem "$url/repos/$repo/releases/latest" | jq -r .tag_name; }

# TEXT holds FORMAT (a printf format of the day count) with the whole days from second
# BEFORE or from second AFTER until second EXPIRES.
expect_days_left() {  # TEXT FORMAT EXPIRES BEFORE AFTER
  local text=$1 format=$2 expires=$3 before=$4 after=$5 a b
  # shellcheck disable=SC2059
  a=$(printf "$format" $(((expires - before) / 86400)))
  # shellcheck disable=SC2059
  b=$(printf "$format" $(((expires - after) / 86400)))
  [[ "$text" == *"$a"* || "$text" == *"$b"* ]] || fail "expected '$a' or '$b' in: $text"
}

make_release() {  # TAG DIR [create flags]: a fresh 300K image of TAG
  local tag=$1 dir=$2
  shift 2
  "$mkimage" --version "$tag" --size 300K --seed $RANDOM -o "img-$tag.bin" >/dev/null
  "$release" create --image "img-$tag.bin" --tag "$tag" --repo "$repo" --out "$dir" "$@" >/dev/null ||
    fail "create $tag failed"
}

signs() {  # MANIFEST SIG: the pair verifies with keys/release.pub.pem
  openssl dgst -sha256 -verify keys/release.pub.pem -signature "$2" "$1" >/dev/null 2>&1
}

test_renew_makes_an_expired_release_installable_again_for_a_device_that_knows_the_time() {
  start_server
  setup_device
  make_release V1.1.0 rel --key keys/release.pem --expires 1
  publish_dir rel >/dev/null || fail "publish failed"
  local before out
  before=$(get releases/tags/V1.1.0)
  # Two days on, the manifest has expired.
  out=$(DEVICE_CLOCK=+2d device --pubkey keys/release.pub.pem -- "AT+W=lab,pw" "AT+U=$url/repos/$repo/releases/latest" "AT+U?" "AT+U^")
  expect_contains "$out" "V1.1.0 [NEWER]"
  expect_contains "$out" "UPDATE FAILED: EXPIRED"
  expect_status 0 cli renew V1.1.0 --key keys/release.pem --expires 30
  expect_contains "$out" "VT132.bin: $(stat -c %s rel/VT132.bin) bytes"
  expect_contains "$out" "matches the manifest"
  expect_contains "$out" "renewed V1.1.0: manifest expires"
  expect_contains "$out" "swapped in one server write"
  out=$(DEVICE_CLOCK=+2d device --pubkey keys/release.pub.pem -- "AT+W=lab,pw" "AT+U=$url/repos/$repo/releases/latest" "AT+U?" "AT+U^" "AT+U\$")
  expect_contains "$out" "BOOT    [app1] [VT132 V1.1.0]"
  # Only expires changed in the manifest; only the manifest, its signature and SHA256SUMS
  # were replaced (the image is the same asset).
  download V1.1.0 vt132-manifest.json m.json
  download V1.1.0 vt132-manifest.json.sig m.sig
  signs m.json m.sig || fail "the renewed manifest does not verify"
  expect_equal "$(jq -c 'del(.expires)' m.json)" "$(jq -c 'del(.expires)' rel/vt132-manifest.json)"
  [ "$(jq -r .expires m.json)" \> "$(jq -r .expires rel/vt132-manifest.json)" ] || fail "expires did not move"
  local after
  after=$(get releases/tags/V1.1.0)
  expect_equal "$(jq '.assets[] | select(.name == "VT132.bin") | .id' <<<"$after")" \
    "$(jq '.assets[] | select(.name == "VT132.bin") | .id' <<<"$before")"
  expect_equal "$(jq -r '.assets | map(.name) | sort | join(" ")' <<<"$after")" \
    "SHA256SUMS VT132.bin vt132-manifest.json vt132-manifest.json.sig"
  mkdir got && for f in VT132.bin vt132-manifest.json vt132-manifest.json.sig SHA256SUMS; do download V1.1.0 "$f" "got/$f"; done
  (cd got && sha256sum -c --quiet SHA256SUMS) || fail "SHA256SUMS does not match the renewed assets"
}

test_during_repeated_renews_a_reader_never_gets_a_manifest_newer_than_its_signature() {
  start_server
  "$release" keygen --out keys/release.pem >/dev/null
  "$mkimage" --version V1.1.0 --size 24K -o small.bin >/dev/null
  "$release" create --image small.bin --tag V1.1.0 --repo "$repo" --out rel --key keys/release.pem --expires 5 >/dev/null
  publish_dir rel >/dev/null 2>&1 || fail "publish failed"
  # renew talks to the server through a relay that slows every answer to it (20 kB/s), so
  # that anything it did in two steps would leave a gap of a tenth of a second or more
  # between them, wide enough for the reader below to fall into.
  python3 "$here/../e2e/throttle_proxy.py" "${url##*:}" 20000 >proxy.log &
  proxy=$!
  trap 'kill $server_pid $proxy 2>/dev/null; wait 2>/dev/null' EXIT
  local proxy_port
  proxy_port=$(wait_for_line proxy.log '^listening ' | cut -d' ' -f2) || return 1
  # A reader as the firmware reads, straight from the server: the manifest, then its
  # signature, by download URL.
  (
    while [ ! -e stop ]; do
      download V1.1.0 vt132-manifest.json r.m || { echo "missing manifest" >>seen; continue; }
      download V1.1.0 vt132-manifest.json.sig r.s || { echo "missing signature" >>seen; continue; }
      echo "$(sha256sum <r.m | cut -c1-64) $(sha256sum <r.s | cut -c1-64)" >>seen
    done
  ) &
  local reader=$! gen
  # Generation 0 is what create made; each renew makes the next (a longer expiry each time).
  echo "0 $(sha256sum <rel/vt132-manifest.json | cut -c1-64) $(sha256sum <rel/vt132-manifest.json.sig | cut -c1-64)" >gens
  for gen in $(seq 1 8); do
    "$release" renew V1.1.0 --key keys/release.pem --expires $((10 + gen)) --repo "$repo" \
      --api "https://127.0.0.1:$proxy_port/api/v3" --token-env VT132_TOKEN --cacert data/tls/ca.pem >/dev/null ||
      fail "renew $gen failed"
    download V1.1.0 vt132-manifest.json g.m && download V1.1.0 vt132-manifest.json.sig g.s
    signs g.m g.s || fail "generation $gen does not verify"
    echo "$gen $(sha256sum <g.m | cut -c1-64) $(sha256sum <g.s | cut -c1-64)" >>gens
  done
  touch stop
  wait "$reader"
  expect_equal "$(grep -c missing seen)" "0"
  # Each pair read: the signature is the manifest's own or a later one, never an earlier one.
  local verdict
  verdict=$(awk 'NR == FNR { gm[$2] = $1; gs[$3] = $1; next }
                 { if (!($1 in gm) || !($2 in gs)) unknown++;
                   else if (gs[$2] < gm[$1]) older++;
                   else { if (gs[$2] == gm[$1]) same++; else newer++; g[gm[$1]] = 1 } }
                 END { n = 0; for (k in g) n++;
                       printf "older=%d unknown=%d same=%d newer=%d generations=%d\n", older, unknown, same, newer, n }' gens seen)
  echo "    reader: $verdict"
  expect_contains "$verdict" "older=0 unknown=0"
  # The reader overlapped the renews: it saw most generations.
  [ "$(sed 's/.*generations=//' <<<"$verdict")" -ge 5 ] || fail "the reader saw too few generations: $verdict"
}

test_renew_refuses_another_key_and_an_image_that_is_not_the_manifests() {
  start_server
  "$release" keygen --out keys/release.pem >/dev/null
  "$release" keygen --out other/key.pem >/dev/null
  make_release V1.1.0 rel --key keys/release.pem
  publish_dir rel >/dev/null || fail "publish failed"
  expect_status 1 cli renew V1.1.0 --key other/key.pem
  expect_contains "$err" "its signature is not by other/key.pem"
  # The image on the server swapped behind the manifest's back.
  "$mkimage" --version V1.1.0 --size 300K --seed 99 -o other.bin >/dev/null
  local id rid
  id=$(get releases/tags/V1.1.0 | jq '.assets[] | select(.name == "VT132.bin") | .id')
  rid=$(get releases/tags/V1.1.0 | jq .id)
  curl -sf -X DELETE --cacert data/tls/ca.pem -H "Authorization: Bearer $VT132_TOKEN" "$api/repos/$repo/releases/assets/$id"
  curl -sf --cacert data/tls/ca.pem -H "Authorization: Bearer $VT132_TOKEN" -H "Content-Type: application/octet-stream" \
    --data-binary @other.bin "$api/repos/$repo/releases/$rid/assets?name=VT132.bin" >/dev/null || fail "upload failed"
  expect_status 1 cli renew V1.1.0 --key keys/release.pem
  expect_contains "$err" "is not the one the manifest names"
  download V1.1.0 vt132-manifest.json m.json
  cmp -s m.json rel/vt132-manifest.json || fail "a refused renew changed the manifest"
  expect_status 1 cli renew V9.9.9 --key keys/release.pem
  expect_contains "$err" "no release V9.9.9 in $repo"
  expect_status 2 "$release" renew V1.1.0 --key keys/release.pem --repo "$repo" --expires 0
}

test_an_unsigned_release_after_a_signed_one_is_refused_unless_allowed() {
  start_server
  "$release" keygen --out keys/release.pem >/dev/null
  make_release V1.1.0 signed --key keys/release.pem
  publish_dir signed >/dev/null || fail "publish failed"
  make_release V1.2.0 unsigned
  expect_status 1 publish_dir unsigned
  expect_contains "$err" "refusing to publish V1.2.0 unsigned: the latest release in $repo, V1.1.0, is signed"
  expect_contains "$err" "UPDATE FAILED: SIGNATURE"
  expect_contains "$err" "--allow-unsigned"
  expect_equal "$(get releases | jq length)" "1"
  expect_status 0 publish_dir unsigned --allow-unsigned
  expect_equal "$(latest_tag)" "V1.2.0"
  # Unsigned after unsigned needs nothing.
  make_release V1.3.0 unsigned3
  expect_status 0 publish_dir unsigned3
}

test_replacing_a_published_release_needs_yes_and_shows_both_digests() {
  start_server
  make_release V1.1.0 rel
  publish_dir rel >/dev/null || fail "publish failed"
  "$mkimage" --version V1.1.0 --size 300K --seed 7 -o rebuilt.bin >/dev/null
  "$release" create --image rebuilt.bin --tag V1.1.0 --repo "$repo" --out rel2 >/dev/null
  local old new
  old=$(sha256sum <rel/VT132.bin | cut -c1-64)
  new=$(sha256sum <rel2/VT132.bin | cut -c1-64)
  expect_status 1 publish_dir rel2 --replace </dev/null
  expect_contains "$out" "VT132.bin: published sha256:$old, local sha256:$new"
  expect_contains "$err" "Re-run with --yes"
  download V1.1.0 VT132.bin got.bin
  cmp -s got.bin rel/VT132.bin || fail "refused --replace changed the image"
  expect_status 0 publish_dir rel2 --replace --yes
  expect_contains "$out" "VT132.bin: replaced"
  download V1.1.0 VT132.bin got.bin
  cmp -s got.bin rel2/VT132.bin || fail "the replacement is not served"
}

test_replace_refuses_an_image_of_another_version() {
  start_server
  # A V1.1.0 release another tool published with an image that says V1.0.9.
  "$mkimage" --version V1.0.9 --size 300K -o odd.bin >/dev/null
  local rid
  rid=$(curl -sf --cacert data/tls/ca.pem -H "Authorization: Bearer $VT132_TOKEN" \
    -d '{"tag_name":"V1.1.0"}' "$api/repos/$repo/releases" | jq -r .id)
  curl -sf --cacert data/tls/ca.pem -H "Authorization: Bearer $VT132_TOKEN" -H "Content-Type: application/octet-stream" \
    --data-binary @odd.bin "$api/repos/$repo/releases/$rid/assets?name=VT132.bin" >/dev/null || fail "upload failed"
  make_release V1.1.0 rel
  expect_status 1 publish_dir rel --replace --yes
  expect_contains "$err" "refusing to replace VT132.bin of V1.1.0: the published image is version \"V1.0.9\", the local one \"V1.1.0\""
  download V1.1.0 VT132.bin got.bin
  cmp -s got.bin odd.bin || fail "the refused replacement changed the image"
}

test_yank_moves_latest_back_and_a_device_sees_the_previous_release() {
  start_server
  setup_device
  make_release V1.1.0 rel1 --key keys/release.pem
  make_release V1.2.0 rel2 --key keys/release.pem
  publish_dir rel1 >/dev/null && publish_dir rel2 >/dev/null || fail "publish failed"
  expect_equal "$(latest_tag)" "V1.2.0"
  expect_status 0 cli yank V1.2.0 --reason "bricks rev A boards"
  expect_contains "$out" "latest is V1.1.0 (was V1.2.0)"
  expect_equal "$(latest_tag)" "V1.1.0"
  local yanked
  yanked=$(get releases/tags/V1.2.0)
  expect_equal "$(jq -r .name <<<"$yanked")" "[yanked] V1.2.0"
  expect_equal "$(jq -r .prerelease <<<"$yanked")" "true"
  expect_contains "$(jq -r .body <<<"$yanked")" "**Yanked:** bricks rev A boards"
  local out
  out=$(device --pubkey keys/release.pub.pem -- "AT+W=lab,pw" "AT+U=$url/repos/$repo/releases/latest" "AT+U?" "AT+U^" "AT+U\$")
  expect_contains "$out" "V1.1.0 [NEWER]"
  expect_contains "$out" "BOOT    [app1] [VT132 V1.1.0]"
}

test_yank_as_draft_or_delete_also_moves_latest_back() {
  start_server
  make_release V1.1.0 rel1
  make_release V1.2.0 rel2
  make_release V1.3.0 rel3
  for d in rel1 rel2 rel3; do publish_dir "$d" >/dev/null || fail "publish $d failed"; done
  expect_status 0 cli yank V1.3.0 --draft
  expect_equal "$(latest_tag)" "V1.2.0"
  expect_equal "$(get releases | jq -r '.[] | select(.tag_name == "V1.3.0") | .draft')" "true"
  expect_status 0 cli yank V1.2.0 --delete
  expect_contains "$out" "deleted release V1.2.0"
  expect_equal "$(latest_tag)" "V1.1.0"
  expect_equal "$(get releases | jq -r 'map(.tag_name) | join(" ")')" "V1.3.0 V1.1.0"
  # Yanking a release that is not latest leaves latest alone.
  expect_status 0 cli yank V1.3.0
  expect_equal "$(latest_tag)" "V1.1.0"
  expect_status 2 "$release" yank V1.1.0 --draft --delete --repo "$repo"
}

test_status_shows_signature_expiry_and_digests_as_text_and_json() {
  start_server
  "$release" keygen --out keys/release.pem >/dev/null
  make_release V1.1.0 rel1 --key keys/release.pem --expires 100
  make_release V1.2.0 rel2
  publish_dir rel1 >/dev/null && publish_dir rel2 --allow-unsigned >/dev/null || fail "publish failed"
  local fp
  fp=$(openssl pkey -pubin -in keys/release.pub.pem -outform DER | sha256sum | cut -c1-64)
  # Days left are whole days rounded down: 100 when status runs in the second the manifest
  # was made, 99 from the next second on. Each check takes the count for the seconds its
  # status call began and ended in.
  local expires before after
  expires=$(date -d "$(jq -r .expires rel1/vt132-manifest.json)" +%s)
  before=$(date +%s)
  expect_status 0 cli status --trust-key keys/release.pub.pem
  after=$(date +%s)
  expect_contains "$out" "V1.2.0  published, latest"
  expect_contains "$out" "signature signed by $fp"
  expect_contains "$out" "signature unsigned"
  expect_days_left "$out" "(in %d days)" "$expires" "$before" "$after"
  expect_contains "$out" "digests   match the manifest"
  expect_contains "$out" "VT132.bin  $(stat -c %s rel1/VT132.bin) bytes  sha256:$(sha256sum <rel1/VT132.bin | cut -c1-64)  match"
  before=$(date +%s)
  expect_status 0 cli status --json
  after=$(date +%s)
  expect_equal "$(jq -r '.[] | select(.tag == "V1.1.0") | .signature' <<<"$out")" "signed (key not checked)"
  expect_days_left "[$(jq -r '.[] | select(.tag == "V1.1.0") | .manifest.expires_in_days' <<<"$out")]" "[%d]" "$expires" "$before" "$after"
  expect_equal "$(jq -r '.[] | select(.tag == "V1.2.0") | .latest' <<<"$out")" "true"
  # The image swapped behind the manifest's back: status says so and exits 1.
  local id rid
  id=$(get releases/tags/V1.1.0 | jq '.assets[] | select(.name == "VT132.bin") | .id')
  rid=$(get releases/tags/V1.1.0 | jq .id)
  curl -sf -X DELETE --cacert data/tls/ca.pem -H "Authorization: Bearer $VT132_TOKEN" "$api/repos/$repo/releases/assets/$id"
  curl -sf --cacert data/tls/ca.pem -H "Authorization: Bearer $VT132_TOKEN" -H "Content-Type: application/octet-stream" \
    --data-binary @rel2/VT132.bin "$api/repos/$repo/releases/$rid/assets?name=VT132.bin" >/dev/null || fail "upload failed"
  expect_status 1 cli status --json
  expect_equal "$(jq -r '.[] | select(.tag == "V1.1.0") | .digests_match' <<<"$out")" "false"
  expect_status 1 cli status
  expect_contains "$out" "DO NOT MATCH the manifest"
}

test_publish_warns_when_the_latest_manifest_expires_within_30_days() {
  start_server
  make_release V1.1.0 rel --expires 10
  expect_status 0 publish_dir rel
  expect_contains "$err" "warning: the manifest of the latest release V1.1.0 expires"
  expect_contains "$err" "vt132-release renew V1.1.0"
  make_release V1.2.0 rel2 --expires 60
  expect_status 0 publish_dir rel2
  expect_equal "$err" ""
}

run_tests
