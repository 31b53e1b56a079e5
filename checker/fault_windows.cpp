#include "checker/fault_windows.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace faultline {

namespace {

using nlohmann::json;

constexpr int64_t kNsPerMs = 1000000;

ActiveFault describe(const std::string& kind, json value) {
  ActiveFault f;
  f.kind = kind;
  if (value.contains("targets") && value["targets"].is_array()) {
    for (const auto& t : value["targets"]) {
      if (t.is_string()) f.targets.push_back(t.get<std::string>());
    }
  }
  if (value.contains("grudge") && value["grudge"].is_object()) {
    for (const auto& [receiver, senders] : value["grudge"].items()) {
      if (!senders.is_array()) continue;
      for (const auto& s : senders) {
        if (s.is_string()) f.grudge[receiver].insert(s.get<std::string>());
      }
    }
  }
  value.erase("phase");
  value.erase("problems");
  f.value = value.dump();
  return f;
}

}  // namespace

FaultWindows::FaultWindows() { windows_.push_back({"quiet", 0, -1, {}}); }

std::optional<ActiveFault> FaultWindows::on_nemesis(const HistoryOp& op) {
  json value = json::parse(op.fault_json, nullptr, false);
  if (!value.is_object() || !value.contains("phase") || !value["phase"].is_string()) return std::nullopt;
  const std::string phase = value["phase"].get<std::string>();
  if (op.f == "phase") {
    if (!workload_start_ns_ && phase == "workload-start") workload_start_ns_ = op.time_ns;
    return std::nullopt;
  }
  ActiveFault f = describe(op.f, value);
  if (phase == "start") {
    f.window = windows_.size();
    windows_.push_back({label_of(f, op.time_ns), op.time_ns, -1, {}});
    active_.push_back(f);
    return f;
  }
  if (phase != "heal") return std::nullopt;
  auto it = std::find_if(active_.begin(), active_.end(),
                         [&](const ActiveFault& a) { return a.kind == f.kind && a.value == f.value; });
  if (it == active_.end()) return std::nullopt;
  ActiveFault healed = std::move(*it);
  active_.erase(it);
  windows_[healed.window].end_ns = op.time_ns;
  return healed;
}

void FaultWindows::attribute(int64_t invoke_ns, OpType type) {
  bool in_fault = false;
  for (size_t i = 1; i < windows_.size(); ++i) {
    FaultWindow& w = windows_[i];
    if (invoke_ns >= w.start_ns && (w.end_ns < 0 || invoke_ns <= w.end_ns)) {
      w.counts.add(type);
      in_fault = true;
    }
  }
  if (!in_fault) windows_[0].counts.add(type);
}

std::string FaultWindows::label_of(const ActiveFault& f, int64_t start_ns) const {
  std::string label = f.kind;
  for (size_t i = 0; i < f.targets.size(); ++i) label += (i ? "," : " ") + f.targets[i];
  if (f.targets.empty() && f.kind == "delay") label += " all";
  if (workload_start_ns_) label += " @" + std::to_string((start_ns - *workload_start_ns_) / kNsPerMs) + "ms";
  return label;
}

}  // namespace faultline
