#include "checker/staleness.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <memory>

#include <nlohmann/json.hpp>

#include "checker/op_pairing.h"
#include "core/file_io.h"

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

using nlohmann::json;

// Reads one staleness document; the first error wins and names the field.
class StalenessReader {
 public:
  explicit StalenessReader(std::string source) : source_(std::move(source)) {}

  Status read(const json& j, StalenessSummary* out) {
    if (!object(j, "", {"format_version", "reads_ok", "reads_judged", "consistent", "p_consistent", "k_histogram",
                        "t_visibility", "stale_t_ms_max"})) {
      return status_;
    }
    if (count(j, "format_version", "") != kStalenessFormatVersion) fail("format_version", "unsupported version");
    out->reads_ok = count(j, "reads_ok", "");
    out->reads_judged = count(j, "reads_judged", "");
    out->consistent = count(j, "consistent", "");
    if (out->reads_judged > out->reads_ok) fail("reads_judged", "must be <= reads_ok");
    if (out->consistent > out->reads_judged) fail("consistent", "must be <= reads_judged");
    const json& p = j.at("p_consistent");
    if (!p.is_number() || std::abs(p.get<double>() - out->p_consistent()) > 1e-9) {
      fail("p_consistent", "must be consistent / reads_judged");
    }
    read_k(j.at("k_histogram"), out);
    read_buckets(j.at("t_visibility"), out);
    const json& stale = j.at("stale_t_ms_max");
    if (!stale.is_number_integer() || stale.get<int64_t>() < -1) fail("stale_t_ms_max", "must be an integer >= -1");
    else out->stale_t_ms_max = stale.get<int64_t>();
    return status_;
  }

 private:
  void fail(const std::string& path, const std::string& what) {
    if (status_) status_ = Status::invalid(source_ + ": " + path + ": " + what);
  }
  static std::string join(const std::string& at, const std::string& name) { return at.empty() ? name : at + "." + name; }

  bool object(const json& j, const std::string& at, std::initializer_list<const char*> names) {
    if (!j.is_object()) {
      fail(at.empty() ? "(top)" : at, "must be an object");
      return false;
    }
    for (const char* n : names) {
      if (!j.contains(n)) fail(join(at, n), "missing");
    }
    for (const auto& [k, v] : j.items()) {
      if (std::find_if(names.begin(), names.end(), [&k](const char* n) { return k == n; }) == names.end()) {
        fail(join(at, k), "unknown field");
      }
    }
    return status_.is_ok();
  }

  int64_t count(const json& j, const char* name, const std::string& at) {
    const json& v = j.at(name);
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)) ||
        v.get<int64_t>() < 0) {
      fail(join(at, name), "must be an integer >= 0");
      return 0;
    }
    return v.get<int64_t>();
  }

  void read_k(const json& k, StalenessSummary* out) {
    if (!k.is_object()) return fail("k_histogram", "must be an object");
    int64_t total = 0;
    for (const auto& [behind, reads] : k.items()) {
      const std::string at = "k_histogram." + behind;
      int64_t b = -1;
      try {
        size_t used = 0;
        b = std::stoll(behind, &used);
        if (used != behind.size()) b = -1;
      } catch (...) {
      }
      if (b < 0 || b > StalenessSummary::kTrackedVersionsMax) {
        return fail(at, "the key must be a count of versions in 0.." + std::to_string(StalenessSummary::kTrackedVersionsMax));
      }
      if (!reads.is_number_integer() || reads.get<int64_t>() < 0) return fail(at, "must be an integer >= 0");
      out->k_histogram[b] = reads.get<int64_t>();
      total += reads.get<int64_t>();
    }
    if (status_ && total != out->reads_judged) fail("k_histogram", "must sum to reads_judged");
    const auto zero = out->k_histogram.find(0);
    if (status_ && (zero == out->k_histogram.end() ? 0 : zero->second) != out->consistent) {
      fail("k_histogram.0", "must equal consistent");
    }
  }

  void read_buckets(const json& a, StalenessSummary* out) {
    if (!a.is_array() || a.empty()) return fail("t_visibility", "must be a non-empty array");
    int64_t next_min = 0, reads = 0;
    for (size_t i = 0; i < a.size() && status_; ++i) {
      const std::string at = "t_visibility[" + std::to_string(i) + "]";
      if (!object(a[i], at, {"t_ms_min", "t_ms_max", "reads", "consistent"})) return;
      StalenessBucket b;
      b.t_ms_min = count(a[i], "t_ms_min", at);
      const bool last = i + 1 == a.size();
      const json& max = a[i].at("t_ms_max");
      if (last != max.is_null()) return fail(at + ".t_ms_max", "must be null exactly in the last bucket");
      b.t_ms_max = last ? std::numeric_limits<int64_t>::max() : count(a[i], "t_ms_max", at);
      b.reads = count(a[i], "reads", at);
      b.consistent = count(a[i], "consistent", at);
      if (b.t_ms_min != next_min) return fail(at + ".t_ms_min", "must be " + std::to_string(next_min));
      if (b.t_ms_max < b.t_ms_min) return fail(at + ".t_ms_max", "must be >= t_ms_min");
      if (b.consistent > b.reads) return fail(at + ".consistent", "must be <= reads");
      next_min = last ? 0 : b.t_ms_max + 1;
      reads += b.reads;
      out->t_visibility.push_back(b);
    }
    if (status_ && reads != out->reads_judged) fail("t_visibility", "reads must sum to reads_judged");
  }

  std::string source_;
  Status status_;
};

}  // namespace

Status staleness_from_json(std::string_view text, const std::string& source, StalenessSummary* out) {
  const json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return Status::invalid(source + ": not valid JSON");
  StalenessSummary s;
  if (Status st = StalenessReader(source).read(j, &s); !st) return st;
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
