// Helpers for unit tests that drive Replicas through SimCluster: callbacks
// that record their outcome, and a write or read followed by running the
// cluster. Test-only; header-only.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>

#include "core/test_util.h"
#include "sim/sim_cluster.h"

namespace faultline {
namespace sim_test {

// Keeps the last result a callback delivered, and how many it got.
template <typename R>
struct Outcome {
  std::optional<R> result;
  int calls = 0;
  std::function<void(const R&)> cb() {
    return [this](const R& r) {
      result = r;
      ++calls;
    };
  }
};

using WriteOutcome = Outcome<WriteResult>;
using ReadOutcome = Outcome<ReadResult>;

constexpr int64_t kRoundWaitMsMax = 60000;

// Runs one anti-entropy round on `node` to its end; false if it did not end
// within kRoundWaitMsMax of virtual time.
inline bool run_round(SimCluster& c, NodeId node) {
  const uint64_t round = c.replica(node).anti_entropy().request_round();
  for (int64_t waited_ms = 0; waited_ms < kRoundWaitMsMax; waited_ms += 10) {
    if (c.replica(node).anti_entropy().rounds_completed() >= round) return true;
    c.run_for(10);
  }
  return false;
}

// Every record `n` stores, in storage order.
inline std::vector<Record> records(SimCluster& c, NodeId n) {
  std::vector<Record> out;
  EXPECT_TRUE(test::succeeds(c.store(n).for_each([&](const Record& r) { out.push_back(r); })));
  return out;
}

constexpr int64_t kSettleMs = 10;  // enough for a round trip at the default 1 ms per hop

// A write through `via`, after which the cluster runs for `run_ms`.
inline WriteResult write(SimCluster& c, NodeId via, const std::string& key, std::optional<std::string> value,
                  ConsistencyLevel cl, int64_t run_ms = kSettleMs) {
  WriteOutcome w;
  c.replica(via).coordinate_write(key, std::move(value), cl, w.cb());
  c.run_for(run_ms);
  EXPECT_EQ(w.calls, 1);
  return w.result.value_or(WriteResult{Status::invalid("no answer"), {}});
}

inline ReadResult read(SimCluster& c, NodeId via, const std::string& key, ConsistencyLevel cl, int64_t run_ms = kSettleMs) {
  ReadOutcome r;
  c.replica(via).coordinate_read(key, cl, r.cb());
  c.run_for(run_ms);
  EXPECT_EQ(r.calls, 1);
  return r.result.value_or(ReadResult{Status::invalid("no answer"), std::nullopt});
}

inline ModeSpec modes_with(ReadRepair rr, bool digest_reads, bool hinted_handoff,
                           QuorumMode quorum = QuorumMode::kStrict) {
  ModeSpec m;
  m.read_repair = rr;
  m.digest_reads = digest_reads;
  m.hinted_handoff = hinted_handoff;
  m.quorum = quorum;
  return m;
}

// The first event `name` of `node`, or null.
inline const SimCluster::Event* find_event(SimCluster& c, NodeId node, const std::string& name) {
  for (const auto& e : c.events(node)) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

inline int count_events(SimCluster& c, NodeId node, const std::string& name) {
  int n = 0;
  for (const auto& e : c.events(node)) n += e.name == name;
  return n;
}

// A string or JSON field of an event as text.
inline std::string field(const SimCluster::Event& e, const std::string& name) {
  for (const auto& f : e.fields) {
    if (f.name != name) continue;
    if (const auto* s = std::get_if<std::string>(&f.value)) return *s;
    if (const auto* j = std::get_if<EventJson>(&f.value)) return j->text;
  }
  return "<missing " + name + ">";
}

// What `node` stores for `key` (handoff records aside).
inline std::optional<Record> stored(SimCluster& c, NodeId node, const std::string& key) {
  std::optional<Record> r;
  EXPECT_TRUE(c.store(node).get(key, &r).is_ok());
  return r;
}

// Isolates `node` long enough for `observer`'s failure detector to see it down.
inline void take_down(SimCluster& c, NodeId node, NodeId observer = 1) {
  c.isolate(node, true);
  c.run_for(c.config(observer).peer_down_after_ms + 2 * c.config(observer).heartbeat_interval_ms);
  ASSERT_FALSE(c.replica(observer).is_up(node));
}

}  // namespace sim_test
}  // namespace faultline
