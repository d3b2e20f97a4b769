# Shared helpers for the shell integration tests. Source it, define test_* functions, then
# call run_tests. Each test runs in a subshell in a fresh temp directory. Every failed
# assertion is counted (bash ignores `set -e` inside functions run as conditions, so the
# count is what decides), and the script ends with "N passed, N failed" and a matching status.
set -uo pipefail

[ -z "${BIN:-}" ] || BIN=$(cd "$BIN" && pwd)
FAILURES=0

# with_clock OFFSET CMD...: runs CMD with its wall clock moved by OFFSET (faketime's form,
# e.g. +1d); monotonic time is left alone, so timeouts keep measuring real time. faketime
# works by LD_PRELOAD, which puts its library before a sanitizer build's ASan runtime; ASan
# then refuses to start unless told the order is fine.
with_clock() {
  local offset=$1
  shift
  env FAKETIME_DONT_FAKE_MONOTONIC=1 ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    faketime -f "$offset" "$@"
}

fail() {
  echo "    FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
  return 1
}

# expect_status CODE CMD...: runs CMD, keeps its stdout/stderr in $out/$err.
expect_status() {
  local want=$1
  shift
  out=$("$@" 2>/tmp/harness.err.$$)
  local got=$?
  err=$(cat /tmp/harness.err.$$)
  rm -f /tmp/harness.err.$$
  [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want; stderr: $err"
}

expect_contains() {  # HAYSTACK NEEDLE
  case "$1" in
    *"$2"*) return 0 ;;
    *) fail "expected to find '$2' in: $1" ;;
  esac
}

expect_equal() {  # ACTUAL EXPECTED
  [ "$1" == "$2" ] || fail "expected '$2', got '$1'"
}

# wait_for_line FILE REGEX [SECONDS]: waits until a line of FILE matches (an event, not a time);
# fails after SECONDS (default 60) so a test never hangs. Prints the matching line.
wait_for_line() {
  local file=$1 regex=$2 limit=${3:-60} line
  local deadline=$((SECONDS + limit))
  while [ "$SECONDS" -lt "$deadline" ]; do
    line=$(grep -E -m1 -- "$regex" "$file" 2>/dev/null) && { echo "$line"; return 0; }
    sleep 0.05
  done
  fail "no line matching '$regex' in $file within ${limit}s: $(tail -3 "$file" 2>/dev/null)"
}

run_tests() {
  local passed=0 failed=0 name dir
  for name in $(declare -F | awk '{print $3}' | grep '^test_'); do
    dir=$(mktemp -d)
    if (cd "$dir" && { "$name" || [ "$FAILURES" -gt 0 ] || fail "$name returned non-zero"; } && exit "$FAILURES"); then
      echo "ok   $name"
      passed=$((passed + 1))
    else
      echo "FAIL $name"
      failed=$((failed + 1))
    fi
    rm -rf "$dir"
  done
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}
