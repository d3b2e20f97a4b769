# A simulated VT132 for shell tests: source after harness.sh and ota_server.sh, with $BIN set.
#   setup_device                  a signing key (keys/release.pem) and a factory-fresh
#                                 device flash ($FLASH, default device.bin) running V1.0.0
#                                 (v100.bin); files already made are kept
#   release TAG [create flags]    make and publish a release of a fresh image
#   latest                        the release JSON URL of $repo on the server
#   device [sim flags] -- LINE... types LINEs at vt132-sim and prints its answers; the
#                                 sim trusts the test server's CA. DEVICE_CLOCK="+400d"
#                                 runs it with its clock moved (faketime), as a device
#                                 that knows the time then

setup_device() {
  [ -f keys/release.pem ] || "$BIN/vt132-release" keygen --out keys/release.pem >/dev/null
  [ -f bl.bin ] || "$BIN/vt132-mkimage" --bootloader --size 24K -o bl.bin >/dev/null
  [ -f v100.bin ] || "$BIN/vt132-mkimage" --version V1.0.0 --size 1100K -o v100.bin >/dev/null
  [ -f factory.bin ] || "$BIN/vt132-release" factory --bootloader bl.bin --app v100.bin -o factory.bin >/dev/null
  "$BIN/vt132-sim" --flash "${FLASH:-device.bin}" --init factory.bin </dev/null >/dev/null 2>&1
}

# Types lines at the simulated VT132, each one only after the answer to the one before (a
# key typed during AT+U^ cancels the download, as on the board), and prints what it answers,
# without the CRs.
device() {  # [sim flags] -- LINE...
  local flags=() clock=()
  while [ "$1" != "--" ]; do flags+=("$1"); shift; done
  shift
  [ -n "${DEVICE_CLOCK:-}" ] && clock=(with_clock "$DEVICE_CLOCK")
  coproc SIM { "${clock[@]}" timeout 120 "$BIN/vt132-sim" --flash "${FLASH:-device.bin}" --ca data/tls/ca.pem "${flags[@]}" 2>sim.err; }
  local in=${SIM[1]} out=${SIM[0]} pid=$SIM_PID line answer
  for line in "$@"; do
    printf '%s\r' "$line" >&"$in"
    while IFS= read -r answer <&"$out"; do
      answer=${answer//$'\r'/}
      printf '%s\n' "$answer"
      case $answer in OK | ERROR | "NO DIALTONE" | "NO CARRIER" | CONNECT | "NO ANSWER" | "ALREADY IN CALL") break ;; esac
    done
  done
  eval "exec $in>&-"
  cat <&"$out"
  wait "$pid"
}

release() {  # TAG [create flags]: make and publish a release of a fresh image
  local tag=$1
  shift
  "$BIN/vt132-mkimage" --version "$tag" --size 1100K --seed $RANDOM -o "img-$tag.bin" >/dev/null
  "$BIN/vt132-release" create --image "img-$tag.bin" --tag "$tag" --repo "$repo" --out "rel-$tag" "$@" >/dev/null
  publish_dir "rel-$tag" >/dev/null || fail "publish $tag failed"
}

latest() { echo "$url/repos/$repo/releases/latest"; }
