#include "harness/audit.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/assert.h"
#include "core/clock.h"
#include "harness/child_registry.h"
#include "harness/cluster.h"
#include "harness/html.h"
#include "harness/junit.h"
#include "harness/progress.h"
#include "harness/run.h"
#include "harness/run_dir.h"

namespace faultline {

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------- the matrix

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

// ------------------------------------------------------------ child runner

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Running {
  size_t index = 0;
  pid_t pid = 0;
  std::chrono::steady_clock::time_point started;
  int64_t timeout_ms = 0;
};

// Forks `argv` in its own process group with a parent-death signal, output
// to log_path. Only async-signal-safe calls after fork: argv is built before.
Status spawn_child(const std::vector<std::string>& args, const std::string& log_path, pid_t* out) {
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::io("cannot create " + log_path + ": " + std::strerror(errno));
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ChildRegistry::setup_child_after_fork(log_fd, parent);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (pid < 0) return Status::io(std::string("fork: ") + std::strerror(errno));
  ::setpgid(pid, pid);
  if (!ChildRegistry::add(pid)) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return Status::io("too many child processes");
  }
  *out = pid;
  return Status::ok();
}

// The run directory a child made: <dir>/latest points at it.
std::string child_run_dir(const std::string& dir) {
  std::error_code ec;
  fs::path target = fs::read_symlink(fs::path(dir) / "latest", ec);
  if (ec) return "";
  return (fs::path(dir) / target).string();
}

void finish_cell(const CellSpec& spec, int status, double wall_s, CellRun* run) {
  run->row = spec.row;
  run->seed = spec.seed;
  run->wall_s = wall_s;
  run->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run->run_dir = child_run_dir(spec.dir);
  if (run->run_dir.empty()) {
    run->error = "no run directory in " + spec.dir + " (see " + spec.dir + "/faultline.log)";
    return;
  }
  Status s = read_verdict_file(run->run_dir, &run->verdict);
  if (!s) {
    run->error = s.message() + " (exit " + std::to_string(run->exit_code) + ", see " + spec.dir + "/faultline.log)";
    return;
  }
  run->has_verdict = true;
}

std::string describe_run(const CellRun& r) {
  if (!r.has_verdict) return "ERROR: " + r.error;
  std::string s(to_string(r.verdict.value));
  std::string guaranteed, allowed;
  for (const auto& p : r.verdict.properties) {
    if (p.outcome != PropertyOutcome::kViolated) continue;
    (p.guaranteed ? guaranteed : allowed) += (p.guaranteed ? guaranteed : allowed).empty() ? p.id : ", " + p.id;
  }
  if (!guaranteed.empty()) s += " VIOLATED: " + guaranteed;
  if (!allowed.empty()) s += " (allowed: " + allowed + ")";
  return s;
}

void kill_group(pid_t pid, int sig) { ::kill(-pid, sig); }

// Ends a running child: SIGTERM (it stops its nodes), then SIGKILL.
int end_child(pid_t pid) {
  constexpr int64_t kTermGraceMs = 5000;
  kill_group(pid, SIGTERM);
  Deadline d = Deadline::after_ms(kTermGraceMs);
  int status = 0;
  while (!d.expired()) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      ChildRegistry::remove(pid);
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill_group(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  ChildRegistry::remove(pid);
  return status;
}

// ------------------------------------------------------------ the reports

std::string cell_text(const AuditCell& c) {
  switch (c.state) {
    case CellState::kHeld: return "held (" + std::to_string(c.runs) + ")";
    case CellState::kViolated:
      return "VIOLATED " + std::to_string(c.violated_runs) + "/" + std::to_string(c.runs);
    case CellState::kObserved:
      return "observed " + std::to_string(c.violated_runs) + "/" + std::to_string(c.runs);
    case CellState::kNotObserved: return "not observed (" + std::to_string(c.runs) + ")";
    case CellState::kUnknown: return "unknown";
  }
  return "?";
}

std::string relative_to(const std::string& path, const std::string& base) {
  std::error_code ec;
  fs::path rel = fs::relative(path, base, ec);
  return ec ? path : rel.string();
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

// What each mode promises and which production system behaves so
// (docs/mechanisms.md has the details).
struct ModeNote {
  const char* mode;
  const char* promise;
  const char* production;
};
constexpr ModeNote kModeNotes[] = {
    {"read repair blocking", "a read returns only after the stale replicas it contacted acknowledged the winner: monotonic reads at QUORUM",
     "Cassandra 4.x read_repair = BLOCKING (the default)"},
    {"read repair async", "the read returns at once, repairs follow unacknowledged: nothing for monotonicity",
     "Cassandra before 4.0 with read_repair_chance / dclocal_read_repair_chance"},
    {"read repair none", "the reply is reconciled, nothing is written back",
     "Cassandra 4.x read_repair = NONE"},
    {"digest reads", "only one replica sends data, the others a hash; a mismatch triggers a full read",
     "Cassandra digest requests (ReadCommand isDigestQuery)"},
    {"hinted handoff", "a write missed by a down replica is stored and replayed when it is back, until hint_window / gc_grace",
     "Cassandra hinted handoff (max_hint_window), Dynamo's hinted replicas"},
    {"sloppy quorum", "writes and reads use the first N healthy nodes: available under partition, no R+W>N overlap",
     "Dynamo sloppy quorum, Riak fallback vnodes (PR/PW off)"},
    {"anti-entropy", "Merkle trees per range are compared and differing leaves synced: every replica converges, read or not",
     "Cassandra nodetool repair, Riak active anti-entropy (AAE)"},
    {"CL ONE / QUORUM / ALL", "R + W > N gives read-your-acknowledged-writes under a strict quorum",
     "Cassandra/Riak tunable consistency"},
};

// The anomalies theory predicts (issue 7 item 2): the properties that show
// each (any of them) and the rows meant to show it.
struct Prediction {
  const char* what;
  std::vector<std::string> properties;
  std::vector<std::string> rows;
};
const std::vector<Prediction>& predictions() {
  static const std::vector<Prediction> p = {
      {"monotonic-reads violated with async or no read repair",
       {"monotonic-reads"},
       {"rr-none-one", "rr-none-digest-one", "rr-async-one", "rr-async-digest-one", "rr-async-quorum"}},
      {"stale reads with a sloppy quorum under partition",
       {"no-stale-reads"},
       {"sloppy-hints-quorum", "sloppy-no-hints-quorum"}},
      {"lost updates under clock skew (realtime-version-order or no-lost-writes)",
       {"realtime-version-order", "no-lost-writes"},
       {"clock-skew-one"}},
      {"unread keys never converge without anti-entropy after a wipe", {"merkle-convergence"}, {"wipe-ae-off"}},
  };
  return p;
}

struct AuditResult {
  std::vector<const AuditRow*> rows;
  std::vector<CellRun> runs;
  std::vector<AuditCell> cells;  // row-major, properties in all_property_ids order
  int not_started = 0;
  double wall_s = 0;
  int harness_errors = 0;
  int unknown_runs = 0;
  int exit_code = 0;
};

const AuditCell* find_cell(const AuditResult& r, const std::string& row, std::string_view property) {
  for (const auto& c : r.cells) {
    if (c.row == row && c.property == property) return &c;
  }
  return nullptr;
}

std::vector<std::string> prediction_lines(const AuditResult& r) {
  std::vector<std::string> lines;
  for (const auto& p : predictions()) {
    std::string seen;
    for (const auto& row : p.rows) {
      for (const auto& property : p.properties) {
        const AuditCell* c = find_cell(r, row, property);
        if (!c || c->state != CellState::kObserved) continue;
        seen += (seen.empty() ? "" : ", ") + row + " " + property + " (" + std::to_string(c->violated_runs) + "/" +
                std::to_string(c->runs) + " runs)";
      }
    }
    lines.push_back(std::string(p.what) + ": " + (seen.empty() ? "NOT OBSERVED (strengthen those rows)" : "observed in " + seen));
  }
  return lines;
}

std::string audit_md(const AuditResult& r, const AuditOptions& o) {
  std::ostringstream m;
  m << "# faultline audit\n\n";
  m << r.runs.size() << " runs (" << r.harness_errors << " harness errors, " << r.unknown_runs
    << " unknown verdicts, " << r.not_started << " not started within the budget) in " << std::fixed
    << std::setprecision(0) << r.wall_s << " s; budget " << o.budget_ms / 1000 << " s, " << o.seeds
    << " seeds per row, " << o.jobs << " jobs.\n\n";
  m << "Cells: held = guaranteed and held; VIOLATED = guaranteed and violated (a bug); observed k/n = allowed "
       "anomaly seen in k of n runs; not observed = allowed but never seen (the row's faults are too weak there); "
       "unknown = no run decided it.\n\n";
  m << "| configuration |";
  for (auto id : all_property_ids()) m << " " << id << " |";
  m << "\n|---|";
  for (size_t i = 0; i < all_property_ids().size(); ++i) m << "---|";
  m << "\n";
  for (const AuditRow* row : r.rows) {
    m << "| " << row->name << " |";
    for (auto id : all_property_ids()) {
      const AuditCell* c = find_cell(r, row->name, id);
      std::string text = c ? cell_text(*c) : "-";
      if (c && c->state == CellState::kViolated) text = "**" + text + "**";
      if (c && !c->example_run_dir.empty()) text = "[" + text + "](" + relative_to(c->example_run_dir, o.out_dir) + ")";
      m << " " << text << " |";
    }
    m << "\n";
  }
  m << "\n## Predicted anomalies\n\n";
  for (const auto& line : prediction_lines(r)) m << "- " << line << "\n";
  m << "\n## Configurations\n\n| configuration | modes | faults | exercises |\n|---|---|---|---|\n";
  for (const AuditRow* row : r.rows) {
    m << "| " << row->name << " | " << modes_text(row->plan) << " | " << faults_text(row->plan) << " | "
      << row->exercises << " |\n";
  }
  m << "\n## What each mode promises\n\n| mode | promise | production system |\n|---|---|---|\n";
  for (const auto& n : kModeNotes) m << "| " << n.mode << " | " << n.promise << " | " << n.production << " |\n";
  std::string errors;
  for (const auto& run : r.runs) {
    if (!run.has_verdict) errors += "- " + run.row + " seed " + std::to_string(run.seed) + ": " + run.error + "\n";
  }
  if (!errors.empty()) m << "\n## Harness errors\n\n" << errors;
  return m.str();
}

std::string audit_html(const AuditResult& r, const AuditOptions& o) {
  std::ostringstream h;
  h << html_page_start("faultline audit",
                       "td.held{background:#d9f2d9}td.violated{background:#f5a3a3;font-weight:bold}"
                       "td.observed{background:#ffe08a}td.not-observed{background:#eee}td.unknown{background:#ccc}");
  h << "<h1>faultline audit</h1>\n<p>" << r.runs.size() << " runs, " << r.harness_errors << " harness errors, "
    << r.unknown_runs << " unknown verdicts, " << r.not_started << " not started; " << static_cast<int64_t>(r.wall_s)
    << " s; budget " << o.budget_ms / 1000 << " s, " << o.seeds << " seeds per row, " << o.jobs << " jobs.</p>\n";
  h << "<table><tr><th>configuration</th>";
  for (auto id : all_property_ids()) h << "<th>" << html_escape(id) << "</th>";
  h << "</tr>\n";
  for (const AuditRow* row : r.rows) {
    h << "<tr><td title=\"" << html_escape(modes_text(row->plan)) << "\">" << html_escape(row->name) << "</td>";
    for (auto id : all_property_ids()) {
      const AuditCell* c = find_cell(r, row->name, id);
      if (!c) {
        h << "<td>-</td>";
        continue;
      }
      std::string cls(to_string(c->state));
      std::replace(cls.begin(), cls.end(), ' ', '-');
      h << "<td class=\"" << cls << "\" title=\"" << html_escape(c->reason) << "\">";
      if (!c->example_run_dir.empty()) {
        h << "<a href=\"" << html_escape(relative_to(c->example_run_dir, o.out_dir)) << "/report.html\">"
          << html_escape(cell_text(*c)) << "</a>";
      } else {
        h << html_escape(cell_text(*c));
      }
      h << "</td>";
    }
    h << "</tr>\n";
  }
  h << "</table>\n<h2>Predicted anomalies</h2><ul>";
  for (const auto& line : prediction_lines(r)) h << "<li>" << html_escape(line) << "</li>";
  h << "</ul>\n<h2>Configurations</h2><table><tr><th>configuration</th><th>modes</th><th>faults</th><th>exercises</th></tr>\n";
  for (const AuditRow* row : r.rows) {
    h << "<tr><td>" << html_escape(row->name) << "</td><td>" << html_escape(modes_text(row->plan)) << "</td><td>"
      << html_escape(faults_text(row->plan)) << "</td><td>" << html_escape(row->exercises) << "</td></tr>\n";
  }
  h << "</table>\n<h2>What each mode promises</h2><table><tr><th>mode</th><th>promise</th><th>production system</th></tr>\n";
  for (const auto& n : kModeNotes) {
    h << "<tr><td>" << html_escape(n.mode) << "</td><td>" << html_escape(n.promise) << "</td><td>"
      << html_escape(n.production) << "</td></tr>\n";
  }
  h << "</table>\n" << html_page_end("");
  return h.str();
}

nlohmann::ordered_json audit_json(const AuditResult& r, const AuditOptions& o) {
  using nlohmann::ordered_json;
  ordered_json j;
  j["version"] = 1;
  j["budget_s"] = o.budget_ms / 1000.0;
  j["seeds"] = o.seeds;
  j["jobs"] = o.jobs;
  j["wall_s"] = r.wall_s;
  j["runs"] = r.runs.size();
  j["harness_errors"] = r.harness_errors;
  j["unknown_runs"] = r.unknown_runs;
  j["not_started"] = r.not_started;
  j["exit_code"] = r.exit_code;
  j["rows"] = ordered_json::array();
  for (const AuditRow* row : r.rows) {
    ordered_json rj;
    rj["name"] = row->name;
    rj["exercises"] = row->exercises;
    rj["modes"] = modes_text(row->plan);
    rj["faults"] = faults_text(row->plan);
    rj["cells"] = ordered_json::array();
    for (auto id : all_property_ids()) {
      const AuditCell* c = find_cell(r, row->name, id);
      if (!c) continue;
      ordered_json cj;
      cj["property"] = c->property;
      cj["state"] = to_string(c->state);
      cj["guaranteed"] = c->guaranteed;
      cj["reason"] = c->reason;
      cj["runs"] = c->runs;
      cj["violated_runs"] = c->violated_runs;
      cj["violations"] = c->violations;
      cj["example_run_dir"] = c->example_run_dir.empty() ? ordered_json(nullptr) : ordered_json(c->example_run_dir);
      cj["example_summary"] = c->example.witnesses.empty() ? ordered_json(nullptr)
                                                           : ordered_json(c->example.witnesses.front().summary);
      rj["cells"].push_back(cj);
    }
    ordered_json runs = ordered_json::array();
    for (const auto& run : r.runs) {
      if (run.row != row->name) continue;
      runs.push_back({{"seed", run.seed},
                      {"run_dir", run.run_dir},
                      {"exit_code", run.exit_code},
                      {"verdict", run.has_verdict ? std::string(to_string(run.verdict.value)) : "none"},
                      {"error", run.error.empty() ? ordered_json(nullptr) : ordered_json(run.error)},
                      {"wall_s", run.wall_s}});
    }
    rj["runs"] = runs;
    j["rows"].push_back(rj);
  }
  j["predictions"] = prediction_lines(r);
  return j;
}

std::vector<JunitSuite> audit_junit(const AuditResult& r, const std::string& self) {
  JunitSuite suite{"faultline audit", r.wall_s, {}};
  for (const auto& c : r.cells) {
    PropertyResult p = c.example;
    p.id = c.property;
    p.guaranteed = c.guaranteed;
    p.expected_reason = c.reason;
    switch (c.state) {
      case CellState::kHeld:
      case CellState::kNotObserved: p.outcome = PropertyOutcome::kHeld; break;
      case CellState::kViolated:
      case CellState::kObserved: p.outcome = PropertyOutcome::kViolated; break;
      case CellState::kUnknown:
        p.outcome = PropertyOutcome::kUnknown;
        p.note = "no run of this configuration decided it";
        break;
    }
    JunitCase jc = junit_case_for_property(p, c.row, replay_command(self, c.example_run_dir), c.violated_runs);
    if (c.state == CellState::kNotObserved) {
      jc.system_out = "allowed by the modes (" + c.reason + ") but not observed in " + std::to_string(c.runs) + " run(s)";
    }
    suite.cases.push_back(std::move(jc));
  }
  return {suite};
}


}  // namespace

// ------------------------------------------------------------- public

Status make_cell_runner(const std::string& node_bin_given, int jobs, int64_t budget_ms, std::ostream* progress,
                        CellRunnerOptions* out) {
  if (jobs == 0) jobs = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  if (jobs < 1 || jobs > kJobsMax) return Status::invalid("--jobs: must be in 1.." + std::to_string(kJobsMax));
  std::error_code ec;
  out->self_exe = fs::read_symlink("/proc/self/exe", ec).string();
  if (ec) return Status::io("cannot find this executable: " + ec.message());
  Status s = Cluster::find_node_bin(node_bin_given, &out->node_bin);
  if (!s) return s;
  out->jobs = jobs;
  out->budget_ms = budget_ms;
  out->progress = progress;
  out->live = progress == &std::cout && Progress::is_terminal(STDOUT_FILENO);
  return Status::ok();
}


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

std::string replay_command(const std::string& self, const std::string& run_dir) {
  return self + " run --plan " + run_dir + "/plan.json";
}

std::string_view to_string(CellState s) {
  switch (s) {
    case CellState::kHeld: return "held";
    case CellState::kViolated: return "violated";
    case CellState::kObserved: return "observed";
    case CellState::kNotObserved: return "not observed";
    case CellState::kUnknown: return "unknown";
  }
  return "?";
}

Status run_cells(const std::vector<CellSpec>& cells, const CellRunnerOptions& o, std::vector<CellRun>* runs,
                 int* not_started) {
  FL_ASSERT(o.jobs >= 1 && o.jobs <= kJobsMax);
  constexpr int64_t kPollMs = 100;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Running> running;
  size_t next = 0;
  double overhead_s_sum = 0;
  int measured = 0;
  *not_started = 0;
  runs->clear();
  std::atomic<int64_t> done{0};
  std::mutex last_mu;
  std::string last;  // guarded by last_mu: the latest finished cell, for the live line
  std::optional<Progress> live;
  if (o.progress && o.live) {
    live.emplace(*o.progress, true,
                 ProgressOptions{.unit = "runs", .budget_ms = o.budget_ms},
                 [&] {
                   std::lock_guard<std::mutex> lock(last_mu);
                   return ProgressSample{done.load(), static_cast<int64_t>(cells.size()), last};
                 });
  }
  while (next < cells.size() || !running.empty()) {
    // Start what fits: a free job and, by the estimate, time left.
    while (next < cells.size() && static_cast<int>(running.size()) < o.jobs) {
      const CellSpec& spec = cells[next];
      double overhead_s = measured ? overhead_s_sum / measured : kCellOverheadMsGuess / 1000.0;
      double expected_s = spec.plan.workload.duration_ms / 1000.0 + overhead_s;
      if (seconds_since(t0) + expected_s > o.budget_ms / 1000.0) {
        *not_started += static_cast<int>(cells.size() - next);
        next = cells.size();
        break;
      }
      std::error_code ec;
      fs::create_directories(spec.dir, ec);
      if (ec) return Status::io("cannot create " + spec.dir + ": " + ec.message());
      const std::string plan_path = spec.dir + "/plan.json";
      if (Status s = write_plan_file(plan_path, spec.plan); !s) return s;
      std::vector<std::string> args = {o.self_exe, "run", "--plan", plan_path, "--out", spec.dir};
      if (!o.node_bin.empty()) args.insert(args.end(), {"--node-bin", o.node_bin});
      Running r{next, 0, std::chrono::steady_clock::now(), spec.plan.workload.duration_ms + kCellOverheadMsMax};
      if (Status s = spawn_child(args, spec.dir + "/faultline.log", &r.pid); !s) return s;
      running.push_back(r);
      ++next;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    for (size_t i = 0; i < running.size();) {
      Running& r = running[i];
      const CellSpec& spec = cells[r.index];
      int status = 0;
      pid_t got = ::waitpid(r.pid, &status, WNOHANG);
      double wall_s = seconds_since(r.started);
      bool timed_out = got == 0 && wall_s * 1000 > static_cast<double>(r.timeout_ms);
      if (got == 0 && !timed_out) {
        ++i;
        continue;
      }
      if (timed_out) status = end_child(r.pid);
      else ChildRegistry::remove(r.pid);
      CellRun run;
      finish_cell(spec, status, wall_s, &run);
      if (timed_out) {
        run.has_verdict = false;
        run.error = "killed after " + std::to_string(r.timeout_ms / 1000) + " s (see " + spec.dir + "/faultline.log)";
      } else {
        overhead_s_sum += std::max(0.0, wall_s - spec.plan.workload.duration_ms / 1000.0);
        ++measured;
      }
      if (live) {
        std::lock_guard<std::mutex> lock(last_mu);
        last = "last: " + spec.row + " seed " + std::to_string(spec.seed) + " " + describe_run(run);
      } else if (o.progress) {
        *o.progress << "[" << runs->size() + 1 << "/" << cells.size() << " " << std::fixed << std::setprecision(0)
                    << seconds_since(t0) << "s] " << spec.row << " seed " << spec.seed << ": " << describe_run(run)
                    << " (" << std::setprecision(1) << wall_s << " s) " << run.run_dir << std::endl;
      }
      runs->push_back(std::move(run));
      done.store(static_cast<int64_t>(runs->size()));
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  if (live) live->stop();
  return Status::ok();
}

AuditCell aggregate_cell(const std::string& row, const std::string& property, const std::vector<CellRun>& runs,
                         const Expectation& fallback) {
  AuditCell c;
  c.row = row;
  c.property = property;
  c.guaranteed = fallback.guaranteed;
  c.reason = fallback.reason;
  bool from_verdict = false;
  for (const CellRun& run : runs) {
    if (run.row != row || !run.has_verdict) continue;
    for (const PropertyResult& p : run.verdict.properties) {
      if (p.id != property) continue;
      if (!from_verdict) {
        c.guaranteed = p.guaranteed;
        c.reason = p.expected_reason;
        from_verdict = true;
      }
      if (p.outcome != PropertyOutcome::kHeld && p.outcome != PropertyOutcome::kViolated) continue;
      ++c.runs;
      if (p.outcome != PropertyOutcome::kViolated) continue;
      ++c.violated_runs;
      c.violations += p.violations;
      if (c.example_run_dir.empty()) {  // the first violating run is the example
        c.example_run_dir = run.run_dir;
        c.example = p;
      }
    }
  }
  if (c.violated_runs > 0) c.state = c.guaranteed ? CellState::kViolated : CellState::kObserved;
  else if (c.runs > 0) c.state = c.guaranteed ? CellState::kHeld : CellState::kNotObserved;
  else c.state = CellState::kUnknown;
  return c;
}

int audit_command(const AuditOptions& given, std::ostream& out, std::ostream& err) {
  AuditOptions o = given;
  constexpr int kSeedsMax = 1000;
  if (o.seeds < 1 || o.seeds > kSeedsMax) {
    err << "faultline audit: --seeds: must be in 1.." << kSeedsMax << "\n";
    return kExitBadArguments;
  }
  AuditResult result;
  for (const auto& name : o.rows) {
    const AuditRow* row = find_audit_row(name);
    if (!row) {
      err << "faultline audit: --rows: no configuration named '" << name << "'\n";
      return kExitBadArguments;
    }
    result.rows.push_back(row);
  }
  if (o.rows.empty()) {
    for (const auto& row : audit_rows()) result.rows.push_back(&row);
  }
  CellRunnerOptions runner;
  if (Status s = make_cell_runner(o.node_bin, o.jobs, o.budget_ms, &out, &runner); !s) {
    err << "faultline audit: " << s.message() << "\n";
    return s.code() == Status::Code::kInvalid ? kExitBadArguments : kExitHarnessError;
  }
  o.jobs = runner.jobs;
  if (o.out_dir.empty()) o.out_dir = "runs/audit-" + utc_stamp();

  // Seed-major order: every row gets its first seed before any its second,
  // so a short budget still covers the whole matrix.
  std::vector<CellSpec> cells;
  for (int k = 1; k <= o.seeds; ++k) {
    for (const AuditRow* row : result.rows) {
      Plan plan = cell_plan(*row, static_cast<uint64_t>(k), o.duration_ms);
      if (Status s = validate_plan(plan); !s) {
        err << "faultline audit: row " << row->name << ": " << s.message() << "\n";
        return kExitBadArguments;
      }
      cells.push_back(CellSpec{row->name, static_cast<uint64_t>(k), plan,
                               o.out_dir + "/runs/" + row->name + "/seed" + std::to_string(k)});
    }
  }
  out << "faultline audit: " << result.rows.size() << " configurations x " << o.seeds << " seeds, " << o.jobs
      << " jobs, budget " << o.budget_ms / 1000 << " s, into " << o.out_dir << std::endl;
  const auto t0 = std::chrono::steady_clock::now();
  if (Status s = run_cells(cells, runner, &result.runs, &result.not_started); !s) {
    err << "faultline audit: " << s.message() << "\n";
    return kExitHarnessError;
  }
  result.wall_s = seconds_since(t0);
  for (const auto& run : result.runs) {
    if (!run.has_verdict) ++result.harness_errors;
    else if (run.verdict.value == VerdictValue::kUnknown) ++result.unknown_runs;
  }
  bool violated = false;
  for (const AuditRow* row : result.rows) {
    for (auto id : all_property_ids()) {
      AuditCell c = aggregate_cell(row->name, std::string(id), result.runs, expectation_for(id, cell_plan(*row, 1)));
      violated = violated || c.state == CellState::kViolated;
      result.cells.push_back(std::move(c));
    }
  }
  result.exit_code = violated ? 1 : result.harness_errors > 0 ? kExitHarnessError : 0;

  std::string self = o.self.empty() ? runner.self_exe : o.self;
  Status s = write_text_file(o.out_dir + "/audit.md", audit_md(result, o));
  if (s) s = write_text_file(o.out_dir + "/audit.json", audit_json(result, o).dump(2) + "\n");
  if (s) s = write_text_file(o.out_dir + "/audit.html", audit_html(result, o));
  if (s) s = write_junit_file(o.out_dir + "/junit.xml", audit_junit(result, self));
  if (!s) {
    err << "faultline audit: " << s.message() << "\n";
    return kExitHarnessError;
  }
  out << "\n" << audit_md(result, o) << "\n";
  for (const auto& c : result.cells) {
    if (c.state == CellState::kViolated) {
      out << "VIOLATED: " << c.row << " " << c.property << ": replay: " << replay_command(self, c.example_run_dir) << "\n";
    }
  }
  out << "wrote " << o.out_dir << "/audit.md, audit.json, audit.html, junit.xml\n";
  return result.exit_code;
}

}  // namespace faultline
