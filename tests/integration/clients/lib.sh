# Shared by the real-client tests (gh.sh, hub.sh, pygithub.sh, octokit.sh): a real
# vt132-ota-server on loopback TLS with a named token, and checks that print "ok - CLIENT:
# operation" or "FAIL - ..." with what went wrong. Source it with the server binary as $1.
# A test whose client is not installed exits 77, which CTest reports as skipped.
set -u
server_bin=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/vt132-clients.XXXXXX")
failures=0
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

skip() {
  echo "SKIP: $*"
  exit 77
}

# check "CLIENT: operation" COMMAND...: passes when COMMAND succeeds.
check() {
  local what=$1
  shift
  if "$@" >"$work/check.out" 2>&1; then
    echo "ok - $what"
  else
    echo "FAIL - $what"
    tail -20 "$work/check.out" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
}

# contains TEXT NEEDLE: for checks on captured output.
contains() {
  if ! grep -qF -- "$2" <<<"$1"; then
    echo "expected to find '$2' in:"
    echo "$1"
    return 1
  fi
}

equals() {
  if [ "$1" != "$2" ]; then
    echo "expected '$2', got '$1'"
    return 1
  fi
}

finish() {
  if [ "$failures" -eq 0 ]; then
    echo "all checks passed"
    exit 0
  fi
  echo "$failures check(s) failed"
  exit 1
}

# start_server TOKEN_NAME: a fresh data dir, repository o/r (--repo), a token (in $token);
# sets $host, $url, $api, $ca and SSL_CERT_FILE (Go and OpenSSL clients trust the CA by it).
start_server() {
  local data=$work/data port
  token=$("$server_bin" --data "$data" token create "$1" 2>/dev/null | tail -1)
  for _ in 1 2 3 4 5; do
    port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$server_bin" --data "$data" --listen "127.0.0.1:$port" --tls-name 127.0.0.1 --repo o/r --access-log false \
      >"$work/server.log" 2>&1 &
    server_pid=$!
    # Wait for the event "/healthz answers", bounded: 10 s, or the process ending (port taken).
    local deadline=$((SECONDS + 10))
    while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$server_pid" 2>/dev/null; do
      if [ -f "$data/tls/ca.pem" ] &&
        curl -sf --cacert "$data/tls/ca.pem" "https://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
        host=127.0.0.1:$port
        url=https://$host
        api=$url/api/v3
        ca=$data/tls/ca.pem
        export SSL_CERT_FILE=$ca
        return 0
      fi
      sleep 0.05
    done
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=
  done
  echo "FAIL - vt132-ota-server did not start: $(tail -3 "$work/server.log")"
  exit 1
}

# api METHOD PATH [JSON]: a REST call with the token, the body on stdout; fails on HTTP errors.
api() {
  curl -sS --fail-with-body --cacert "$ca" -X "$1" -H "Authorization: token $token" \
    -H "Content-Type: application/json" ${3:+--data "$3"} "$api$2"
}

# new_release TAG [JSON fields]: a published release made over the REST API.
new_release() {
  api POST /repos/o/r/releases "{\"tag_name\":\"$1\"${2:+,$2}}" >/dev/null
}
