#include "harness/replay.h"

#include "checker/verdict_io.h"

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

VerdictSummary summarize(const Verdict& v) {
  VerdictSummary out{std::string(to_string(v.value)), {}, {}};
  for (const PropertyResult& p : v.properties) {
    if (p.outcome != PropertyOutcome::kViolated) continue;
    out.violated.insert(p.id);
    if (p.guaranteed) out.violated_guaranteed.insert(p.id);
  }
  return out;
}

Status read_verdict_summary(const std::string& run_dir, VerdictSummary* out) {
  Verdict v;
  if (Status s = read_verdict_file(run_dir, &v); !s) return Status::invalid(s.message());
  *out = summarize(v);
  return Status::ok();
}

bool reproduces(const VerdictSummary& original, const VerdictSummary& try_run) {
  if (original.violated.empty()) return try_run.value == original.value;
  for (const auto& id : original.violated) {
    if (try_run.violated.count(id)) return true;
  }
  return false;
}

}  // namespace faultline
