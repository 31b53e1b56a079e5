// Fuzz target: the whole checker over a run directory (`faultline check`).
// The input is split at lines "=====" into the files of a run directory, in
// the order of kFiles (plan.json, history.jsonl, the final dumps, the event
// logs); the checker must return a verdict (valid, invalid or unknown) and
// never crash (check_run_dir catches exceptions: sanitizers catch the rest).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "checker/checker.h"
#include "fuzz/fuzz_util.h"

namespace {

constexpr const char* kFiles[] = {"plan.json",     "history.jsonl", "final/n1.json",          "final/n2.json",
                                  "final/n3.json", "final/n4.json", "final/n5.json",          "nodes/n1/events.jsonl",
                                  "nodes/n2/events.jsonl",          "nodes/n3/events.jsonl"};
constexpr std::string_view kSeparator = "\n=====\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::filesystem::path dir = faultline::fuzz::scratch_dir() / "run";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // An empty section writes no file: a run directory of 3 nodes has no final/n4.json.
  for (const char* name : kFiles) {
    const size_t end = input.find(kSeparator);
    if (end != 0 && !input.empty()) faultline::fuzz::write_file(dir / name, input.substr(0, end));
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + kSeparator.size());
  }
  faultline::CheckOptions opts;
  opts.memory_budget_bytes = 1 << 20;
  opts.spill_parent = faultline::fuzz::scratch_dir().string();
  const faultline::Verdict v = faultline::check_run_dir(dir.string(), opts);
  FUZZ_CHECK(v.value == faultline::VerdictValue::kValid || v.value == faultline::VerdictValue::kInvalid ||
             v.value == faultline::VerdictValue::kUnknown);
  return 0;
}
