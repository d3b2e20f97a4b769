#!/usr/bin/env bash
# `vt132-release certs`, checked with the openssl command line and a real TLS handshake.
source "$(dirname "$0")/../harness.sh"
source "$(dirname "$0")/../ota_server.sh"
: "${BIN:?BIN must name the folder with vt132-release and vt132-ota-server}"
release="$BIN/vt132-release"

pin_of() {  # CA_PEM: the SHA-256 of its public key, computed by openssl
  openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 | awk '{print $NF}'
}

test_certs_verify_with_openssl_and_match_every_name() {
  expect_status 0 "$release" certs --out lan --name vt132.local --name 127.0.0.1 --days 30
  expect_equal "$(openssl verify -CAfile lan/ca.pem lan/server.pem)" "lan/server.pem: OK"
  openssl x509 -in lan/server.pem -noout -checkhost vt132.local | grep -q "does match" || fail "host name"
  openssl x509 -in lan/server.pem -noout -checkip 127.0.0.1 | grep -q "does match" || fail "IP"
  openssl x509 -in lan/server.pem -noout -checkhost other.local | grep -q "does NOT match" || fail "other name matched"
  expect_equal "$(stat -c %a lan/ca.key) $(stat -c %a lan/server.key)" "600 600"
}

test_certs_prints_the_pin_openssl_computes() {
  expect_status 0 "$release" certs --out lan --name vt132.local
  expect_contains "$out" "CA public key pin:  sha256:$(pin_of lan/ca.pem)"
}

test_a_tls_client_trusting_only_the_ca_connects_on_loopback() {
  "$release" certs --out lan --name localhost --name 127.0.0.1 >/dev/null
  local port=$((20000 + RANDOM % 20000))
  openssl s_server -quiet -accept "127.0.0.1:$port" -cert lan/server.pem -key lan/server.key -www >/dev/null 2>&1 &
  local server=$!
  local i
  for i in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  echo | openssl s_client -connect "127.0.0.1:$port" -CAfile lan/ca.pem -verify_return_error \
    -verify_hostname localhost >client.log 2>&1 || fail "handshake failed: $(tail -3 client.log)"
  grep -q "Verify return code: 0 (ok)" client.log || fail "not verified"
  kill "$server"
  wait "$server" 2>/dev/null
  return 0
}

test_an_existing_ca_is_never_overwritten_and_bad_names_are_refused() {
  "$release" certs --out lan --name vt132.local >/dev/null
  local before
  before=$(sha256sum lan/ca.pem)
  expect_status 1 "$release" certs --out lan --name vt132.local
  expect_contains "$err" "refusing to overwrite"
  expect_equal "$(sha256sum lan/ca.pem)" "$before"
  expect_status 1 "$release" certs --out other --name "bad_name"
  expect_contains "$err" "bad_name"
  [ ! -e other/ca.pem ] || fail "files written for a bad name"
  expect_status 1 "$release" certs --out other --name vt132.local --days 0
  expect_contains "$err" "out of range"
  expect_status 2 "$release" certs --out other
}

test_renew_makes_a_new_server_certificate_from_the_same_ca_and_keeps_the_names() {
  "$release" certs --out lan --name vt132.local --name 192.168.1.20 --days 30 >/dev/null
  local pin ca_before old_cert old_key
  pin=$(pin_of lan/ca.pem)
  ca_before=$(sha256sum lan/ca.pem lan/ca.key)
  old_cert=$(sha256sum < lan/server.pem)
  old_key=$(sha256sum < lan/server.key)
  expect_status 0 "$release" certs --renew lan --days 400
  expect_contains "$out" "CA public key pin:  sha256:$pin (unchanged)"
  expect_contains "$out" "(new, for vt132.local 192.168.1.20)"
  expect_equal "$(pin_of lan/ca.pem)" "$pin"
  expect_equal "$(sha256sum lan/ca.pem lan/ca.key)" "$ca_before"
  [ "$(sha256sum < lan/server.pem)" != "$old_cert" ] || fail "server.pem unchanged"
  [ "$(sha256sum < lan/server.key)" != "$old_key" ] || fail "server.key unchanged"
  expect_equal "$(openssl verify -CAfile lan/ca.pem lan/server.pem)" "lan/server.pem: OK"
  openssl x509 -in lan/server.pem -noout -checkhost vt132.local | grep -q "does match" || fail "host name lost"
  openssl x509 -in lan/server.pem -noout -checkip 192.168.1.20 | grep -q "does match" || fail "IP lost"
  # 400 days, not the old 30: the new validity was applied.
  openssl x509 -in lan/server.pem -noout -checkend $((399 * 86400)) >/dev/null || fail "not valid for 399 days"
  expect_equal "$(stat -c %a lan/server.key) $(stat -c %a lan/server.pem)" "600 644"
  [ -z "$(ls -A lan | grep -v -x -e ca.pem -e ca.key -e server.pem -e server.key)" ] || fail "left over: $(ls -A lan)"
}

test_renew_with_names_replaces_them() {
  "$release" certs --out lan --name old.local >/dev/null
  expect_status 0 "$release" certs --renew lan --name new.local --name 10.0.0.7
  openssl x509 -in lan/server.pem -noout -checkhost new.local | grep -q "does match" || fail "new name missing"
  openssl x509 -in lan/server.pem -noout -checkhost old.local | grep -q "does NOT match" || fail "old name kept"
}

test_renew_refuses_without_a_matching_ca_and_changes_nothing() {
  "$release" certs --out lan --name vt132.local >/dev/null
  "$release" certs --out other --name vt132.local >/dev/null
  local before
  cp other/ca.key lan/ca.key
  before=$(sha256sum lan/*)
  expect_status 1 "$release" certs --renew lan
  expect_contains "$err" "lan/ca.key is not the key of lan/ca.pem"
  expect_equal "$(sha256sum lan/*)" "$before"
  rm lan/ca.key
  expect_status 1 "$release" certs --renew lan
  expect_contains "$err" "lan/ca.key is missing"
  # A day after the CA was made (faketime moves the clock; in the same second as the CA a
  # 3650-day certificate would end exactly with it, which is allowed).
  expect_status 1 with_clock +1d "$release" certs --renew other --days 3650
  # The CA has 3649 whole days left, or 3648 once a second more has passed since it was made.
  grep -qE "use --days 364[89] or fewer" <<<"$err" || fail "no --days bound below the CA's in: $err"
  expect_status 1 "$release" certs --renew other --days 4000
  expect_contains "$err" "out of range"
  expect_status 1 "$release" certs --renew other --name "bad_name"
  expect_contains "$err" "bad_name"
  expect_status 2 "$release" certs --renew other --out lan
  expect_status 2 "$release" certs
}

test_a_server_restarted_with_a_renewed_certificate_is_trusted_through_the_same_ca() {
  start_server
  local old_serial new_serial pin
  pin=$(pin_of data/tls/ca.pem)
  old_serial=$(openssl x509 -in data/tls/server.pem -noout -serial)
  kill "$server_pid" && wait "$server_pid" 2>/dev/null
  expect_status 0 "$release" certs --renew data/tls
  new_serial=$(openssl x509 -in data/tls/server.pem -noout -serial)
  [ "$new_serial" != "$old_serial" ] || fail "certificate not renewed"
  expect_equal "$(pin_of data/tls/ca.pem)" "$pin"
  start_server
  curl -sf --cacert data/tls/ca.pem "$url/healthz" >/dev/null || fail "curl --cacert refused the renewed server"
  # The certificate the server presents is the renewed one.
  local served
  served=$(echo | openssl s_client -connect "${url#https://}" -CAfile data/tls/ca.pem -verify_return_error 2>/dev/null |
    openssl x509 -noout -serial)
  expect_equal "$served" "$new_serial"
}

run_tests
