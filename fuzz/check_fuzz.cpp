// Fuzz target: the whole checker, in memory. The input is split into the
// files of a run directory (fuzz/check_input.h) and checked by
// check_run_files, which builds the evidence in memory and runs the same
// properties check_run_dir runs (checker/run_files_test.cpp pins that both
// give the same verdict on the seed corpus). Writing a run directory per
// input, as this target once did, held it to a few hundred inputs a second.
// The checker must return a verdict (valid, invalid or unknown) and never
// crash (check_run_files catches exceptions: sanitizers catch the rest).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checker/run_files.h"
#include "fuzz/check_input.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  faultline::CheckOptions opts;
  // Small enough that a large fuzzed history spills, as a long run would.
  opts.memory_budget_bytes = 1 << 20;
  opts.spill_parent = faultline::fuzz::scratch_dir().string();
  const faultline::Verdict v = faultline::check_run_files(faultline::fuzz::split_check_input(input), opts);
  FUZZ_CHECK(v.value == faultline::VerdictValue::kValid || v.value == faultline::VerdictValue::kInvalid ||
             v.value == faultline::VerdictValue::kUnknown);
  return 0;
}
