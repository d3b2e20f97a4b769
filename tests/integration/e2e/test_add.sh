#!/usr/bin/env bash
# `vt132-ota-server add`: an image published in one command, while the server runs or before
# it starts, then installed by simulated VT132s over plain HTTP (stock firmware) and HTTPS;
# and what an operator meets on the way: a bad image, an empty server, sudo, the packaged
# config file.
source "$(dirname "$0")/../harness.sh"
source "$(dirname "$0")/../ota_server.sh"
source "$(dirname "$0")/../device.sh"
: "${BIN:?BIN must name the folder with the vt132 programs}"
: "${REPO_ROOT:?REPO_ROOT must name the source tree}"

image() {  # TAG: a fresh app image of that version in img-TAG.bin
  "$BIN/vt132-mkimage" --version "$1" --size 1100K --seed $RANDOM -o "img-$1.bin" >/dev/null
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

message_of() {  # URL [curl flags]: the "message" of a JSON answer, after its HTTP status
  curl -s --cacert data/tls/ca.pem -w '\n%{http_code}' "$@" |
    python3 -c 'import json, sys; *body, code = sys.stdin.read().split("\n"); print(code, json.loads("\n".join(body))["message"])'
}

ca_pin() {
  openssl x509 -in data/tls/ca.pem -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1
}

test_add_while_the_server_runs_is_installed_over_plain_http_by_stock_firmware_and_over_https() {
  WITH_HTTP=1 start_server
  setup_device
  FLASH=https-device.bin setup_device
  image V1.1.0
  local t0=$EPOCHREALTIME
  expect_status 0 "$BIN/vt132-ota-server" add img-V1.1.0.bin --data data --key keys/release.pem
  echo "# add while the server runs, to published: $(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 )) ms"
  expect_contains "$out" "published V1.1.0 in $repo (release"
  expect_contains "$out" "as its latest release, served now by the running server"
  expect_contains "$out" "signed with key sha256:"
  expect_contains "$out" "CA public key SHA-256 pin: $(ca_pin)"
  local http_line https_line
  http_line=$(grep -o 'AT+U=http://[^ ]*' <<<"$out")
  https_line=$(grep -o 'AT+U=https://[^ ]*' <<<"$out")
  expect_equal "$http_line" "AT+U=http://127.0.0.1:$http_port/VT132.bin"
  expect_equal "$https_line" "AT+U=$url/repos/$repo/releases/latest"
  # The server printed the same lines, at start and once it published.
  expect_equal "$(grep -cF "$http_line" server.log)" 2
  expect_equal "$(grep -cF "$https_line" server.log)" 2
  # Stock firmware: plain HTTP, the version read from the image itself.
  out=$(device -- "AT+W=lab,pw" "$http_line" "AT+U?" "AT+U^")
  expect_contains "$out" "V1.1.0 [NEWER]"
  expect_contains "$out" $'\n\nOK'
  expect_contains "$(device -- "ATI1")" $'ATI1\nV1.1.0'
  # Firmware that trusts the server's CA and requires signed releases: HTTPS.
  out=$(FLASH=https-device.bin device --pubkey keys/release.pub.pem -- "AT+W=lab,pw" "$https_line" "AT+U?" "AT+U^")
  expect_contains "$out" "V1.1.0 [NEWER]"
  expect_contains "$out" $'\n\nOK'
  expect_contains "$(FLASH=https-device.bin device -- "ATI1")" $'ATI1\nV1.1.0'
}

test_add_says_how_to_turn_on_plain_http_when_it_is_off() {
  start_server
  image V1.1.0
  expect_status 0 "$BIN/vt132-ota-server" add img-V1.1.0.bin --data data
  expect_contains "$out" "NOT signed (no --key)"
  expect_contains "$out" "stock firmware, plain HTTP: off; start the server with --http-listen 0.0.0.0:8080"
  expect_contains "$(cat server.log)" "stock firmware, plain HTTP: off; start the server with --http-listen"
}

test_add_refuses_a_damaged_image_as_verify_does_and_stores_nothing() {
  start_server
  image V1.1.0
  cp img-V1.1.0.bin damaged.bin
  printf '\x5a' | dd of=damaged.bin bs=1 seek=40000 conv=notrunc status=none
  local verify_says
  verify_says=$("$BIN/vt132-release" verify damaged.bin 2>&1 >/dev/null)
  [ -n "$verify_says" ] || fail "verify found nothing wrong with the damaged image"
  expect_status 1 "$BIN/vt132-ota-server" add damaged.bin --data data
  expect_equal "$err" "vt132-ota-server: $verify_says"
  expect_status 1 "$BIN/vt132-ota-server" add img-V1.1.0.bin --data data --tag V1.2.0
  expect_contains "$err" "--tag V1.2.0 differs from the version inside img-V1.1.0.bin, V1.1.0"
  expect_status 1 "$BIN/vt132-ota-server" add img-V1.1.0.bin --data data --key missing.pem
  expect_contains "$err" "missing.pem"
  expect_equal "$(curl -s --cacert data/tls/ca.pem "$url/repos/$repo/releases")" "[]"
  expect_equal "$(ls -A data/inbox 2>/dev/null)" ""
}

test_an_empty_server_answers_404_naming_the_repository_and_the_add_command() {
  WITH_HTTP=1 start_server
  local want="404 No release of $repo to serve yet; on the server, run: vt132-ota-server add VT132.bin --data DIR"
  expect_equal "$(message_of "http://127.0.0.1:$http_port/VT132.bin")" "$want"
  expect_equal "$(message_of "$url/repos/$repo/releases/latest")" "$want"
  expect_equal "$(message_of "$url/$repo/releases/latest/download/VT132.bin")" "$want"
  # A device set to another repository's name learns which one this server has.
  expect_equal "$(message_of "$url/repos/vt132/firmware/releases/latest")" \
    "404 No repository vt132/firmware on this server (it has $repo)"
}

test_add_with_no_server_running_publishes_directly_and_the_server_serves_it_from_its_start() {
  image V1.1.0
  echo "Fixes *bold* things" >notes.md
  expect_status 0 "$BIN/vt132-ota-server" add img-V1.1.0.bin --data data --repo "$repo" --notes notes.md
  expect_contains "$out" "img-V1.1.0.bin: valid esp32 app image V1.1.0, "
  expect_contains "$out" "published V1.1.0 in $repo (release"
  expect_contains "$out" "no server is running on this data directory"
  expect_status 0 "$BIN/vt132-ota-server" add img-V1.1.0.bin --data data --repo "$repo"
  expect_contains "$out" "V1.1.0 is already published in $repo with this image: nothing changed"
  cp img-V1.1.0.bin first.bin
  image V1.1.0
  expect_status 1 "$BIN/vt132-ota-server" add img-V1.1.0.bin --data data --repo "$repo"
  expect_contains "$err" "$repo already has a release V1.1.0 with another VT132.bin"
  start_server
  curl -s --cacert data/tls/ca.pem "$url/$repo/releases/latest/download/VT132.bin" -o served.bin
  cmp -s served.bin first.bin || fail "the server does not serve the added image"
  expect_contains "$(curl -s --cacert data/tls/ca.pem "$url/repos/$repo/releases/latest")" '"body":"Fixes *bold* things\n"'
}

test_as_root_token_create_and_add_leave_the_data_directory_to_the_server_user() {
  [ "$(id -u)" -eq 0 ] || { echo "# not root: token and add as root are not tested"; return 0; }
  chmod 755 .
  mkdir data && chown 12345:12345 data && chmod 700 data
  SERVER_UID=12345 start_server
  expect_equal "$(stat -c %u:%g data/tokens.json)" "12345:12345"
  expect_equal "$(curl -s -o /dev/null -w '%{http_code}' --cacert data/tls/ca.pem -H "Authorization: Bearer $VT132_TOKEN" "$url/user")" 200
  image V1.1.0
  expect_status 0 "$BIN/vt132-ota-server" add img-V1.1.0.bin --data data
  expect_contains "$out" "served now by the running server"
  expect_equal "$(find data -not -user 12345 -o -not -group 12345)" ""
  # A token file the server cannot read, as `token create` run as root used to leave it: the
  # client is told so, not only the log.
  cp data/tokens.json root-tokens.json && chown 0:0 root-tokens.json && chmod 600 root-tokens.json
  mv root-tokens.json data/tokens.json
  local said
  said=$(message_of "$url/user" -H "Authorization: Bearer $VT132_TOKEN")
  expect_contains "$said" "503 The server cannot check tokens: its token file is unreadable"
  expect_contains "$said" "tokens.json: Permission denied; it must belong to the user the server runs as (uid 12345)"
}

test_the_packaged_config_file_alone_starts_the_server() {
  local port
  port=$(free_port)
  # The sample as packaged, with only its data directory and port moved into this test.
  sed -e "s|^data = \"/var/lib/vt132-ota\"|data = \"$PWD/data\"|" -e "s|^listen = \"0.0.0.0:8443\"|listen = \"127.0.0.1:$port\"|" \
    "$REPO_ROOT/server/dist/vt132-ota-server.toml" >server.toml
  expect_equal "$(diff "$REPO_ROOT/server/dist/vt132-ota-server.toml" server.toml | grep -c '^>')" 2
  "$BIN/vt132-ota-server" --config server.toml >server.log 2>&1 &
  server_pid=$!
  trap 'kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null' EXIT
  serving "$port" "$server_pid" || fail "vt132-ota-server --config did not start: $(tail -3 server.log)"
  expect_contains "$(cat server.log)" "data in $PWD/data"
  expect_contains "$(cat server.log)" "/repos/thehighnibble/vt132/releases/latest"
}

run_tests
