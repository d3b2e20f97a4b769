#!/usr/bin/env bash
# The server as curl sees it: publish, download with/without Range, resume, HEAD, ETag 304,
# auth failure, TLS versions, plain HTTP for older firmware. Usage: curl_e2e.sh SERVER MKIMAGE
set -euo pipefail
server=$1
mkimage=$2
work=$(mktemp -d /tmp/vt132-curl-e2e.XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

port=$(free_port)
hport=$(free_port)
token=$("$server" --data "$work/data" token create curl)
"$server" --data "$work/data" --listen "127.0.0.1:$port" --http-listen "127.0.0.1:$hport" \
  --repo vt132/firmware >"$work/log" 2>&1 &
pid=$!
ca=$work/data/tls/ca.pem
for _ in $(seq 150); do
  [ -f "$ca" ] && curl -sf --cacert "$ca" "https://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
base=https://127.0.0.1:$port
c() { curl -sS --cacert "$ca" "$@"; }
grep -q "plain HTTP on 127.0.0.1:$hport" "$work/log" || fail "no warning about plain HTTP"

"$mkimage" --version V1.1.0 --size 1100K -o "$work/VT132.bin" >/dev/null
code=$(c -o "$work/r.json" -w '%{http_code}' -X POST "$base/repos/vt132/firmware/releases" -d '{"tag_name":"V1.1.0"}')
[ "$code" = 401 ] || fail "create without token: $code"
grep -q '"message":"Requires authentication"' "$work/r.json" || fail "401 body: $(cat "$work/r.json")"
id=$(c -H "Authorization: Bearer $token" -X POST "$base/api/v3/repos/vt132/firmware/releases" \
  -d '{"tag_name":"V1.1.0","draft":true}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
code=$(c -o /dev/null -w '%{http_code}' -H "Authorization: token $token" -H "Content-Type: application/octet-stream" \
  --data-binary @"$work/VT132.bin" "$base/api/uploads/repos/vt132/firmware/releases/$id/assets?name=VT132.bin")
[ "$code" = 201 ] || fail "upload: $code"
c -o /dev/null -H "Authorization: Bearer $token" -X PATCH "$base/api/v3/repos/vt132/firmware/releases/$id" -d '{"draft":false}'

url=$(c "$base/repos/vt132/firmware/releases/latest" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["assets"][0]["browser_download_url"])')
[ "$url" = "$base/vt132/firmware/releases/download/V1.1.0/VT132.bin" ] || fail "browser_download_url $url"
code=$(c -o "$work/full.bin" -w '%{http_code} %{num_redirects}' "$url")
[ "$code" = "200 0" ] || fail "download: $code"
cmp -s "$work/full.bin" "$work/VT132.bin" || fail "downloaded bytes differ"

c -I "$url" >"$work/head.txt"
grep -qi '^content-length: 1126' "$work/head.txt" || fail "HEAD: $(cat "$work/head.txt")"
grep -qi '^accept-ranges: bytes' "$work/head.txt" || fail "HEAD without Accept-Ranges"
etag=$(awk 'tolower($1)=="etag:" {print $2}' "$work/head.txt" | tr -d '\r')
[ "$(c -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url")" = 304 ] || fail "no 304 for ETag"

code=$(c -o "$work/part.bin" -w '%{http_code}' -r 100-199 "$url")
[ "$code" = 206 ] || fail "range: $code"
cmp -s "$work/part.bin" <(tail -c +101 "$work/VT132.bin" | head -c 100) || fail "range bytes differ"
head -c 500000 "$work/VT132.bin" >"$work/resume.bin"
c -o "$work/resume.bin" -C - "$url"
cmp -s "$work/resume.bin" "$work/VT132.bin" || fail "resumed download differs"
[ "$(c -o /dev/null -w '%{http_code}' -r 9999999- "$url")" = 416 ] || fail "no 416 beyond the end"
# A malformed Range is ignored (RFC 9110): the whole file with 200.
code=$(c -o "$work/whole.bin" -w '%{http_code}' -H 'Range: bytes=5-1' "$url")
[ "$code" = 200 ] || fail "malformed range: $code"
cmp -s "$work/whole.bin" "$work/VT132.bin" || fail "malformed range: not the whole file"

curl -sS -o "$work/plain.bin" "http://127.0.0.1:$hport/VT132.bin"
cmp -s "$work/plain.bin" "$work/VT132.bin" || fail "plain HTTP /VT132.bin differs"

c --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256 -o /dev/null "$base/healthz" || fail "TLS 1.2 ESP32 cipher"
c --tlsv1.3 -o /dev/null "$base/healthz" || fail "TLS 1.3"
if c --tlsv1 --tls-max 1.1 --ciphers 'DEFAULT:@SECLEVEL=0' -o /dev/null "$base/healthz" 2>/dev/null; then
  fail "TLS 1.1 accepted"
fi
grep -q '"GET /vt132/firmware/releases/download/V1.1.0/VT132.bin" 206' "$work/log" || fail "no access log line"
kill -TERM "$pid"
wait "$pid" || fail "exit status $? after SIGTERM"
pid=
echo "curl e2e: all checks passed"
