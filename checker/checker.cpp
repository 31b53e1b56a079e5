// Placeholder so the harness can link; the real checker follows.
#include "checker/checker.h"

#include <ostream>

namespace faultline {

std::string_view to_string(PropertyOutcome o) {
  switch (o) {
    case PropertyOutcome::kHeld: return "held";
    case PropertyOutcome::kViolated: return "violated";
    case PropertyOutcome::kUnknown: return "unknown";
    case PropertyOutcome::kSkipped: return "skipped";
  }
  return "?";
}

std::string_view to_string(VerdictValue v) {
  switch (v) {
    case VerdictValue::kValid: return "valid";
    case VerdictValue::kInvalid: return "invalid";
    case VerdictValue::kUnknown: return "unknown";
  }
  return "?";
}

Verdict check_run_dir(const std::string& run_dir, const CheckOptions&) {
  Verdict v;
  v.value = VerdictValue::kUnknown;
  v.error = "checker not implemented yet (" + run_dir + ")";
  return v;
}

Status write_verdict(const std::string&, const Verdict&) { return Status::ok(); }

void print_verdict(std::ostream& out, const Verdict& v) {
  out << "verdict: " << to_string(v.value) << "\n";
}

int verdict_exit_code(const Verdict& v) {
  switch (v.value) {
    case VerdictValue::kValid: return 0;
    case VerdictValue::kInvalid: return 1;
    case VerdictValue::kUnknown: return 2;
  }
  return 2;
}

}  // namespace faultline
