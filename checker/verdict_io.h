// Reading verdict.json back: the one typed reader of the file
// checker/verdict_output.cpp writes (its comment gives the format), used by
// every consumer (junit.xml of a run, repro and shrink, the audit and ci
// pools, report.html).
//
// Strict: every field the writer writes must be there with its type, no
// other field may be, enums must be known names, integers must fit, and the
// redundant "allowed" must agree with "expected" and "result". An error names
// the file and the field path ("runs/x/verdict.json: properties[2].result:
// unknown result 'maybe'").
#pragma once

#include <string>
#include <string_view>

#include "checker/checker.h"
#include "core/status.h"

namespace faultline {

// verdict.json's text -> Verdict. `source` names the file in errors.
Status verdict_from_json(std::string_view text, const std::string& source, Verdict* out);

// Reads <run_dir>/verdict.json: not_found when the file is missing (the
// run was never checked), invalid when it does not parse as above.
Status read_verdict_file(const std::string& run_dir, Verdict* out);

}  // namespace faultline
