// OpPairer: validates the history where it enters the checker (Jepsen's
// rule: a completion must match its invocation) and pairs each completion
// with its invocation, so properties never see a malformed history.
//
// Rejected as malformed (accept() says so at the op, except duplicate written
// values, which finish() reports once the whole history is seen):
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
// Memory: pending invocations (bounded by concurrency) and retired process
// ids: one map entry (~50 bytes) per info completion, the one part that
// still grows with the history, with its indeterminate operations rather
// than its length (each costs an operation timeout). The
// uniqueness check does not keep a table of written values: each write's
// value hash goes to an ExternalSorter and each value to a ValueLog (both
// within the budget given, spilling beyond it), and finish() finds equal
// hashes side by side in sorted order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "checker/key_table.h"
#include "checker/spill.h"
#include "core/history.h"
#include "core/status.h"

namespace faultline {

// What the harness's phase markers said about healing and quiescing
// (docs/history-format.md "Nemesis operations"). Properties judged on the
// state after quiesce consult it when the history ends.
struct RunPhases {
  bool healed = false;            // a "heal" marker said ok true
  bool quiesce_recorded = false;  // some "quiesce" marker was seen
  std::string quiesce_failure;    // its reason when a "quiesce" marker said ok false
  // When the "done" marker was written (history time), after the final
  // dumps: the latest the final state can have been taken. 0: no marker.
  int64_t done_ns = 0;

  bool quiesced() const { return quiesce_recorded && quiesce_failure.empty(); }
  // Why the final state is not known to be quiesced; empty when it is.
  std::string unquiesced_reason() const;
};

class OpPairer {
 public:
  // `spill` holds what exceeds `budget_bytes` (null: a private SpillDir
  // under $TMPDIR).
  explicit OpPairer(std::shared_ptr<SpillDir> spill = nullptr, size_t budget_bytes = kDefaultBudgetBytes);

  // Accepts the next op in history order. For a completion, *invoke receives
  // its invocation; otherwise it is reset. An error's message says why the
  // op is malformed (the caller adds file and line). `line` is the op's
  // line in the history file (0: not from a file), for finish()'s message.
  Status accept(const HistoryOp& op, std::optional<HistoryOp>* invoke, int64_t line = 0);
  // The history ended: checks that every written value is unique. On a
  // duplicate, *line is the line of its second write (0: not from a file)
  // and the message says which value and where it was first written.
  // Throws (naming the file) when a spill file cannot be written or read.
  Status finish(int64_t* line);

  int64_t completions() const { return completions_; }
  size_t pending() const { return pending_count_; }
  // The last phase marker seen ("" before the first).
  const std::string& phase() const { return phase_; }
  // True once the "final-reads" marker has been seen.
  bool in_final_reads() const { return final_reads_; }
  // Set when the harness reported that healing or quiescing failed
  // ({"phase":"quiesce","ok":false,"reason":...}): why, never empty then.
  const std::string& quiesce_failure() const { return phases_.quiesce_failure; }
  // The heal and quiesce markers seen so far; the address is stable.
  const RunPhases& phases() const { return phases_; }

 private:
  Status accept_invoke(const HistoryOp& op, int64_t line);
  Status accept_completion(const HistoryOp& op, std::optional<HistoryOp>* invoke);
  Status accept_nemesis(const HistoryOp& op);

  // process -> its pending invocation. Slots are reused, not erased (no map
  // node per operation): one per process id seen.
  struct Pending {
    bool active = false;
    HistoryOp invoke;
  };
  PerProcess<Pending> pending_;
  size_t pending_count_ = 0;                            // active slots
  std::unordered_map<int64_t, int64_t> retired_;        // process -> index of its info
  static constexpr size_t kDefaultBudgetBytes = 16 << 20;
  // One per write invocation, sorted by value hash then index.
  struct Written {
    ValueHash hash;
    int64_t index = 0;
    int64_t line = 0;
    ValueLog::Ref value;
  };
  struct WrittenLess {
    bool operator()(const Written& a, const Written& b) const {
      return a.hash != b.hash ? a.hash < b.hash : a.index < b.index;
    }
  };
  std::shared_ptr<SpillDir> spill_;
  ExternalSorter<Written, WrittenLess> written_;
  ValueLog written_values_;
  int64_t completions_ = 0;
  std::string phase_;
  bool final_reads_ = false;
  RunPhases phases_;
};

// Reads the history at `path` once, pairing with an OpPairer, and calls
// fn(op, invoke, in_final_reads) for every record in order: `invoke` is the
// invocation of a completion, null for anything else. For measurements
// that need no verdict (checker/staleness.h, checker/op_stats.h); a
// malformed history is an error naming the file and line.
using PairedOpFn = std::function<void(const HistoryOp& op, const HistoryOp* invoke, bool in_final_reads)>;
Status scan_paired_history(const std::string& path, const PairedOpFn& fn);

}  // namespace faultline
