#include "checker/staleness.h"

#include <algorithm>
#include <limits>
#include <memory>

#include <nlohmann/json.hpp>

#include "checker/op_pairing.h"

namespace faultline {

StalenessMeter::StalenessMeter(StalenessOptions options) : options_(std::move(options)) {
  std::sort(options_.t_bounds_ms.begin(), options_.t_bounds_ms.end());
  int64_t low = 0;
  for (int64_t bound : options_.t_bounds_ms) {
    summary_.t_visibility.push_back({low, bound, 0, 0});
    low = bound + 1;
  }
  summary_.t_visibility.push_back({low, std::numeric_limits<int64_t>::max(), 0, 0});
}

size_t StalenessMeter::bucket_of(int64_t t_ms) const {
  const auto& b = options_.t_bounds_ms;
  return static_cast<size_t>(std::lower_bound(b.begin(), b.end(), t_ms) - b.begin());
}

void StalenessMeter::on_complete(const HistoryOp& invoke, const HistoryOp& done, bool final_reads) {
  if (done.type != OpType::kOk || !invoke.key) return;
  if (invoke.f == "read") {
    if (!final_reads) on_read(invoke, done);
    return;
  }
  if ((invoke.f != "write" && invoke.f != "delete") || !done.version) return;
  std::vector<Acked>& acked = acked_[*invoke.key];
  acked.push_back({*done.version, invoke.f == "delete", done.time_ns});
  if (static_cast<int64_t>(acked.size()) > StalenessSummary::kTrackedVersionsMax) {
    // Forget the oldest version: reads that far behind count as the cap.
    acked.erase(std::min_element(acked.begin(), acked.end(),
                                 [](const Acked& a, const Acked& b) { return a.version < b.version; }));
  }
}

void StalenessMeter::on_read(const HistoryOp& invoke, const HistoryOp& done) {
  ++summary_.reads_ok;
  const auto it = acked_.find(*invoke.key);
  if (it == acked_.end()) return;
  const Acked* latest = nullptr;
  const Acked* latest_deletion = nullptr;
  for (const Acked& a : it->second) {
    if (a.ack_time_ns >= invoke.time_ns) continue;  // not acknowledged when the read started
    if (latest == nullptr || latest->version < a.version) latest = &a;
    if (a.deletion && (latest_deletion == nullptr || latest_deletion->version < a.version)) latest_deletion = &a;
  }
  if (latest == nullptr) return;
  ++summary_.reads_judged;
  // What the read returned, as a version to compare: nothing read stands
  // for the newest acknowledged deletion (a purged tombstone reads as
  // nothing), or for older than every write when there is none.
  std::optional<Version> returned = done.version;
  if (!returned && latest_deletion != nullptr) returned = latest_deletion->version;
  int64_t behind = 0;
  for (const Acked& a : it->second) {
    if (a.ack_time_ns < invoke.time_ns && (!returned || *returned < a.version)) ++behind;
  }
  const int64_t t_ms = std::max<int64_t>(0, (invoke.time_ns - latest->ack_time_ns) / 1000000);
  StalenessBucket& bucket = summary_.t_visibility[bucket_of(t_ms)];
  ++bucket.reads;
  ++summary_.k_histogram[behind];
  if (behind == 0) {
    ++summary_.consistent;
    ++bucket.consistent;
  } else {
    summary_.stale_t_ms_max = std::max(summary_.stale_t_ms_max, t_ms);
  }
}

Status measure_staleness(const std::string& history_path, const StalenessOptions& options, StalenessSummary* out) {
  std::unique_ptr<HistoryReader> reader;
  if (Status s = HistoryReader::open(history_path, &reader); !s) return s;
  OpPairer pairer;
  StalenessMeter meter(options);
  HistoryOp op;
  std::optional<HistoryOp> invoke;
  for (;;) {
    const HistoryReader::Result r = reader->next(&op);
    if (r == HistoryReader::Result::kEnd) break;
    if (r == HistoryReader::Result::kError) return reader->error();
    if (Status s = pairer.accept(op, &invoke, reader->line_number()); !s) {
      return Status::invalid(history_path + ":" + std::to_string(reader->line_number()) + ": " + s.message());
    }
    if (invoke) meter.on_complete(*invoke, op, pairer.in_final_reads());
  }
  *out = meter.finish();
  return Status::ok();
}

std::string staleness_to_json(const StalenessSummary& s) {
  nlohmann::json k = nlohmann::json::object();
  for (const auto& [behind, reads] : s.k_histogram) k[std::to_string(behind)] = reads;
  nlohmann::json buckets = nlohmann::json::array();
  for (const StalenessBucket& b : s.t_visibility) {
    nlohmann::json max = b.t_ms_max == std::numeric_limits<int64_t>::max() ? nlohmann::json(nullptr) : nlohmann::json(b.t_ms_max);
    buckets.push_back({{"t_ms_min", b.t_ms_min}, {"t_ms_max", max}, {"reads", b.reads}, {"consistent", b.consistent}});
  }
  nlohmann::json j = {{"reads_ok", s.reads_ok},       {"reads_judged", s.reads_judged},
                      {"consistent", s.consistent},   {"p_consistent", s.p_consistent()},
                      {"k_histogram", k},             {"t_visibility", buckets},
                      {"stale_t_ms_max", s.stale_t_ms_max}};
  return j.dump();
}

}  // namespace faultline
