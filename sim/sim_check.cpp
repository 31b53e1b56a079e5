#include "sim/sim_check.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "checker/check_evidence.h"
#include "checker/staleness.h"
#include "checker/verdict_io.h"

namespace faultline {

namespace {

// The kept run directory: plan, files, trace, then the verdict of its files.
Status simulate_into(const Plan& plan, const SimCheckOptions& options, SimCheckResult* out) {
  const std::string& dir = options.keep_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::io("cannot create " + dir + ": " + ec.message());
  if (Status s = write_plan_file(dir + "/plan.json", plan); !s) return s;
  if (Status s = simulate_plan(plan, dir, options.trace, &out->summary); !s) return s;
  out->verdict = check_run_dir(dir, options.check);
  if (Status s = write_verdict(dir, out->verdict); !s) return s;
  return write_staleness_file(dir);
}

}  // namespace

Status simulate_and_check(const Plan& plan, const SimCheckOptions& options, SimCheckResult* out) {
  if (!options.keep_dir.empty()) return simulate_into(plan, options, out);
  PlanSimRecord record;
  if (Status s = simulate_plan(plan, &out->summary, &record); !s) return s;
  // FinalState::load reads final/*.json in file-name order: the same here.
  std::sort(record.dumps.begin(), record.dumps.end(),
            [](const NodeDump& a, const NodeDump& b) { return a.node < b.node; });
  const FinalState final_state = FinalState::from_dumps(record.dumps);
  Evidence evidence;
  evidence.plan = &plan;
  evidence.ops = &record.ops;
  evidence.final_state = &final_state;
  evidence.event_lines = &record.events;
  out->verdict = check_evidence(evidence, options.check);
  return Status::ok();
}

}  // namespace faultline
