// Reading a node's mechanism events (nodes/<id>/events.jsonl, one JSON
// object per line with a string "event"; docs/mechanisms.md) for the
// properties that judge them (hint-replay, hint-obligations, repair-claims). Strict: a
// line that is not such an object, or a field of the wrong type, throws
// naming file and line, so a property never judges half-read events.
//
// Each node's file is read and parsed once per check (NodeEvents) and shared
// by every property that judges events; before, each property re-read and
// re-parsed every file, which cost more than the rest of a small run's check.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "checker/checker.h"
#include "checker/final_state.h"
#include "core/plan.h"

namespace faultline {

using NodeEventFn = std::function<void(const nlohmann::json&, const std::string&)>;
// node -> its events.jsonl lines (without newlines), for runs in memory.
using NodeEventLines = std::map<std::string, std::vector<std::string>>;
// See purged_tombstones below.
using PurgedTombstones = std::map<std::pair<std::string, std::string>, Version>;

// The events of every node of one run directory, each node's file parsed on
// first use and kept. Not thread-safe: one check at a time (a check is
// single-threaded).
class NodeEvents {
 public:
  // Empty run_dir: no node has events (checking in memory).
  explicit NodeEvents(std::string run_dir);
  // Events held in memory (a simulated run's): `lines` outlives this; a node
  // it lacks has no events file. Where: "nodes/<node>/events.jsonl:<line>".
  explicit NodeEvents(const NodeEventLines* lines);
  ~NodeEvents();
  NodeEvents(const NodeEvents&) = delete;
  NodeEvents& operator=(const NodeEvents&) = delete;

  // Calls fn(event, where) for every event of `node` in file order; `where`
  // is "<path>:<line>". False when the file does not exist. A malformed line
  // throws naming it, after fn has seen the lines before it (on every call).
  bool for_each(const std::string& node, const NodeEventFn& fn) const;
  const std::string& run_dir() const { return run_dir_; }

 private:
  struct Log;
  const Log& load(const std::string& node) const;
  std::string run_dir_;
  const NodeEventLines* lines_ = nullptr;
  mutable std::map<std::string, std::unique_ptr<Log>> logs_;
  friend const PurgedTombstones& purged_tombstones(const NodeEvents& events, const Plan& plan);
  mutable std::unique_ptr<PurgedTombstones> purged_;  // once computed
};

// The string field `name` of an event; throws naming `where` otherwise.
std::string event_string(const nlohmann::json& ev, const char* name, const std::string& where);
// The event's "time" (monotonic ns, as the history's); 0 when absent.
int64_t event_time_ns(const nlohmann::json& ev, const std::string& where);
// A node name field that must name a node of the plan.
std::string event_plan_node(const nlohmann::json& ev, const char* name, const Plan& plan, const std::string& where);
// An event about one record (key, version, optional tombstone) of `node` as
// a witness entry.
WitnessOp record_event_op(const std::string& node, const nlohmann::json& ev, const std::string& where);
// Any event as a witness entry (no key or version).
WitnessOp bare_event_op(const std::string& node, const nlohmann::json& ev, const std::string& where);

// (node, key) -> the newest tombstone that node logged tombstone_purged for,
// over every node of the plan (a node without events adds nothing).
// Computed on the first call and kept in `events` (three properties ask;
// `plan` is the check's, the same on every call); a malformed event throws
// on every call, as the first did.
const PurgedTombstones& purged_tombstones(const NodeEvents& events, const Plan& plan);
// Whether `node`'s final dump bears out that it got `key` at `version`: it
// holds that version or a newer one, or it purged a tombstone of the key at
// that version or newer (a later delete, purged; what it holds after the
// purge, nothing or an older value a peer's repair brought back, is
// no-resurrection's to judge: sim plan repair-then-purge-then-resurrection).
bool holds_or_purged(const FinalState& final_state, const PurgedTombstones& purged, const std::string& node,
                     const std::string& key, const Version& version);

}  // namespace faultline
