#include "checker/op_stats.h"

#include <algorithm>
#include <cmath>

#include "checker/op_pairing.h"

namespace faultline {

double OpStats::availability() const {
  const int64_t total = reads.total() + writes.total();
  return total == 0 ? 1.0 : static_cast<double>(reads.ok + writes.ok) / static_cast<double>(total);
}

double quantile_ms(std::vector<float>* values, double q) {
  if (values->empty()) return 0;
  const size_t n = values->size();
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(n)));
  const size_t at = std::min(n, std::max<size_t>(rank, 1)) - 1;
  std::nth_element(values->begin(), values->begin() + static_cast<std::ptrdiff_t>(at), values->end());
  return (*values)[at];
}

void OpStatsMeter::on_complete(const HistoryOp& invoke, const HistoryOp& done, bool final_reads) {
  if (final_reads || !invoke.key) return;
  const bool read = invoke.f == "read";
  if (!read && invoke.f != "write" && invoke.f != "delete") return;
  windows_.attribute(invoke.time_ns, done.type);
  (read ? stats_.reads : stats_.writes).add(done.type);
  if (done.type != OpType::kOk) return;
  (read ? read_ms_ : write_ms_).push_back(static_cast<float>(done.time_ns - invoke.time_ns) / 1e6f);
}

OpStats OpStatsMeter::finish() {
  for (auto [values, out] : {std::pair{&read_ms_, &stats_.read}, {&write_ms_, &stats_.write}}) {
    out->count = static_cast<int64_t>(values->size());
    out->p50_ms = quantile_ms(values, 0.5);
    out->p99_ms = quantile_ms(values, 0.99);
    out->p999_ms = quantile_ms(values, 0.999);
  }
  stats_.windows = windows_.windows();
  return stats_;
}

Status measure_history(const std::string& history_path, const StalenessOptions& options, StalenessSummary* staleness,
                       OpStats* stats) {
  StalenessMeter meter(options);
  OpStatsMeter ops;
  Status s = scan_paired_history(history_path, [&](const HistoryOp& op, const HistoryOp* invoke, bool final_reads) {
    if (op.is_nemesis()) ops.on_nemesis(op);
    if (invoke == nullptr) return;
    meter.on_complete(*invoke, op, final_reads);
    ops.on_complete(*invoke, op, final_reads);
  });
  if (!s) return s;
  *staleness = meter.finish();
  *stats = ops.finish();
  return Status::ok();
}

}  // namespace faultline
