// The deterministic mode of the sans-I/O core: one seed
// drives a whole SimCluster run: clients issuing GET/SET/DEL with seeded
// keys, values, consistency levels and pauses, and a seeded fault schedule
// (a node partitioned away, a one-way link drop, latency with per-message
// jitter on one node's links, a node crash and restart, clock skew), all in
// virtual time. Every
// random choice comes from core/rng.h streams forked from the one seed, so
// the same options give the same trace (SimCluster::set_trace), byte for
// byte, and the same history.
//
// The history uses DESIGN.md's format (core/history.h), so the real checker
// can judge it. Test-only, header-only, like sim_cluster.h.
//
// What it covers, and what only real-process runs cover: docs/generators.md
// "Deterministic mode".
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/history.h"
#include "core/rng.h"
#include "sim/sim_cluster.h"

namespace faultline {

struct SimRunOptions {
  uint64_t seed = 0;
  int nodes = 3;
  int rf = 3;
  ModeSpec modes;  // request_timeout_ms included
  // Each operation picks its CL among these (seeded).
  std::vector<ConsistencyLevel> read_cls = {ConsistencyLevel::kQuorum};
  std::vector<ConsistencyLevel> write_cls = {ConsistencyLevel::kQuorum};
  int clients = 3;
  int keys = 3;
  int64_t duration_ms = 2000;  // clients start operations within it
  int64_t op_gap_ms_max = 40;  // a client's pause before each operation: 0..this, seeded
  int read_percent = 50;       // of operations; deletes take delete_percent, writes the rest
  int delete_percent = 10;
  int faults = 3;              // fault events, each within duration_ms
  int64_t fault_ms_max = 800;  // each lasts 100..this
  int64_t delay_ms_max = 40;   // delay fault: base latency 1..this, jitter 0..this per message
  int64_t skew_ms_max = 2000;  // clock fault: offset +-100..this
  // A client gives up on an operation after this (info, and continues as a
  // new process, as DESIGN.md's clients do): its coordinator may have crashed.
  int64_t client_timeout_ms = 3000;
  int64_t settle_ms = 3500;    // after the workload, every fault healed (>= client_timeout_ms)
};

struct SimRunResult {
  std::vector<std::string> trace;  // every event, "t=<ms> ..."
  std::vector<HistoryOp> history;  // client operations, indices and times stamped
  // history.jsonl as DESIGN.md specifies it: header line, one op per line.
  std::string history_jsonl(uint64_t seed) const {
    std::string out = history_header_to_json_line(HistoryHeader{kHistoryFormatVersion, seed}) + "\n";
    for (const auto& op : history) out += history_op_to_json_line(op) + "\n";
    return out;
  }
};

namespace sim_detail {

inline const char* const kFaultKinds[] = {"partition", "link", "delay", "restart", "skew"};

class SimRunner {
 public:
  explicit SimRunner(const SimRunOptions& o)
      : o_(o), root_(o.seed), workload_(root_.fork(1)), faults_(root_.fork(2)), delays_(root_.fork(3)) {
    FL_ASSERT(o.nodes >= 1);
    FL_ASSERT(o.rf >= 1);
    FL_ASSERT(o.rf <= o.nodes);
    FL_ASSERT(o.clients >= 1);
    FL_ASSERT(o.keys >= 1);
    FL_ASSERT(!o.read_cls.empty());
    FL_ASSERT(!o.write_cls.empty());
    FL_ASSERT(o.settle_ms >= o.client_timeout_ms);
  }

  SimRunResult run() {
    cluster_ = std::make_unique<SimCluster>(o_.nodes, o_.rf, o_.modes.request_timeout_ms, o_.modes);
    SimCluster& c = *cluster_;
    c.set_trace(&result_.trace);
    c.trace("seed " + std::to_string(o_.seed));
    // Every message gets a 1 ms hop, plus latency and jitter while a delay
    // fault is on; SimCluster keeps each link in order.
    c.set_link_delay_fn([this](NodeId from, NodeId to) {
      const bool delayed = delay_node_ != 0 && (from == delay_node_ || to == delay_node_);
      return 1 + (delayed ? delay_base_ms_ + delays_.range(0, delay_jitter_ms_) : 0);
    });
    c.start();
    schedule_faults();
    clients_.reserve(static_cast<size_t>(o_.clients));
    for (int i = 0; i < o_.clients; ++i) {
      clients_.push_back(Client{i, next_process_++, workload_.fork(static_cast<uint64_t>(i) + 1), 0});
    }
    for (auto& client : clients_) next_op(client);
    c.run_for(o_.duration_ms);
    heal_all();
    c.run_for(o_.settle_ms);
    c.trace("end");
    c.set_trace(nullptr);
    cluster_.reset();  // replicas go while everything they call back into is alive
    return std::move(result_);
  }

 private:
  struct Client {
    int index;
    int64_t process;
    Rng rng;
    int64_t ops;
  };

  NodeId random_node(Rng& rng) { return static_cast<NodeId>(rng.range(1, o_.nodes)); }

  void schedule_faults() {
    for (int i = 0; i < o_.faults; ++i) {
      const std::string kind = kFaultKinds[faults_.uniform(std::size(kFaultKinds))];
      const int64_t start_ms = faults_.range(0, std::max<int64_t>(0, o_.duration_ms - 1));
      const int64_t length_ms = faults_.range(100, std::max<int64_t>(100, o_.fault_ms_max));
      const NodeId a = random_node(faults_);
      NodeId b = random_node(faults_);
      if (b == a) b = static_cast<NodeId>(a % o_.nodes + 1);
      const int64_t base_ms = faults_.range(1, o_.delay_ms_max), jitter_ms = faults_.range(0, o_.delay_ms_max);
      const int64_t skew_us = (faults_.chance(0.5) ? 1 : -1) * faults_.range(100, o_.skew_ms_max) * 1000;
      SimCluster& c = *cluster_;
      const std::string what = kind + " n" + std::to_string(a) + (kind == "link" ? "->n" + std::to_string(b) : "");
      c.after_ms(start_ms, [this, &c, what, kind, a, b, base_ms, jitter_ms, skew_us] {
        c.trace("fault start " + what);
        if (kind == "partition") c.isolate(a, true);
        if (kind == "link" && a != b) c.set_drop(a, b, true);
        if (kind == "delay") {
          delay_node_ = a;
          delay_base_ms_ = base_ms;
          delay_jitter_ms_ = jitter_ms;
        }
        if (kind == "restart" && c.running(a)) c.crash(a);
        if (kind == "skew") c.skew_clock_us(a, skew_us);
      });
      c.after_ms(start_ms + length_ms, [this, &c, what, kind, a, b] {
        c.trace("fault heal " + what);
        if (kind == "partition") c.isolate(a, false);
        if (kind == "link") c.set_drop(a, b, false);
        if (kind == "delay") delay_node_ = 0;
        if (kind == "restart" && !c.running(a)) c.restart(a);
        if (kind == "skew") c.skew_clock_us(a, 0);
      });
    }
  }

  void heal_all() {
    SimCluster& c = *cluster_;
    c.trace("heal all");
    delay_node_ = 0;
    for (NodeId id = 1; id <= static_cast<NodeId>(o_.nodes); ++id) {
      c.isolate(id, false);
      c.skew_clock_us(id, 0);
      if (!c.running(id)) c.restart(id);
    }
  }

  void record(HistoryOp op) {
    op.index = static_cast<int64_t>(result_.history.size());
    op.time_ns = cluster_->now_ms() * 1000000 + op.index;  // ordered, unique, virtual
    cluster_->trace("client " + history_op_to_json_line(op));
    result_.history.push_back(std::move(op));
  }

  void next_op(Client& client) {
    cluster_->after_ms(client.rng.range(0, o_.op_gap_ms_max), [this, &client] {
      if (cluster_->now_ms() < o_.duration_ms) issue(client);
    });
  }

  void issue(Client& client) {
    Rng& rng = client.rng;
    const NodeId via = random_node(rng);
    if (!cluster_->running(via)) return next_op(client);  // a client's connection to a down node fails at once
    const int64_t pick = rng.range(0, 99);
    HistoryOp invoke;
    invoke.process = client.process;
    invoke.f = pick < o_.read_percent ? "read" : pick < o_.read_percent + o_.delete_percent ? "delete" : "write";
    invoke.key = "k" + std::to_string(rng.uniform(static_cast<uint64_t>(o_.keys)));
    const auto& cls = invoke.f == "read" ? o_.read_cls : o_.write_cls;
    invoke.cl = cls[rng.uniform(cls.size())];
    invoke.node = node_name(via);
    if (invoke.f == "write") invoke.value = std::to_string(client.index) + "-" + std::to_string(++client.ops);
    record(invoke);

    auto done = std::make_shared<bool>(false);
    auto complete = [this, &client, invoke, done](OpType type, const Status& s, const HistoryOp& fields) {
      if (*done) return;
      *done = true;
      HistoryOp op = fields;
      op.process = invoke.process;
      op.type = type;
      op.f = invoke.f;
      op.key = invoke.key;
      if (invoke.f != "read") op.value = invoke.value;
      if (type != OpType::kOk) op.error = s.message();
      record(op);
      if (type == OpType::kInfo) client.process = next_process_++;
      next_op(client);
    };
    auto type_of = [](const Status& s) {
      return s.is_ok() ? OpType::kOk : s.code() == Status::Code::kUnavailable ? OpType::kFail : OpType::kInfo;
    };
    cluster_->after_ms(o_.client_timeout_ms,
                       [complete] { complete(OpType::kInfo, Status::timeout("client timeout"), HistoryOp{}); });
    Replica& r = cluster_->replica(via);
    if (invoke.f == "read") {
      r.coordinate_read(*invoke.key, *invoke.cl, [complete, type_of](const ReadResult& res) {
        HistoryOp op;
        if (res.status.is_ok() && res.record) {
          op.version = res.record->version;
          op.tombstone = res.record->tombstone;
          if (!res.record->tombstone) op.value = res.record->value;
        }
        complete(type_of(res.status), res.status, op);
      });
    } else {
      r.coordinate_write(*invoke.key, invoke.value, *invoke.cl, [complete, type_of](const WriteResult& res) {
        HistoryOp op;
        if (res.status.is_ok()) op.version = res.version;
        complete(type_of(res.status), res.status, op);
      });
    }
  }

  const SimRunOptions o_;
  Rng root_, workload_, faults_, delays_;
  SimRunResult result_;
  std::vector<Client> clients_;  // reserved before use: callbacks hold references
  int64_t next_process_ = 0;
  NodeId delay_node_ = 0;  // links into and out of it are delayed; 0: none
  int64_t delay_base_ms_ = 0, delay_jitter_ms_ = 0;
  std::unique_ptr<SimCluster> cluster_;  // last: destroyed first
};

}  // namespace sim_detail

// One whole deterministic run.
inline SimRunResult run_sim(const SimRunOptions& options) { return sim_detail::SimRunner(options).run(); }

}  // namespace faultline
