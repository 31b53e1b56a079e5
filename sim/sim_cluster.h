// SimCluster: a deterministic, in-process driver of several Replicas: the
// network, clocks, timers and stores of the simulator (sim/plan_sim.h runs
// whole plans on it; node/ unit tests drive it directly). Never linked into
// the node.
//
// One event queue orders timer callbacks and message deliveries by (virtual
// time, sequence number); run_for() advances a manual clock through them, so
// a test is a pure function of its inputs. Messages go through the real frame
// codec (encode_frame, FrameDecoder) on their way, so the wire format is
// exercised too. Links can drop (all traffic, or what a predicate picks) and
// delay messages; each node's realtime clock can be skewed.
//
// Deterministic mode (sim/plan_sim.h drives it from a plan): set_trace()
// records every event as a text line (message deliveries and drops, timer
// firings, node mechanism events, crashes and restarts, and whatever the
// driver adds with trace()); set_link_delay_fn() draws each message's delay
// (jitter), keeping order per link as a connection would; crash() takes a
// node down until restart(), wipe() also empties its store; pause() holds
// every message, timer and client call of a node until resume(). Nothing
// here reads a real clock or a global random source, so the same inputs
// give the same trace, byte for byte.
#pragma once

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <unordered_map>
#include <vector>

#include "core/assert.h"
#include "core/codec.h"
#include "node/faulty_store.h"
#include "node/mem_store.h"
#include "node/replica.h"

namespace faultline {

class SimCluster {
 public:
  struct Event {
    std::string name;
    std::vector<EventField> fields;
    int64_t time_ns = 0;  // the node's monotonic clock (virtual) when emitted
  };

  using DropIf = std::function<bool(NodeId from, NodeId to, const Body& body)>;
  // Delay in ms of one message on from -> to (>= 0); `leg` says which
  // kind of message it is (core/message_leg.h).
  using LinkDelayFn = std::function<int64_t(NodeId from, NodeId to, MessageLeg leg)>;

  // Nodes n1..n<nodes>; every config field but ids, peers, modes and bugs
  // keeps its default (modes: the plan's defaults; bugs: seeded bugs of
  // core/bugs.h, on every node).
  SimCluster(int nodes, int rf, int64_t request_timeout_ms = 1000, ModeSpec modes = {},
             std::vector<std::string> bugs = {})
      : SimCluster(nodes, base_config(rf, request_timeout_ms, modes, std::move(bugs))) {}

  // Nodes n1..n<nodes>, each with `base` (rf, vnodes, modes, bugs, default
  // consistency levels, limits) and its own id and peers.
  SimCluster(int nodes, const NodeConfig& base) {
    for (int i = 1; i <= nodes; ++i) {
      auto n = std::make_unique<SimNode>(this, static_cast<NodeId>(i));
      n->config = base;
      n->config.id = static_cast<NodeId>(i);
      n->config.peers.clear();
      for (int j = 1; j <= nodes; ++j) {
        if (j != i) n->config.peers.push_back({static_cast<NodeId>(j), "127.0.0.1", 7000 + j});
      }
      nodes_.push_back(std::move(n));
    }
    for (auto& n : nodes_) {
      n->replica = std::make_unique<Replica>(n->config, Env{&n->clock, &n->transport, &n->timers, &n->disk, &n->events});
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
    n.replica = std::make_unique<Replica>(n.config, Env{&n.clock, &n.transport, &n.timers, &n.disk, &n.events});
    n.down = false;
    trace("restart n" + std::to_string(id));
    start_replica(n);
  }

  // A process crash of `id`: its Replica goes (timers cancelled, requests in
  // flight never answered), its store stays; messages to it are dropped
  // until restart(id).
  void crash(NodeId id) {
    SimNode& n = node(id);
    n.replica.reset();
    n.down = true;
    n.paused = false;
    n.held.clear();
    trace("crash n" + std::to_string(id));
  }
  // A crash that also loses the node's data (a disk wipe): restart(id)
  // brings it back empty.
  void wipe(NodeId id) {
    crash(id);
    node(id).store = MemStore();
    trace("wipe n" + std::to_string(id));
  }
  // The disk fault: `id`'s record store refuses writes while failing. It
  // stays across crash(), wipe() and restart(), as a broken disk would.
  void set_disk_failing(NodeId id, bool failing) {
    node(id).disk.set_failing(failing);
    trace(std::string("disk ") + (failing ? "error" : "ok") + " n" + std::to_string(id));
  }
  // SIGSTOP: nothing of `id` runs (deliveries, timers, calls through
  // run_on) until resume(id), which runs what was held in order.
  void pause(NodeId id) {
    node(id).paused = true;
    trace("pause n" + std::to_string(id));
  }
  void resume(NodeId id) {
    SimNode& n = node(id);
    n.paused = false;
    trace("resume n" + std::to_string(id));
    std::vector<std::function<void()>> held = std::move(n.held);
    n.held.clear();
    for (auto& fn : held) after_ms(0, std::move(fn));
  }
  // Runs fn now, or when `id` resumes if it is paused (a client's call).
  void run_on(NodeId id, std::function<void()> fn) {
    SimNode& n = node(id);
    if (n.paused) n.held.push_back(std::move(fn));
    else fn();
  }
  bool running(NodeId id) { return !node(id).down; }
  bool paused(NodeId id) { return node(id).paused; }
  int size() const { return static_cast<int>(nodes_.size()); }

  // Appends every event to *lines from now on ("t=<ms> <what>"); null stops.
  void set_trace(std::vector<std::string>* lines) { trace_ = lines; }
  // Adds one line to the trace, if any, stamped with the virtual time.
  void trace(const std::string& what) {
    if (trace_ != nullptr) trace_->push_back("t=" + std::to_string(now_ms_) + " " + what);
  }
  // Whether trace() keeps anything (to skip building costly lines).
  bool tracing() const { return trace_ != nullptr; }

  // Starts every failure detector and runs until every peer is seen up.
  void start() {
    for (auto& n : nodes_) start_replica(*n);
    run_for(50);
  }

  Replica& replica(NodeId id) { return *node(id).replica; }
  MemStore& store(NodeId id) { return node(id).store; }
  FaultyStore& disk(NodeId id) { return node(id).disk; }  // the store the replica writes through
  const std::vector<Event>& events(NodeId id) { return node(id).events.log; }
  const NodeConfig& config(NodeId id) { return node(id).config; }
  // The realtime clock of `id` runs this far ahead (negative: behind).
  void skew_clock_us(NodeId id, int64_t skew_us) {
    node(id).clock.skew_us = skew_us;
    trace("skew n" + std::to_string(id) + " " + std::to_string(skew_us) + "us");
  }

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
  // When set, every message's delay comes from fn instead of set_delay_ms,
  // and never lets it overtake an earlier message on the same link.
  void set_link_delay_fn(LinkDelayFn fn) { link_delay_fn_ = std::move(fn); }

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

  // Runs fn at now + delay_ms of virtual time, ordered with every other event.
  void after_ms(int64_t delay_ms, std::function<void()> fn) { at(now_ms_ + delay_ms, std::move(fn)); }

  int64_t now_ms() const { return now_ms_; }
  // The nodes' (unskewed) monotonic clock, what their events are stamped with.
  int64_t monotonic_ns() { return clock_.monotonic_ns(); }
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
    SimTimers(SimCluster* c, NodeId self) : c_(c), self_(self) {}
    // A timer that fires while its node is paused is held until resume();
    // cancelling it in between must still stop it (AsioTimers drops a
    // callback cancelled after its timer expired): `held_` names such
    // timers, and one no longer there does not run.
    TimerId schedule(int64_t delay_ms, std::function<void()> fn) override {
      auto id = std::make_shared<TimerId>(0);
      *id = c_->at(c_->now_ms_ + delay_ms, [this, id, delay_ms, fn = std::move(fn)]() mutable {
        if (c_->trace_ != nullptr) c_->trace("timer n" + std::to_string(self_) + " after " + std::to_string(delay_ms) + "ms");
        if (!c_->paused(self_)) return fn();
        held_.insert(*id);
        c_->run_on(self_, [this, id, fn = std::move(fn)] {
          if (held_.erase(*id) > 0) fn();
        });
      });
      return *id;
    }
    void cancel(TimerId id) override {
      c_->cancel(id);
      held_.erase(id);
    }

   private:
    SimCluster* c_;
    NodeId self_;
    std::set<TimerId> held_;  // fired while paused, not run or cancelled yet
  };

  class SimTransport final : public Transport {
   public:
    SimTransport(SimCluster* c, NodeId self) : c_(c), self_(self) {}
    void send(NodeId to, Body body) override { c_->send(self_, to, std::move(body)); }

   private:
    SimCluster* c_;
    NodeId self_;
  };

  struct SimNode;
  // As the node's runtime does, a node_started event (no ports in the
  // simulator): the checker dates a node's failure detector state from it.
  void start_replica(SimNode& n) {
    std::string bugs;
    for (const auto& b : n.config.bugs) bugs += (bugs.empty() ? "" : ",") + b;
    n.events.emit("node_started", {{"client_port", int64_t{0}}, {"peer_port", int64_t{0}}, {"bugs", bugs}});
    n.replica->start();
  }

  class RecordingEvents final : public EventLog {
   public:
    RecordingEvents(SimCluster* c, NodeId self) : c_(c), self_(self) {}
    void emit(std::string_view event, std::vector<EventField> fields) override {
      if (c_->trace_ != nullptr) {
        std::string line = "event n" + std::to_string(self_) + " " + std::string(event);
        for (const auto& f : fields) line += " " + f.name + "=" + field_text(f.value);
        c_->trace(line);
      }
      log.push_back({std::string(event), std::move(fields), c_->node(self_).clock.monotonic_ns()});
    }
    std::vector<Event> log;

   private:
    static std::string field_text(const std::variant<int64_t, std::string, bool, EventJson>& v) {
      if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
      if (const auto* t = std::get_if<std::string>(&v)) return *t;
      if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
      return std::get<EventJson>(v).text;
    }
    SimCluster* c_;
    NodeId self_;
  };

  struct SimNode {
    SimNode(SimCluster* c, NodeId node_id)
        : id(node_id), clock(&c->clock_), timers(c, node_id), transport(c, node_id), events(c, node_id) {}
    NodeId id;
    NodeConfig config;
    SimClock clock;
    SimTimers timers;
    SimTransport transport;
    MemStore store;
    RecordingEvents events;
    FaultyStore disk{&store, &events};  // what the replica writes through (the disk fault)
    std::unique_ptr<Replica> replica;
    bool down = false;    // crashed, not restarted yet
    bool paused = false;  // held until resume()
    std::vector<std::function<void()>> held;  // what a pause held, in order
  };

  static NodeConfig base_config(int rf, int64_t request_timeout_ms, ModeSpec modes, std::vector<std::string> bugs) {
    NodeConfig c;
    c.rf = rf;
    c.modes = modes;
    c.modes.request_timeout_ms = request_timeout_ms;
    c.bugs = std::move(bugs);
    return c;
  }

  SimNode& node(NodeId id) {
    FL_ASSERT(id >= 1);
    FL_ASSERT(id <= nodes_.size());
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
    const std::string link = "n" + std::to_string(from) + "->n" + std::to_string(to);
    if (dropped_links_.count({from, to}) || (drop_if_ && drop_if_(from, to, body))) {
      ++dropped_;
      if (trace_ != nullptr) trace("drop " + link + " " + std::string(message_type_name(body)));
      return;
    }
    const std::string type = trace_ != nullptr ? std::string(message_type_name(body)) : std::string();
    const MessageLeg leg = message_leg(body);
    // Through the real codec, as the runtime sends it; a message over the
    // frame limit is lost, as the runtime reports and drops it.
    std::string frame;
    if (!encode_frame(Envelope{from, std::move(body)}, &frame)) {
      ++dropped_;
      trace("drop " + link + " " + type + " (over the frame limit)");
      return;
    }
    int64_t deliver_ms = now_ms_ + kDefaultDelayMs;
    if (link_delay_fn_) {
      const int64_t delay_ms = link_delay_fn_(from, to, leg);
      FL_ASSERT(delay_ms >= 0);
      int64_t& last_ms = last_delivery_ms_[{from, to}];
      deliver_ms = last_ms = std::max(now_ms_ + delay_ms, last_ms);  // no overtaking on one link
    } else if (auto it = delays_ms_.find({from, to}); it != delays_ms_.end()) {
      deliver_ms = now_ms_ + it->second;
    }
    at(deliver_ms, [this, to, link, type, frame = std::move(frame)]() mutable {
      if (node(to).paused) {  // held in the socket until the node runs again
        node(to).held.push_back([this, to, link, type, frame]() { deliver(to, link, type, frame); });
        return;
      }
      deliver(to, link, type, frame);
    });
  }

  void deliver(NodeId to, const std::string& link, const std::string& type, const std::string& frame) {
    {
      FrameDecoder d;
      d.feed(frame.data(), frame.size());
      Envelope env;
      FL_ASSERT(d.next(&env) == FrameDecoder::Result::kGood);
      if (node(to).down) {
        ++dropped_;
        trace("drop " + link + " " + type + " (n" + std::to_string(to) + " down)");
        return;
      }
      ++delivered_;
      if (trace_ != nullptr) trace("deliver " + link + " " + type + " " + frame_digest(frame));
      FL_ASSERT(node(to).replica->on_message(env).is_ok());
    }
  }

  // FNV-1a of a frame, so a trace line shows when two runs sent different bytes.
  static std::string frame_digest(const std::string& frame) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char ch : frame) h = (h ^ ch) * 1099511628211ull;
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return std::to_string(frame.size()) + "B:" + buf;
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
  LinkDelayFn link_delay_fn_;
  std::map<std::pair<NodeId, NodeId>, int64_t> last_delivery_ms_;  // per link, with link_delay_fn_
  std::vector<std::string>* trace_ = nullptr;                      // not owned
  uint64_t delivered_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace faultline
