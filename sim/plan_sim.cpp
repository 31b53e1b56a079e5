#include "sim/plan_sim.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "core/assert.h"
#include "core/client_request.h"
#include "core/file_io.h"
#include "core/history.h"
#include "core/lifecycle.h"
#include "core/node_config.h"
#include "core/node_dump.h"
#include "core/node_status.h"
#include "core/resp.h"
#include "core/workload_draw.h"
#include "faults/nemesis.h"
#include "node/jsonl_event_log.h"
#include "sim/sim_cluster.h"

namespace faultline {

namespace {

// Rng stream of the simulated network's jitter, apart from the workload's.
constexpr uint64_t kJitterRngStream = 0x6a6974746572;  // "jitter"
// Every simulated message takes at least this long (loopback is not free),
// unless the plan draws its leg's latency (core/link_latency.h). With the
// same hop on every link, a message sent earlier never arrives later than
// one sent after it on another link: a read repair lands before any read
// that starts after the repairing read answered, so only delay faults (or
// a repair write that fails) can show a repair that answers too early
// (docs/bugzoo.md "In the simulator").
constexpr int64_t kHopMs = 1;
// Rng streams of per-leg message latency and of the probe's coordinators
// and write quorums: their own, so plans without them draw as before.
constexpr uint64_t kLegLatencyRngStream = 0x6c6567;  // "leg"
constexpr uint64_t kProbeRngStream = 0x70726f6265;   // "probe"

class PlanSim final : public FaultedCluster, public LinkControl {
 public:
  PlanSim(const Plan& plan, HistoryWriter* history)
      : plan_(plan), history_(history), cluster_(plan.cluster.nodes, node_config_for_plan(plan)),
        jitter_(Rng(plan.seed).fork(kJitterRngStream)),
        leg_latency_(Rng(plan.seed).fork(kLegLatencyRngStream)),
        probe_rng_(Rng(plan.seed).fork(kProbeRngStream)) {
    cluster_.set_link_delay_fn([this](NodeId from, NodeId to, MessageLeg leg) {
      const int64_t hop_ms = leg_delay_ms(from, to, leg);
      auto it = links_.find({from, to});
      if (it == links_.end() || it->second.mode != LinkState::Mode::kDelayed) return hop_ms;
      return hop_ms + it->second.latency_ms + jitter_.range(0, it->second.jitter_ms);
    });
    if (plan_.probe.write_quorum_only) {
      cluster_.set_drop_if([this](NodeId from, NodeId to, const Body& body) { return outside_quorum(from, to, body); });
    }
  }

  void set_trace(std::vector<std::string>* lines) { cluster_.set_trace(lines); }
  SimCluster& cluster() { return cluster_; }

  // The whole lifecycle; fills *summary.
  void run(PlanSimSummary* summary) {
    cluster_.start();
    append_phase(history_, "workload-start", now_ns());
    Nemesis nemesis(this, history_, plan_.faults, [this] { return now_ns(); });
    // An action still pending when the workload ends is dropped, as the
    // real driver stops its nemesis then: a plan cut short (tests clamp the
    // duration) must not kill a node after the heal, which left it down for
    // the dumps and crashed the simulator (sim_test seed 3439217607180220183).
    bool healed = false;
    for (const Nemesis::Action& a : nemesis.actions()) {
      cluster_.after_ms(a.at_ms, [&nemesis, &healed, a] {
        if (!healed) nemesis.apply(a);
      });
    }
    if (plan_.probe.enabled()) run_probe();
    else run_workload();
    append_phase(history_, "workload-end", now_ns());
    // Heal at once, as the real driver does after the workload (a schedule
    // never outlasts the workload).
    healed = true;
    if (Status s = nemesis.heal_all(); !s) cluster_.trace("heal: " + s.message());
    summary->quiesced = quiesce();
    append_phase(history_, "final-reads", now_ns());
    final_reads();
    summary->operations = operations_;
    summary->virtual_ms = cluster_.now_ms();
    summary->messages_delivered = cluster_.delivered();
    summary->messages_dropped = cluster_.dropped();
  }

  // Appends the "done" phase once the dumps are written.
  void done() { append_phase(history_, "done", now_ns()); }

  // FaultTarget: each refuses, saying why, what does not apply.
  Status kill_node(NodeId id) override {
    if (!cluster_.running(id)) return Status::invalid(node_name(id) + " is already down");
    cluster_.crash(id);
    return Status::ok();
  }
  Status wipe_node(NodeId id) override {
    if (!cluster_.running(id)) return Status::invalid(node_name(id) + " is already down");
    cluster_.wipe(id);
    return Status::ok();
  }
  Status restart_node(NodeId id) override {
    if (cluster_.running(id)) return Status::invalid(node_name(id) + " is running");
    cluster_.restart(id);
    return Status::ok();
  }
  Status pause_node(NodeId id) override {
    if (!cluster_.running(id) || cluster_.paused(id)) return Status::invalid(node_name(id) + " is not running");
    cluster_.pause(id);
    return Status::ok();
  }
  Status resume_node(NodeId id) override {
    if (!cluster_.paused(id)) return Status::invalid(node_name(id) + " is not paused");
    cluster_.resume(id);
    return Status::ok();
  }
  Status set_clock_offset_ms(NodeId id, int64_t offset_ms) override {
    cluster_.skew_clock_us(id, offset_ms * 1000);
    return Status::ok();
  }
  Status set_disk_failing(NodeId id, bool failing) override {
    cluster_.set_disk_failing(id, failing);
    return Status::ok();
  }

  // FaultedCluster.
  int size() const override { return plan_.cluster.nodes; }
  LinkControl* links() override { return this; }
  bool paused(NodeId id) const override { return const_cast<SimCluster&>(cluster_).paused(id); }
  bool down(NodeId id) const override { return !const_cast<SimCluster&>(cluster_).running(id); }

  // LinkControl: down drops every message, delayed adds latency and jitter.
  Status set_link(NodeId from, NodeId to, LinkState state) override {
    cluster_.set_drop(from, to, state.mode == LinkState::Mode::kDown);
    if (state == LinkState::up()) links_.erase({from, to});
    else links_[{from, to}] = state;
    return Status::ok();
  }
  Status set_all_up() override {
    for (NodeId from = 1; from <= static_cast<NodeId>(size()); ++from) {
      for (NodeId to = 1; to <= static_cast<NodeId>(size()); ++to) cluster_.set_drop(from, to, false);
    }
    links_.clear();
    return Status::ok();
  }
  LinkState link(NodeId from, NodeId to) const override {
    auto it = links_.find({from, to});
    return it == links_.end() ? LinkState::up() : it->second;
  }

 private:
  struct Worker {
    int index;
    WorkerDraw draw;
    int64_t next_slot_ns = 0;  // virtual, from the workload's start
  };

  // The history's clock: the nodes' monotonic clock (events use it too),
  // plus a sub-millisecond step so that records of one millisecond keep
  // their order.
  int64_t now_ns() {
    const int64_t base = cluster_.monotonic_ns();
    if (base != last_base_ns_) {
      last_base_ns_ = base;
      sub_ns_ = 0;
    }
    return base + sub_ns_++;
  }

  int64_t client_timeout_ms() const { return plan_.modes.request_timeout_ms + kClientTimeoutMarginMs; }

  // One message's time on the wire: drawn from its leg's distribution when
  // the plan sets one (rounded to the simulator's whole milliseconds), else
  // the fixed hop.
  int64_t leg_delay_ms(NodeId from, NodeId to, MessageLeg leg) {
    double ms = 0;
    if (!plan_.latency.draw_ms(from, to, leg, leg_latency_, &ms)) return kHopMs;
    return std::llround(ms);
  }

  // probe.write_quorum_only: a write's own fan-out reaches its coordinator
  // and W - 1 of the other replicas drawn uniformly once per write; the rest
  // get it only from a repair sent after its acknowledgement.
  // validate_plan makes every node a replica of every key.
  bool outside_quorum(NodeId from, NodeId to, const Body& body) {
    const auto* w = std::get_if<WriteRequest>(&body);
    if (w == nullptr) return false;
    // Acknowledged: what sends it now is a repair, which may spread it.
    if (acknowledged_.count({w->record.key, w->record.version})) return false;
    auto [it, fresh] = write_quorums_.try_emplace({w->record.key, w->record.version});
    if (fresh) {
      std::vector<NodeId> others;
      for (NodeId n = 1; n <= static_cast<NodeId>(size()); ++n) {
        if (n != from) others.push_back(n);
      }
      const int w_acks = required_acks(plan_.workload.write_cl, plan_.cluster.rf);
      for (int i = 0; i + 1 < w_acks && !others.empty(); ++i) {
        const size_t pick = probe_rng_.uniform(others.size());
        it->second.insert(others[pick]);
        others.erase(others.begin() + static_cast<std::ptrdiff_t>(pick));
      }
    }
    return it->second.count(to) == 0;
  }

  // The probe (core/plan.h ProbeSpec) instead of the workload: rounds one
  // after another until the last read completed (each operation ends by its
  // client timeout at the latest, so this ends).
  void run_probe() {
    probe_round(0);
    while (!probe_done_) cluster_.run_for(kQuiescePollMs);
    next_free_process_ = probe_next_process_;
  }

  NodeId probe_node() { return static_cast<NodeId>(probe_rng_.uniform(static_cast<uint64_t>(size())) + 1); }

  void probe_round(int64_t round) {
    if (round >= plan_.probe.rounds) {
      probe_done_ = true;
      return;
    }
    keys_written_.insert("probe" + std::to_string(round));
    probe_write(round, 0);
  }

  void probe_write(int64_t round, int written) {
    const ProbeSpec& p = plan_.probe;
    const std::string key = "probe" + std::to_string(round);
    if (written == p.writes_per_key) {
      probe_reads_pending_ = p.reads_per_key;
      for (int j = 0; j < p.reads_per_key; ++j) probe_read(round, j);
      return;
    }
    const std::string value = std::to_string(probe_process_) + "-" + std::to_string(probe_seq_++);
    const ClientRequest write{probe_process_, "write", key, value, plan_.workload.write_cl};
    issue(write, probe_node(), [this, round, written, key](const HistoryOp& done) {
      if (done.type == OpType::kInfo) probe_process_ = probe_next_process_++;
      if (plan_.probe.write_quorum_only && done.type == OpType::kOk && done.version) acknowledged_.insert({key, *done.version});
      probe_write(round, written + 1);
    });
  }

  // Read j of `round`, t ms after the last acknowledgement (ProbeSpec). The
  // first read is the writer's process (the writes are done); the others
  // have their own, so reads that overlap are different clients.
  void probe_read(int64_t round, int j) {
    const ProbeSpec& p = plan_.probe;
    const size_t slot = static_cast<size_t>(round * p.reads_per_key + j) % p.t_ms.size();
    if (probe_reader_process_.size() < static_cast<size_t>(p.reads_per_key)) {
      for (int i = static_cast<int>(probe_reader_process_.size()); i < p.reads_per_key; ++i) {
        probe_reader_process_.push_back(i == 0 ? -1 : probe_next_process_++);
      }
    }
    cluster_.after_ms(p.t_ms[slot], [this, round, j] {
      int64_t& process = j == 0 ? probe_process_ : probe_reader_process_[static_cast<size_t>(j)];
      const ClientRequest read{process, "read", "probe" + std::to_string(round), std::nullopt, plan_.workload.read_cl};
      issue(read, probe_node(), [this, round, &process](const HistoryOp& done) {
        if (done.type == OpType::kInfo) process = probe_next_process_++;
        if (--probe_reads_pending_ > 0) return;
        cluster_.after_ms(plan_.probe.gap_ms, [this, round] { probe_round(round + 1); });
      });
    });
  }

  // The workers of harness/workload.cpp in virtual time: each paced to its
  // share of the rate, one operation at a time, skipping missed slots.
  void run_workload() {
    const WorkloadSpec& w = plan_.workload;
    const std::vector<uint64_t> seeds = worker_seeds(plan_);
    interval_ns_ = 1e9 * w.clients / w.rate;
    workload_start_ms_ = cluster_.now_ms();
    workers_.reserve(static_cast<size_t>(w.clients));
    for (int i = 0; i < w.clients; ++i) {
      workers_.push_back(Worker{i, WorkerDraw(plan_, i, seeds[static_cast<size_t>(i)])});
      workers_.back().next_slot_ns = static_cast<int64_t>(interval_ns_ * i / w.clients);
    }
    for (Worker& worker : workers_) schedule_next(worker);
    cluster_.run_for(w.duration_ms);
    // Operations still running end by their client timeout.
    cluster_.run_for(client_timeout_ms() + kHopMs);
    for (const Worker& worker : workers_) {
      next_free_process_ = std::max(next_free_process_, worker.draw.process() + 1);
      keys_written_.insert(worker.draw.keys_written().begin(), worker.draw.keys_written().end());
    }
  }

  void schedule_next(Worker& worker) {
    const int64_t elapsed_ns = (cluster_.now_ms() - workload_start_ms_) * 1000000;
    if (worker.next_slot_ns < elapsed_ns) worker.next_slot_ns = elapsed_ns;
    const int64_t at_ms = (worker.next_slot_ns + 999999) / 1000000;
    if (at_ms >= plan_.workload.duration_ms) return;
    worker.next_slot_ns += static_cast<int64_t>(interval_ns_);
    cluster_.after_ms(workload_start_ms_ + at_ms - cluster_.now_ms(), [this, &worker] { issue_next(worker); });
  }

  void issue_next(Worker& worker) {
    const int64_t now_ms = cluster_.now_ms() - workload_start_ms_;
    const DrawnOp op = worker.draw.next(now_ms);
    issue(op, op.node, [this, &worker, op](const HistoryOp& done) {
      worker.draw.completed(op, done.type, done.error, cluster_.now_ms() - workload_start_ms_);
      schedule_next(worker);
    });
  }

  // Records the invoke, runs the request on `via`'s replica and records its
  // completion, mapped as harness/client_op.h maps replies: ok; fail when
  // certainly not applied (the node down, -UNAVAILABLE, any error but a
  // timeout); info when unknown (a timeout, the client's included).
  void issue(const ClientRequest& request, NodeId via, std::function<void(const HistoryOp&)> then) {
    HistoryOp invoke = invoke_of(request, node_name(via));
    invoke.time_ns = now_ns();
    if (cluster_.tracing()) cluster_.trace("client " + history_op_to_json_line(invoke));
    history_->append(invoke);
    auto finished = std::make_shared<bool>(false);
    // Shared by the callbacks below, not copied into each: a value may be
    // megabytes (swarm plans), and copies of it were a third of explore's time.
    auto req = std::make_shared<const ClientRequest>(request);
    auto complete = [this, req, finished, then](OpType type, const std::string& error, const HistoryOp& fields) {
      if (*finished) return;
      *finished = true;
      HistoryOp op = fields;
      set_request_fields(*req, &op);
      op.type = type;
      op.error = error;
      op.time_ns = now_ns();
      if (cluster_.tracing()) cluster_.trace("client " + history_op_to_json_line(op));
      history_->append(op);
      ++operations_;
      then(op);
    };
    if (!cluster_.running(via)) {
      // The connection is refused at once.
      cluster_.after_ms(kHopMs, [complete] { complete(OpType::kFail, "connection refused", HistoryOp{}); });
      return;
    }
    cluster_.after_ms(client_timeout_ms(), [complete] { complete(OpType::kInfo, "client timeout", HistoryOp{}); });
    // As the node answers (core/resp.h status_error_text) and the client
    // maps the answer (harness/client_op.h): TIMEOUT is info, others fail.
    auto type_of = [](const Status& s) {
      if (s.is_ok()) return OpType::kOk;
      return status_error_text(s).rfind("TIMEOUT", 0) == 0 ? OpType::kInfo : OpType::kFail;
    };
    cluster_.after_ms(kHopMs, [this, req, via, complete, type_of] {
      cluster_.run_on(via, [this, req, via, complete, type_of] {
        if (!cluster_.running(via)) return complete(OpType::kInfo, "connection closed", HistoryOp{});
        if (req->value && static_cast<int64_t>(req->value->size()) > value_bytes_max_) {
          // The node's command layer refuses it before the replica sees it,
          // with the reply of node/commands.cpp.
          return complete(OpType::kFail,
                          "ERR value is " + std::to_string(req->value->size()) + " bytes, above limits.value_bytes_max (" +
                              std::to_string(value_bytes_max_) + ")",
                          HistoryOp{});
        }
        Replica& r = cluster_.replica(via);
        if (req->f == "read") {
          r.coordinate_read(req->key, req->cl, [complete, type_of](const ReadResult& res) {
            HistoryOp op;
            if (res.status.is_ok() && res.record) {
              op.version = res.record->version;
              op.tombstone = res.record->tombstone;
              if (!res.record->tombstone) op.value = res.record->value;
            }
            complete(type_of(res.status), res.status.is_ok() ? "" : status_error_text(res.status), op);
          });
          return;
        }
        r.coordinate_write(req->key, req->value, req->cl, [complete, type_of](const WriteResult& res) {
          HistoryOp op;
          if (res.status.is_ok()) op.version = res.version;
          complete(type_of(res.status), res.status.is_ok() ? "" : status_error_text(res.status), op);
        });
      });
    });
  }

  NodeStatus status_of(NodeId id) {
    Replica& r = cluster_.replica(id);
    NodeStatus st;
    st.node = node_name(id);
    for (const auto& [peer, up] : r.peer_states()) st.peers_up[node_name(peer)] = up;
    st.hints_pending = static_cast<int64_t>(r.hints().pending());
    st.handoffs_pending = static_cast<int64_t>(r.hints().pending_handoffs());
    st.requests_in_flight = static_cast<int64_t>(r.requests_in_flight());
    st.ae_enabled = r.anti_entropy().enabled();
    st.ae_rounds_completed = static_cast<int64_t>(r.anti_entropy().rounds_completed());
    return st;
  }

  // What still keeps the cluster from being quiet, or "".
  std::string pending(const std::map<NodeId, uint64_t>& rounds) {
    for (NodeId id = 1; id <= static_cast<NodeId>(size()); ++id) {
      const NodeStatus st = status_of(id);
      if (std::string p = quiesce_pending(st); !p.empty()) return p;
      auto it = rounds.find(id);
      if (it != rounds.end() && st.ae_rounds_completed < static_cast<int64_t>(it->second)) {
        return st.node + " completed anti-entropy round " + std::to_string(st.ae_rounds_completed) + " of " +
               std::to_string(it->second);
      }
    }
    return "";
  }

  // harness/quiesce.h in virtual time: quiet, then (anti-entropy on) one
  // full round on every node. Records the quiesce phase.
  bool quiesce() {
    const int64_t t0 = cluster_.now_ms();
    QuiesceResult r;
    r.anti_entropy = plan_.modes.anti_entropy ? "complete" : "off";
    std::map<NodeId, uint64_t> rounds;
    std::string waiting = wait_quiet(t0, rounds);
    if (waiting.empty() && plan_.modes.anti_entropy) {
      for (NodeId id = 1; id <= static_cast<NodeId>(size()); ++id) {
        rounds[id] = cluster_.replica(id).anti_entropy().request_round();
      }
      waiting = wait_quiet(t0, rounds);
    }
    r.quiesce_ms = cluster_.now_ms() - t0;
    r.ok = waiting.empty();
    if (!r.ok) r.reason = "not quiet after " + std::to_string(kQuiesceTimeoutMs) + " ms: " + waiting;
    append_quiesce(history_, r, now_ns());
    return r.ok;
  }

  std::string wait_quiet(int64_t t0, const std::map<NodeId, uint64_t>& rounds) {
    for (;;) {
      std::string p = pending(rounds);
      if (p.empty() || cluster_.now_ms() - t0 >= kQuiesceTimeoutMs) return p;
      cluster_.run_for(kQuiescePollMs);
    }
  }

  // harness/final_reads.h in virtual time: each written key at ALL,
  // retried through the next coordinator.
  void final_reads() {
    int64_t process = next_free_process_;
    size_t coordinator = 0;
    for (const std::string& key : keys_written_) {
      bool read = false;
      for (int attempt = 0; attempt < kFinalReadAttemptsMax && !read; ++attempt) {
        if (attempt > 0) cluster_.run_for(kFinalReadRetryBackoffMs);
        const ClientRequest req{process, "read", key, std::nullopt, ConsistencyLevel::kAll};
        const NodeId via = static_cast<NodeId>(coordinator++ % static_cast<size_t>(size()) + 1);
        std::optional<HistoryOp> done;
        issue(req, via, [&done](const HistoryOp& op) { done = op; });
        while (!done) cluster_.run_for(kHopMs);
        read = done->type == OpType::kOk;
        if (done->type == OpType::kInfo) ++process;
      }
    }
  }

  const Plan& plan_;
  HistoryWriter* history_;
  SimCluster cluster_;
  Rng jitter_;
  Rng leg_latency_;
  Rng probe_rng_;
  // probe.write_quorum_only: (key, version) of each write -> the other
  // replicas it may reach.
  std::map<std::pair<std::string, Version>, std::set<NodeId>> write_quorums_;
  std::set<std::pair<std::string, Version>> acknowledged_;  // probe writes, with write_quorum_only
  // The writer's process (and the first reader's); the other readers'; the
  // next unused process id (a process that got info never issues again).
  int64_t probe_process_ = 0, probe_seq_ = 0;
  std::vector<int64_t> probe_reader_process_;
  int64_t probe_next_process_ = 1;
  int probe_reads_pending_ = 0;
  bool probe_done_ = false;
  std::map<std::pair<NodeId, NodeId>, LinkState> links_;  // links not up
  int64_t last_base_ns_ = -1, sub_ns_ = 0;
  double interval_ns_ = 0;
  int64_t workload_start_ms_ = 0;
  const int64_t value_bytes_max_ = node_config_for_plan(plan_).limits.value_bytes_max;
  std::vector<Worker> workers_;  // reserved up front: callbacks hold references
  std::set<std::string> keys_written_;
  int64_t next_free_process_ = 0;
  int64_t operations_ = 0;
};

// Each node's events as events.jsonl lines.
std::vector<std::string> event_lines(SimCluster& cluster, NodeId id) {
  std::vector<std::string> lines;
  for (const SimCluster::Event& e : cluster.events(id)) lines.push_back(event_json_line(e.time_ns, id, e.name, e.fields));
  return lines;
}

Status write_events(SimCluster& cluster, int nodes, const std::string& dir) {
  for (NodeId id = 1; id <= static_cast<NodeId>(nodes); ++id) {
    std::string text;
    for (const std::string& line : event_lines(cluster, id)) text += line + "\n";
    const std::string path = dir + "/nodes/" + node_name(id) + "/events.jsonl";
    if (Status s = write_file_atomic(path, text, /*create_parent=*/true); !s) return s;
  }
  return Status::ok();
}

// Every node's dump, n1..nN.
Status dumps(SimCluster& cluster, int nodes, std::vector<NodeDump>* out) {
  out->assign(static_cast<size_t>(nodes), NodeDump{});
  for (NodeId id = 1; id <= static_cast<NodeId>(nodes); ++id) {
    if (Status s = dump_replica(cluster.replica(id), cluster.store(id), &(*out)[id - 1]); !s) return s;
  }
  return Status::ok();
}

Status write_dumps(SimCluster& cluster, int nodes, const std::string& dir) {
  std::vector<NodeDump> all;
  if (Status s = dumps(cluster, nodes, &all); !s) return s;
  for (const NodeDump& d : all) {
    const std::string path = dir + "/final/" + d.node + ".json";
    if (Status s = write_file_atomic(path, node_dump_to_json(d) + "\n", /*create_parent=*/true); !s) return s;
  }
  return Status::ok();
}

}  // namespace

Status simulate_plan(const Plan& plan, const std::string& dir, bool trace, PlanSimSummary* summary) {
  std::unique_ptr<HistoryWriter> history;
  const std::string history_path = dir + "/history.jsonl";
  if (Status s = HistoryWriter::open(history_path, HistoryHeader{kHistoryFormatVersion, plan.seed}, &history); !s) {
    return s;
  }
  std::vector<std::string> lines;
  PlanSim sim(plan, history.get());
  if (trace) sim.set_trace(&lines);
  sim.run(summary);
  if (Status s = write_dumps(sim.cluster(), plan.cluster.nodes, dir); !s) return s;
  sim.done();
  history.reset();
  if (Status s = write_events(sim.cluster(), plan.cluster.nodes, dir); !s) return s;
  if (!trace) return Status::ok();
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  return write_file_atomic(dir + "/trace.txt", text);
}

Status simulate_plan(const Plan& plan, PlanSimSummary* summary, PlanSimRecord* record) {
  std::unique_ptr<HistoryWriter> history = HistoryWriter::to_memory(&record->ops);
  PlanSim sim(plan, history.get());
  sim.run(summary);
  if (Status s = dumps(sim.cluster(), plan.cluster.nodes, &record->dumps); !s) return s;
  sim.done();
  for (NodeId id = 1; id <= static_cast<NodeId>(plan.cluster.nodes); ++id) {
    record->events[node_name(id)] = event_lines(sim.cluster(), id);
  }
  return Status::ok();
}

}  // namespace faultline
