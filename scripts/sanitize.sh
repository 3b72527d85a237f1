#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer (g++, RelWithDebInfo, into build-asan/),
# runs the unit tests (CTest) and then the integration tests against the sanitized gateway binary.
# Any sanitizer report fails the step:
#  - unit tests: a report aborts the test binary, so CTest counts the test as failed;
#  - integration tests: the gateway is a child of the Node tests, and the harness's stop() does not look at
#    its exit status, so a report at shutdown (a leak, a use-after-free in teardown) would pass unnoticed.
#    Every sanitized process therefore writes its reports to files (log_path), which are checked afterwards;
#    abort_on_error makes a report during a request kill the gateway, which also fails the test at hand.
# Leak detection stays on for the gateway: it exits through its normal shutdown on SIGTERM, so a leak report
# means memory its shutdown forgot (SIGKILLed gateways never report).
#   ASAN_BUILD_DIR  build directory (default build-asan)
set -uo pipefail
cd "$(dirname "$0")/.."
build=${ASAN_BUILD_DIR:-build-asan}
start=$SECONDS
# RelWithDebInfo with -O1 -g1 instead of its -O2 -g -DNDEBUG: -O1 is what the sanitizers are tuned for, line
# tables (-g1) are all a report's stack needs, and together they halve the build (15 -> 8 min on 2 cores);
# without NDEBUG the code's assertions are checked too.
if [ ! -f "$build/build.ninja" ]; then
  mkdir -p "$build"
  cmake -S . -B "$build" -G Ninja -DGW_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" >"$build/sanitize-configure.log" 2>&1 || {
    cat "$build/sanitize-configure.log"
    exit 1
  }
fi
if ! cmake --build "$build" -j"$(nproc)" >"$build/sanitize-build.log" 2>&1; then
  grep -E 'error|FAILED' "$build/sanitize-build.log" | head -40
  echo "sanitize: build failed (log: $build/sanitize-build.log)"
  exit 1
fi
echo "sanitize: built $build in $((SECONDS - start)) s"

common=abort_on_error=1:print_summary=1
export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:$common
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:$common
export LSAN_OPTIONS=${LSAN_OPTIONS:-}
passed=0
failed=0

# 1. Unit tests. CTest's own summary line is reworded: scripts/test.sh would otherwise count only CTest's
# numbers for this step and drop the integration tests'.
t0=$SECONDS
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 600 >"$build/sanitize-ctest.log" 2>&1
ctest_rc=$?
grep -vE 'tests passed, [0-9]+ tests failed out of|^ +Start +[0-9]+:|^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed ' \
  "$build/sanitize-ctest.log"
summary=$(grep -E 'tests failed out of [0-9]+' "$build/sanitize-ctest.log" | tail -1)
total=$(grep -oE 'out of [0-9]+' <<<"$summary" | grep -oE '[0-9]+')
bad=$(grep -oE '[0-9]+ tests failed' <<<"$summary" | grep -oE '^[0-9]+')
if [ -z "$total" ]; then
  echo "sanitize: ctest did not run (exit $ctest_rc)"
  failed=$((failed + 1))
else
  passed=$((passed + total - bad))
  failed=$((failed + bad))
  echo "sanitize: unit tests under ASan+UBSan: $((total - bad)) passed, $bad failed ($((SECONDS - t0)) s)"
  [ "$ctest_rc" = 0 ] || [ "$bad" != 0 ] || failed=$((failed + 1))
fi
echo "# pass $passed"
echo "# fail $failed"

# 2. Integration tests against the sanitized gateway; reports go to files named <dir>/<exe>.<pid>.
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
t0=$SECONDS
GCLI_GATEWAY_BIN="$PWD/$build/src/app/gcli-gateway" \
  ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$reports/asan:log_exe_name=1" \
  UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$reports/ubsan:log_exe_name=1" \
  node --test --test-concurrency=1 tests/integration/  # one file at a time, as scripts/test.sh (ports are picked per file)
node_rc=$?
echo "sanitize: integration tests against $build/src/app/gcli-gateway: exit $node_rc ($((SECONDS - t0)) s)"
shopt -s nullglob
found=("$reports"/*)
if ((${#found[@]})); then
  echo "sanitize: ${#found[@]} sanitizer report(s) from gateway processes:"
  for f in "${found[@]}"; do
    echo "--- $(basename "$f")"
    head -n 80 "$f"
  done
  echo "# fail ${#found[@]}"
  failed=$((failed + ${#found[@]}))
fi
[ "$node_rc" = 0 ] || failed=$((failed + 1))
echo "sanitize: $((SECONDS - start)) s in all"
[ "$failed" = 0 ]
