# A real vt132-ota-server for shell tests: source after harness.sh, with $BIN set.
#   start_server [extra server flags]   fresh data dir ./data on a free loopback port; sets
#                                       $url, $api, $server_pid, exports VT132_TOKEN; the
#                                       test's EXIT trap stops it; ACCESS_LOG=true makes
#                                       it log every request to server.log; CACERT names
#                                       the CA to reach it by (default data/tls/ca.pem);
#                                       SERVER_UID=N runs it as that user (and group) N;
#                                       WITH_HTTP=1 adds --http-listen on a port of its own,
#                                       picked afresh with each try like the HTTPS one, in
#                                       $http_port (a port chosen before the call can be taken
#                                       by then, and every retry would fail on it)
#   serving PORT PID                    waits until the server PID answers /healthz over
#                                       HTTPS on PORT (with $CACERT or ./data's CA); false if it ends
#   publish_dir DIR [publish flags]     vt132-release publish DIR to that server
repo=thehighnibble/vt132

serving() {
  local port=$1 pid=$2
  for _ in $(seq 1 100); do
    curl -sf --cacert "${CACERT:-data/tls/ca.pem}" "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

start_server() {
  export VT132_TOKEN
  VT132_TOKEN=$("$BIN/vt132-ota-server" --data data token create test 2>/dev/null | tail -1)
  local as=()
  [ -z "${SERVER_UID:-}" ] || as=(setpriv --reuid="$SERVER_UID" --regid="$SERVER_UID" --clear-groups)
  local port ready=0 plain=()
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 30000))
    if [ -n "${WITH_HTTP:-}" ]; then
      http_port=$((20000 + RANDOM % 30000))
      plain=(--http-listen "127.0.0.1:$http_port")
    fi
    "${as[@]}" "$BIN/vt132-ota-server" --data data --listen "127.0.0.1:$port" --tls-name 127.0.0.1 \
      --access-log "${ACCESS_LOG:-false}" --repo "$repo" "${plain[@]}" "$@" >server.log 2>&1 &
    server_pid=$!
    trap 'kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null' EXIT
    if serving "$port" "$server_pid"; then
      ready=1
      break
    fi
    kill "$server_pid" 2>/dev/null
  done
  [ "$ready" -eq 1 ] || fail "vt132-ota-server did not start: $(tail -3 server.log)"
  url="https://127.0.0.1:$port"
  api="$url/api/v3"
}

publish_dir() {
  local dir=$1
  shift
  "$BIN/vt132-release" publish "$dir" --api "$api" --token-env VT132_TOKEN --cacert data/tls/ca.pem "$@"
}
