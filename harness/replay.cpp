#include "harness/repro.h"

#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/plan.h"
#include "harness/run.h"

namespace faultline {

namespace {


std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

}  // namespace

std::string describe(const VerdictSummary& v) {
  return v.violated.empty() ? v.value : v.value + " (violated: " + join(v.violated) + ")";
}

Status read_verdict_summary(const std::string& run_dir, VerdictSummary* out) {
  const std::string path = run_dir + "/verdict.json";
  std::ifstream in(path);
  if (!in) return Status::invalid(path + ": cannot open (run `faultline check` on the run first)");
  nlohmann::json v = nlohmann::json::parse(in, nullptr, false);
  if (v.is_discarded() || !v.is_object() || !v.contains("verdict") || !v["verdict"].is_string() ||
      !v.contains("properties") || !v["properties"].is_array()) {
    return Status::invalid(path + ": not a verdict (needs \"verdict\" and \"properties\")");
  }
  *out = VerdictSummary{v["verdict"].get<std::string>(), {}};
  for (const auto& p : v["properties"]) {
    if (!p.is_object() || !p.contains("id") || !p["id"].is_string()) {
      return Status::invalid(path + ": properties[]: every property needs a string \"id\"");
    }
    if (p.value("result", "") == "violated") out->violated.insert(p["id"].get<std::string>());
    if (p.value("result", "") == "violated" && p.value("expected", "") == "guaranteed") {
      out->violated_guaranteed.insert(p["id"].get<std::string>());
    }
  }
  return Status::ok();
}

bool reproduces(const VerdictSummary& original, const VerdictSummary& try_run) {
  if (original.violated.empty()) return try_run.value == original.value;
  for (const auto& id : original.violated) {
    if (try_run.violated.count(id)) return true;
  }
  return false;
}

int repro_command(const ReproOptions& options, std::ostream& out, std::ostream& err) {
  if (options.times < 1 || options.times > kReproTimesMax) {
    err << "faultline repro: --times: must be in 1.." << kReproTimesMax << "\n";
    return kExitBadArguments;
  }
  VerdictSummary original;
  Status s = read_verdict_summary(options.run_dir, &original);
  if (!s) {
    err << "faultline repro: " << s.message() << "\n";
    return kExitBadArguments;
  }
  RunOptions run;
  run.overrides.plan_file = options.run_dir + "/plan.json";
  Plan plan;
  if (Status p = read_plan_file(*run.overrides.plan_file, &plan); !p) {
    err << "faultline repro: " << p.message() << "\n";
    return kExitBadArguments;
  }
  run.out_dir = options.out_dir.empty() ? options.run_dir + "/repro" : options.out_dir;
  run.node_bin = options.node_bin;
  run.self = options.self;
  out << "faultline repro: replaying " << *run.overrides.plan_file << " " << options.times << " time(s) into "
      << run.out_dir << "\n"
      << "original verdict: " << describe(original) << "\n"
      << "note: real processes are not deterministic; the plan fixes cluster, modes, workload and faults, not "
         "thread and network timing, so a replay may take another interleaving. Read the rate, not one try.\n"
      << std::flush;

  int reproduced = 0;
  for (int i = 1; i <= options.times; ++i) {
    std::ostringstream run_out;  // each try's full report stays in its run directory's verdict.json
    std::string dir;
    run.run_dir_out = &dir;
    int rc = run_command(run, run_out, err);
    VerdictSummary v;
    Status got = dir.empty() ? Status::io("no run directory was created") : read_verdict_summary(dir, &v);
    if (rc == kExitBadArguments || rc == kExitHarnessError || !got) {
      err << "faultline repro: try " << i << " did not complete (exit " << rc << "): " << got.message() << "\n";
      return kExitHarnessError;
    }
    const bool same = reproduces(original, v);
    reproduced += same ? 1 : 0;
    out << "try " << i << "/" << options.times << ": " << describe(v) << (same ? " -> reproduced" : " -> not reproduced")
        << ", " << dir << "\n"
        << std::flush;
  }
  out << "reproduced " << reproduced << " of " << options.times << " tries (" << std::fixed << std::setprecision(0)
      << 100.0 * reproduced / options.times << "%); real processes are not deterministic, so this is a rate, "
      << "not a promise\n";
  return reproduced > 0 ? 0 : 1;
}

}  // namespace faultline
