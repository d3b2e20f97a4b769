#!/usr/bin/env bash
# The main job: install, build, and run a local VT132 update server with demo releases on the
# embedded default (a data directory on local disk), then update a simulated VT132 from it.
#
# What runs: vt132-ota-server on https://127.0.0.1:$PORT (its page: https://localhost:$PORT/)
# and http://127.0.0.1:$HTTP_PORT for stock firmware, serving releases V1.0.0 and V1.1.0 of a
# generated VT132 image, signed with a demo key. A vt132-sim device starts on V1.0.0 and updates
# itself. On a terminal you drive the device yourself; otherwise a scripted session does it.
# The server runs until Ctrl-C (or, with VT132_DEMO_EXIT=1, stops after the device session).
# Only the four programs are built, with cmake's progress shown; scripts/test.sh builds the rest.
#
# Environment: VT132_DEMO_DIR (default out/demo, recreated), VT132_DEMO_PORT (8443),
# VT132_DEMO_HTTP_PORT (8080), VT132_BUILD_DIR (build), VT132_SKIP_SETUP=1 (no apt/build),
# VT132_DEMO_EXIT=1 (stop after the device session, even on a terminal).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${VT132_BUILD_DIR:-build}
demo=${VT132_DEMO_DIR:-out/demo}
port=${VT132_DEMO_PORT:-8443}
http_port=${VT132_DEMO_HTTP_PORT:-8080}
repo=thehighnibble/vt132

# The four programs the demo runs (and the libraries they link), not the tests: `cmake --build
# build` builds everything, scripts/test.sh does.
demo_targets=(vt132-ota-server vt132-release vt132-sim vt132-mkimage)

# Shows cmake's progress lines ("[ 42%] Building CXX object ...", Ninja's "[12/97] ...") as
# they come, after LABEL: on a terminal as one line rewritten in place, otherwise one line
# each. Everything (warnings included) goes to LOG.
show_progress() {  # LOG LABEL
  local log=$1 label=$2 line width=${COLUMNS:-0}
  [ -t 1 ] && [ "$width" -eq 0 ] && width=$(tput cols 2>/dev/null || echo 80)
  while IFS= read -r line; do
    printf '%s\n' "$line" >>"$log"
    case $line in
      "["*"] "*) line="$label $line" ;;
      *) continue ;;
    esac
    if [ -t 1 ]; then
      printf '\r\033[K%s' "${line:0:$((width - 1))}"
    else
      printf '  %s\n' "$line"
    fi
  done
  if [ -t 1 ]; then printf '\r\033[K'; fi
}

# One target at a time, so each one's percentages count up to 100 (cmake counts per target).
build_demo() {
  local log=$build/build.log i=0 target
  : >"$log"
  for target in "${demo_targets[@]}"; do
    i=$((i + 1))
    cmake --build "$build" -j"$(nproc)" --target "$target" 2>&1 |
      show_progress "$log" "($i/${#demo_targets[@]} $target)" ||
      { tail -40 "$log"; echo "building $target failed; the whole log is $log" >&2; exit 1; }
  done
}

if [ "${VT132_SKIP_SETUP:-0}" != 1 ]; then
  bash scripts/setup.sh
  cmake -S . -B "$build" >/dev/null
  echo "== building ${demo_targets[*]} (a first build takes minutes; log: $build/build.log)"
  build_start=$SECONDS
  build_demo
  echo "== built in $((SECONDS - build_start)) s"
fi
bin=$(cd "$build/bin" && pwd)

rm -rf "$demo"
mkdir -p "$demo"
demo=$(cd "$demo" && pwd)
cd "$demo"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "two releases of a generated VT132 image (valid ESP32 format, random code)"
"$bin/vt132-mkimage" --version V1.0.0 --size 1100K --seed 1 -o VT132-V1.0.0.bin
"$bin/vt132-mkimage" --version V1.1.0 --size 1100K --seed 2 -o VT132-V1.1.0.bin
"$bin/vt132-mkimage" --bootloader --size 24K -o bootloader.bin >/dev/null
"$bin/vt132-release" keygen --out keys/release.pem
for v in V1.0.0 V1.1.0; do
  echo "Demo release $v of a generated image (made by scripts/run.sh)." >"notes-$v.md"
  "$bin/vt132-release" create --image "VT132-$v.bin" --tag "$v" --key keys/release.pem --repo "$repo" \
    --notes "notes-$v.md" --out "releases/$v" | head -1
done

say "starting vt132-ota-server (data directory: $demo/server-data)"
token=$("$bin/vt132-ota-server" --data server-data token create demo | tail -1)
"$bin/vt132-ota-server" --data server-data --listen "127.0.0.1:$port" --http-listen "127.0.0.1:$http_port" \
  --repo "$repo" --tls-name 127.0.0.1 --access-log false >server.log 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null; echo "vt132-ota-server stopped."' EXIT
for _ in $(seq 1 100); do
  curl -sf --cacert server-data/tls/ca.pem "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat server.log >&2
    echo "the server did not start: is port $port or $http_port taken? Set VT132_DEMO_PORT / VT132_DEMO_HTTP_PORT." >&2
    exit 1
  fi
  sleep 0.1
done
grep -E "CA|AT\+U" server.log | sed 's/^\[[^]]*\] \[[a-z]*\] /  /'

say "publishing both releases through the GitHub API (vt132-release publish)"
for v in V1.0.0 V1.1.0; do
  VT132_TOKEN=$token "$bin/vt132-release" publish "releases/$v" --api "https://127.0.0.1:$port/api/v3" \
    --token-env VT132_TOKEN --cacert server-data/tls/ca.pem | tail -2 | head -1
done

say "a factory-fresh VT132 (flash: $demo/device.bin) running V1.0.0"
"$bin/vt132-release" factory --bootloader bootloader.bin --app VT132-V1.0.0.bin -o factory.bin
sim=("$bin/vt132-sim" --flash device.bin --ca server-data/tls/ca.pem --pubkey keys/release.pub.pem)
"${sim[@]}" --init factory.bin </dev/null >/dev/null 2>&1
url="https://127.0.0.1:$port/repos/$repo/releases/latest"
page="https://localhost:$port/"
ca="$demo/server-data/tls/ca.pem"

if [ -t 0 ] && [ -t 1 ] && [ "${VT132_DEMO_EXIT:-0}" != 1 ]; then
  cat <<EOT

The server's page: $page
  (a browser warns until it trusts the demo's CA, $ca)

You are at the VT132's modem. Type each line in upper case, then Enter:
  AT+W=mywifi,secret        join "Wi-Fi" (the simulator uses this machine's network)
  AT+U\$                     which firmware runs and which boots next
  AT+U=$url
  AT&W                      keep that URL when the VT132 is switched off
  AT+U?                     ask the server: V1.1.0 [NEWER]
  AT+U^                     download, verify, write the other slot: dots, then OK
Ctrl-D switches the VT132 off; Enter at the prompt then switches it on again, and it boots the
new firmware: try AT+U\$ and ATI1, or AT+W+ (rejoin Wi-Fi) and AT+U? (V1.1.0 [SAME]; without
AT&W the URL is gone and it asks the VT132 project's GitHub). AT\$ lists every command.
Ctrl-C ends the demo and stops the server.
EOT
  while true; do
    "${sim[@]}" || true
    read -r -p $'\nVT132 is off. Enter switches it on again, q quits: ' answer || break
    [ "$answer" = q ] && break
  done
  exit 0
fi

say "the device session, typed by a script (run on a terminal to type it yourself)"
printf 'AT+W=demo,secret\rAT+U$\rAT+U=%s\rAT+U?\rAT+U^\r' "$url" | "${sim[@]}" 2>/dev/null | tr -d '\r'
say "switched off and on: the VT132 boots the new firmware"
printf 'AT+U$\rATI1\r' | "${sim[@]}" 2>/dev/null | tr -d '\r'

if [ "${VT132_DEMO_EXIT:-0}" = 1 ]; then
  exit 0
fi
say "vt132-ota-server keeps running (pid $server_pid)"
echo "  its page: $page  (a browser warns until it trusts $ca)"
echo "  on a VT132 (or vt132-sim) on this machine: AT+U=$url"
echo "  stock VT132 firmware, plain HTTP: AT+U=http://127.0.0.1:$http_port/VT132.bin"
echo "  It listens on 127.0.0.1 only: to serve the VT132s on your network, see docs/local-server.md."
echo "  Ctrl-C stops it."
wait "$server_pid"
