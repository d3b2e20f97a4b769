# A simulated VT132 (vt132-sim on a file-backed flash) for shell tests: source after
# harness.sh, with $BIN set.
#   setup_device                 keys/release.pem, and a factory-fresh $FLASH (default
#                                device.bin) running V1.0.0 (v100.bin)
#   device [sim flags] -- LINE...  types each LINE at the device's modem once the one before
#                                is answered, prints the answers without CRs; trusts
#                                data/tls/ca.pem (start_server's CA)

setup_device() {
  [ -f keys/release.pem ] || "$BIN/vt132-release" keygen --out keys/release.pem >/dev/null
  [ -f bl.bin ] || "$BIN/vt132-mkimage" --bootloader --size 24K -o bl.bin >/dev/null
  [ -f v100.bin ] || "$BIN/vt132-mkimage" --version V1.0.0 --size 1100K -o v100.bin >/dev/null
  [ -f factory.bin ] || "$BIN/vt132-release" factory --bootloader bl.bin --app v100.bin -o factory.bin >/dev/null
  "$BIN/vt132-sim" --flash "${FLASH:-device.bin}" --init factory.bin </dev/null >/dev/null 2>&1
}

# A key typed during AT+U^ cancels the download, as on the board: hence one line at a time.
device() {  # [sim flags] -- LINE...
  local flags=()
  while [ "$1" != "--" ]; do flags+=("$1"); shift; done
  shift
  coproc SIM { timeout 120 "$BIN/vt132-sim" --flash "${FLASH:-device.bin}" --ca data/tls/ca.pem "${flags[@]}" 2>sim.err; }
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
