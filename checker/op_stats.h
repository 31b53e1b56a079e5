// Operation statistics of a run, from its history alone: the latency of ok
// workload reads and writes (completion time minus invocation time, p50,
// p99 and p99.9) and availability (ok / total), overall and per fault
// window (checker/fault_windows.h, the windows the availability property
// and report.html use). Final reads are left out. Used by `faultline audit
// --quantify` (harness/quantify.h); not a property, never part of a verdict.
//
// Streaming: OpStatsMeter keeps one float per ok read or write (for the
// percentiles) and one entry per fault.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checker/fault_windows.h"
#include "checker/staleness.h"
#include "core/history.h"
#include "core/status.h"

namespace faultline {

struct LatencyPercentiles {
  int64_t count = 0;  // ok operations measured
  double p50_ms = 0, p99_ms = 0, p999_ms = 0;
};

struct OpStats {
  LatencyPercentiles read, write;  // writes and deletes together
  OpCounts reads, writes;          // every workload operation by outcome
  std::vector<FaultWindow> windows;  // [0] quiet, then one per fault

  // ok / total over reads and writes; 1 when there was none.
  double availability() const;
};

// The nearest-rank q-quantile (0 < q <= 1) of `values`, which it sorts; 0
// when empty.
double quantile_ms(std::vector<float>* values, double q);

class OpStatsMeter {
 public:
  void on_nemesis(const HistoryOp& op) { windows_.on_nemesis(op); }
  // A paired completion (checker/op_pairing.h).
  void on_complete(const HistoryOp& invoke, const HistoryOp& done, bool final_reads);
  OpStats finish();

 private:
  FaultWindows windows_;
  OpStats stats_;
  std::vector<float> read_ms_, write_ms_;
};

// One pass over the history at `history_path`: measured staleness
// (checker/staleness.h) and the operation statistics. Errors name the file
// and line.
Status measure_history(const std::string& history_path, const StalenessOptions& options, StalenessSummary* staleness,
                       OpStats* stats);

}  // namespace faultline
