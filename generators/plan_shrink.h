// The shrink tree of a given Plan (for `faultline shrink`): plan.json
// does not record which options were pinned or how the plan was drawn, so
// this shrinks structurally from the plan itself rather than through
// gen_plan's tree. Pure: no I/O, only core and RapidCheck.
//
// Every shrink is a valid plan (validate_plan; each fault still decodes as
// the nemesis reads it) that is strictly smaller: no count below grows and at
// least one falls, so the tree is finite. The counts: faults, total fault
// ms, total fault start ms, total fault targets, workload duration, nodes,
// keys, clients, rate, vnodes, value_bytes_max, value_bytes_min, and
// routing (random counts 0, pinned and failover 1).
//
// What never changes: the seed (it drives the workload's choices), the
// modes, the consistency levels, rf, the operation mix, the key
// distribution and read_recent_share, the fault kinds and params, and the seeded bugs: they define
// what is being tested, and shrinking them would test something else.
//
// Order of the immediate shrinks, biggest cut first (a greedy walk takes the
// first that still fails, and each candidate costs real runs): remove chunks
// of faults (all of them first), a shorter workload (faults clipped into
// it), fewer nodes (down to rf; targets above the new count removed, faults
// left without a meaningful target set removed), fewer keys, fewer clients,
// smaller values (the largest size toward the smallest, then the smallest
// toward 0), a lower rate, then per fault: shorter, fewer targets, earlier;
// fewer vnodes; last random routing.
#pragma once

#include <rapidcheck.h>

#include "core/plan.h"

namespace faultline {

// The immediate shrinks of `plan`, in the order above.
rc::Seq<Plan> plan_shrinks(const Plan& plan);

// `plan` with plan_shrinks applied recursively (rc::shrinkable::shrinkRecur);
// walk it with shrink_walk (generators/plan_gen.h).
rc::Shrinkable<Plan> shrinkable_plan(const Plan& plan);

// Whether fault `f`'s target list makes sense for its kind in a cluster of
// `nodes` nodes (as faults/schedule.h decode_fault would accept it, plus:
// delay targets stay as given, since an empty list means every link).
bool fault_targets_fit(const FaultEvent& f, int nodes);

}  // namespace faultline
