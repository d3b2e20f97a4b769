#!/usr/bin/env bash
# The GitHub CLI (gh, Debian's package), unmodified, against vt132-ota-server: every release
# operation a maintainer runs. Each check names the gh command it proves.
#   gh.sh VT132_OTA_SERVER
source "$(dirname "$0")/lib.sh"
command -v gh >/dev/null || skip "gh is not installed (Debian: apt-get install gh)"
command -v jq >/dev/null || { echo "FAIL - jq is needed by this test"; exit 1; }
start_server gh-user

export GH_CONFIG_DIR=$work/gh GH_HOST=$host GH_ENTERPRISE_TOKEN=$token GH_PROMPT_DISABLED=1 GH_NO_UPDATE_NOTIFIER=1 \
  NO_COLOR=1
R=(-R "$host/o/r")
cd "$work" || exit 1
head -c 70000 /dev/urandom >VT132.bin
echo "zip" >"My File (x64).zip"
echo "other" >"Other (copy).bin"
printf '# V1.0.0\n\n- fixes **everything**\n' >notes.md

auth_status() {
  local out
  out=$(gh auth status 2>&1) || { echo "$out"; return 1; }
  contains "$out" "Logged in to $host as gh-user" && contains "$out" "Token scopes: repo"
}
check "gh auth status: the token is valid and names its user" auth_status

create_with_assets() {
  gh release create V1.0.0 "${R[@]}" --title "First" --notes-file notes.md VT132.bin "My File (x64).zip"
}
check "gh release create V1.0.0 with assets (one named with spaces and parentheses)" create_with_assets

stored_names() {
  local names
  names=$(gh release view V1.0.0 "${R[@]}" --json assets -q '.assets[].name' | sort | tr '\n' ' ')
  equals "$names" "My.File.x64.zip VT132.bin "
}
check "gh release view --json assets: \"My File (x64).zip\" is stored as GitHub names it, My.File.x64.zip" stored_names

check "gh release upload \"Other (copy).bin\": stored as Other.copy.bin" \
  bash -c "gh release upload V1.0.0 ${R[*]} 'Other (copy).bin' &&
           gh release view V1.0.0 ${R[*]} --json assets -q '.assets[].name' | grep -qx Other.copy.bin"

view_release() {
  local j
  j=$(gh release view V1.0.0 "${R[@]}" --json tagName,name,body,isDraft,url) || return 1
  equals "$(jq -r .tagName <<<"$j")" V1.0.0 && equals "$(jq -r .name <<<"$j")" First &&
    contains "$(jq -r .body <<<"$j")" "fixes **everything**" && equals "$(jq -r .isDraft <<<"$j")" false
}
check "gh release view V1.0.0: tag, title, notes" view_release

html_page() {
  local page_url page sha
  page_url=$(gh release view V1.0.0 "${R[@]}" --json url -q .url) || return 1
  page=$(curl -sf --cacert "$ca" "$page_url") || { echo "GET $page_url failed"; return 1; }
  sha=$(sha256sum VT132.bin | cut -d' ' -f1)
  contains "$page" "<strong>everything</strong>" && contains "$page" "$sha" && contains "$page" "70000 bytes" &&
    contains "$page" "/o/r/releases/download/V1.0.0/VT132.bin" && contains "$page" "AT+U=$url/repos/o/r/releases/tags/V1.0.0"
}
check "gh release view --web's page (the release's url): notes, size, SHA-256, download link, AT+U=" html_page

check "gh release download V1.0.0 -p VT132.bin: the same bytes" \
  bash -c "gh release download V1.0.0 ${R[*]} -p VT132.bin -D dl && cmp VT132.bin dl/VT132.bin"

no_tag() {
  local out
  if out=$(gh release create V9.9.9 "${R[@]}" --verify-tag --notes x 2>&1); then
    echo "created a release for a tag that does not exist: $out"
    return 1
  fi
  contains "$out" "tag V9.9.9 doesn't exist in the repo"
}
check "gh release create --verify-tag refuses a tag that does not exist" no_tag

kept_tag() {
  gh release create V2.0.0 "${R[@]}" --notes "two" && gh release delete V2.0.0 "${R[@]}" --yes &&
    gh release create V2.0.0 "${R[@]}" --verify-tag --notes "two again"
}
check "gh release delete keeps the tag: create --verify-tag on it succeeds" kept_tag

cleanup_tag() {
  gh release delete V2.0.0 "${R[@]}" --cleanup-tag --yes || return 1
  local tags
  tags=$(api GET /repos/o/r/tags | jq -r '.[].name' | tr '\n' ' ')
  equals "$tags" "V1.0.0 " || return 1
  ! gh release create V2.0.0 "${R[@]}" --verify-tag --notes x >/dev/null 2>&1
}
check "gh release delete --cleanup-tag removes the release and its tag" cleanup_tag

# Which release is latest (what devices poll), as gh's --latest flags set it: GitHub's
# make_latest rules, one step of the table per line: command, then the latest expected.
R2=(-R "$host/o/latest")
latest_table() {
  local step=0 cmd want got
  while IFS='|' read -r cmd want; do
    step=$((step + 1))
    eval "gh release $cmd ${R2[*]}" >/dev/null || { echo "step $step: gh release $cmd failed"; return 1; }
    got=$(gh release view "${R2[@]}" --json tagName -q .tagName)
    [ "$got" = "$want" ] || { echo "step $step (gh release $cmd): latest is $got, expected $want"; return 1; }
  done <<'TABLE'
create L1.0.0 --notes a|L1.0.0
create L2.0.0 --notes b --latest=false|L1.0.0
create L3.0.0 --notes c|L3.0.0
edit L1.0.0 --latest|L1.0.0
delete L1.0.0 --yes|L3.0.0
create L4.0.0 --notes d --prerelease|L3.0.0
create L5.0.0 --notes e --draft|L3.0.0
edit L5.0.0 --draft=false|L5.0.0
TABLE
}
check "gh release create/edit --latest[=false]/delete/--prerelease/--draft: latest follows GitHub's rules" latest_table

# 105 more releases: gh asks GraphQL for at most 100 per page, so --limit 200 needs a second
# page (the cursor) to see all 106.
for i in $(seq -w 1 105); do new_release "P$i" >/dev/null || { echo "FAIL - creating P$i"; exit 1; }; done
paged_list() {
  local out
  out=$(gh release list "${R[@]}" --limit 200) || return 1
  equals "$(wc -l <<<"$out")" 106 && equals "$(head -1 <<<"$out" | cut -f3)" P105 &&
    equals "$(tail -1 <<<"$out" | cut -f3)" V1.0.0 && contains "$(head -1 <<<"$out")" "Latest"
}
check "gh release list --limit 200: 106 releases over two GraphQL pages, newest first, latest marked" paged_list
default_list() { equals "$(gh release list "${R[@]}" | wc -l)" 30; }
check "gh release list: its default first page of 30" default_list

finish
