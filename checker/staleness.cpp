#include "checker/staleness.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <charconv>
#include <limits>
#include <memory>

#include <nlohmann/json.hpp>

#include "checker/op_pairing.h"
#include "core/file_io.h"
#include "core/json_reader.h"

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
  StalenessMeter meter(options);
  Status s = scan_paired_history(history_path, [&meter](const HistoryOp& op, const HistoryOp* invoke, bool final_reads) {
    if (invoke != nullptr) meter.on_complete(*invoke, op, final_reads);
  });
  if (!s) return s;
  *out = meter.finish();
  return Status::ok();
}

std::string staleness_to_json(const StalenessSummary& s) {
  nlohmann::ordered_json k = nlohmann::ordered_json::object();
  for (const auto& [behind, reads] : s.k_histogram) k[std::to_string(behind)] = reads;
  nlohmann::ordered_json buckets = nlohmann::ordered_json::array();
  for (const StalenessBucket& b : s.t_visibility) {
    nlohmann::ordered_json max = b.t_ms_max == std::numeric_limits<int64_t>::max() ? nlohmann::ordered_json(nullptr)
                                                                                   : nlohmann::ordered_json(b.t_ms_max);
    buckets.push_back({{"t_ms_min", b.t_ms_min}, {"t_ms_max", max}, {"reads", b.reads}, {"consistent", b.consistent}});
  }
  nlohmann::ordered_json j = {{"format_version", kStalenessFormatVersion},
                              {"reads_ok", s.reads_ok},       {"reads_judged", s.reads_judged},
                      {"consistent", s.consistent},   {"p_consistent", s.p_consistent()},
                      {"k_histogram", k},             {"t_visibility", buckets},
                      {"stale_t_ms_max", s.stale_t_ms_max}};
  return j.dump();
}

namespace {

// A count field: required, an integer >= 0.
int64_t count(ObjectReader& r, const char* name) {
  int64_t v = 0;
  r.require({name});
  r.get(name, &v);
  if (v < 0) r.fail(name, "must be an integer >= 0");
  return v;
}

void read_k(ObjectReader& top, StalenessSummary* out) {
  const ordered_json* k = top.child("k_histogram");
  if (k == nullptr) return;
  ObjectReader r(*k, "k_histogram");
  for (const auto& [behind, reads] : k->items()) {
    int64_t b = -1;
    const auto [end, ec] = std::from_chars(behind.data(), behind.data() + behind.size(), b);
    if (ec != std::errc() || end != behind.data() + behind.size() || b < 0 ||
        b > StalenessSummary::kTrackedVersionsMax) {
      r.fail(behind, "the key must be a count of versions in 0.." + std::to_string(StalenessSummary::kTrackedVersionsMax));
      break;
    }
    out->k_histogram[b] = count(r, behind.c_str());
  }
  if (Status s = r.finish(); !s) return top.fail("", s.message());
}

// One bucket of t_visibility; `next_min` is where it must start.
void read_bucket(const ordered_json& j, const std::string& at, bool last, int64_t next_min, StalenessBucket* b,
                 ObjectReader* top) {
  ObjectReader r(j, at);
  b->t_ms_min = count(r, "t_ms_min");
  r.require({"t_ms_max"});
  const ordered_json* max = r.child("t_ms_max");
  if (max != nullptr && last != max->is_null()) r.fail("t_ms_max", "must be null exactly in the last bucket");
  b->t_ms_max = last ? std::numeric_limits<int64_t>::max() : count(r, "t_ms_max");
  b->reads = count(r, "reads");
  b->consistent = count(r, "consistent");
  if (b->t_ms_min != next_min) r.fail("t_ms_min", "must be " + std::to_string(next_min));
  if (b->t_ms_max < b->t_ms_min) r.fail("t_ms_max", "must be >= t_ms_min");
  if (b->consistent > b->reads) r.fail("consistent", "must be <= reads");
  if (Status s = r.finish(); !s) top->fail("", s.message());
}

void read_buckets(ObjectReader& top, StalenessSummary* out) {
  const ordered_json* a = top.child("t_visibility");
  if (a == nullptr) return;
  if (!a->is_array() || a->empty()) return top.fail("t_visibility", "must be a non-empty array");
  int64_t next_min = 0;
  for (size_t i = 0; i < a->size(); ++i) {
    StalenessBucket b;
    read_bucket((*a)[i], "t_visibility[" + std::to_string(i) + "]", i + 1 == a->size(), next_min, &b, &top);
    next_min = b.t_ms_max == std::numeric_limits<int64_t>::max() ? 0 : b.t_ms_max + 1;
    out->t_visibility.push_back(b);
  }
}

// The sums that tie the fields together.
void check_totals(ObjectReader& r, const ordered_json& j, const StalenessSummary& s) {
  if (s.reads_judged > s.reads_ok) r.fail("reads_judged", "must be <= reads_ok");
  if (s.consistent > s.reads_judged) r.fail("consistent", "must be <= reads_judged");
  const ordered_json& p = j["p_consistent"];
  if (!p.is_number() || std::abs(p.get<double>() - s.p_consistent()) > 1e-9) {
    r.fail("p_consistent", "must be consistent / reads_judged");
  }
  int64_t k_sum = 0, t_sum = 0;
  for (const auto& [behind, reads] : s.k_histogram) k_sum += reads;
  for (const StalenessBucket& b : s.t_visibility) t_sum += b.reads;
  if (k_sum != s.reads_judged) r.fail("k_histogram", "must sum to reads_judged");
  const auto zero = s.k_histogram.find(0);
  if ((zero == s.k_histogram.end() ? 0 : zero->second) != s.consistent) r.fail("k_histogram.0", "must equal consistent");
  if (t_sum != s.reads_judged) r.fail("t_visibility", "reads must sum to reads_judged");
}

Status read_summary(const ordered_json& j, StalenessSummary* out) {
  ObjectReader r(j, "");
  r.require({"format_version", "reads_ok", "reads_judged", "consistent", "p_consistent", "k_histogram",
             "t_visibility", "stale_t_ms_max"});
  int version = 0;
  r.get("format_version", &version);
  if (version != kStalenessFormatVersion) r.fail("format_version", "unsupported version");
  out->reads_ok = count(r, "reads_ok");
  out->reads_judged = count(r, "reads_judged");
  out->consistent = count(r, "consistent");
  r.child("p_consistent");
  read_k(r, out);
  read_buckets(r, out);
  r.get("stale_t_ms_max", &out->stale_t_ms_max);
  if (out->stale_t_ms_max < -1) r.fail("stale_t_ms_max", "must be an integer >= -1");
  if (Status s = r.finish(); !s) return s;
  check_totals(r, j, *out);
  return r.finish();
}

}  // namespace

Status staleness_from_json(std::string_view text, const std::string& source, StalenessSummary* out) {
  const ordered_json j = ordered_json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return Status::invalid(source + ": not valid JSON");
  StalenessSummary s;
  if (Status st = read_summary(j, &s); !st) return Status::invalid(source + ": " + st.message());
  *out = std::move(s);
  return Status::ok();
}

Status read_staleness_file(const std::string& run_dir, StalenessSummary* out) {
  const std::string path = run_dir + "/" + kStalenessFileName;
  std::string text;
  if (!std::filesystem::exists(path)) return Status::not_found(path + ": missing");
  if (Status s = read_file(path, &text); !s) return s;
  return staleness_from_json(text, path, out);
}

Status write_staleness_file(const std::string& run_dir, StalenessSummary* out) {
  StalenessSummary s;
  if (Status st = measure_staleness(run_dir + "/history.jsonl", StalenessOptions{}, &s); !st) return st;
  if (Status st = write_file_atomic(run_dir + "/" + kStalenessFileName, staleness_to_json(s) + "\n"); !st) return st;
  if (out != nullptr) *out = std::move(s);
  return Status::ok();
}

}  // namespace faultline
