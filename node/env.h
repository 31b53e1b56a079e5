// The seams through which the replica logic touches the world (the leveldb
// `Env` idea): Transport, Timers, Store and EventLog, plus core's Clock.
//
// The Asio runtime implements them with sockets, steady timers, RocksDB and
// events.jsonl; unit tests implement them with an in-process network, a
// manual clock and an in-memory store, so several replicas run in one
// process, deterministically.
//
// Thread-safety: every implementation is driven from one event loop; none of
// these interfaces is called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/codec.h"
#include "core/status.h"
#include "core/types.h"

namespace faultline {

// Sends a message to a peer. Delivery is best effort: the message may be
// dropped (partition, full queue, no connection) without any report; the
// replica copes with that through timeouts.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void send(NodeId to, Body body) = 0;
};

using TimerId = uint64_t;

// One-shot timers. A callback never runs from inside schedule() or cancel();
// after cancel(id) it never runs at all.
class Timers {
 public:
  virtual ~Timers() = default;
  virtual TimerId schedule(int64_t delay_ms, std::function<void()> fn) = 0;
  virtual void cancel(TimerId id) = 0;
};

// A record to deliver to another node later (hinted handoff): either a hint
// the coordinator stored because `target` did not acknowledge a write, or
// (handoff) a record a sloppy-quorum fallback keeps for its intended owner.
// Kept apart from the node's own records: never in for_each(), FL.DUMP
// records or Merkle trees.
struct Hint {
  uint64_t seq = 0;  // unique on this node; the hint id is "n<node>:<seq>"
  NodeId target = 0;
  Record record;
  int64_t created_ms = 0;  // local realtime clock, for gc_grace
  bool handoff = false;    // sloppy-quorum handoff record rather than a hint
  bool operator==(const Hint&) const = default;
};

// Durable records. apply() merges by last-write-wins (core lww_merge), so
// applying the same record twice, or an older one, changes nothing.
// Errors (I/O, a corrupt stored value) are returned, never thrown.
class Store {
 public:
  virtual ~Store() = default;
  // *out is empty when nothing is stored for key.
  virtual Status get(std::string_view key, std::optional<Record>* out) = 0;
  // *changed (optional) tells whether `r` won and was written; when it did,
  // *replaced (optional) is the record it replaced (empty when there was none,
  // or the stored copy was unreadable), so callers that track contents (the
  // Merkle trees) need no second read.
  virtual Status apply(const Record& r, bool* changed = nullptr, std::optional<Record>* replaced = nullptr) = 0;
  // Visits every record (tombstones included) in token order; stops at and
  // returns the first error.
  virtual Status for_each(const std::function<void(const Record&)>& fn) = 0;
  // Number of stored records, tombstones included.
  virtual int64_t count() = 0;
  // Visits the records whose tokens lie in [first, last] (first <= last; a
  // wrapping range is two calls) in token order: one contiguous scan, for
  // Merkle exchanges. Stops at and returns the first error.
  virtual Status for_each_in_tokens(Token first, Token last, const std::function<void(const Record&)>& fn) = 0;
  // Removes key's record only if it is still exactly `expected` (version and
  // tombstone flag), so a tombstone purge never removes a newer write.
  // *removed (optional) tells whether it did.
  virtual Status purge(const Record& expected, bool* removed = nullptr) = 0;

  // Hints (RocksDB column family "hints"), keyed by seq. A put of an
  // existing seq replaces it; deleting a missing seq is not an error.
  virtual Status put_hint(const Hint& h) = 0;
  virtual Status delete_hint(uint64_t seq) = 0;
  // Every stored hint in seq order; stops at and returns the first error.
  virtual Status for_each_hint(const std::function<void(const Hint&)>& fn) = 0;
};

// A field value that is JSON text, for arrays such as a version [ts,id] or a
// list of replicas ["n1","n2"]; the event log embeds it as JSON.
struct EventJson {
  std::string text;
  bool operator==(const EventJson&) const = default;
};

// One field of an event line: a name and a scalar (or JSON text).
struct EventField {
  std::string name;
  std::variant<int64_t, std::string, bool, EventJson> value;
};

// Mechanism events (events.jsonl): one line per action. The implementation
// adds "time" (CLOCK_MONOTONIC ns) and "node".
class EventLog {
 public:
  virtual ~EventLog() = default;
  virtual void emit(std::string_view event, std::vector<EventField> fields = {}) = 0;
};

// What a Replica is given; nothing is owned, and everything must outlive it.
struct Env {
  Clock* clock = nullptr;
  Transport* transport = nullptr;
  Timers* timers = nullptr;
  Store* store = nullptr;
  EventLog* events = nullptr;
};

}  // namespace faultline
