#!/usr/bin/env bash
# The static export (`vt132-ota-server export`) served by real nginx with the shipped
# server/dist/nginx-export.conf, on loopback with TLS from the server's generated CA: the same
# bytes as the live server, content types, Range and resume, the /api/v3 prefix, plain-HTTP
# /VT132.bin, gh release view/download, a vt132-sim updating through it (HTTPS, plain HTTP,
# a Range resume after nginx restarts mid-download), and a publish while a reader polls
# latest and fetches every asset it names: no failed read.
#   BIN=DIR REPO_ROOT=DIR nginx_export_e2e.sh   (exit 77: nginx is not installed)
set -uo pipefail
: "${BIN:?BIN must name the folder with the vt132 programs}"
: "${REPO_ROOT:?REPO_ROOT must name the source tree}"
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$nginx_bin" ]; then
  echo "SKIP: nginx is not installed (Debian: apt-get install nginx-light)"
  exit 77
fi
command -v jq >/dev/null || { echo "FAIL - jq is needed by this test"; exit 1; }
BIN=$(cd "$BIN" && pwd)
work=$(mktemp -d /tmp/vt132-nginx-export.XXXXXX)
# nginx's workers run as www-data (when we are root, as a packaged nginx does): they must walk
# into the export below this folder.
chmod 755 "$work"
cd "$work" || exit 1
server_pid='' nginx_pid='' proxy_pid='' reader_pid=''
cleanup() {
  local p
  for p in $reader_pid $proxy_pid $nginx_pid $server_pid; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

checks=0 failures=0
# check "what it proves" COMMAND...: passes when COMMAND succeeds; its output is shown on failure.
check() {
  local what=$1
  shift
  checks=$((checks + 1))
  if "$@" >check.out 2>&1; then
    echo "ok - $what"
  else
    failures=$((failures + 1))
    echo "FAIL - $what"
    tail -20 check.out | sed 's/^/    /'
  fi
}
# fail MESSAGE: for the helpers of device.sh (a failed publish ends the test).
fail() {
  echo "FAIL - $*"
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_until SECONDS COMMAND...: polls COMMAND (an event: a port answering, a line appearing).
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

repo=vt132/firmware
nport=$(free_port)
hport=$(free_port)
sport=$(free_port)
base=https://127.0.0.1:$nport   # nginx: the --base-url of the export and the server's --public-url
plain=http://127.0.0.1:$hport
live=https://127.0.0.1:$sport   # the server itself
ca=$work/data/tls/ca.pem

# --- the server, a release, the export --------------------------------------------------------
VT132_TOKEN=$("$BIN/vt132-ota-server" --data data token create nginx-test 2>/dev/null | tail -1)
export VT132_TOKEN
start_server() {  # [extra flags]
  "$BIN/vt132-ota-server" --data data --listen "127.0.0.1:$sport" --tls-name 127.0.0.1 --repo "$repo" \
    --access-log false "$@" >>server.log 2>&1 &
  server_pid=$!
  wait_until 20 curl -sf --cacert "$ca" "$live/healthz" || fail "vt132-ota-server did not start: $(tail -3 server.log)"
}
# First without --public-url: publishing tools follow the upload_url the server names, which
# with --public-url is the export's address (nginx takes no uploads).
start_server
url=$live
api=$live/api/v3
publish_dir() {
  local dir=$1
  shift
  "$BIN/vt132-release" publish "$dir" --api "$api" --token-env VT132_TOKEN --cacert "$ca" "$@"
}
source "$REPO_ROOT/tests/integration/device.sh"
setup_device
release V1.1.0
img=$work/img-V1.1.0.bin

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid"
  server_pid=
}
# `export` works on a data directory no server runs on; the server, restarted with
# --export-dir and the export's address as --public-url, then keeps it current.
stop_server
exported() {
  "$BIN/vt132-ota-server" export --data data --out export --base-url "$base" --repo "$repo" &&
    [ -L export ] && [ -f export/repos/$repo/releases/latest ]
}
check "vt132-ota-server export writes EXPORT, a symlink to a tree with releases/latest" exported
start_server --public-url "$base" --export-dir export

# --- nginx with the shipped conf --------------------------------------------------------------
# The shipped file with its placeholders filled in and its ports moved to free loopback ones;
# nothing else changes, so what is tested is what users install.
mkdir -p nginx/tmp
sed -e "s#@EXPORT@#$work/export#g; s#@SERVER_NAME@#127.0.0.1#g" \
  -e "s#@TLS_CERT@#$work/data/tls/server.pem#g; s#@TLS_KEY@#$work/data/tls/server.key#g" \
  -e "s#@SERVER_URL@#https://localhost:$sport#g; s#@SERVER_CA@#$ca#g" \
  -e "s#^\( *\)listen 443 ssl;#\1listen 127.0.0.1:$nport ssl;#; s#^\( *\)listen 80;#\1listen 127.0.0.1:$hport;#" \
  -e '/listen \[::\]/d' "$REPO_ROOT/server/dist/nginx-export.conf" >nginx/vt132-export.conf
user_line=
[ "$(id -u)" = 0 ] && id www-data >/dev/null 2>&1 && user_line="user www-data;"
cat >nginx/nginx.conf <<EOF
$user_line
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log info;
events { worker_connections 512; }
http {
  access_log $work/nginx/access.log;
  sendfile on;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  include $work/nginx/vt132-export.conf;
}
EOF
nginx_cmd=("$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log")
check "nginx -t accepts server/dist/nginx-export.conf" "${nginx_cmd[@]}" -t
start_nginx() {
  "${nginx_cmd[@]}" -g 'daemon off;' >>nginx/stdout.log 2>&1 &
  nginx_pid=$!
  wait_until 20 curl -s -o /dev/null --cacert "$ca" "$base/ca.pem" ||
    fail "nginx did not start: $(tail -3 nginx/error.log nginx/stdout.log)"
}
start_nginx

# --- the same bytes as the live server ----------------------------------------------------
n() { curl -sS --cacert "$ca" "$@"; }
release_json=$(n -f "$live/repos/$repo/releases/tags/V1.1.0")
rid=$(jq -r .id <<<"$release_json")
aid=$(jq -r '.assets[] | select(.name == "VT132.bin") | .id' <<<"$release_json")
[ -n "$aid" ] || fail "no VT132.bin asset in $release_json"

# header_is FILE NAME VALUE: one header line, exactly (case-insensitive name).
header_is() { grep -qix "$2: $3"$'\r' "$1" || { echo "no '$2: $3' in:"; cat "$1"; return 1; }; }
# same_as_live PATH TYPE [curl args]: nginx answers PATH with the live server's bytes and TYPE.
same_as_live() {
  local path=$1 type=$2
  shift 2
  n -f -o live.body "$@" "$live$path" || return 1
  n -f -o nginx.body -D nginx.head "$@" "$base$path" || { echo "nginx: $(cat nginx.head)"; return 1; }
  cmp live.body nginx.body || { diff <(head -c 600 live.body) <(head -c 600 nginx.body); return 1; }
  grep -qix "content-type: $type"$'\r' nginx.head || { echo "headers: $(cat nginx.head)"; return 1; }
}
json="application/json; charset=utf-8"
html="text/html; charset=utf-8"
for path in /repos/$repo/releases/latest /repos/$repo/releases /repos/$repo/releases/tags/V1.1.0 \
  /repos/$repo/releases/$rid /repos/$repo/releases/assets/$aid /repos/$repo; do
  check "GET $path: the live server's bytes, $json" same_as_live "$path" "$json"
  check "GET /api/v3$path: the same" same_as_live "/api/v3$path" "$json"
done
# The pages show the download counts of the process that rendered them, so they differ from
# the live server's: each is checked for the link to the release's download.
page() {  # PATH
  n -f -o page.html -D h.txt "$base$1" && header_is h.txt content-type "$html" &&
    grep -qF "/$repo/releases/download/V1.1.0/VT132.bin" page.html
}
for path in / /$repo /$repo/releases /$repo/releases/latest /$repo/releases/tag/V1.1.0; do
  check "page $path: $html, with the link to the download" page "$path"
done
check "GET /ca.pem: the server's CA" same_as_live /ca.pem application/x-pem-file
check "GET releases?page=1: the first page" same_as_live "/repos/$repo/releases?page=1" "$json"

later_page() {
  local body
  body=$(n -f -D h.txt "$base/repos/$repo/releases?per_page=30&page=2") || return 1
  [ "$body" = "[]" ] && grep -qix "content-type: $json"$'\r' h.txt
}
check "GET releases?page=2 (not exported): [] as JSON" later_page

asset_bytes() {
  n -f -o asset.bin -D h.txt -H "Accept: application/octet-stream" "$base/api/v3/repos/$repo/releases/assets/$aid" &&
    cmp asset.bin "$img" && grep -qix 'content-type: application/octet-stream'$'\r' h.txt &&
    grep -qix 'vary: accept'$'\r' h.txt
}
check "Accept: application/octet-stream on the asset: its bytes, octet-stream, Vary: Accept" asset_bytes

tagged=$base/$repo/releases/download/V1.1.0/VT132.bin
browser_download() {
  local want
  want=$(jq -r '.assets[] | select(.name == "VT132.bin") | .browser_download_url' <<<"$release_json")
  [ "$want" = "$tagged" ] || { echo "browser_download_url $want"; return 1; }
  [ "$(n -o dl.bin -D h.txt -w '%{http_code}' "$tagged")" = 200 ] && cmp dl.bin "$img" &&
    header_is h.txt content-type application/octet-stream && header_is h.txt accept-ranges bytes &&
    header_is h.txt cache-control "public, max-age=31536000, immutable" &&
    header_is h.txt content-disposition "attachment; filename=VT132.bin"
}
check "browser download of the tagged asset: the bytes, Accept-Ranges, cached as immutable" browser_download

etag_304() {
  local etag
  etag=$(n -sI "$tagged" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')
  [ -n "$etag" ] && [ "$(n -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$tagged")" = 304 ]
}
check "ETag and If-None-Match: 304" etag_304

ranges() {
  [ "$(n -o part.bin -w '%{http_code}' -r 100-199 "$tagged")" = 206 ] &&
    cmp part.bin <(tail -c +101 "$img" | head -c 100) || return 1
  head -c 500000 "$img" >resume.bin
  n -f -o resume.bin -C - "$tagged" && cmp resume.bin "$img" || return 1
  [ "$(n -o /dev/null -w '%{http_code}' -r 99999999- "$tagged")" = 416 ] || return 1
  # If-Range: the range only while the file is the one the client has part of.
  local etag
  etag=$(n -sI "$tagged" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')
  [ "$(n -o /dev/null -w '%{http_code}' -r 0-9 -H "If-Range: $etag" "$tagged")" = 206 ] &&
    [ "$(n -o /dev/null -w '%{http_code}' -r 0-9 -H 'If-Range: "stale"' "$tagged")" = 200 ]
}
check "Range: 206 with the right bytes, curl -C - resumes, 416 beyond the end, If-Range" ranges

short_cache() {  # URL: fetched, and cached for 60 s
  n -f -o /dev/null -D h.txt "$1" && header_is h.txt cache-control "public, max-age=60"
}
check "latest/download/VT132.bin: cached 60 s" short_cache "$base/$repo/releases/latest/download/VT132.bin"
check "/VT132.bin: cached 60 s" short_cache "$base/VT132.bin"
check "the tagged manifest, which renew replaces in place: cached 60 s" \
  short_cache "$base/$repo/releases/download/V1.1.0/vt132-manifest.json"
check "releases/latest: cached 60 s" short_cache "$base/repos/$repo/releases/latest"
check "the release list: cached 60 s" short_cache "$base/repos/$repo/releases"
check "a page: cached 60 s" short_cache "$base/$repo/releases/latest"
check "/VT132.bin over HTTPS: the latest image" bash -c "curl -sSf --cacert '$ca' '$base/VT132.bin' | cmp - '$img'"

not_exported() {  # PATH: 404 with a JSON message
  local code
  code=$(n -o body.txt -D h.txt -w '%{http_code}' "$base$1")
  [ "$code" = 404 ] && header_is h.txt content-type "$json" && grep -q '"message":"Not Found"' body.txt ||
    { echo "$code $(cat body.txt)"; return 1; }
}
check "/metrics is not exported: 404 JSON" not_exported /metrics
check "/.vt132-export (the tree's marker) is not served" not_exported /.vt132-export
check "an unknown tag: 404 JSON" not_exported "/repos/$repo/releases/tags/V9.9.9"

plain_http() {
  curl -sSf "$plain/VT132.bin" | cmp - "$img" &&
    curl -sSf "$plain/$repo/releases/download/V1.1.0/VT132.bin" | cmp - "$img" &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$plain/repos/$repo/releases/latest")" = 404 ] &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$plain/ca.pem")" = 404 ]
}
check "plain HTTP: /VT132.bin and downloads only (no JSON, no CA)" plain_http

forwarded_write() {
  local code
  code=$(n -o body.txt -w '%{http_code}' -X POST "$base/api/v3/repos/$repo/releases" -d '{"tag_name":"X1"}')
  [ "$code" = 401 ] && grep -q '"message":"Requires authentication"' body.txt || { echo "$code $(cat body.txt)"; return 1; }
}
check "a write through nginx reaches the server (401 without a token)" forwarded_write

# --- gh, unmodified ----------------------------------------------------------------------
# gh sends its token everywhere: the export ignores it, the server checks it on the GraphQL
# question nginx forwards.
if command -v gh >/dev/null; then
  export GH_CONFIG_DIR=$work/gh GH_HOST=127.0.0.1:$nport GH_ENTERPRISE_TOKEN=$VT132_TOKEN GH_PROMPT_DISABLED=1 \
    GH_NO_UPDATE_NOTIFIER=1 NO_COLOR=1 SSL_CERT_FILE=$ca
  gh_view() {
    local j
    j=$(gh release view V1.1.0 -R "$GH_HOST/$repo" --json tagName,assets) || return 1
    [ "$(jq -r .tagName <<<"$j")" = V1.1.0 ] && jq -e '.assets[] | select(.name == "VT132.bin")' <<<"$j" >/dev/null
  }
  check "gh release view V1.1.0 through nginx" gh_view
  check "gh release download V1.1.0 through nginx: the same bytes" \
    bash -c "gh release download V1.1.0 -R '$GH_HOST/$repo' -p VT132.bin -D gh-dl && cmp gh-dl/VT132.bin '$img'"
else
  echo "# gh is not installed: gh release view/download not checked"
fi

# --- vt132-sim through nginx -------------------------------------------------------------
runs() {  # ANSWERS VERSION: ATI1 answered VERSION
  [[ $1 == *$'ATI1\n'"$2"* ]] || { echo "not running $2: $1"; return 1; }
}
# A fresh device (flash file $1) sets its update URL to $2, sends the AT lines after $4, prints
# what $3 says it must, and then runs V1.1.0.
sim_update() {
  local flash=$1 url=$2 expect=$3 out
  shift 3
  out=$(FLASH=$flash; setup_device; FLASH=$flash device -- "AT+W=lab,pw" "AT+U=$url" "$@") || return 1
  grep -qF "$expect" <<<"$out" || { echo "$out"; cat sim.err; return 1; }
  out=$(FLASH=$flash device -- "ATI1")
  runs "$out" V1.1.0
}
sim_https() { sim_update dev-https.bin "$base/repos/$repo/releases/latest" "V1.1.0 [NEWER]" "AT+U?" "AT+U^"; }
check "vt132-sim: AT+U? and AT+U^ from latest over HTTPS through nginx, then runs V1.1.0" sim_https

sim_force_tag() { sim_update dev-tag.bin "$base/api/v3/repos/$repo/releases/tags/V1.1.0" OK "AT+U?" "AT+U!"; }
check "vt132-sim: AT+U= a tag's /api/v3 URL and AT+U! through nginx" sim_force_tag

sim_plain() { sim_update dev-plain.bin "$plain/VT132.bin" "V1.1.0 [NEWER]" "AT+U?" "AT+U^"; }
check "vt132-sim: stock firmware's plain-HTTP /VT132.bin from nginx" sim_plain

# A download cut in the middle (nginx stops: SIGTERM is its fast shutdown) and resumed with a
# Range request by the device once nginx is back on the same port. The device reaches nginx
# through a relay sending ~300 KB/s, a slow Wi-Fi link; nginx's socket send buffer is made
# small (sndbuf=16k) so the image is still in nginx, not in kernel buffers, when it stops.
sim_resume() {
  sed -i "s#listen 127.0.0.1:$nport ssl;#listen 127.0.0.1:$nport ssl sndbuf=16k;#" nginx/vt132-export.conf
  kill -TERM "$nginx_pid"
  wait "$nginx_pid"
  start_nginx
  python3 "$REPO_ROOT/tests/integration/e2e/throttle_proxy.py" "$nport" 300000 >proxy.log &
  proxy_pid=$!
  wait_until 20 grep -q '^listening ' proxy.log || { echo "the relay did not start"; return 1; }
  local pport
  pport=$(grep -m1 '^listening ' proxy.log | cut -d' ' -f2)
  (FLASH=dev-resume.bin; setup_device)
  printf 'AT+W=lab,pw\rAT+U=%s\rAT+U?\rAT+U^\r' "https://127.0.0.1:$pport/VT132.bin" |
    timeout 120 "$BIN/vt132-sim" --flash dev-resume.bin --ca "$ca" 2>sim.err | tr -d '\r' >session.out &
  local sim=$!
  # 128 KiB of one connection reached the device (the relay reports every 64 KiB): only the
  # 1.1 MB image is that large, so the device is in the middle of the download.
  wait_until 60 grep -Eq ': [0-9]{6,} bytes to client' proxy.log || { echo "no download through the relay"; return 1; }
  local before
  before=$(wc -l <nginx/access.log)
  kill -TERM "$nginx_pid"
  wait "$nginx_pid"
  start_nginx
  wait "$sim"
  local out
  out=$(cat session.out)
  grep -qF "V1.1.0 [NEWER]" <<<"$out" && [[ $out == *$'\n\nOK'* ]] || { echo "$out"; cat sim.err; return 1; }
  tail -n +"$((before + 1))" nginx/access.log | grep -q '"GET /VT132.bin HTTP/1.1" 206 ' ||
    { echo "no Range request after the restart:"; tail -5 nginx/access.log; return 1; }
  out=$(FLASH=dev-resume.bin device -- "ATI1")
  runs "$out" V1.1.0
}
check "vt132-sim: a download cut by nginx stopping resumes with Range (206) once nginx is back" sim_resume
kill "$proxy_pid" 2>/dev/null
wait "$proxy_pid" 2>/dev/null
proxy_pid=

# --- a publish while devices read ------------------------------------------------------------
# Readers poll latest through nginx and fetch every asset it names, checking each one's size
# (and VT132.bin's bytes) against the release; one line per read: "ok TAG" or "FAIL ...".
readers=3
reader() {  # N
  local j tag name size got
  while [ ! -f reader.stop ]; do
    if ! j=$(curl -sSf --cacert "$ca" "$base/repos/$repo/releases/latest" 2>&1); then
      echo "FAIL latest: $j"
      continue
    fi
    tag=$(jq -r .tag_name <<<"$j")
    while IFS=$'\t' read -r name size u; do
      got=$(curl -sSf --cacert "$ca" -o "read.$1.$name" -w '%{size_download}' "$u" 2>&1) ||
        { echo "FAIL $tag $u: $got"; continue; }
      [ "$got" = "$size" ] || echo "FAIL $tag $u: $got bytes, the JSON says $size"
      if [ "$name" = VT132.bin ] && ! cmp -s "read.$1.$name" "img-$tag.bin"; then echo "FAIL $tag $u: not its image"; fi
    done < <(jq -r '.assets[] | [.name, .size, .browser_download_url] | @tsv' <<<"$j")
    echo "ok $tag"
  done
}
etag_of() { n -sI "$1" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r'; }
etag_before=$(etag_of "$tagged")
reader_pids=()
for i in $(seq "$readers"); do
  reader "$i" >"reader.$i.log" 2>&1 &
  reader_pids+=($!)
done
reader_pid=${reader_pids[*]}
# every_reader REGEX COUNT: each reader's log has COUNT lines matching REGEX.
every_reader() {
  local i
  for i in $(seq "$readers"); do [ "$(grep -c "$1" "reader.$i.log")" -ge "$2" ] || return 1; done
}
publish_while_reading() {
  wait_until 30 every_reader '^ok V1.1.0' 1 || { echo "the readers never read V1.1.0"; return 1; }
  local t0
  t0=$(date +%s%N)
  # Published to the server's API; the upload_url it names is nginx's address now (its
  # --public-url), so the uploads go through nginx, which forwards them.
  release V1.2.0
  wait_until 60 grep -q '^ok V1.2.0' reader.*.log || { echo "nginx never showed V1.2.0"; return 1; }
  echo "V1.2.0 read through nginx $(( ($(date +%s%N) - t0) / 1000000 )) ms after the publish began"
  # Then a few more complete reads of it by every reader.
  wait_until 60 every_reader '^ok V1.2.0' 3
  touch reader.stop
  wait "${reader_pids[@]}"
  reader_pid=
  echo "$(cat reader.*.log | grep -c '^ok') reads by $readers readers"
  ! grep -h '^FAIL' reader.*.log
}
check "publish V1.2.0 (uploads forwarded by nginx) to the server (--export-dir) while $readers readers poll latest through nginx: no failed read" \
  publish_while_reading
grep -E 'ms after|reads' check.out | sed 's/^/# /'
same_etag() {
  local now
  now=$(etag_of "$tagged")
  [ -n "$etag_before" ] && [ "$now" = "$etag_before" ] || { echo "ETag $etag_before, now $now"; return 1; }
}
check "V1.1.0's image keeps its ETag across the refresh (the same file, linked into the new tree)" same_etag

echo "checks: $checks, failed: $failures"
[ "$failures" -eq 0 ] && echo "nginx export e2e: all checks passed"
[ "$failures" -eq 0 ]
