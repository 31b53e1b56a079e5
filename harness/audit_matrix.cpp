#include "harness/audit_matrix.h"

#include <cmath>
#include <sstream>

namespace faultline {

namespace {

// Every row's workload lasts this long unless --duration says otherwise;
// fault windows below are written against it and scale with it.
constexpr int64_t kRowDurationMs = 8000;

FaultEvent fault(int64_t start_ms, int64_t duration_ms, std::string kind, std::vector<std::string> targets,
                 std::string params_json = "{}") {
  return FaultEvent{start_ms, duration_ms, std::move(kind), std::move(targets), std::move(params_json)};
}

// The plan every row starts from: 3 nodes (every node a replica of every
// key, so a read at ONE is served by its coordinator's own store), a small
// key space, the guaranteeing modes.
Plan base_plan() {
  Plan p;
  p.cluster.nodes = 3;
  p.cluster.rf = 3;
  p.cluster.vnodes = 8;
  p.workload.clients = 4;
  p.workload.keys = 6;
  p.workload.rate = 150;
  p.workload.duration_ms = kRowDurationMs;
  p.modes.read_repair = ReadRepair::kBlocking;
  p.modes.digest_reads = false;
  p.modes.hinted_handoff = true;
  p.modes.quorum = QuorumMode::kStrict;
  p.modes.anti_entropy = true;
  p.modes.anti_entropy_interval_ms = 1000;
  return p;
}

// The operation mix: fractions of reads, writes and deletes.
void set_mix(Plan* p, double reads, double writes, double deletes) {
  p->workload.read_fraction = reads;
  p->workload.write_fraction = writes;
  p->workload.delete_fraction = deletes;
}

// The standard suite for the guaranteeing rows: a partition, a kill and a
// pause, one after the other.
std::vector<FaultEvent> standard_faults() {
  return {fault(1000, 2000, "partition", {"n1"}, R"({"partition":"one"})"),
          fault(3500, 1500, "kill", {"n2"}),
          fault(5500, 1000, "pause", {"n3"})};
}

// Read-repair rows: a replica cut off for most of the run with no hints and
// no anti-entropy comes back stale; reads at ONE on a hot key then alternate
// between fresh and stale coordinators.
Plan read_repair_row(ReadRepair rr, bool digest, ConsistencyLevel read_cl) {
  Plan p = base_plan();
  p.modes.read_repair = rr;
  p.modes.digest_reads = digest;
  p.modes.hinted_handoff = false;
  p.modes.anti_entropy = false;
  p.workload.read_cl = read_cl;
  p.workload.write_cl = ConsistencyLevel::kOne;
  p.workload.keys = 3;
  p.workload.key_distribution = KeyDistribution::kHotKey;
  // Deletes too: a read at ONE that misses a delete is a stale read, which
  // no-resurrection leaves to no-stale-reads (it once counted it; see
  // docs/audit.md "Findings").
  set_mix(&p, 0.6, 0.3, 0.1);
  p.faults = {fault(500, 3500, "partition", {"n1"}, R"({"partition":"one"})"),
              fault(4500, 1500, "kill", {"n2"})};
  return p;
}

// Async read repair at QUORUM: n1 takes writes at ONE while cut off, then
// its links slow to 200 ms. A read through n1 returns n1's newer value and
// repairs the other contacted replica 200 ms later; meanwhile reads through
// coordinators that contact only the two stale replicas go back in time.
// Two such cycles; mostly reads on eight keys, so new writes do not paper
// over the windows.
Plan async_quorum_row() {
  Plan p = read_repair_row(ReadRepair::kAsync, false, ConsistencyLevel::kQuorum);
  p.workload.key_distribution = KeyDistribution::kUniform;
  p.workload.keys = 8;
  set_mix(&p, 0.9, 0.1, 0);
  p.faults = {fault(500, 2000, "partition", {"n1"}, R"({"partition":"one"})"),
              fault(2500, 1500, "delay", {"n1"}, R"({"latency_ms":200,"jitter_ms":0})"),
              fault(4000, 1500, "partition", {"n1"}, R"({"partition":"one"})"),
              fault(5500, 2000, "delay", {"n1"}, R"({"latency_ms":200,"jitter_ms":0})")};
  return p;
}

// Sloppy quorum: 5 nodes, so a key whose primaries sit on the minority side
// of a long partition is written to fallbacks on the majority side, while
// coordinators on the minority side still read the old value from the
// primaries they can reach.
Plan sloppy_row(bool hinted_handoff) {
  Plan p = base_plan();
  p.cluster.nodes = 5;
  p.modes.quorum = QuorumMode::kSloppy;
  p.modes.hinted_handoff = hinted_handoff;
  p.modes.anti_entropy = false;
  p.workload.keys = 4;
  p.workload.key_distribution = KeyDistribution::kHotKey;
  // Deletes too, as in read_repair_row.
  set_mix(&p, 0.5, 0.4, 0.1);
  p.faults = {fault(500, 5500, "partition", {"n1", "n2"}, R"({"partition":"halves"})")};
  return p;
}

// Clock skew: n1 is cut off and its clock runs 30 s slow; it keeps
// accepting writes at ONE with versions from a clock that stopped at the
// last version it observed, below writes the others acknowledged meanwhile.
Plan clock_row() {
  Plan p = base_plan();
  p.workload.write_cl = ConsistencyLevel::kOne;
  p.workload.keys = 3;
  p.workload.key_distribution = KeyDistribution::kHotKey;
  // Deletes too, as in read_repair_row (R+W = N here).
  set_mix(&p, 0.3, 0.6, 0.1);
  p.faults = {fault(500, 5000, "clock", {"n1"}, R"({"offset_ms":-30000})"),
              fault(1000, 3500, "partition", {"n1"}, R"({"partition":"one"})")};
  return p;
}

// Wipe: many keys written early, one replica wiped midway and restarted
// empty; no read repair and no hints, so only anti-entropy can refill the
// keys nobody writes or reads again.
Plan wipe_row(bool anti_entropy, ConsistencyLevel write_cl) {
  Plan p = base_plan();
  p.modes.read_repair = ReadRepair::kNone;
  p.modes.hinted_handoff = false;
  p.modes.anti_entropy = anti_entropy;
  p.workload.write_cl = write_cl;
  p.workload.keys = 150;
  set_mix(&p, 0.2, 0.75, 0.05);
  p.faults = {fault(4000, 1000, "wipe", {"n2"})};
  return p;
}

std::vector<AuditRow> build_rows() {
  std::vector<AuditRow> rows;
  auto add = [&](std::string name, std::string exercises, Plan plan) {
    rows.push_back(AuditRow{std::move(name), std::move(exercises), std::move(plan)});
  };
  Plan p = base_plan();
  p.faults = standard_faults();
  add("blocking-quorum-ae", "the guaranteeing configuration under partition, kill and pause", p);
  p.modes.digest_reads = true;
  add("blocking-digest-quorum-ae", "as above with digest reads", p);
  p = base_plan();
  p.faults = standard_faults();
  p.modes.hinted_handoff = false;
  add("hints-off-quorum-ae", "no hints: anti-entropy alone refills replicas after partition and kill", p);
  p = base_plan();
  p.faults = standard_faults();
  p.workload.read_cl = ConsistencyLevel::kOne;
  p.workload.write_cl = ConsistencyLevel::kAll;
  add("read-one-write-all", "R+W>N with reads at ONE and writes at ALL", p);
  p = base_plan();
  p.faults = standard_faults();
  p.modes.read_repair = ReadRepair::kNone;
  p.modes.hinted_handoff = false;
  add("rr-none-quorum-ae", "QUORUM without read repair or hints; anti-entropy converges", p);

  add("rr-none-one", "no read repair, reads at ONE on a hot key after a long partition",
      read_repair_row(ReadRepair::kNone, false, ConsistencyLevel::kOne));
  add("rr-none-digest-one", "as above with digest reads",
      read_repair_row(ReadRepair::kNone, true, ConsistencyLevel::kOne));
  add("rr-async-one", "async read repair, reads at ONE on a hot key after a long partition",
      read_repair_row(ReadRepair::kAsync, false, ConsistencyLevel::kOne));
  add("rr-async-digest-one", "as above with digest reads",
      read_repair_row(ReadRepair::kAsync, true, ConsistencyLevel::kOne));
  add("rr-async-quorum", "async read repair at QUORUM: a read may return before the repair lands",
      async_quorum_row());
  add("rr-blocking-one", "blocking read repair cannot help reads at ONE",
      read_repair_row(ReadRepair::kBlocking, false, ConsistencyLevel::kOne));

  add("sloppy-hints-quorum", "sloppy quorum with hinted handoff under a long halves partition", sloppy_row(true));
  add("sloppy-no-hints-quorum", "sloppy quorum without hints: fallbacks keep what primaries missed",
      sloppy_row(false));

  add("clock-skew-one", "a slow clock on an isolated node accepting writes at ONE", clock_row());

  add("wipe-ae-off", "a wiped replica, nothing but anti-entropy could refill it, and it is off",
      wipe_row(false, ConsistencyLevel::kQuorum));
  add("wipe-ae-on", "a wiped replica refilled by anti-entropy", wipe_row(true, ConsistencyLevel::kQuorum));
  // n2 takes writes at ONE while cut off (its only copy), then is wiped
  // before the partition heals, so nothing could have copied them.
  p = wipe_row(true, ConsistencyLevel::kOne);
  // Deletes too: a delete acknowledged only by n2 is wiped with it and the
  // older value comes back, an anomaly no-resurrection allows with a wipe
  // and writes at ONE (it once guaranteed it; see docs/audit.md "Findings").
  set_mix(&p, 0.2, 0.75, 0.05);
  p.faults = {fault(800, 3200, "partition", {"n2"}, R"({"partition":"one"})"), fault(3800, 1000, "wipe", {"n2"})};
  add("wipe-write-one", "a wiped replica that held the only acknowledged copy (writes at ONE while cut off)", p);
  return rows;
}

}  // namespace

const std::vector<AuditRow>& audit_rows() {
  static const std::vector<AuditRow> rows = build_rows();
  return rows;
}

const AuditRow* find_audit_row(std::string_view name) {
  for (const auto& r : audit_rows()) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

Plan cell_plan(const AuditRow& row, uint64_t seed, int64_t duration_ms) {
  Plan p = row.plan;
  p.seed = seed;
  if (duration_ms > 0 && duration_ms != p.workload.duration_ms) {
    const double scale = static_cast<double>(duration_ms) / static_cast<double>(p.workload.duration_ms);
    for (auto& f : p.faults) {
      f.start_ms = static_cast<int64_t>(std::llround(static_cast<double>(f.start_ms) * scale));
      f.duration_ms = static_cast<int64_t>(std::llround(static_cast<double>(f.duration_ms) * scale));
    }
    p.workload.duration_ms = duration_ms;
  }
  return p;
}

std::string modes_text(const Plan& p) {
  std::ostringstream s;
  s << "rr " << to_string(p.modes.read_repair) << ", digest " << (p.modes.digest_reads ? "on" : "off") << ", hints "
    << (p.modes.hinted_handoff ? "on" : "off") << ", " << to_string(p.modes.quorum) << ", AE "
    << (p.modes.anti_entropy ? "on" : "off") << ", R " << to_string(p.workload.read_cl) << " W "
    << to_string(p.workload.write_cl) << ", " << p.cluster.nodes << " nodes";
  return s.str();
}

std::string faults_text(const Plan& p) {
  std::string s;
  for (const auto& f : p.faults) {
    if (!s.empty()) s += ", ";
    s += f.kind;
    for (const auto& t : f.targets) s += " " + t;
    s += " " + std::to_string(f.start_ms / 1000.0).substr(0, 4) + "s+" + std::to_string(f.duration_ms / 1000.0).substr(0, 4) + "s";
  }
  return s.empty() ? "none" : s;
}

}  // namespace faultline
