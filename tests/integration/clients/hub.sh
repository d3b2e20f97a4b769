#!/usr/bin/env bash
# hub (Debian's package), unmodified, against vt132-ota-server: hub release (list), show,
# download, create with an asset, delete, and hub api user. hub finds the server from a git checkout's remote and
# GITHUB_HOST; it calls GET /user before most commands.
#   hub.sh VT132_OTA_SERVER
source "$(dirname "$0")/lib.sh"
command -v hub >/dev/null || skip "hub is not installed (Debian: apt-get install hub)"
command -v git >/dev/null || skip "hub needs git, which is not installed"
start_server hub-user

export GITHUB_HOST=$host GITHUB_TOKEN=$token HUB_CONFIG=$work/hub.yml HUB_PROTOCOL=https
cd "$work" || exit 1
git init -q checkout && git -C checkout remote add origin "https://$host/o/r.git"
cd checkout || exit 1

new_release V1.0.0 '"name":"First","body":"notes of one"'
new_release V1.1.0 '"name":"Second","body":"notes of two"'
id=$(api GET /repos/o/r/releases/tags/V1.1.0 | jq -r .id)
printf 'image' >"$work/VT132.bin"
curl -sf --cacert "$ca" -H "Authorization: token $token" -H "Content-Type: application/octet-stream" \
  --data-binary @"$work/VT132.bin" "$url/api/uploads/repos/o/r/releases/$id/assets?name=VT132.bin" >/dev/null

user() { equals "$(hub api user | jq -r .login)" hub-user; }
check "hub api user: login is the token's name" user

list() { equals "$(hub release | tr '\n' ' ')" "V1.1.0 V1.0.0 "; }
check "hub release: lists the tags, newest first" list

show() {
  local out
  out=$(hub release show V1.1.0) || return 1
  contains "$out" "Second" && contains "$out" "notes of two"
}
check "hub release show V1.1.0: title and notes" show

download() { hub release download V1.1.0 && cmp VT132.bin "$work/VT132.bin"; }
check "hub release download V1.1.0: the asset's bytes" download

create() {
  echo "zip" >"My File (x64).zip"
  hub release create -m "Third" -m "notes of three" -a "My File (x64).zip" V1.2.0 || return 1
  contains "$(hub release show V1.2.0 --show-downloads)" "/o/r/releases/download/V1.2.0/My.File.x64.zip"
}
check "hub release create -a 'My File (x64).zip' V1.2.0: created, the asset stored as My.File.x64.zip" create

delete() { hub release delete V1.2.0 && equals "$(hub release | tr '\n' ' ')" "V1.1.0 V1.0.0 "; }
check "hub release delete V1.2.0" delete

finish
