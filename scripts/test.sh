#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: C++ unit tests (CTest), the fake Google's
# self-test, the integration tests against the fake Google, and the real-client tests (SDK, gemini-cli)
# inside a loopback-only network namespace. Ends with one summary line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1
scripts/build.sh || exit 1

tests_passed=0
tests_failed=0
failures=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Adds the counts a step's runner printed (CTest's "N tests failed out of M", node:test's "pass N"/"fail N").
count() {
  local p f total
  if total=$(grep -oE 'tests failed out of [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1) && [ -n "$total" ]; then
    f=$(grep -oE '[0-9]+ tests failed out of' "$log" | grep -oE '^[0-9]+' | tail -1)
    p=$((total - f))
  else
    p=$(grep -E '^(# |ℹ )pass [0-9]+$' "$log" | grep -oE '[0-9]+$' | awk '{s+=$1} END {print s+0}')
    f=$(grep -E '^(# |ℹ )fail [0-9]+$' "$log" | grep -oE '[0-9]+$' | awk '{s+=$1} END {print s+0}')
  fi
  tests_passed=$((tests_passed + p))
  tests_failed=$((tests_failed + f))
}
step() {  # step NAME COMMAND...
  local name=$1
  shift
  echo "=== $name"
  local start=$SECONDS
  if "$@" 2>&1 | tee "$log"; then
    echo "=== $name: ok ($((SECONDS - start)) s)"
  else
    failures+=("$name")
    echo "=== $name: FAILED ($((SECONDS - start)) s)"
  fi
  count
  # a step that failed without a failing test (crash, build error) still counts as a failure
  if [ "${failures[-1]:-}" = "$name" ] && [ "$(grep -cE 'fail [1-9]|[1-9][0-9]* tests failed' "$log")" = 0 ]; then
    tests_failed=$((tests_failed + 1))
  fi
}

step "unit tests (ctest)" ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 300
step "fake Google self-test" node --test tests/fake_google/
step "integration tests" node --test --test-concurrency=1 tests/integration/
step "real clients (@google/genai, gemini-cli, openai, @anthropic-ai/sdk 0.x/1.x, Claude Code) in a loopback-only namespace" tests/clients/run.sh

# scripts/sanitize.sh (ASan+UBSan) and scripts/fuzz.sh (libFuzzer) run by hand for now: they join this list once
# their time on a clean checkout is measured and the fuzzer's open finds are fixed.
echo
for f in "${failures[@]}"; do echo "failed step: $f"; done
echo "tests: $tests_passed passed, $tests_failed failed"
[ "${#failures[@]}" = 0 ]
