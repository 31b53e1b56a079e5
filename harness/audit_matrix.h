// The audit's configuration matrix: each row a plan without a seed (cluster,
// repair modes, workload shape, fault schedule) chosen to exercise what
// that configuration can lose. `faultline audit` runs every row under
// several seeds; `faultline ci` runs fixed (row, seed) pairs of it
// (harness/ci_suites.h). docs/audit.md explains each row.
//
// Thread-safety: the matrix is built once and immutable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/plan.h"

namespace faultline {

// One configuration of the matrix: a plan without a seed (the cell sets it).
struct AuditRow {
  std::string name;         // "rr-async-one"
  std::string exercises;    // what the row's faults and workload aim at, for the report
  Plan plan;
};

// The matrix, in report order.
const std::vector<AuditRow>& audit_rows();
// nullptr when no row has that name.
const AuditRow* find_audit_row(std::string_view name);
// The row's plan for one cell: its seed, and (duration_ms > 0) the workload
// shortened or lengthened with every fault window scaled along.
Plan cell_plan(const AuditRow& row, uint64_t seed, int64_t duration_ms = 0);

// One line each for the reports: "rr blocking, digest off, hints on, ...",
// "partition n1 1.00s+2.00s, kill n2 ...".
std::string modes_text(const Plan& p);
std::string faults_text(const Plan& p);

}  // namespace faultline
