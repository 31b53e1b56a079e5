// The check_fuzz target's input format: one byte string split at lines
// "=====" into the files of a run directory, in the order of kCheckInputFiles
// (plan.json, history.jsonl, the final dumps, the event logs). An empty
// section is no file (a run of 3 nodes has no final/n4.json). Header-only:
// the fuzz target (clang build) and checker/run_files_test.cpp (which
// replays the seed corpus through both checker paths) share it.
#pragma once

#include <string_view>

#include "checker/run_files.h"

namespace faultline::fuzz {

inline constexpr const char* kCheckInputFiles[] = {
    "plan.json",     "history.jsonl", "final/n1.json",         "final/n2.json",         "final/n3.json",
    "final/n4.json", "final/n5.json", "nodes/n1/events.jsonl", "nodes/n2/events.jsonl", "nodes/n3/events.jsonl"};
inline constexpr std::string_view kCheckInputSeparator = "\n=====\n";

inline RunFiles split_check_input(std::string_view input) {
  RunFiles files;
  for (const char* name : kCheckInputFiles) {
    const size_t end = input.find(kCheckInputSeparator);
    if (end != 0 && !input.empty()) files[name] = std::string(input.substr(0, end));
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + kCheckInputSeparator.size());
  }
  return files;
}

}  // namespace faultline::fuzz
