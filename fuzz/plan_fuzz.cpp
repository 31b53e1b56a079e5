// Fuzz target: core/plan.h's reader (plan.json, `faultline run --plan`).
// Any text is accepted or refused with a reason, never a crash; an accepted
// plan writes back to text that reads to the same plan text (a fixed point).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/plan.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  faultline::Plan plan;
  if (!faultline::plan_from_json(text, &plan)) return 0;
  const std::string once = faultline::plan_to_json(plan);
  faultline::Plan again;
  FUZZ_CHECK(faultline::plan_from_json(once, &again).is_ok());
  FUZZ_CHECK(faultline::plan_to_json(again) == once);
  return 0;
}
