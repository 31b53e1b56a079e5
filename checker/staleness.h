// Staleness measured from a history alone, as Probabilistically Bounded
// Staleness (Bailis et al., VLDB 2012) defines it, so that `check` and
// `report` can compute it for any run directory and audit can set it beside
// the WARS model (model/wars.h).
//
// For each ok workload read of a key (final reads excluded), the writes and
// deletes of that key acknowledged before the read started are its
// obligations; the one with the highest version is "the latest". The read is
// consistent when it returned that version or a newer one (a read that
// found nothing is consistent only with a latest delete); otherwise it is
// k versions behind, k being the number of acknowledged versions newer than
// what it returned. t is how long after the latest's acknowledgement the
// read started. Reads with no acknowledged write before them are not judged.
//
// Memory: per key, the kTrackedVersionsMax newest acknowledged versions;
// a read further behind than that counts as kTrackedVersionsMax behind.
// Not a property: it never makes a run invalid (no-stale-reads does that
// where the modes promise freshness); it says how stale reads were.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/history.h"
#include "core/status.h"
#include "core/types.h"

namespace faultline {

struct StalenessOptions {
  // Upper bounds (inclusive) of the t buckets, in ms; a last bucket takes
  // everything above the last bound.
  std::vector<int64_t> t_bounds_ms = {0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};
};

struct StalenessBucket {
  int64_t t_ms_min = 0;  // reads that started at t in [t_ms_min, t_ms_max] ms
  int64_t t_ms_max = 0;  // INT64_MAX for the last bucket
  int64_t reads = 0;
  int64_t consistent = 0;
};

struct StalenessSummary {
  static constexpr int64_t kTrackedVersionsMax = 64;
  int64_t reads_ok = 0;       // ok workload reads
  int64_t reads_judged = 0;   // those with an acknowledged write before them
  int64_t consistent = 0;     // judged reads that returned the latest or newer
  std::map<int64_t, int64_t> k_histogram;  // versions behind -> judged reads (0 = consistent)
  std::vector<StalenessBucket> t_visibility;
  // Of the stale reads, how long after the latest's acknowledgement they
  // started: the largest such t (the stale window seen), -1 when none.
  int64_t stale_t_ms_max = -1;

  double p_consistent() const { return reads_judged ? static_cast<double>(consistent) / reads_judged : 1.0; }
};

class StalenessMeter {
 public:
  explicit StalenessMeter(StalenessOptions options = {});
  // Each completion with its invocation, in history order; `final_reads` is
  // true once the harness's final-reads phase began.
  void on_complete(const HistoryOp& invoke, const HistoryOp& done, bool final_reads);
  StalenessSummary finish() const { return summary_; }

 private:
  struct Acked {
    Version version;
    bool deletion = false;
    int64_t ack_time_ns = 0;
  };
  void on_read(const HistoryOp& invoke, const HistoryOp& done);
  size_t bucket_of(int64_t t_ms) const;

  StalenessOptions options_;
  StalenessSummary summary_;
  // key -> its newest acknowledged writes, in acknowledgement order.
  std::unordered_map<std::string, std::vector<Acked>> acked_;
};

// Streams <run_dir>/history.jsonl through a StalenessMeter. A malformed
// history is an error naming file and line.
Status measure_staleness(const std::string& history_path, const StalenessOptions& options, StalenessSummary* out);

// {"reads_ok":..,"reads_judged":..,"consistent":..,"p_consistent":..,
//  "k_histogram":{"0":..,"1":..},"t_visibility":[{"t_ms_min":..,"t_ms_max":..|null,"reads":..,"consistent":..}],
//  "stale_t_ms_max":..}
std::string staleness_to_json(const StalenessSummary& s);

// staleness.json, the summary of a run directory (written by `check`, `run`
// and `sim` beside verdict.json; read by report.html and the audit). Its
// text is staleness_to_json's plus "format_version": 1 first.
inline constexpr int kStalenessFormatVersion = 1;
inline constexpr const char* kStalenessFileName = "staleness.json";

// Measures <run_dir>/history.jsonl and writes <run_dir>/staleness.json;
// *out (may be null) receives the summary. A malformed history or an
// unwritable file is an error naming it.
Status write_staleness_file(const std::string& run_dir, StalenessSummary* out = nullptr);

// The strict reader: every field the writer writes must be there with its
// type, no other field may be, counts must be consistent (consistent <=
// judged <= ok, buckets contiguous from 0, p_consistent = consistent /
// judged). Errors name `source` and the field path
// ("runs/x/staleness.json: t_visibility[2].reads: must be an integer >= 0").
Status staleness_from_json(std::string_view text, const std::string& source, StalenessSummary* out);
// not_found when <run_dir>/staleness.json is missing; invalid as above.
Status read_staleness_file(const std::string& run_dir, StalenessSummary* out);

}  // namespace faultline
