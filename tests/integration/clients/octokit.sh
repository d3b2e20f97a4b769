#!/usr/bin/env bash
# Octokit (@octokit/rest from npm), unmodified, against vt132-ota-server; the checks are in
# octokit_check.mjs. npm installs it once into NPM_DIR (under the build dir); without node
# or npm, or when the npm registry cannot be reached, the test is skipped and says so.
#   octokit.sh VT132_OTA_SERVER NPM_DIR
source "$(dirname "$0")/lib.sh"
npm_dir=$2
command -v node >/dev/null || skip "node is not installed (Debian: apt-get install nodejs npm)"
if [ ! -f "$npm_dir/node_modules/@octokit/rest/package.json" ]; then
  command -v npm >/dev/null || skip "npm is not installed (Debian: apt-get install npm)"
  mkdir -p "$npm_dir"
  if ! (cd "$npm_dir" && npm install --no-audit --no-fund --silent @octokit/rest >"$work/npm.log" 2>&1); then
    skip "npm install @octokit/rest failed (registry not reachable?): $(tail -2 "$work/npm.log")"
  fi
fi
start_server octokit-user
for i in 1 2 3; do new_release "V1.$i.0" "\"body\":\"**bold** $i <script>x</script>\"" || exit 1; done
# Node reads extra CAs only from this variable, at start.
cp "$(dirname "$0")/octokit_check.mjs" "$npm_dir/"
NODE_EXTRA_CA_CERTS=$ca VT132_API=$api VT132_TOKEN=$token node "$npm_dir/octokit_check.mjs" || failures=1
finish
