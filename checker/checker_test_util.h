// Test helpers for checker/*_test.cpp: a builder for well-formed histories
// (indices and times stamped in order, completions take f and key from the
// process's pending invocation), plans with strong and weak modes, and a way
// to run the checker on in-memory histories or write them as a run directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "checker/checker.h"
#include "core/history.h"
#include "core/node_dump.h"
#include "core/plan.h"

namespace faultline::testing {

// Version (ts, 1): small readable versions for hand-made histories.
inline Version V(int64_t ts, NodeId coordinator = 1) { return Version{ts, coordinator}; }

class HistoryBuilder {
 public:
  int64_t write(int64_t process, const std::string& key, const std::string& value);
  int64_t read(int64_t process, const std::string& key);
  int64_t del(int64_t process, const std::string& key);
  int64_t ok(int64_t process, std::optional<Version> version);  // write or delete
  int64_t ok_read(int64_t process, std::optional<std::string> value, std::optional<Version> version,
                  bool tombstone = false);
  int64_t fail(int64_t process);
  int64_t info(int64_t process);
  int64_t phase(const std::string& name);
  // A nemesis record of fault `kind` ("kill", "partition") with `phase`
  // "start" or "heal" and the rest of its value (targets, grudge) as JSON
  // object members: R"("targets":["n2"])".
  int64_t fault(const std::string& kind, const std::string& phase, const std::string& members);
  // The heal and quiesce markers (both ok) the harness writes before its
  // final reads: properties judged after quiesce need them. Returns the
  // quiesce marker's index.
  int64_t quiesced();
  // Invocation and completion back to back; return the completion's index.
  int64_t acked_write(int64_t process, const std::string& key, const std::string& value, Version version);
  int64_t acked_delete(int64_t process, const std::string& key, Version version);
  int64_t read_saw(int64_t process, const std::string& key, std::optional<std::string> value,
                   std::optional<Version> version, bool tombstone = false);
  // Later operations are stamped `ms` later than they would have been (time
  // passing, for gc_grace).
  void wait_ms(int64_t ms) { offset_ns_ += ms * 1000000; }
  // Later invocations go to coordinator `node` (n1 until told otherwise).
  void via(const std::string& node) { node_ = node; }
  // Appends `op` as is, stamping only index and time (for malformed histories).
  int64_t raw(HistoryOp op);

  const std::vector<HistoryOp>& ops() const { return ops_; }

 private:
  int64_t invoke(int64_t process, const std::string& f, const std::string& key, std::optional<std::string> value);
  int64_t complete(int64_t process, OpType type);
  std::vector<HistoryOp> ops_;
  std::unordered_map<int64_t, HistoryOp> pending_;
  int64_t offset_ns_ = 0;
  std::string node_ = "n1";
};

// QUORUM reads and writes, rf 3, blocking read repair, strict quorum, no
// faults: every implemented property is guaranteed.
Plan strong_plan();
// ONE reads and writes, no read repair: only valid-values and no-lost-writes
// are guaranteed.
Plan weak_plan();

NodeDump dump(const std::string& node, std::vector<Record> records);
// The Merkle roots a correct node holding `records` reports for every range
// of the plan's ring, computed with core's dense reference tree
// (core/merkle_hash.h), independent of the checker's sparse tree: at
// `depth_reported` and saying so, or (0) at the plan's merkle_depth without
// a depth, as files written before per-range depths.
std::vector<RangeRoot> honest_roots(const Plan& plan, const std::vector<Record>& records, int depth_reported = 0);
Record rec(const std::string& key, const std::string& value, Version v);
Record tomb(const std::string& key, Version v);

// Runs the checker in memory, as check_run_dir would after loading.
Verdict check_ops(const Plan& plan, const std::vector<NodeDump>& dumps, const std::vector<HistoryOp>& ops,
                  const CheckOptions& opts = {});
const PropertyResult& property(const Verdict& v, const std::string& id);
// Runs only property `id` on `h` and returns its result; `h` is followed by
// HistoryBuilder::quiesced()'s markers unless it has a quiesce marker itself.
PropertyResult check_property(const std::string& id, const Plan& plan, const HistoryBuilder& h,
                              const std::vector<NodeDump>& dumps = {});

// Verdicts recorded once and compared byte for byte ever after (the
// checker's speed work must not change a single verdict): `file` holds one
// line "<case> <hash of the verdict's JSON>" per case. check() compares;
// with FAULTLINE_UPDATE_SNAPSHOT=1 in the environment the destructor
// rewrites `file` from the cases seen instead (then review its diff).
class VerdictSnapshot {
 public:
  explicit VerdictSnapshot(std::filesystem::path file);
  ~VerdictSnapshot();
  // `verdict_json` must not depend on where the checkout is (strip paths).
  void check(const std::string& name, const std::string& verdict_json);

 private:
  std::filesystem::path file_;
  bool update_ = false;
  std::map<std::string, std::string> recorded_, seen_;
};

// A fresh directory under the test temp dir, named after the running test.
std::filesystem::path temp_run_dir();
// Writes plan.json, history.jsonl and final/<node>.json.
void write_run_dir(const std::filesystem::path& dir, const Plan& plan, const std::vector<HistoryOp>& ops,
                   const std::vector<NodeDump>& dumps);

}  // namespace faultline::testing
