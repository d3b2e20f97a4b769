#!/usr/bin/env bash
# The server's pages as a browser shows them: a real vt132-ota-server holding signed, unsigned,
# yanked and soon-expiring releases (made with vt132-release create/publish and the REST API),
# loaded in headless Chromium; the DOM is checked and a screenshot saved to BUILD_DIR.
# /ca.pem is fetched with curl and its pin compared with the page's. Page load times are
# printed ("timing: ...") for the closing note.
# Usage: page_chromium.sh BIN_DIR BUILD_DIR. Exit 77 (skipped) when chromium is not installed.
if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium is not installed (scripts/setup.sh installs it): skipped"
  exit 77
fi
BIN=$1
BUILD_DIR=$(cd "$2" && pwd)
source "$(dirname "$0")/../harness.sh"
source "$(dirname "$0")/../ota_server.sh"
release="$BIN/vt132-release"
other_repo=lab/unsigned-fw

make_release() {  # TAG DIR REPO [create flags]
  local tag=$1 dir=$2 to=$3
  shift 3
  "$BIN/vt132-mkimage" --version "$tag" --size 200K -o "img-$tag.bin" >/dev/null
  "$release" create --image "img-$tag.bin" --tag "$tag" --repo "$to" --out "$dir" "$@" >/dev/null ||
    fail "create $tag failed"
}

api_call() {  # METHOD PATH [curl args]
  local method=$1 path=$2
  shift 2
  curl -sf --cacert data/tls/ca.pem -H "Authorization: Bearer $VT132_TOKEN" -X "$method" "$api$path" "$@"
}

# Chromium trusts this server's certificate by the SHA-256 of its public key (no blanket
# --ignore-certificate-errors): the same pinning idea the device uses.
server_spki_pin() {
  openssl x509 -in data/tls/server.pem -pubkey -noout | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 -binary | base64
}

browser() {  # URL [chromium flags]: prints the DOM after load
  local url=$1
  shift
  chromium --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$PWD/chromium-profile" \
    --ignore-certificate-errors-spki-list="$(server_spki_pin)" "$@" --dump-dom "$url" 2>chromium.log
}

# The releases of the story: thehighnibble/vt132 (the --repo) has V1.5.0 signed, V1.6.0 signed
# then yanked, V1.7.0 signed whose manifest expires in 10 days (latest); lab/unsigned-fw has
# V2.0.0 unsigned (latest there).
publish_story() {
  "$release" keygen --out release.pem >/dev/null || fail "keygen failed"
  printf '## Fixes\n\n- **Bold change** in the modem\n- `AT+U?` shows the channel\n' >notes.md
  make_release V1.5.0 r150 "$repo" --key release.pem --notes notes.md
  make_release V1.6.0 r160 "$repo" --key release.pem
  make_release V1.7.0 r170 "$repo" --key release.pem --expires 10 --notes notes.md
  make_release V2.0.0 r200 "$other_repo"
  local d said
  # publish lists a repository's releases first, and the server lists a repository other than
  # --repo as 404 until it holds a release: the draft is made through the REST API, publish
  # finds it and finishes it.
  api_call POST "/repos/$other_repo/releases" -d '{"tag_name":"V2.0.0","draft":true}' >/dev/null ||
    fail "create draft V2.0.0 failed"
  for d in r150 r160 r170 r200; do said=$(publish_dir "$d" 2>&1) || fail "publish $d failed: $said"; done
  # What `vt132-release yank` does: a prerelease named "[yanked] ...".
  local id
  id=$(api_call GET "/repos/$repo/releases/tags/V1.6.0" | jq -r .id)
  api_call PATCH "/repos/$repo/releases/$id" -d '{"name":"[yanked] V1.6.0","prerelease":true}' >/dev/null ||
    fail "yank V1.6.0 failed"
  # Two downloads of V1.7.0's image: the page counts them.
  for _ in 1 2; do
    curl -sf --cacert data/tls/ca.pem -o /dev/null "$url/$repo/releases/download/V1.7.0/VT132.bin" ||
      fail "download failed"
  done
}

# The DOM of one <section id="release-TAG"> ... </section>, on one line.
release_section() {  # DOM TAG
  tr '\n' ' ' <<<"$1" | grep -o "<section class=\"release[^\"]*\" id=\"release-$2\">.*" | sed 's#</section>.*##'
}

median_of_20() {  # URL: "TOTAL ms (SERVER ms)": medians of 20 of curl's time_total (new TLS
  # connection each time) and of the time from request sent to first byte (the page's making)
  for _ in $(seq 20); do
    curl -s --cacert data/tls/ca.pem -o /dev/null -w '%{time_total} %{time_pretransfer} %{time_starttransfer}\n' "$1"
  done | awk '{print $1 * 1000, ($3 - $2) * 1000}' >times.txt
  printf '%.1f ms (server %.1f ms)' "$(cut -d' ' -f1 times.txt | sort -n | sed -n 10p)" \
    "$(cut -d' ' -f2 times.txt | sort -n | sed -n 10p)"
}

test_the_home_page_in_chromium_teaches_install_lines_pin_and_release_marks() {
  WITH_HTTP=1 start_server
  publish_story
  local dom pin
  dom=$(browser "$url/" --screenshot="$BUILD_DIR/page.png" --window-size=1200,1600) || fail "chromium failed: $(tail -3 chromium.log)"
  [ -s "$BUILD_DIR/page.png" ] || fail "no screenshot at $BUILD_DIR/page.png"
  dom=$(browser "$url/") || fail "chromium failed: $(tail -3 chromium.log)"
  expect_contains "$dom" "AT+U=$url/repos/$repo/releases/latest"
  expect_contains "$dom" "AT+U=http://127.0.0.1:$http_port/VT132.bin"
  expect_contains "$dom" "AT+U=$url/repos/$other_repo/releases/latest"
  # The pin on the page is the one the server printed at start and the one of /ca.pem.
  pin=$(wait_for_line server.log 'CA public key SHA-256 pin: ' | sed 's/.*pin: //')
  expect_contains "$dom" "<code class=\"pin\" id=\"ca-pin\">$pin</code>"
  expect_contains "$dom" 'href="/ca.pem"'
  # Marks: signed (no key given to the server), unsigned, yanked.
  expect_contains "$(release_section "$dom" V1.7.0)" '<span class="badge signed">signed</span>'
  expect_contains "$(release_section "$dom" V1.7.0)" 'Signed (key not checked by this server)'
  expect_contains "$(release_section "$dom" V1.7.0)" '<span class="badge latest">latest</span>'
  expect_contains "$(release_section "$dom" V2.0.0)" '<span class="badge unsigned">unsigned</span>'
  expect_contains "$dom" '<section class="release yanked" id="release-V1.6.0">'
  expect_contains "$(release_section "$dom" V1.6.0)" '<span class="badge yanked">yanked</span>'
  # Warnings: the unsigned latest of lab/unsigned-fw, the expiring manifest of V1.7.0.
  expect_contains "$(tr '\n' ' ' <<<"$dom" | grep -o '<p class="warn" id="warn-unsigned">[^<]*<strong>[^<]*')" \
    "The latest release, V2.0.0, is not signed"
  expect_contains "$(tr '\n' ' ' <<<"$dom" | grep -o '<p class="warn" id="warn-expiry">.\{0,200\}')" "expires <time"
  expect_contains "$dom" 'in 9 days</time>'
  # Markdown rendered, not shown raw.
  expect_contains "$(release_section "$dom" V1.7.0)" '<strong>Bold change</strong>'
  expect_contains "$(release_section "$dom" V1.7.0)" '<code>AT+U?</code>'
  case "$dom" in *'**'*) fail "raw Markdown (**) on the page" ;; esac
  # Friendly dates with the exact UTC time for machines and on hover.
  expect_contains "$dom" "<time datetime=\"$(date -u +%Y-%m-%d)T"
  expect_contains "$dom" '</time>'
  grep -qE 'title="[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC">(just now|[0-9]+ (second|minute)s? ago)</time>' <<<"$dom" ||
    fail "no friendly publication date"
  # Download counts per asset: V1.7.0's image twice; its manifest once, read by the publish
  # that warned of its near expiry (vt132-release publish checks the latest manifest).
  grep -qE 'VT132\.bin</a></td><td[^>]*>[^<]*</td><td class="downloads">2</td>' <<<"$(release_section "$dom" V1.7.0)" ||
    fail "V1.7.0's VT132.bin does not show 2 downloads"
  grep -qE 'vt132-manifest\.json</a></td><td[^>]*>[^<]*</td><td class="downloads">1</td>' <<<"$(release_section "$dom" V1.7.0)" ||
    fail "V1.7.0's manifest does not show 1 download"
  # Read over plain HTTP, the page still gives devices the HTTPS line.
  expect_contains "$(curl -sf "http://127.0.0.1:$http_port/")" "AT+U=$url/repos/$repo/releases/latest"
  # No script anywhere: the page works without JavaScript.
  case "$dom" in *'<script'*) fail "the page carries a script" ;; esac

  local ms_home ms_release t0 t1 t2
  ms_home=$(median_of_20 "$url/")
  ms_release=$(median_of_20 "$url/$repo/releases/tag/V1.7.0")
  t0=$(date +%s%N); browser "about:blank" >/dev/null; t1=$(date +%s%N); browser "$url/" >/dev/null; t2=$(date +%s%N)
  echo "timing: curl median of 20: / ${ms_home}, release page ${ms_release};" \
    "chromium --dump-dom of / $(((t2 - t1) / 1000000)) ms against $(((t1 - t0) / 1000000)) ms for about:blank"
}

test_a_release_page_in_chromium_shows_its_install_lines_and_marks() {
  WITH_HTTP=1 start_server
  publish_story
  local html_url dom
  html_url=$(curl -sf --cacert data/tls/ca.pem "$api/repos/$repo/releases/tags/V1.7.0" | jq -r .html_url)
  dom=$(browser "$html_url" --screenshot="$BUILD_DIR/release-page.png" --window-size=1200,1600) ||
    fail "chromium failed: $(tail -3 chromium.log)"
  [ -s "$BUILD_DIR/release-page.png" ] || fail "no screenshot at $BUILD_DIR/release-page.png"
  dom=$(browser "$html_url") || fail "chromium failed"
  expect_contains "$dom" "AT+U=$url/repos/$repo/releases/tags/V1.7.0"
  expect_contains "$dom" "AT+U!"
  expect_contains "$dom" 'id="warn-expiry"'
  expect_contains "$dom" '<span class="badge signed">signed</span>'
  expect_contains "$dom" '<strong>Bold change</strong>'
  expect_contains "$dom" 'id="ca-pin"'
  # The yanked release's own page says so; V2.0.0's latest page warns it is unsigned.
  dom=$(browser "$url/$repo/releases/tag/V1.6.0") || fail "chromium failed"
  expect_contains "$dom" '<span class="badge yanked">yanked</span>'
  dom=$(browser "$url/$other_repo/releases/latest") || fail "chromium failed"
  expect_contains "$dom" 'id="warn-unsigned"'
  expect_contains "$dom" "AT+U=$url/repos/$other_repo/releases/latest"
}

test_ca_pem_is_the_servers_ca_and_its_pin_is_the_one_on_the_page() {
  start_server
  local page pin served_pin
  page=$(curl -sf --cacert data/tls/ca.pem "$url/")
  pin=$(grep -o '<code class="pin" id="ca-pin">[0-9a-f]*' <<<"$page" | sed 's/.*>//')
  [ "${#pin}" -eq 64 ] || fail "no 64-digit pin on the page: '$pin'"
  curl -sf --cacert data/tls/ca.pem -o got.pem "$url/ca.pem" || fail "GET /ca.pem failed"
  head -1 got.pem | grep -q -- '-----BEGIN CERTIFICATE-----' || fail "/ca.pem is not a PEM certificate"
  served_pin=$(openssl x509 -in got.pem -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r |
    cut -d' ' -f1)
  expect_equal "$served_pin" "$pin"
  cmp -s got.pem data/tls/ca.pem || fail "/ca.pem differs from DATA/tls/ca.pem"
}

test_ca_pem_is_404_with_a_reason_when_the_operator_gave_the_certificate() {
  "$release" certs --out own --name 127.0.0.1 >/dev/null || fail "certs failed"
  CACERT=own/ca.pem start_server --tls-cert own/server.pem --tls-key own/server.key
  local code
  code=$(curl -s --cacert own/ca.pem -o body.json -w '%{http_code}' "$url/ca.pem")
  expect_equal "$code" "404"
  expect_contains "$(jq -r .message body.json)" "uses a certificate its operator provided (--tls-cert/--tls-key)"
  expect_contains "$(curl -sf --cacert own/ca.pem "$url/")" "none to download"
}

run_tests
