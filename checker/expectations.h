// Expectations: from the plan alone, which properties the configured modes
// guarantee, and why (DESIGN.md "Checker properties"). The reason is written
// into verdict.json so a reader sees what the judgement rested on.
//
// Pure functions of the plan; no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/plan.h"

namespace faultline {

struct Expectation {
  bool guaranteed = false;
  // "guaranteed: R+W>N (QUORUM+QUORUM, rf 3), strict quorum, no wipe" or
  // "not guaranteed: read repair none (needs blocking)".
  std::string reason;
};

// Every property id of DESIGN.md, in the order of its table.
const std::vector<std::string_view>& all_property_ids();

// The expectation for property `id` under `plan`. An id not in
// all_property_ids() is a programming error (asserts).
Expectation expectation_for(std::string_view id, const Plan& plan);

// True when the plan schedules a fault of `kind` ("clock", "wipe").
bool has_fault(const Plan& plan, std::string_view kind);

// Acknowledgements that count toward R + W > N: as required_acks, except that
// ANY counts 0 because a hint is not a replica a read can see.
int overlap_acks(ConsistencyLevel cl, int rf);

}  // namespace faultline
