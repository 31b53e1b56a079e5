// OpPairer: validates the history where it enters the checker (Jepsen's
// rule: a completion must match its invocation) and pairs each completion
// with its invocation, so properties never see a malformed history.
//
// Rejected as malformed:
// - a completion with no pending invocation of the same process, or whose f
//   or key differs from that invocation's;
// - an invocation by a process that already has one pending, or that got an
//   info completion earlier (such a process never issues again);
// - a write of a value written before (every written value is unique);
// - a completed write whose value differs from its invocation's.
//
// It also follows the harness's phase markers (nemesis op f "phase") so that
// properties can tell final reads from workload reads.
//
// Memory: pending invocations (bounded by concurrency), retired process ids
// and one 16-byte slot per written value (ValueTable: hashes, not strings).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "checker/value_table.h"
#include "core/history.h"
#include "core/status.h"

namespace faultline {

class OpPairer {
 public:
  // Accepts the next op in history order. For a completion, *invoke receives
  // its invocation; otherwise it is reset. An error's message says why the
  // op is malformed (the caller adds file and line).
  Status accept(const HistoryOp& op, std::optional<HistoryOp>* invoke);

  int64_t completions() const { return completions_; }
  size_t pending() const { return pending_.size(); }
  // The last phase marker seen ("" before the first).
  const std::string& phase() const { return phase_; }
  // True once the "final-reads" marker has been seen.
  bool in_final_reads() const { return final_reads_; }
  // Set when the harness reported that healing or quiescing failed
  // ({"phase":"quiesce","ok":false,"reason":...}): why, never empty then.
  const std::string& quiesce_failure() const { return quiesce_failure_; }

 private:
  Status accept_invoke(const HistoryOp& op);
  Status accept_completion(const HistoryOp& op, std::optional<HistoryOp>* invoke);
  Status accept_nemesis(const HistoryOp& op);

  std::unordered_map<int64_t, HistoryOp> pending_;      // process -> invocation
  std::unordered_map<int64_t, int64_t> retired_;        // process -> index of its info
  ValueTable<uint32_t> written_;  // value -> index of its write (saturated at 2^32-1: only for messages)
  int64_t completions_ = 0;
  std::string phase_;
  bool final_reads_ = false;
  std::string quiesce_failure_;
};

}  // namespace faultline
