#!/usr/bin/env bash
# cpack's .deb: its contents, its dependencies, the programs running from it, and a real
# dpkg install and removal on this machine when we are root (CI is).
source "$(dirname "$0")/../harness.sh"
: "${BUILD_DIR:?}" "${VERSION:?}"

build_deb() {
  cpack --config "$BUILD_DIR/CPackConfig.cmake" -G DEB -B "$PWD/pkg" >cpack.log 2>&1 || fail "cpack: $(tail -5 cpack.log)"
  deb=$(ls "$PWD"/pkg/vt132-ota-toolkit_*.deb)
}

config_in_root() {  # the sample config: /etc for a /usr package, PREFIX/etc otherwise
  local c
  for c in root/etc/vt132-ota-server.toml "root$1/etc/vt132-ota-server.toml"; do
    [ -f "$c" ] && { echo "$c"; return 0; }
  done
  return 1
}

prefix() { grep -o 'ExecStart=[^ ]*' root/*/lib/systemd/system/vt132-ota-server.service root/lib/systemd/system/vt132-ota-server.service 2>/dev/null | head -1 | sed 's/.*ExecStart=//; s|/bin/vt132-ota-server||'; }

test_the_package_holds_programs_unit_config_man_pages_and_docs() {
  build_deb
  dpkg-deb -x "$deb" root
  local p
  p=$(prefix)
  [ -n "$p" ] || fail "no systemd unit in the package"
  local prog
  for prog in vt132-release vt132-ota-server vt132-sim vt132-mkimage; do
    [ -x "root$p/bin/$prog" ] || fail "missing $p/bin/$prog"
    [ -s "root$p/share/man/man1/$prog.1" ] || fail "missing man page for $prog"
  done
  expect_equal "$("root$p/bin/vt132-release" --version)" "vt132-release $VERSION"
  expect_equal "$("root$p/bin/vt132-ota-server" --version)" "vt132-ota-server $VERSION"
  config_in_root "$p" >/dev/null || fail "no config"
  [ -s "root$p/share/doc/vt132/security.md" ] || fail "docs missing"
  [ -s "root$p/share/doc/vt132/examples/nginx-export.conf" ] || fail "the nginx example for the export is missing"
  grep -q "vt132-release" "root$p/share/man/man1/vt132-release.1" || fail "empty man page"
}

# Each page as `man` shows it: a NAME line that says what the program is (not help2man's
# "manual page for"), FILES and SEE ALSO, and a subsection for every subcommand the program's
# --help lists, with that subcommand's options.
test_man_pages_name_the_program_and_show_files_see_also_and_every_subcommand() {
  build_deb
  dpkg-deb -x "$deb" root
  local p prog text name_line sub
  p=$(prefix)
  for prog in vt132-release vt132-ota-server vt132-sim vt132-mkimage; do
    text=$(MANWIDTH=200 man -l "root$p/share/man/man1/$prog.1" 2>&1)
    name_line=$(printf '%s\n' "$text" | sed -n '/^NAME$/{n;p;q}')
    expect_contains "$name_line" "$prog - "
    case $name_line in *"manual page for"*) fail "$prog: help2man's placeholder NAME line: $name_line" ;; esac
    expect_contains "$text" $'\nFILES\n'
    expect_contains "$text" $'\nSEE ALSO\n'
    for sub in $("root$p/bin/$prog" --help | awk '/^Subcommands:$/ { on = 1; next } on && /^$/ { exit } on { print $1 }'); do
      expect_contains "$text" "   $prog $sub"
    done
  done
  text=$(MANWIDTH=200 man -l "root$p/share/man/man1/vt132-ota-server.1" 2>&1)
  expect_contains "$text" "vt132-ota-server token create [OPTIONS] name"
  expect_contains "$text" "--repo TEXT ..."
  expect_contains "$text" "/etc/vt132-ota-server.toml"
  expect_contains "$text" "DATA/tokens.json"
  expect_contains "$text" "DATA/tls/ca.pem"
  text=$(MANWIDTH=200 man -l "root$p/share/man/man1/vt132-release.1" 2>&1)
  expect_contains "$text" "vt132-release create [OPTIONS]"
}

test_the_package_declares_its_shared_library_dependencies() {
  build_deb
  local depends
  depends=$(dpkg-deb -f "$deb" Depends)
  expect_contains "$depends" "libssl3"
  expect_contains "$depends" "libcpp-httplib0.11"
}

test_the_packaged_server_starts_with_the_packaged_config() {
  build_deb
  dpkg-deb -x "$deb" root
  local p config port
  p=$(prefix)
  config=$(config_in_root "$p") || fail "no config"
  port=$((20000 + RANDOM % 30000))
  "root$p/bin/vt132-ota-server" --config "$config" --data data --listen "127.0.0.1:$port" --tls-name 127.0.0.1 \
    >server.log 2>&1 &
  local pid=$!
  local ok=0
  for _ in $(seq 1 50); do
    curl -sf --cacert data/tls/ca.pem "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && { ok=1; break; }
    sleep 0.1
  done
  kill "$pid"
  wait "$pid" 2>/dev/null
  [ "$ok" -eq 1 ] || fail "server from the package did not answer: $(tail -3 server.log)"
}

test_dpkg_installs_and_removes_the_package_on_this_machine() {
  if [ "$(id -u)" -ne 0 ] || [ -z "${CI:-}${VT132_TEST_DPKG:-}" ]; then
    echo "    (skipped: installs system-wide only as root in CI or with VT132_TEST_DPKG=1)"
    return 0
  fi
  build_deb
  dpkg -i "$deb" >dpkg.log 2>&1 || fail "dpkg -i: $(tail -5 dpkg.log)"
  getent passwd vt132-ota >/dev/null || fail "postinst made no vt132-ota user"
  local installed
  installed=$(dpkg -L vt132-ota-toolkit | grep '/bin/vt132-ota-server$')
  expect_equal "$("$installed" --version)" "vt132-ota-server $VERSION"
  dpkg -r vt132-ota-toolkit >>dpkg.log 2>&1 || fail "dpkg -r: $(tail -5 dpkg.log)"
  [ ! -e "$installed" ] || fail "$installed left after removal"
}

run_tests
