// The repair-mode switches of `faultline run` and `faultline cluster`
// (DESIGN.md "Repair modes"): one command-line flag per ModeSpec field, kept
// in one table so parsing, --help and the printed replay command agree.
//
// Thread-safety: the table is immutable.
#pragma once

#include <string>
#include <vector>

#include "core/plan.h"
#include "core/status.h"

namespace faultline {

struct ModeOption {
  const char* flag;  // "--read-repair"
  const char* help;
};

// Every mode flag, in --help order.
const std::vector<ModeOption>& mode_options();

// Sets the ModeSpec field of `flag` from `value`; an unknown flag or a bad
// value is invalid, naming the flag ("--digest-reads: expected on or off, got 'yes'").
Status apply_mode_option(const std::string& flag, const std::string& value, ModeSpec* modes);

}  // namespace faultline
