#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (ASan + UBSan) into
# build-fuzz/ and runs each for SECONDS (default 60), starting from its seed
# corpus fuzz/corpus/<target>/ (new inputs go to build-fuzz/corpus/<target>/,
# crashes to build-fuzz/crashes/). Prints one line per target with its
# execution count; exits non-zero if any target crashed.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# ./dev fuzz calls it; the fuzz.smoke test runs it for a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then targets=(resp_parser_fuzz frame_fuzz plan_fuzz history_fuzz check_fuzz); fi

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
if [[ ! -f build-fuzz/CMakeCache.txt ]]; then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DFAULTLINE_FUZZ=ON "${launcher[@]}" >/dev/null
fi
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]}"

mkdir -p build-fuzz/crashes
failed=0
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  log="build-fuzz/$t.log"
  # -rss_limit_mb: a 2 GB ceiling, below what the shared CI machine has.
  if ! "build-fuzz/bin/$t" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 \
      -artifact_prefix="build-fuzz/crashes/$t-" "build-fuzz/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
    failed=1
    echo "$t: FAILED (log: $log)"
    grep -E "ERROR|SUMMARY|fuzz check failed|Test unit written" "$log" | head -20 || true
    continue
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "$t: ${execs} executions in ${seconds} s, no crash"
done
exit "$failed"
