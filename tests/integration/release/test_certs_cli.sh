#!/usr/bin/env bash
# `vt132-release certs`, checked with the openssl command line and a real TLS handshake.
source "$(dirname "$0")/../harness.sh"
: "${BIN:?BIN must name the folder with vt132-release}"
release="$BIN/vt132-release"

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
  local pin
  pin=$(openssl x509 -in lan/ca.pem -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 | awk '{print $NF}')
  expect_contains "$out" "CA public key pin:  sha256:$pin"
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

run_tests
