// check_run_files: check_run_dir over a run directory's files held in
// memory, through the in-memory path (check_evidence). The same verdict
// value and property outcomes as check_run_dir of a directory holding the
// same files; errors name the files by their relative paths. For callers
// that hold a run's files as text (the check_fuzz target, tests) and must
// not pay for writing and re-reading them.
#pragma once

#include <map>
#include <string>

#include "checker/checker.h"

namespace faultline {

// Path relative to the run directory ("plan.json", "history.jsonl",
// "final/n1.json", "nodes/n1/events.jsonl") -> the file's contents. Other
// paths are ignored, as check_run_dir ignores other files.
using RunFiles = std::map<std::string, std::string>;

// Never throws: a crash inside a property is caught and yields unknown.
Verdict check_run_files(const RunFiles& files, const CheckOptions& opts);

}  // namespace faultline
