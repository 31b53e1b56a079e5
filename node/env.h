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

// Durable records. apply() merges by last-write-wins (core lww_merge), so
// applying the same record twice, or an older one, changes nothing.
// Errors (I/O, a corrupt stored value) are returned, never thrown.
class Store {
 public:
  virtual ~Store() = default;
  // *out is empty when nothing is stored for key.
  virtual Status get(std::string_view key, std::optional<Record>* out) = 0;
  // *changed (optional) tells whether `r` won and was written.
  virtual Status apply(const Record& r, bool* changed = nullptr) = 0;
  // Visits every record (tombstones included) in token order; stops at and
  // returns the first error.
  virtual Status for_each(const std::function<void(const Record&)>& fn) = 0;
  // Number of stored records, tombstones included.
  virtual int64_t count() = 0;
};

// One field of an event line: a name and a scalar.
struct EventField {
  std::string name;
  std::variant<int64_t, std::string, bool> value;
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
