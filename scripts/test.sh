#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: C++ unit tests (CTest), the fake Google's
# self-test, the integration tests against the fake Google, and the real-client tests (SDK, gemini-cli)
# inside a loopback-only network namespace. Ends with one summary line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1
scripts/build.sh || exit 1

passed=0
failed=0
failures=()
step() {  # step NAME COMMAND...
  local name=$1
  shift
  echo "=== $name"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "=== $name: ok ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "=== $name: FAILED ($((SECONDS - start)) s)"
  fi
}

step "unit tests (ctest)" ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 300
step "fake Google self-test" node --test tests/fake_google/
step "integration tests" node --test --test-concurrency=2 tests/integration/
step "real clients (@google/genai, gemini-cli) in a loopback-only namespace" tests/clients/run.sh

echo
((failed)) && printf 'failed step: %s\n' "${failures[@]}"
echo "steps: $passed passed, $failed failed"
((failed == 0))
