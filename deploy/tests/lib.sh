# shellcheck shell=bash disable=SC2034  # sourced: deploy_dir is used by the tests
# Helpers for the deploy script tests (deploy/tests/*.test.sh, run by deploy/check.sh).
# Each test runs the real script with stub commands first on PATH; the stubs record their
# arguments, one call per line, in $CALLS.
set -euo pipefail
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
deploy_dir=$(dirname "$tests_dir")
work=$(mktemp -d)
trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT
export CALLS="$work/calls.log"
: > "$CALLS"
mkdir -p "$work/bin"
export PATH="$work/bin:$PATH"
failures=0
test_name=$(basename "$0" .test.sh)

fail() { echo "FAIL [$test_name]: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok   [$test_name]: $*"; }
check() { # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
# The recorded calls whose line matches the extended regex (grep -E).
calls_matching() { grep -E -- "$1" "$CALLS" || true; }
# Line number of the first recorded call matching the regex (0 if none).
call_line() { local n; n=$(grep -n -E -m1 -- "$1" "$CALLS" | cut -d: -f1); echo "${n:-0}"; }
# before REGEX_A REGEX_B: A was called, B was called, and A's first call came first.
before() { local a b; a=$(call_line "$1"); b=$(call_line "$2"); [ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [ "$a" -lt "$b" ]; }
finish() {
  if [ "$failures" -gt 0 ]; then echo "$test_name: $failures failure(s)" >&2; exit 1; fi
  echo "$test_name: all passed"
}
