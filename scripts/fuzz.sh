#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan, into build-fuzz/), replays every saved crash
# input of fuzz/regressions/<target>/ as a regression test, then fuzzes each target for a bounded time from
# its seed corpus fuzz/corpus/<target>/. Fails on any crash, sanitizer report, leak, timeout or OOM; the
# input is saved as fuzz/regressions/<target>/<kind>-<sha1> (fix the bug, then commit the input).
#   FUZZ_SECONDS   time per target (default 20)
#   FUZZ_JOBS      targets fuzzed at once (default: the number of cores)
#   FUZZ_TARGETS   space-separated subset (default: every fuzz/*_fuzz.cpp)
#   FUZZ_BUILD_DIR build directory (default build-fuzz)
# New inputs the fuzzer finds go to $FUZZ_BUILD_DIR/fuzz-corpus/<target>/, never into the committed seeds.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-$(nproc)}
build=${FUZZ_BUILD_DIR:-build-fuzz}
if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -ra targets <<<"$FUZZ_TARGETS"
else
  targets=()
  for f in fuzz/*_fuzz.cpp; do t=${f#fuzz/}; targets+=("${t%_fuzz.cpp}"); done
fi

# -O1 without NDEBUG: assertions stay on; the fuzz CMakeLists adds the sanitizers and _GLIBCXX_ASSERTIONS.
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DGW_FUZZ=ON -DGW_BUILD_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" >/dev/null || exit 1
fi
start=$SECONDS
cmake --build "$build" --target gw_fuzz -j"$(nproc)" >"$build/fuzz-build.log" 2>&1 || {
  cat "$build/fuzz-build.log"
  echo "fuzz: build failed"
  exit 1
}
echo "fuzz: built ${#targets[@]} targets in $((SECONDS - start)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
command -v llvm-symbolizer >/dev/null && export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer)}
passed=0
failed=0
logs="$build/fuzz-logs"
mkdir -p "$logs"

# 1. Regression inputs: each saved input runs once (libFuzzer runs the files given as arguments).
for t in "${targets[@]}"; do
  dir=fuzz/regressions/$t
  [ -d "$dir" ] || continue
  mapfile -t inputs < <(find "$dir" -type f | sort)
  ((${#inputs[@]})) || continue
  if "$build/fuzz/fuzz_$t" "${inputs[@]}" >"$logs/$t.regressions.log" 2>&1; then
    passed=$((passed + ${#inputs[@]}))
    echo "fuzz_$t: ${#inputs[@]} regression inputs pass"
  else
    failed=$((failed + 1))
    echo "fuzz_$t: a regression input FAILS:"
    grep -E '^Running: ' "$logs/$t.regressions.log" | tail -1
    tail -n 60 "$logs/$t.regressions.log"
  fi
done

# 2. Bounded fuzzing, $jobs targets at a time.
fuzz_one() {
  local t=$1 work="$build/fuzz-corpus/$1" log="$logs/$1.log"
  mkdir -p "$work" "fuzz/regressions/$t"
  local dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
  "$build/fuzz/fuzz_$t" "$work" "fuzz/corpus/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    "${dict[@]}" -artifact_prefix="fuzz/regressions/$t/" -print_final_stats=1 >"$log" 2>&1
  echo $? >"$logs/$t.rc"
  rmdir "fuzz/regressions/$t" 2>/dev/null  # keep the tree clean when nothing was found
}
summary() {  # one line per target from libFuzzer's last status line and final stats
  local log="$logs/$1.log" last runs speed
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$')
  speed=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$log" | grep -oE '[0-9]+$')
  echo "runs ${runs:-?} (${speed:-?}/s), $(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$last")"
}
running=0
for t in "${targets[@]}"; do
  rm -f "$logs/$t.rc"
  if ((running >= jobs)); then
    wait -n
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
wait
for t in "${targets[@]}"; do
  if [ "$(cat "$logs/$t.rc" 2>/dev/null)" = 0 ]; then
    passed=$((passed + 1))
    echo "fuzz_$t: ok, $(summary "$t")"
  else
    failed=$((failed + 1))
    echo "fuzz_$t: FAILED, $(summary "$t")"
    grep -E 'Test unit written to|artifact_prefix' "$logs/$t.log" | tail -2
    grep -nE '^(==[0-9]+==ERROR|SUMMARY|\*\*\* )' "$logs/$t.log" | head -5
    tail -n 60 "$logs/$t.log"
  fi
done
echo "fuzz: ${#targets[@]} targets x ${seconds} s, $((SECONDS - start)) s in all (logs in $logs)"
# Counted by scripts/test.sh like node:test's summary.
echo "# pass $passed"
echo "# fail $failed"
[ "$failed" = 0 ]
