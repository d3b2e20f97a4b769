#!/usr/bin/env bash
# How long a simulated VT132 takes to query and install a 1.1 MB update from vt132-ota-server
# over loopback TLS, as a ratio to curl fetching the same release JSON and image from the same
# server in the same run (the device also verifies, writes 4 KiB flash sectors and checks the
# slot afterwards). Medians of RUNS runs.
#   tests/bench/bench_sim_update.sh [BUILD_DIR] [RUNS]
set -euo pipefail
build=${1:-build}
runs=${2:-7}
bin=$(cd "$build/bin" && pwd)
work=$(mktemp -d /tmp/vt132-bench-sim.XXXXXX)
cd "$work"
port=$((20000 + RANDOM % 30000))
repo=vt132/firmware
token=$("$bin/vt132-ota-server" --data data token create bench)
"$bin/vt132-ota-server" --data data --listen "127.0.0.1:$port" --tls-name 127.0.0.1 --repo "$repo" \
  --access-log false >server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -sf --cacert data/tls/ca.pem "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
"$bin/vt132-mkimage" --version V1.0.0 --size 1100K -o v100.bin >/dev/null
"$bin/vt132-mkimage" --version V1.1.0 --size 1100K --seed 2 -o v110.bin >/dev/null
"$bin/vt132-release" create --image v110.bin --tag V1.1.0 --repo "$repo" --out rel >/dev/null
VT132_TOKEN=$token "$bin/vt132-release" publish rel --api "https://127.0.0.1:$port/api/v3" \
  --token-env VT132_TOKEN --cacert data/tls/ca.pem >/dev/null
latest="https://127.0.0.1:$port/repos/$repo/releases/latest"

curl_fetch() {
  curl -sf --cacert data/tls/ca.pem "$latest" -o latest.json
  curl -sf --cacert data/tls/ca.pem -o img.bin "$(jq -r '.assets[] | select(.name=="VT132.bin") | .browser_download_url' latest.json)"
}

"$bin/vt132-sim" --flash base.bin --init-app v100.bin </dev/null >/dev/null 2>&1

sim_update() {
  rm -f dev.bin*
  cp base.bin dev.bin  # a factory-fresh device on V1.0.0 each time
  printf 'AT+W=b,p\rAT+U=%s\rAT+U?\rAT+U^\r' "$latest" |
    "$bin/vt132-sim" --flash dev.bin --ca data/tls/ca.pem 2>/dev/null | grep -q "^OK" || { echo "sim update failed" >&2; exit 1; }
}

median_ms() {
  local samples=() start end
  for _ in $(seq 1 "$runs"); do
    start=$(date +%s%N)
    "$@"
    end=$(date +%s%N)
    samples+=($(((end - start) / 1000000)))
  done
  printf '%s\n' "${samples[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

ref=$(median_ms curl_fetch)
sim=$(median_ms sim_update)
echo "bench_sim_update: 1.1 MB image over loopback TLS, median of $runs runs"
echo "  curl: release JSON + image        ${ref} ms   1.00x"
echo "  vt132-sim: boot, AT+U?, AT+U^    ${sim} ms   $(awk -v a="$sim" -v b="$ref" 'BEGIN { printf "%.2f", a / (b ? b : 1) }')x"
