#!/usr/bin/env bash
# The devices list of vt132-ota-server (/devices, /api/v3/vt132/devices, /metrics) as real
# vt132-sim boards and curl build it: the firmware's User-Agent, updates that succeed or roll
# back, stock firmware known by its address, --no-device-log, restarts and a damaged file.
source "$(dirname "$0")/../harness.sh"
source "$(dirname "$0")/../ota_server.sh"
: "${BIN:?BIN must name the folder with the vt132 programs}"
source "$(dirname "$0")/../device.sh"

devices_json() { curl -sf --cacert data/tls/ca.pem "$url/api/v3/vt132/devices"; }
# jq FILTER over the devices JSON, raw output.
devices() { devices_json | jq -r "$1"; }

# The id a VT132 reports: the first 8 hex digits of the SHA-256 of its MAC's six bytes.
id_of_mac() { python3 -c 'import hashlib, sys; print(hashlib.sha256(bytes.fromhex(sys.argv[1].replace(":", ""))).hexdigest()[:8])' "$1"; }

stop_server() {
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null
}

test_two_boards_update_and_the_list_says_which_one_rolled_back() {
  start_server
  setup_device
  cp device.bin rollback.bin
  release V1.1.0
  local out mac_good mac_bad
  out=$(device -- "AT+W=lab,pw" "AT+W#" "AT+U=$(latest)" "AT+U?" "AT+U^")
  expect_contains "$out" $'\n\nOK'
  mac_good=$(printf '%s\n' "$out" | grep -E -m1 '^([0-9a-f]{2}:){5}[0-9a-f]{2}$')
  out=$(FLASH=rollback.bin device -- "AT+W=lab,pw" "AT+W#" "AT+U=$(latest)" "AT+U?" "AT+U^")
  expect_contains "$out" $'\n\nOK'
  mac_bad=$(printf '%s\n' "$out" | grep -E -m1 '^([0-9a-f]{2}:){5}[0-9a-f]{2}$')
  [ -n "$mac_good" ] && [ "$mac_good" != "$mac_bad" ] || fail "two flash files should be two boards: '$mac_good' '$mac_bad'"
  local good bad
  good=$(id_of_mac "$mac_good")
  bad=$(id_of_mac "$mac_bad")
  expect_equal "$(devices ".devices[] | select(.id == \"$good\") | .last_update")" "downloaded"
  # After a restart each asks again: one runs V1.1.0, the other crashed and was rolled back.
  out=$(device -- "AT+W=lab,pw" "AT+U=$(latest)" "AT+U?")
  expect_contains "$out" "V1.1.0 [SAME]"
  out=$(FLASH=rollback.bin device --crash-new-image -- "AT+W=lab,pw" "AT+U=$(latest)" "AT+U?")
  expect_contains "$out" "V1.1.0 [NEWER]"
  expect_contains "$(cat sim.err)" "rolled back"

  local size
  size=$(stat -c %s img-V1.1.0.bin)
  expect_equal "$(devices '.devices | length')" "2"
  expect_equal "$(devices ".devices[] | select(.id == \"$good\") | [.last_update, .version, .slot, .state, .chip, .stock_firmware] | join(\" \")")" \
    "updated V1.1.0 app1 valid esp32 false"
  expect_equal "$(devices ".devices[] | select(.id == \"$bad\") | [.last_update, .version, .slot] | join(\" \")")" \
    "failed or rolled back V1.0.0 app0"
  local id
  for id in "$good" "$bad"; do
    expect_equal "$(devices ".devices[] | select(.id == \"$id\") | .download | [.repo, .tag, .from_version] | join(\" \")")" \
      "$repo V1.1.0 V1.0.0"
    expect_equal "$(devices ".devices[] | select(.id == \"$id\") | .download.assets[] | select(.name == \"VT132.bin\") | [.size, .bytes_served, .complete, .resumed_ranges] | join(\" \")")" \
      "$size $size true 0"
    expect_equal "$(devices ".devices[] | select(.id == \"$id\") | .address")" "127.0.0.1"
  done
  local page metrics
  page=$(curl -sf --cacert data/tls/ca.pem "$url/devices")
  expect_contains "$page" "$good"
  expect_contains "$page" "failed or rolled back"
  metrics=$(curl -sf --cacert data/tls/ca.pem "$url/metrics")
  expect_contains "$metrics" 'vt132_devices_seen{kind="vt132"} 2'
  expect_contains "$metrics" 'vt132_devices_last_update{outcome="updated"} 1'
  expect_contains "$metrics" 'vt132_devices_last_update{outcome="failed or rolled back"} 1'
  # A board's MAC can also be given; a malformed one is a usage error.
  expect_contains "$(device --mac 24:0a:c4:12:34:56 -- "AT+W#")" "24:0a:c4:12:34:56"
  expect_status 2 "$BIN/vt132-sim" --flash device.bin --mac 24:0a:c4:12:34 </dev/null
}

test_stock_firmware_is_listed_by_address_with_its_bytes_and_resumed_ranges() {
  WITH_HTTP=1 start_server
  release V1.1.0
  local size
  size=$(stat -c %s img-V1.1.0.bin)
  curl -sf -A "Mozilla/5.0 (browser)" --cacert data/tls/ca.pem "$url/" -o /dev/null || fail "the page"
  curl -sf -A "ESP32 HTTP Client/1.0" -r 0-99999 "http://127.0.0.1:$http_port/VT132.bin" -o part.bin || fail "first part"
  curl -sf -A "ESP32 HTTP Client/1.0" -r 100000- "http://127.0.0.1:$http_port/VT132.bin" -o rest.bin || fail "the rest"
  expect_equal "$(devices '.devices | length')" "1"
  expect_equal "$(devices '.devices[0] | [.key, .stock_firmware, .user_agent, .last_update] | join(" ")')" \
    "address:127.0.0.1 true ESP32 HTTP Client/1.0 downloaded"
  expect_equal "$(devices '.devices[0].download.assets[0] | [.name, .bytes_served, .resumed_ranges, .complete] | join(" ")')" \
    "VT132.bin $size 1 true"
  expect_contains "$(curl -sf --cacert data/tls/ca.pem "$url/devices")" "stock firmware at 127.0.0.1"
  expect_contains "$(curl -sf --cacert data/tls/ca.pem "$url/metrics")" 'vt132_devices_seen{kind="stock_firmware"} 1'
}

test_with_no_device_log_no_id_or_address_is_stored() {
  start_server --no-device-log
  setup_device
  release V1.1.0
  local out mac
  out=$(device -- "AT+W=lab,pw" "AT+W#" "AT+U=$(latest)" "AT+U?" "AT+U^")
  expect_contains "$out" $'\n\nOK'
  mac=$(printf '%s\n' "$out" | grep -E -m1 '^([0-9a-f]{2}:){5}[0-9a-f]{2}$')
  curl -sf -A "ESP32 HTTP Client/1.0" --cacert data/tls/ca.pem "$url/$repo/releases/latest/download/VT132.bin" -o /dev/null
  expect_equal "$(devices '.enabled')" "false"
  expect_equal "$(devices '.devices | length')" "0"
  expect_contains "$(curl -sf --cacert data/tls/ca.pem "$url/devices")" "--no-device-log"
  stop_server
  [ ! -e data/store/devices.json ] || fail "--no-device-log wrote data/store/devices.json"
  if grep -rqs -e "$(id_of_mac "$mac")" -e "127.0.0.1" data; then fail "a device id or address is in the data directory"; fi
}

test_the_list_is_written_within_seconds_and_survives_a_kill_and_a_restart() {
  start_server
  release V1.1.0
  curl -sf -A "curl-as-stock" --cacert data/tls/ca.pem "$url/$repo/releases/latest/download/VT132.bin" -o /dev/null
  # Written by the background writer, not by the request and not at shutdown.
  wait_for_line data/store/devices.json '"address:127.0.0.1"' 15 >/dev/null
  expect_equal "$(stat -c %a data/store/devices.json)" "600"
  kill -KILL "$server_pid"
  wait "$server_pid" 2>/dev/null
  start_server
  expect_equal "$(devices '.devices[0] | [.key, .user_agent, .last_update] | join(" ")')" \
    "address:127.0.0.1 curl-as-stock downloaded"
}

test_a_damaged_devices_file_is_moved_to_quarantine_and_the_list_starts_empty() {
  start_server
  stop_server
  printf '{"schema":1,"devices":[{"key":"id:0"' >data/store/devices.json
  start_server
  expect_contains "$(cat server.log)" "DAMAGED STORE FILE"
  local moved
  moved=$(ls data/store/quarantine/*/devices.json 2>/dev/null)
  [ -n "$moved" ] || fail "devices.json is not in data/store/quarantine"
  expect_equal "$(cat "$moved" 2>/dev/null)" '{"schema":1,"devices":[{"key":"id:0"'
  expect_equal "$(devices '.devices | length')" "0"
  expect_contains "$(curl -sf --cacert data/tls/ca.pem "$url/devices")" "moved to quarantine"
}

run_tests
