#!/usr/bin/env bash
# --mirror: one vt132-ota-server follows another (the upstream, same API as GitHub) over real
# TLS on loopback. Proves: a release appears with verified assets and the next poll is a 304;
# a tampered asset or a foreign signature is refused and nothing is published; with the
# upstream down the mirror backs off and serves what it has; a mirror killed mid-download
# resumes with Range after a restart and shows nothing partial meanwhile.
source "$(dirname "$0")/../harness.sh"
source "$(dirname "$0")/../ota_server.sh"
: "${BIN:?BIN must name the folder with vt132-ota-server, vt132-release and vt132-mkimage}"
throttle_proxy="$(cd "$(dirname "$0")/../e2e" && pwd)/throttle_proxy.py"

# release TAG [create flags]: a fresh 1.1 MB image made into a release, published upstream.
release() {
  local tag=$1
  shift
  "$BIN/vt132-mkimage" --version "$tag" --size 1100K --seed $RANDOM -o "img-$tag.bin" >/dev/null
  "$BIN/vt132-release" create --image "img-$tag.bin" --tag "$tag" --repo "$repo" --out "rel-$tag" "$@" >/dev/null ||
    fail "create $tag failed"
  publish_dir "rel-$tag" >/dev/null || fail "publish $tag failed"
}

# start_mirror [flags]: a second server with data in ./mirror following the upstream at
# $upstream_api (default $api), trusting its CA with --upstream-cacert (UPSTREAM_CACERT=""
# leaves it out); sets $murl and $mirror_pid. Logs to mirror.log (appended, so a restart's
# lines follow the first run's).
start_mirror() {
  local port
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 30000))
    "$BIN/vt132-ota-server" --data mirror --listen "127.0.0.1:$port" --tls-name 127.0.0.1 --access-log false \
      --mirror "$repo" --upstream "${upstream_api:-$api}" ${UPSTREAM_CACERT---upstream-cacert data/tls/ca.pem} --mirror-interval 1 \
      "$@" >>mirror.log 2>&1 &
    mirror_pid=$!
    trap 'kill $mirror_pid $server_pid ${proxy_pid:-} 2>/dev/null; wait 2>/dev/null' EXIT
    if CACERT=mirror/tls/ca.pem serving "$port" "$mirror_pid"; then
      murl="https://127.0.0.1:$port"
      return 0
    fi
    kill "$mirror_pid" 2>/dev/null
  done
  fail "mirror did not start: $(tail -3 mirror.log)"
}

mget() { curl -sS --cacert mirror/tls/ca.pem "$@"; }
metric() { mget "$murl/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

# The spdlog time of the first line matching REGEX in mirror.log, in seconds.
log_time() {
  grep -E -m1 -- "$1" mirror.log | sed -E 's/^\[[0-9-]+ ([0-9]+):([0-9]+):([0-9.]+)\].*/\1 \2 \3/' |
    awk '{ printf "%.3f\n", $1 * 3600 + $2 * 60 + $3 }'
}

test_a_signed_upstream_release_appears_with_verified_assets_and_the_next_poll_is_a_304() {
  ACCESS_LOG=true start_server
  "$BIN/vt132-release" keygen --out keys/release.pem >/dev/null
  release V1.1.0 --key keys/release.pem
  start_mirror --trust-key keys/release.pub.pem
  wait_for_line mirror.log "mirror: published V1.1.0 \(4 assets verified, manifest signature good\)" >/dev/null
  local latest
  latest=$(mget "$murl/repos/$repo/releases/latest")
  expect_equal "$(jq -r .tag_name <<<"$latest")" "V1.1.0"
  expect_equal "$(jq -r '[.assets[].name] | sort | join(",")' <<<"$latest")" \
    "SHA256SUMS,VT132.bin,vt132-manifest.json,vt132-manifest.json.sig"
  mget -o got.bin "$murl/$repo/releases/download/V1.1.0/VT132.bin"
  cmp -s got.bin rel-V1.1.0/VT132.bin || fail "the mirrored image differs from the upstream's"
  # Stock firmware's /VT132.bin works on the mirror without --repo.
  mget -o root.bin "$murl/VT132.bin"
  cmp -s root.bin rel-V1.1.0/VT132.bin || fail "/VT132.bin on the mirror is not the mirrored image"
  # The next poll asks with If-None-Match and the upstream answers 304.
  wait_for_line mirror.log "sync done: upstream unchanged \(304\)" >/dev/null
  wait_for_line server.log "\"GET /api/v3/repos/$repo/releases\" 304 .*vt132-ota-server-mirror" >/dev/null
  [ "$(metric vt132_mirror_not_modified_total)" -ge 1 ] || fail "no 304 counted in /metrics"
  expect_equal "$(metric vt132_mirror_last_sync_success)" "1"
  [ "$(metric vt132_mirror_next_sync_timestamp_seconds)" -ge "$(metric vt132_mirror_last_sync_timestamp_seconds)" ] ||
    fail "next sync is not after the last one"
  local start end
  start=$(log_time "mirror: new upstream release V1.1.0")
  end=$(log_time "mirror: published V1.1.0")
  echo "    measured: sync of a $(stat -c %s rel-V1.1.0/VT132.bin)-byte signed release (4 assets): $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }') s"
}

test_an_asset_tampered_upstream_is_refused_and_its_release_never_appears() {
  start_server
  release V1.1.0
  # Change one byte of the upstream's stored image: it still lists the original digest.
  local blob size
  size=$(stat -c %s rel-V1.1.0/VT132.bin)
  blob=$(find data/store/repos -path '*/assets/*' -type f -size "${size}c" | head -1)
  [ -n "$blob" ] || fail "no stored image file found upstream"
  printf '\xA5' | dd of="$blob" bs=1 seek=500000 conv=notrunc status=none
  start_mirror
  wait_for_line mirror.log "VT132.bin: its SHA-256 [0-9a-f]{64} does not match the upstream digest sha256:[0-9a-f]{64}" >/dev/null
  wait_for_line mirror.log "release V1.1.0 not published" >/dev/null
  expect_equal "$(mget -o /dev/null -w '%{http_code}' "$murl/repos/$repo/releases/latest")" "404"
  expect_equal "$(mget "$murl/repos/$repo/releases" | jq length)" "0"
  expect_equal "$(mget -o /dev/null -w '%{http_code}' "$murl/VT132.bin")" "404"
  [ "$(metric vt132_mirror_assets_refused_total)" -ge 1 ] || fail "refusal not counted in /metrics"
  [ -z "$(find mirror/store/tmp/resume -type f -size +0 2>/dev/null)" ] || fail "the refused bytes were kept"
}

test_a_release_signed_by_another_key_is_refused_before_its_image_is_downloaded() {
  start_server
  "$BIN/vt132-release" keygen --out keys/release.pem >/dev/null
  "$BIN/vt132-release" keygen --out keys/other.pem >/dev/null
  release V1.1.0 --key keys/other.pem
  start_mirror --trust-key keys/release.pub.pem
  wait_for_line mirror.log "release V1.1.0 not published: vt132-manifest.json: the signature does not verify with --trust-key" >/dev/null
  grep -q "downloading VT132.bin" mirror.log && fail "the image was downloaded despite a bad signature"
  expect_equal "$(mget "$murl/repos/$repo/releases" | jq length)" "0"
}

test_with_the_upstream_down_the_mirror_backs_off_and_serves_what_it_has() {
  start_server
  release V1.1.0
  start_mirror
  wait_for_line mirror.log "mirror: published V1.1.0" >/dev/null
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null
  wait_for_line mirror.log "mirror: sync failed: GET .*; serving what is here, retrying in 1 s" >/dev/null
  wait_for_line mirror.log "sync failed: .*retrying in 2 s" >/dev/null
  wait_for_line mirror.log "sync failed: .*retrying in 4 s" 15 >/dev/null
  grep -q "sync failed: GET .*releases?per_page=100: cannot connect" mirror.log || fail "the log does not say why"
  expect_equal "$(mget "$murl/repos/$repo/releases/latest" | jq -r .tag_name)" "V1.1.0"
  mget -o got.bin "$murl/VT132.bin"
  cmp -s got.bin rel-V1.1.0/VT132.bin || fail "the mirror does not serve its copy while the upstream is down"
  expect_equal "$(metric vt132_mirror_last_sync_success)" "0"
  [ "$(metric vt132_mirror_consecutive_failures)" -ge 3 ] || fail "failures not counted in /metrics"
}

test_a_mirror_killed_mid_download_resumes_with_range_and_shows_nothing_partial() {
  ACCESS_LOG=true start_server
  release V1.1.0
  # A slow link between mirror and upstream, so the kill lands in the middle of the image.
  local port=${url##*:}
  coproc PROXY { exec python3 "$throttle_proxy" "$port" 150000; }
  proxy_pid=$PROXY_PID
  local line
  read -r line <&"${PROXY[0]}"
  upstream_api="https://127.0.0.1:${line#listening }/api/v3"
  start_mirror
  wait_for_line mirror.log "mirror: downloading VT132.bin" >/dev/null
  local deadline=$((SECONDS + 60))
  while [ "$(find mirror/store/tmp/resume -type f -size +200k 2>/dev/null | wc -l)" -eq 0 ]; do
    [ "$SECONDS" -lt "$deadline" ] || { fail "the image download never got past 200 KiB"; return; }
    sleep 0.05
  done
  kill -9 "$mirror_pid"
  wait "$mirror_pid" 2>/dev/null
  local kept
  kept=$(stat -c %s mirror/store/tmp/resume/*)
  start_mirror
  # Nothing of the unfinished release is visible after the restart.
  expect_equal "$(mget "$murl/repos/$repo/releases" | jq length)" "0"
  expect_equal "$(mget -o /dev/null -w '%{http_code}' "$murl/VT132.bin")" "404"
  line=$(wait_for_line mirror.log "mirror: resuming VT132.bin at byte [0-9]+")
  local at
  at=$(sed -E 's/.*at byte ([0-9]+).*/\1/' <<<"$line")
  [ "$at" -ge 200000 ] && [ "$at" -le "$kept" ] || fail "resumed at byte $at, but $kept bytes were kept"
  wait_for_line mirror.log "mirror: published V1.1.0" 60 >/dev/null
  wait_for_line server.log "\"GET /api/v3/repos/$repo/releases/assets/[0-9]+\" 206" >/dev/null
  mget -o got.bin "$murl/VT132.bin"
  cmp -s got.bin rel-V1.1.0/VT132.bin || fail "the resumed image differs from the upstream's"
  [ -z "$(find mirror/store/tmp/resume -type f 2>/dev/null)" ] || fail "a finished download was left in tmp/resume"
}

test_the_upstream_is_trusted_through_the_system_store_which_honours_SSL_CERT_FILE() {
  start_server
  release V1.1.0
  UPSTREAM_CACERT="" SSL_CERT_FILE=/dev/null start_mirror
  wait_for_line mirror.log "sync failed: .*its certificate is not trusted by the system store" >/dev/null
  expect_equal "$(mget "$murl/repos/$repo/releases" | jq length)" "0"
  kill "$mirror_pid"
  wait "$mirror_pid" 2>/dev/null
  UPSTREAM_CACERT="" SSL_CERT_FILE=data/tls/ca.pem start_mirror
  wait_for_line mirror.log "mirror: published V1.1.0" >/dev/null
}

test_a_release_deleted_upstream_is_kept_and_logged_and_removed_only_with_prune() {
  start_server
  release V1.1.0
  release V1.2.0
  start_mirror
  wait_for_line mirror.log "mirror: published V1.2.0" >/dev/null
  local id
  id=$(curl -sf --cacert data/tls/ca.pem "$api/repos/$repo/releases/tags/V1.2.0" | jq .id)
  curl -sf --cacert data/tls/ca.pem -X DELETE -H "Authorization: Bearer $VT132_TOKEN" \
    "$api/repos/$repo/releases/$id" || fail "cannot delete the upstream release"
  wait_for_line mirror.log "upstream no longer lists release V1.2.0; the local copy is kept" >/dev/null
  wait_for_line mirror.log "sync done: 0 published, 1 up to date" >/dev/null
  expect_equal "$(mget "$murl/repos/$repo/releases/latest" | jq -r .tag_name)" "V1.2.0"
  kill "$mirror_pid"
  wait "$mirror_pid" 2>/dev/null
  mv mirror.log first-run.log
  start_mirror --mirror-prune true
  wait_for_line mirror.log "upstream no longer lists release V1.2.0: --mirror-prune: removing the local copy" >/dev/null
  wait_for_line mirror.log "sync done: 0 published, 1 up to date" >/dev/null
  expect_equal "$(mget "$murl/repos/$repo/releases/latest" | jq -r .tag_name)" "V1.1.0"
}

run_tests
