#include "core/lifecycle.h"

#include <nlohmann/json.hpp>

namespace faultline {

void append_nemesis_info(HistoryWriter* history, const std::string& f, const std::string& value_json,
                         int64_t time_ns) {
  HistoryOp op;
  op.process = kNemesisProcess;
  op.type = OpType::kInfo;
  op.f = f;
  op.fault_json = value_json;
  op.time_ns = time_ns;
  history->append(op);
}

void append_phase(HistoryWriter* history, const std::string& phase, int64_t time_ns) {
  append_nemesis_info(history, "phase", nlohmann::ordered_json{{"phase", phase}}.dump(), time_ns);
}

void append_quiesce(HistoryWriter* history, const QuiesceResult& r, int64_t time_ns) {
  nlohmann::ordered_json value = {
      {"phase", "quiesce"}, {"quiesce_ms", r.quiesce_ms}, {"ok", r.ok}, {"anti_entropy", r.anti_entropy}};
  if (!r.ok) value["reason"] = r.reason;
  append_nemesis_info(history, "phase", value.dump(), time_ns);
}

std::string quiesce_pending(const NodeStatus& st) {
  for (const auto& [peer, up] : st.peers_up) {
    if (!up) return st.node + " sees " + peer + " down";
  }
  if (st.requests_in_flight != 0) {
    return st.node + " has " + std::to_string(st.requests_in_flight) + " request(s) in flight";
  }
  if (st.hints_pending != 0) return st.node + " has " + std::to_string(st.hints_pending) + " hint(s) pending";
  return "";
}

}  // namespace faultline
