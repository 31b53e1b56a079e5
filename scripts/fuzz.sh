#!/usr/bin/env bash
# The libFuzzer targets of fuzz/, built with clang (ASan + UBSan) into
# build-fuzz/ (a CMake configuration of its own, FAULTLINE_FUZZ=ON).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   build, then run each target for
#       SECONDS (default 60) from its seed corpus fuzz/corpus/<target>/; new
#       inputs go to build-fuzz/corpus/<target>/, crashes to build-fuzz/crashes/.
#       Prints one line per target with its execution count. (./dev fuzz)
#   scripts/fuzz.sh --build-only            configure and build the targets only.
#   scripts/fuzz.sh --smoke [TARGET...]     run each built target a fixed number
#       of executions with a fixed seed from its seed corpus only: the same
#       inputs every time, so the gate cannot fail at random; a failure is a
#       crash that the printed command replays. (The fuzz.smoke test; exits 77,
#       "skipped", when build-fuzz/ was not built, as ctest alone leaves it.)
# Exits non-zero if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(resp_parser_fuzz frame_fuzz plan_fuzz history_fuzz check_fuzz)

# Executions per target in --smoke: a few seconds each on a loaded 2-core
# machine (the targets run from about 500 to 45,000 inputs a second).
declare -A smoke_runs=([resp_parser_fuzz]=15000 [frame_fuzz]=40000 [plan_fuzz]=20000 [history_fuzz]=5000
                       [check_fuzz]=1000)
smoke_seed=1

build_targets() {
  local launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  if [[ ! -f build-fuzz/CMakeCache.txt ]]; then
    cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
      -DFAULTLINE_FUZZ=ON "${launcher[@]}" >/dev/null
  fi
  cmake --build build-fuzz -j "$(nproc)" --target "$@"
}

check_targets() {
  for t in "$@"; do
    if [[ ! " ${all_targets[*]} " == *" $t "* ]]; then
      echo "scripts/fuzz.sh: unknown target '$t' (known: ${all_targets[*]})" >&2
      exit 254
    fi
  done
}

# Runs target $1 with libFuzzer arguments $3...; prints its line ($2 says how
# long it ran); on a crash prints the command that replays the saved input and
# returns 1.
run_target() {
  local t="$1" describe="$2"
  shift 2
  local log="build-fuzz/$t.log"
  mkdir -p build-fuzz/crashes
  # -rss_limit_mb: a 2 GB ceiling, below what the shared CI machine has.
  if ! "build-fuzz/bin/$t" -print_final_stats=1 -rss_limit_mb=2048 -artifact_prefix="build-fuzz/crashes/$t-" \
      "$@" >"$log" 2>&1; then
    echo "$t: FAILED (log: $log)"
    grep -E "ERROR|SUMMARY|fuzz check failed" "$log" | head -20 || true
    local input
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | head -1)
    if [[ -n "$input" ]]; then echo "  replay: build-fuzz/bin/$t $input"; fi
    return 1
  fi
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "$t: ${execs} executions ${describe}, no crash"
}

if [[ "${1:-}" == "--build-only" ]]; then
  build_targets "${all_targets[@]}"
  exit 0
fi

if [[ "${1:-}" == "--smoke" ]]; then
  shift
  targets=("$@")
  if [[ ${#targets[@]} -eq 0 ]]; then targets=("${all_targets[@]}"); fi
  check_targets "${targets[@]}"
  for t in "${targets[@]}"; do
    if [[ ! -x "build-fuzz/bin/$t" ]]; then
      echo "scripts/fuzz.sh --smoke: build-fuzz/bin/$t is not built (./dev test builds it; or scripts/fuzz.sh --build-only)"
      exit 77
    fi
  done
  failed=0
  for t in "${targets[@]}"; do
    # New inputs go to a scratch directory, never into the repository's corpus.
    scratch=$(mktemp -d)
    if ! run_target "$t" "(seed $smoke_seed; rerun: scripts/fuzz.sh --smoke $t)" -seed="$smoke_seed" \
        -runs="${smoke_runs[$t]}" "$scratch" "fuzz/corpus/$t"; then
      failed=1
    fi
    rm -rf "$scratch"
  done
  exit "$failed"
fi

seconds="${1:-60}"
shift || true
if [[ ! "$seconds" =~ ^[1-9][0-9]{0,6}$ ]]; then
  echo "scripts/fuzz.sh: SECONDS must be a whole number from 1 to 9999999, got '$seconds'" >&2
  exit 254
fi
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then targets=("${all_targets[@]}"); fi
check_targets "${targets[@]}"
build_targets "${targets[@]}"
failed=0
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  if ! run_target "$t" "in ${seconds} s" -max_total_time="$seconds" "build-fuzz/corpus/$t" "fuzz/corpus/$t"; then
    failed=1
  fi
  # libFuzzer draws its seed from the clock; a crash is replayed from its saved input.
  echo "  seed $(sed -n 's/.*Seed: \([0-9]*\).*/\1/p' "build-fuzz/$t.log" | head -1)"
done
exit "$failed"
