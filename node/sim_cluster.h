// SimCluster: a deterministic, in-process driver of several Replicas, for
// unit tests of the sans-I/O core only (never linked into the node).
//
// One event queue orders timer callbacks and message deliveries by (virtual
// time, sequence number); run_for() advances a manual clock through them, so
// a test is a pure function of its inputs. Messages go through the real frame
// codec (encode_frame, FrameDecoder) on their way, so the wire format is
// exercised too. Links can drop (all traffic, or what a predicate picks) and
// delay messages; each node's realtime clock can be skewed.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/assert.h"
#include "node/mem_store.h"
#include "node/replica.h"

namespace faultline {

class SimCluster {
 public:
  struct Event {
    std::string name;
    std::vector<EventField> fields;
  };

  using DropIf = std::function<bool(NodeId from, NodeId to, const Body& body)>;

  // Nodes n1..n<nodes>; every config field but ids, peers, modes and bugs
  // keeps its default (modes: the plan's defaults; bugs: seeded bugs of
  // core/bugs.h, on every node).
  SimCluster(int nodes, int rf, int64_t request_timeout_ms = 1000, ModeSpec modes = {},
             std::vector<std::string> bugs = {}) {
    modes.request_timeout_ms = request_timeout_ms;
    for (int i = 1; i <= nodes; ++i) {
      auto n = std::make_unique<SimNode>(this, static_cast<NodeId>(i));
      n->config.id = static_cast<NodeId>(i);
      n->config.rf = rf;
      n->config.modes = modes;
      n->config.bugs = bugs;
      for (int j = 1; j <= nodes; ++j) {
        if (j != i) n->config.peers.push_back({static_cast<NodeId>(j), "127.0.0.1", 7000 + j});
      }
      nodes_.push_back(std::move(n));
    }
    for (auto& n : nodes_) {
      n->replica = std::make_unique<Replica>(n->config, Env{&n->clock, &n->transport, &n->timers, &n->store, &n->events});
    }
  }

  // Replicas cancel their timers on destruction: they go before the queue.
  ~SimCluster() {
    for (auto& n : nodes_) n->replica.reset();
  }
  SimCluster(const SimCluster&) = delete;
  SimCluster& operator=(const SimCluster&) = delete;

  // A process restart of `id`: a new Replica on the same store (its durable
  // state, hints included), started at once.
  void restart(NodeId id) {
    SimNode& n = node(id);
    n.replica.reset();
    n.replica = std::make_unique<Replica>(n.config, Env{&n.clock, &n.transport, &n.timers, &n.store, &n.events});
    n.replica->start();
  }

  // Starts every failure detector and runs until every peer is seen up.
  void start() {
    for (auto& n : nodes_) n->replica->start();
    run_for(50);
  }

  Replica& replica(NodeId id) { return *node(id).replica; }
  MemStore& store(NodeId id) { return node(id).store; }
  const std::vector<Event>& events(NodeId id) { return node(id).events.log; }
  const NodeConfig& config(NodeId id) { return node(id).config; }
  // The realtime clock of `id` runs this far ahead (negative: behind).
  void skew_clock_us(NodeId id, int64_t skew_us) { node(id).clock.skew_us = skew_us; }

  // Link faults. A link is directed: from -> to.
  void set_drop(NodeId from, NodeId to, bool drop) {
    if (drop) dropped_links_.insert({from, to});
    else dropped_links_.erase({from, to});
  }
  void isolate(NodeId id, bool isolated) {
    for (auto& n : nodes_) {
      if (n->id == id) continue;
      set_drop(id, n->id, isolated);
      set_drop(n->id, id, isolated);
    }
  }
  void set_drop_if(DropIf drop_if) { drop_if_ = std::move(drop_if); }
  void set_delay_ms(NodeId from, NodeId to, int64_t ms) { delays_ms_[{from, to}] = ms; }

  // Runs every event due within the next `ms` of virtual time, in order.
  void run_for(int64_t ms) {
    const int64_t end = now_ms_ + ms;
    while (!queue_.empty() && queue_.begin()->first.first <= end) {
      auto it = queue_.begin();
      advance_to(it->first.first);
      std::function<void()> fn = std::move(it->second);
      due_.erase(it->first.second);
      queue_.erase(it);
      fn();
    }
    advance_to(end);
  }

  int64_t now_ms() const { return now_ms_; }
  uint64_t delivered() const { return delivered_; }
  uint64_t dropped() const { return dropped_; }

 private:
  struct SimNode;

  class SimClock final : public Clock {
   public:
    explicit SimClock(ManualClock* base) : base_(base) {}
    int64_t realtime_us() override { return base_->realtime_us() + skew_us; }
    int64_t monotonic_ns() override { return base_->monotonic_ns(); }
    int64_t skew_us = 0;

   private:
    ManualClock* base_;
  };

  class SimTimers final : public Timers {
   public:
    explicit SimTimers(SimCluster* c) : c_(c) {}
    TimerId schedule(int64_t delay_ms, std::function<void()> fn) override { return c_->at(c_->now_ms_ + delay_ms, std::move(fn)); }
    void cancel(TimerId id) override { c_->cancel(id); }

   private:
    SimCluster* c_;
  };

  class SimTransport final : public Transport {
   public:
    SimTransport(SimCluster* c, NodeId self) : c_(c), self_(self) {}
    void send(NodeId to, Body body) override { c_->send(self_, to, std::move(body)); }

   private:
    SimCluster* c_;
    NodeId self_;
  };

  class RecordingEvents final : public EventLog {
   public:
    void emit(std::string_view event, std::vector<EventField> fields) override {
      log.push_back({std::string(event), std::move(fields)});
    }
    std::vector<Event> log;
  };

  struct SimNode {
    SimNode(SimCluster* c, NodeId node_id) : id(node_id), clock(&c->clock_), timers(c), transport(c, node_id) {}
    NodeId id;
    NodeConfig config;
    SimClock clock;
    SimTimers timers;
    SimTransport transport;
    MemStore store;
    RecordingEvents events;
    std::unique_ptr<Replica> replica;
  };

  SimNode& node(NodeId id) {
    FL_ASSERT(id >= 1 && id <= nodes_.size());
    return *nodes_[id - 1];
  }

  TimerId at(int64_t time_ms, std::function<void()> fn) {
    const uint64_t seq = next_seq_++;
    queue_.emplace(std::make_pair(time_ms, seq), std::move(fn));
    due_[seq] = time_ms;
    return seq;
  }

  void cancel(uint64_t seq) {
    auto it = due_.find(seq);
    if (it == due_.end()) return;
    queue_.erase({it->second, seq});
    due_.erase(it);
  }

  void advance_to(int64_t t) {
    clock_.advance_ms(t - now_ms_);
    now_ms_ = t;
  }

  void send(NodeId from, NodeId to, Body body) {
    if (dropped_links_.count({from, to}) || (drop_if_ && drop_if_(from, to, body))) {
      ++dropped_;
      return;
    }
    // Through the real codec, as the runtime sends it.
    std::string frame = encode_frame(Envelope{from, std::move(body)});
    auto it = delays_ms_.find({from, to});
    const int64_t delay = it == delays_ms_.end() ? kDefaultDelayMs : it->second;
    at(now_ms_ + delay, [this, to, frame = std::move(frame)] {
      FrameDecoder d;
      d.feed(frame.data(), frame.size());
      Envelope env;
      FL_ASSERT(d.next(&env) == FrameDecoder::Result::kGood);
      ++delivered_;
      FL_ASSERT(node(to).replica->on_message(env).is_ok());
    });
  }

  static constexpr int64_t kDefaultDelayMs = 1;

  ManualClock clock_;
  int64_t now_ms_ = 0;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::map<std::pair<int64_t, uint64_t>, std::function<void()>> queue_;
  std::unordered_map<uint64_t, int64_t> due_;  // seq -> time, for cancel
  uint64_t next_seq_ = 1;
  std::set<std::pair<NodeId, NodeId>> dropped_links_;
  std::map<std::pair<NodeId, NodeId>, int64_t> delays_ms_;
  DropIf drop_if_;
  uint64_t delivered_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace faultline
