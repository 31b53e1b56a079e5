// `faultline bugzoo`: how good the harness is at catching the seeded bugs of
// core/bugs.h.
//
// For each bug, a scenario (the modes where the bug's mechanism is active and
// the property that should catch it is guaranteed, the fault kinds that
// exercise it, workload pins; from the bug engineers' scenario docs) is laid
// over plans drawn from seeds seed_base, seed_base+1, ... (plan_from_seed with
// the scenario's pins, exactly as `faultline run --seed S <scenario options>
// --bug NAME` does), and runs go until one violates a guaranteed property
// (caught) or the bug's budget is spent. Then the false-alarm check: the
// same scenarios and seeds on the clean node (no --bug), as many runs as the
// zoo made, within the same total budget; any guaranteed-property violation
// there is a harness or node bug and is reported as a false alarm.
//
// Each catching run is then shrunk (shrink_plan, a small budget or 5
// replays of the run if longer, the caught property preserved) and the
// table gives the plan's size before and after.
//
// Results: one progress line per run on `out`, a table (Markdown) written to
// options.table_path and <out_dir>/bugzoo.md, followed by the hand-written
// section of the file it replaces (kHandWrittenHeading to the end: each
// bug's mechanism and the reports it mirrors). Each shrunk plan is copied to
// <table dir>/bugzoo-shrunk/<bug>.json, which the table's replay names. Exit 0 when every bug was
// caught and no false alarm, 1 otherwise (runs that failed in the harness
// are counted in the table and catch nothing), 254 bad arguments, 255 when
// the table cannot be written.
//
// With --sim, each bug is first explored in the simulator (harness/explore.h):
// plans drawn by the swarm from seeds seed_base, +1, ... with only --bug
// added (no scenario), on every core, until a guaranteed property is
// violated or the per-bug budget (--sim-budget) is spent; the table gives
// the seeds and seconds to detect in the simulator beside the real-process
// columns, and the `faultline sim --seed N --bug NAME` that fails every
// time. --sim-only skips the real processes (their columns read "-").
//
// Thread-safety: one call at a time (runs are sequential and start clusters).
#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "core/assert.h"
#include "core/bugs.h"
#include "core/clock.h"
#include "core/file_io.h"
#include "harness/cli/subcommand.h"
#include "harness/explore.h"
#include "harness/options.h"
#include "harness/replay.h"
#include "harness/run.h"
#include "harness/run_dir.h"
#include "harness/shrink.h"

namespace faultline {
namespace {

// Default budgets: the whole zoo (12 bugs), the clean-node check (at most the
// same again) and the shrinks fit in about 20 minutes on 2 cores.
constexpr int64_t kBugzooBudgetMsDefault = 7 * 60 * 1000;
constexpr uint64_t kBugzooSeedBaseDefault = 1;
// Each caught bug's run is shrunk (harness/shrink.h) within this, one try
// per candidate.
constexpr int64_t kBugzooShrinkBudgetMsDefault = 30 * 1000;
// --sim: each bug's time in the simulator (a swarm catches most bugs in a
// few seconds on 2 cores; docs/bugzoo.md).
constexpr int64_t kBugzooSimBudgetMsDefault = 25 * 1000;

// One bug's scenario: run options laid over each drawn plan, and the
// guaranteed property expected to catch it.
struct BugScenario {
  Bug bug;
  std::string property;  // the guaranteed property that should catch it
  std::string mirrors;   // the public report the bug re-creates (docs/bugzoo.md "The bugs" has more)
  // Pins, CLs, modes, faults (seed and bugs are set per run); or a plan file
  // (relative to the source tree) whose seed each run replaces.
  RunOverrides options;
};

struct BugzooOptions {
  std::vector<std::string> bugs;         // --bug NAME...; empty: all
  int64_t budget_ms = kBugzooBudgetMsDefault;  // total over the bugs
  std::optional<int64_t> per_bug_budget_ms;    // default budget_ms / number of bugs
  uint64_t seed_base = kBugzooSeedBaseDefault;
  int64_t shrink_budget_ms = kBugzooShrinkBudgetMsDefault;  // per caught bug; 0: no shrinking
  std::string out_dir = "runs/bugzoo";
  std::string table_path = "docs/bugzoo.md";  // also written to <out_dir>/bugzoo.md
  std::string node_bin;  // empty: next to this executable
  std::string self;      // how to invoke faultline, for the replay commands
  std::string command_line;  // as typed, for the table's header
  bool sim = false;          // explore each bug in the simulator first
  bool real = true;          // run the real-process scenarios (--sim-only: no)
  int64_t sim_budget_ms = kBugzooSimBudgetMsDefault;  // per bug
  int jobs = 0;              // simulations at once; 0: every core
};

// Workload pins every scenario shares: short runs (a run takes about 5-8 s
// with start, heal, quiesce, final reads and check), few keys so that reads
// meet the writes the faults made divergent, a rate that keeps them busy.
// Nodes are drawn (3..7) unless a scenario pins them; rf is pinned at 3 so
// that a quorum leaves a replica out, which is where repair, digest and hint
// bugs live.
RunOverrides base_options() {
  RunOverrides o;
  o.rf = 3;
  o.keys = 4;
  o.clients = 8;
  o.rate = 250;
  o.duration_s = 4;
  return o;
}

using ModeList = std::vector<std::pair<std::string, std::string>>;

// Every mode switch the generators draw that decides a guarantee or whether
// a mechanism runs is set here, so a drawn plan cannot switch the scenario
// off (a drawn sloppy quorum voids the read guarantees; a drawn 800 ms hint
// window stores no hints). Merkle depth and, without anti-entropy, its
// interval stay drawn.
ModeList modes(const char* read_repair, const char* digest_reads, const char* hinted_handoff, const char* quorum,
               const char* anti_entropy, ModeList extra = {}) {
  ModeList m = {{"--read-repair", read_repair},
                {"--digest-reads", digest_reads},
                {"--hinted-handoff", hinted_handoff},
                {"--quorum", quorum},
                {"--anti-entropy", anti_entropy},
                {"--gc-grace-ms", "60000"},
                {"--hint-window-ms", "60000"}};
  for (auto& [flag, value] : extra) {
    auto it = std::find_if(m.begin(), m.end(), [&](const auto& p) { return p.first == flag; });
    if (it != m.end()) it->second = value;
    else m.emplace_back(flag, value);
  }
  return m;
}

RunOverrides with(RunOverrides o, const char* read_cl, const char* write_cl, ModeList mode_list, std::string faults,
                  std::optional<double> fault_interval_s = std::nullopt) {
  o.read_cl = read_cl;
  o.write_cl = write_cl;
  o.modes = std::move(mode_list);
  o.faults = std::move(faults);
  o.fault_interval_s = fault_interval_s;
  return o;
}

// The options the scenarios share, built once from base_options().
struct ScenarioOptions {
  RunOverrides read_repair, merkle, hint_gc, tombstone, equal_versions, sloppy_fallback;
};

ScenarioOptions scenario_options() {
  const RunOverrides b = base_options();
  // Read repair bugs: monotonic-reads breaks only when one replica alone
  // holds the newest version and its repair to a second replica is slower
  // than another client's read of the two stale ones; the drawn schedules
  // (sequential faults of one kind at a time) did not catch either bug in
  // 8 runs. The bug engineers' hand-written plan does (kill two of three
  // nodes, then delay the survivor's links; 64 clients, 96% reads): each run
  // replays it with the run's seed replacing the plan's, so the workload's
  // choices differ run to run (docs/bugzoo-scenarios-repair-hints.md).
  ScenarioOptions o;
  RunOverrides& read_repair = o.read_repair;
  read_repair.plan_file = "docs/bugzoo-scenarios-repair-hints/read-repair.json";
  // Merkle bugs: merkle-convergence is guaranteed with anti-entropy on;
  // nothing else repairs (no read repair, no hints); many keys put records in
  // many ranges (the wrap-around one too) and near leaf ends; kills and
  // partitions make replicas differ so that exchanges stream records.
  RunOverrides& merkle = o.merkle;
  merkle = with(b, "QUORUM", "ONE",
                modes("none", "off", "off", "strict", "on", {{"--anti-entropy-interval-ms", "500"}}), "partition,kill");
  merkle.keys = 50;
  // hint-replay (guaranteed with hinted handoff on) flags a hint replayed
  // later than gc_grace + request timeout + 1 s after it was stored: the
  // target must stay down (3 s faults) well past a short gc_grace. Reads at
  // ONE: with tombstones purged after 500 ms the clean node answers nothing
  // for a deleted key, which the checker's no-stale-reads counts as older
  // than the delete (a false alarm at QUORUM/QUORUM); at ONE it is not
  // guaranteed, and hint-replay does not depend on the read CL.
  RunOverrides& hint_gc = o.hint_gc;
  hint_gc = with(b, "ONE", "QUORUM", modes("none", "off", "on", "strict", "off", {{"--gc-grace-ms", "500"}}),
                 "kill,partition", 3.0);
  hint_gc.duration_s = 6;
  // tombstone-purged-while-down ignores gc_grace, so the clean node keeps
  // the default (nothing is purged within a run) and no-resurrection is
  // guaranteed (anti-entropy on, gc_grace > fault + interval). Nothing but
  // anti-entropy brings a delete to a replica that was down: no hints, no
  // read repair. Writes at QUORUM: the checker's no-resurrection also counts
  // a read that misses a delete acknowledged at ONE (a stale read R + W <= N
  // allows; two false alarms in an early zoo run). Many keys and kills only,
  // so a resurrected value is not overwritten before the final state.
  RunOverrides& tombstone = o.tombstone;
  tombstone = with(b, "QUORUM", "QUORUM",
                   modes("none", "off", "off", "strict", "on", {{"--anti-entropy-interval-ms", "500"}}), "kill", 1.0);
  tombstone.keys = 50;
  tombstone.rate = 300;
  // Equal versions need two writes of one key coordinated by one node within
  // a millisecond: two keys at the top rate.
  RunOverrides& equal_versions = o.equal_versions;
  equal_versions = merkle;
  equal_versions.keys = 2;
  equal_versions.rate = 300;
  o.sloppy_fallback = with(b, "QUORUM", "QUORUM", modes("none", "off", "on", "strict", "off"), "partition");
  o.sloppy_fallback.nodes = 5;
  o.sloppy_fallback.rate = 300;
  return o;
}

// The scenarios follow where each bug lives (docs/bugzoo.md "The bugs") and
// the guarantees of checker/expectations.cpp; `mirrors` is the public report
// that section names.
std::vector<BugScenario> make_scenarios() {
  const RunOverrides b = base_options();
  const ScenarioOptions o = scenario_options();
  const RunOverrides &read_repair = o.read_repair, &merkle = o.merkle, &hint_gc = o.hint_gc, &tombstone = o.tombstone,
                     &equal_versions = o.equal_versions, &sloppy_fallback = o.sloppy_fallback;
  return {
      {Bug::kBlockingRepairEarlyReply, "monotonic-reads", "CASSANDRA-13115", read_repair},
      // no-stale-reads is guaranteed at QUORUM/QUORUM: a digest that ignores
      // versions and tombstones hides the replica that missed a delete.
      {Bug::kDigestIgnoresVersion, "no-stale-reads", "scylladb/scylladb#182",
       with(b, "QUORUM", "QUORUM", modes("blocking", "on", "off", "strict", "off"), "partition")},
      {Bug::kAsyncRepairWhenBlocking, "monotonic-reads",
       "a class: CASSANDRA-13115; palantir/cassandra #422, #641; CASSANDRA-14635", read_repair},
      // hint-replay is guaranteed with hinted handoff on. A hint deleted when
      // sent is lost when the link drops or the target dies right after the
      // replay: kills and partitions back to back.
      {Bug::kHintDeletedBeforeAck, "hint-replay", "a class: scylladb/scylladb#6401, #6416",
       with(b, "QUORUM", "ONE", modes("none", "off", "on", "strict", "off"), "kill,partition", 0.5)},
      // no-stale-reads is guaranteed at QUORUM/QUORUM with a strict quorum:
      // a write acknowledged by one replica and hints is not on a quorum.
      {Bug::kHintCountsTowardQuorum, "no-stale-reads", "a class: scylladb/scylladb#3563, #3565",
       with(b, "QUORUM", "QUORUM", modes("none", "off", "on", "strict", "off"), "partition")},
      {Bug::kHintReplayedAfterGcGrace, "hint-replay", "scylladb/scylladb#23712, #21662", hint_gc},
      {Bug::kMerkleSkipsWraparound, "merkle-convergence", "a class: scylladb/scylladb#1839, #27220", merkle},
      {Bug::kMerkleLeafOffByOne, "merkle-convergence", "a class: datastax/cassandra#2003", merkle},
      {Bug::kRepairSkipsTreeUpdate, "merkle-convergence", "basho/riak_kv#473, #478", merkle},
      {Bug::kTombstonePurgedWhileDown, "no-resurrection", "basho/riak_kv#1869", tombstone},
      {Bug::kEqualVersionsDiverge, "merkle-convergence", "apache/cassandra-gocql-driver#800; basho/riak_kv#1512",
       equal_versions},
      // The bug makes a strict quorum take fallbacks' acks as primaries', so
      // no-stale-reads (guaranteed at QUORUM/QUORUM, strict) catches it; five
      // nodes leave two fallbacks for every key.
      {Bug::kSloppyFallbackCountsPrimary, "no-stale-reads", "basho/riak_kv#485", sloppy_fallback},
  };
}

// What one bug (or the clean node over one bug's seeds) came to.
// The outcome of one run of a scenario on seed `seed`, with or without its bug.
struct RunOutcome {
  int exit_code = 0;
  std::string run_dir;
  VerdictSummary verdict;
  std::string replay;
  std::string error;  // the harness's own complaint, for exit 254 and 255
  bool harness_error() const { return exit_code == kExitBadArguments || exit_code == kExitHarnessError; }
};

struct RunCounts {
  int runs = 0;
  int unknown = 0;         // runs that ended without a verdict or with unknown
  int harness_errors = 0;  // runs that could not be made (exit 254/255)
  void add(const RunOutcome& r) {
    ++runs;
    if (r.harness_error()) ++harness_errors;
    else if (r.verdict.value != "valid" && r.verdict.violated_guaranteed.empty()) ++unknown;
  }
};

// One bug explored in the simulator.
struct SimRow {
  bool ran = false;
  bool caught = false;
  std::string property;
  int64_t seeds = 0;      // caught: seeds up to the failing one (what one job needs); else runs made
  double detect_s = 0;    // wall time of the search
  std::string replay;     // `faultline sim --seed N --bug NAME`
  std::string error;      // the explorer could not run
};

struct ZooRow {
  const BugScenario* scenario = nullptr;
  SimRow sim;
  RunCounts counts;
  bool caught = false;
  std::string property;  // the guaranteed property that caught it
  double detect_s = 0;   // from the bug's first run to the end of the catching run
  std::string replay;    // the command that replays the catching run
  std::string run_dir;
  double elapsed_s = 0;
  double catch_run_s = 0;  // wall time of the catching run alone
  std::string shrunk;    // sizes before and after shrinking, or why there are none
  std::string shrunk_plan_file;  // the smallest failing plan, when shrinking found one
};

struct CleanResult {
  RunCounts counts;
  std::vector<std::string> false_alarms;  // "<property> <replay command> (<run dir>)"
  double elapsed_s = 0;
};

double seconds_since(int64_t start_ns) { return static_cast<double>(monotonic_now_ns() - start_ns) / 1e9; }

std::string format_s(double s) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(1);
  o << s;
  return o.str();
}

// The last "faultline run: ..." line of a run's output that is not its
// opening line: why the harness gave up.
std::string harness_complaint(const std::string& log) {
  std::istringstream in(log);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.rfind("faultline run: ", 0) == 0 && line.rfind("faultline run: seed ", 0) != 0) last = line;
  }
  return last;
}

// A scenario's plan file: as given when it exists (run from the source
// tree), else relative to the source tree this faultline was built in
// (build/bin/faultline -> ../..). Missing files stay as given, and the run
// rejects them naming the path.
std::string scenario_plan_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) || std::filesystem::path(path).is_absolute()) return path;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  auto in_tree = exe.parent_path().parent_path().parent_path() / path;
  return !ec && std::filesystem::exists(in_tree, ec) ? in_tree.string() : path;
}

RunOutcome run_one(const BugzooOptions& options, const BugScenario& scenario, uint64_t seed, bool with_bug,
                   const std::string& out_dir) {
  RunOptions run;
  run.overrides = scenario.options;
  run.overrides.seed = seed;
  if (run.overrides.plan_file) run.overrides.plan_file = scenario_plan_file(*run.overrides.plan_file);
  if (with_bug) run.overrides.bugs = {std::string(bug_name(scenario.bug))};
  run.out_dir = out_dir;
  run.node_bin = options.node_bin;
  run.self = options.self;
  RunOutcome r;
  run.run_dir_out = &r.run_dir;
  r.replay = options.self + " run " + (run.overrides.plan_file ? "--plan " + *run.overrides.plan_file + " " : "") +
             seed_replay_args(run.overrides, seed) +
             (options.node_bin.empty() ? "" : " --node-bin " + options.node_bin);
  std::ostringstream log;
  r.exit_code = run_command(run, log, log);
  if (r.harness_error()) r.error = harness_complaint(log.str());
  if (!r.run_dir.empty()) {
    // Best effort: the log is evidence beside the verdict, not part of it.
    (void)write_file_atomic(r.run_dir + "/bugzoo-run.log", log.str());
    if (r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 2) {
      Status s = read_verdict_summary(r.run_dir, &r.verdict);
      if (!s) r.verdict.value = "unknown (" + s.message() + ")";
    }
  }
  return r;
}

// The caught-by property: the scenario's own when it is among the violated
// guaranteed ones, else the first.
std::string catching_property(const BugScenario& scenario, const VerdictSummary& v) {
  if (v.violated_guaranteed.count(scenario.property)) return scenario.property;
  return *v.violated_guaranteed.begin();
}

std::string describe(const RunOutcome& r) {
  if (r.harness_error()) {
    return "harness error (exit " + std::to_string(r.exit_code) + "): " + r.error;
  }
  std::string text = r.verdict.value;
  for (const auto& p : r.verdict.violated_guaranteed) text += " " + p;
  for (const auto& p : r.verdict.violated) {
    if (!r.verdict.violated_guaranteed.count(p)) text += " (" + p + " allowed)";
  }
  return text;
}

ZooRow run_bug(const BugzooOptions& options, const BugScenario& scenario, int64_t budget_ms, std::ostream& out) {
  ZooRow row;
  row.scenario = &scenario;
  const std::string name(bug_name(scenario.bug));
  const std::string dir = options.out_dir + "/" + name;
  const int64_t start_ns = monotonic_now_ns();
  const Deadline deadline = Deadline::after_ms(budget_ms);
  for (uint64_t seed = options.seed_base; !deadline.expired(); ++seed) {
    const int64_t run_start_ns = monotonic_now_ns();
    RunOutcome r = run_one(options, scenario, seed, true, dir);
    const double run_s = seconds_since(run_start_ns);
    row.counts.add(r);
    out << "bugzoo: " << name << " run " << row.counts.runs << " seed " << seed << ": " << describe(r) << " ["
        << format_s(seconds_since(start_ns)) << " s of " << format_s(budget_ms / 1000.0) << " s]" << std::endl;
    // A scenario that cannot even run (bad plan) will not get better with
    // more seeds.
    if (r.exit_code == kExitBadArguments) break;
    if (!r.verdict.violated_guaranteed.empty()) {
      row.caught = true;
      row.property = catching_property(scenario, r.verdict);
      row.detect_s = seconds_since(start_ns);
      row.catch_run_s = run_s;
      row.replay = r.replay;
      row.run_dir = r.run_dir;
      break;
    }
  }
  row.elapsed_s = seconds_since(start_ns);
  return row;
}

// --sim: the bug explored in the simulator from swarm-drawn plans, no
// scenario; no shrinking (the failing seed replays exactly as it is).
SimRow explore_bug(const BugzooOptions& options, const BugScenario& scenario, std::ostream& out) {
  const std::string name(bug_name(scenario.bug));
  ExploreOptions eo;
  eo.seed_base = options.seed_base;
  eo.jobs = options.jobs;
  eo.budget_ms = options.sim_budget_ms;
  eo.shrink_budget_ms = 0;
  eo.bugs = {name};
  eo.out_dir = options.out_dir + "/sim/" + name;
  eo.self = options.self;
  SimRow row;
  row.ran = true;
  std::ostringstream log;
  ExploreResult r;
  Status s = explore(eo, log, &r);
  (void)write_file_atomic(eo.out_dir + "/bugzoo-explore.log", log.str(), true);  // best effort: evidence only
  row.detect_s = r.elapsed_s;
  row.seeds = r.runs;
  if (!s) row.error = s.message();
  if (s && r.found) {
    row.caught = true;
    row.property = catching_property(scenario, r.verdict);
    row.seeds = static_cast<int64_t>(r.seed - options.seed_base + 1);
    row.replay = explore_replay(eo, r.seed);
  }
  out << "bugzoo: " << name << " in the simulator: "
      << (!s         ? "explore failed: " + row.error
          : r.found  ? "CAUGHT by " + row.property + " at seed " + std::to_string(r.seed) + " (" +
                          std::to_string(row.seeds) + " seed(s), " + format_s(row.detect_s) + " s); replay: " + row.replay
                     : "not caught in " + std::to_string(r.runs) + " run(s), " + format_s(row.detect_s) + " s")
      << std::endl;
  return row;
}

// The false-alarm check: each bug's seeds again without the bug, as many
// runs as the zoo made for it, until the total budget is spent.
CleanResult run_clean(const BugzooOptions& options, const std::vector<ZooRow>& rows, int64_t budget_ms,
                      std::ostream& out) {
  CleanResult clean;
  const int64_t start_ns = monotonic_now_ns();
  const Deadline deadline = Deadline::after_ms(budget_ms);
  // Round-robin over the bugs' scenarios, seed by seed, so that a budget
  // that runs out leaves every scenario checked on its first seeds.
  int runs_max = 0;
  for (const ZooRow& row : rows) runs_max = std::max(runs_max, row.counts.runs);
  for (int i = 0; i < runs_max && !deadline.expired(); ++i) {
    for (const ZooRow& row : rows) {
      if (i >= row.counts.runs || deadline.expired()) continue;
      const std::string name(bug_name(row.scenario->bug));
      uint64_t seed = options.seed_base + static_cast<uint64_t>(i);
      RunOutcome r = run_one(options, *row.scenario, seed, false, options.out_dir + "/clean/" + name);
      clean.counts.add(r);
      for (const auto& p : r.verdict.violated_guaranteed) {
        clean.false_alarms.push_back(p + ": " + r.replay + " (" + r.run_dir + ")");
      }
      out << "bugzoo: clean node, " << name << " scenario, run " << clean.counts.runs << " seed " << seed << ": "
          << describe(r) << (r.verdict.violated_guaranteed.empty() ? "" : "  FALSE ALARM") << " ["
          << format_s(seconds_since(start_ns)) << " s of " << format_s(budget_ms / 1000.0) << " s]" << std::endl;
    }
  }
  clean.elapsed_s = seconds_since(start_ns);
  return clean;
}

// "Intel(R) Xeon(R) Processor @ 2.50GHz, 2 CPUs", from /proc/cpuinfo.
std::string machine() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model;
  int cpus = 0;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      model = line.substr(line.find(':') + 2);
    }
    if (line.rfind("processor", 0) == 0) ++cpus;
  }
  return (model.empty() ? "unknown CPU" : model) + ", " + std::to_string(cpus) + " CPUs";
}

// What the scenario lays over the drawn plan, as command-line options.
std::string scenario_args(const BugScenario& s) {
  std::string args = seed_replay_args(s.options, 0);
  size_t rest = args.find(' ', std::string("--seed ").size());
  args = rest == std::string::npos ? "" : args.substr(rest + 1);
  if (s.options.plan_file) args = "--plan " + *s.options.plan_file + (args.empty() ? "" : " " + args);
  return args;
}

template <typename T>
std::string before_after(const T& before, const T& after) {
  std::ostringstream o;
  o << before;
  if (after != before) o << "→" << after;
  return o.str();
}

std::string size_change(const ShrinkResult& r) {
  return "faults " + before_after(r.before.faults, r.after.faults) + " (" +
         before_after(r.before.fault_ms, r.after.fault_ms) + " ms), nodes " +
         before_after(r.before.nodes, r.after.nodes) + ", keys " + before_after(r.before.keys, r.after.keys) +
         ", workload " + before_after(r.before.duration_ms, r.after.duration_ms) + " ms, operations " +
         before_after(r.operations_before, r.operations_after);
}

// Shrinks the catching run of `row`, one try per candidate, keeping the
// property that caught it; fills row->shrunk. The budget is the shrink
// budget, or enough for kShrinkRunsMin replays of the catching run if that
// is more: a long scenario would otherwise get one candidate or none.
constexpr int kShrinkRunsMin = 5;

void shrink_catch(const BugzooOptions& options, ZooRow* row, std::ostream& out) {
  ShrinkOptions so;
  so.run_dir = row->run_dir;
  so.budget_ms = std::max(options.shrink_budget_ms, static_cast<int64_t>(kShrinkRunsMin * row->catch_run_s * 1000));
  so.tries = 1;
  so.properties = {row->property};
  so.out_dir = row->run_dir + "/shrink";
  so.node_bin = options.node_bin;
  so.self = options.self;
  std::ostringstream log;
  ShrinkResult result;
  const int64_t start_ns = monotonic_now_ns();
  Status s = shrink_plan(so, log, &result);
  std::error_code ec;
  std::filesystem::create_directories(so.out_dir, ec);
  (void)write_file_atomic(so.out_dir + "/bugzoo-shrink.log", log.str());  // best effort, as the run logs
  if (!s) row->shrunk = "shrink failed: " + s.message();
  else if (!result.reproduced) row->shrunk = "not shrunk: the catching plan did not fail again in 1 try";
  else if (result.kept == 0) {
    row->shrunk = "not smaller: none of " + std::to_string(result.candidates) + " smaller plan(s) failed in " +
                  format_s(result.elapsed_ms / 1000.0) + " s" + (result.budget_exhausted ? " (budget spent)" : "");
  } else {
    row->shrunk = size_change(result);
    row->shrunk_plan_file = result.smallest_plan_file;
  }
  out << "bugzoo: " << bug_name(row->scenario->bug) << ": shrink (" << format_s(seconds_since(start_ns))
      << " s, " << result.candidates << " candidates): " << row->shrunk
      << (row->shrunk_plan_file.empty() ? "" : "; " + row->shrunk_plan_file) << std::endl;
}

// Keeps each shrunk plan beside the table (<table dir>/bugzoo-shrunk/<bug>.json),
// so the table's replay commands outlive the run directories, which usually
// sit under runs/ or /tmp. Rows then name the kept copy.
Status keep_shrunk_plans(const std::string& table_path, std::vector<ZooRow>* rows) {
  const std::filesystem::path dir = std::filesystem::path(table_path).parent_path() / "bugzoo-shrunk";
  for (ZooRow& r : *rows) {
    if (r.shrunk_plan_file.empty()) continue;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const std::filesystem::path kept = dir / (std::string(bug_name(r.scenario->bug)) + ".json");
    std::filesystem::copy_file(r.shrunk_plan_file, kept, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) return Status::io("cannot copy " + r.shrunk_plan_file + " to " + kept.string() + ": " + ec.message());
    r.shrunk_plan_file = kept.string();
  }
  return Status::ok();
}

// The table's file ends with a hand-written section, which a new table
// keeps: from this heading to the end of the file it replaces.
constexpr std::string_view kHandWrittenHeading = "## The bugs\n";

// The hand-written section of the table at `path`, or "" when it has none
// (or there is no file yet).
std::string hand_written_section(const std::string& path) {
  std::string text;
  if (path.empty() || !read_file(path, &text)) return "";
  const size_t at = text.find("\n" + std::string(kHandWrittenHeading));
  return at == std::string::npos ? "" : text.substr(at + 1);
}

// The real-process cells of a row (with their leading space); "-" with --sim-only.
std::string real_cells(const BugzooOptions& options, const ZooRow& r) {
  if (!options.real) return " - | - | - | - | - | - |";
  std::ostringstream o;
  o << " " << (r.caught ? "yes" : "**no**") << " | " << (r.caught ? r.property : "-") << " | " << r.counts.runs
    << " | " << (r.caught ? format_s(r.detect_s) : "-") << " | " << (r.caught ? "`" + r.replay + "`" : "-") << " | "
    << (r.shrunk.empty() ? "-" : r.shrunk)
    << (r.shrunk_plan_file.empty() ? "" : "; `" + options.self + " run --plan " + r.shrunk_plan_file + "`") << " |";
  return o.str();
}

// The simulator's cells of a row (with their leading space), "" without --sim.
std::string sim_cells(const SimRow& r) {
  if (!r.ran) return "";
  if (!r.error.empty()) return " error: " + r.error + " | - | - | - | - |";
  return " " + std::string(r.caught ? "yes" : "**no**") + " | " + (r.caught ? r.property : "-") + " | " +
         std::to_string(r.seeds) + " | " + format_s(r.detect_s) + " | " + (r.caught ? "`" + r.replay + "`" : "-") +
         " |";
}

void write_table(std::ostream& md, const BugzooOptions& options, const std::vector<ZooRow>& rows,
                 const CleanResult& clean, double total_s, int64_t per_bug_budget_ms) {
  md << "# Seeded-bug zoo\n\n";
  md << "`" << options.command_line << "` on " << utc_time("%Y-%m-%d %H:%M UTC") << ", " << machine() << "; total "
     << format_s(total_s) << " s (per-bug budget "
     << format_s((options.real ? per_bug_budget_ms : options.sim_budget_ms) / 1000.0) << " s, seeds from "
     << options.seed_base << ").\n\n";
  if (options.real) {
    md << "Each bug runs plans drawn from seeds " << options.seed_base
       << ", +1, ... with its scenario's options laid over them (below), until a guaranteed property is violated "
          "or its budget is spent. The catching run is then shrunk (harness/shrink.h, "
       << format_s(options.shrink_budget_ms / 1000.0)
       << " s, or 5 replays of the catching run if longer, one try per candidate, the catching property "
          "preserved): sizes before→after and the command "
          "that replays the smallest plan.\n\n";
  }
  if (options.sim) {
    md << "In the simulator (--sim, " << format_s(options.sim_budget_ms / 1000.0)
       << " s per bug): plans drawn by the swarm from the same seeds with only --bug added (no scenario), "
          "explored on every core (faultline explore); `sim seeds` is the failing seed's position (the runs "
          "one job needs), `sim s` the wall time to find it.\n\n";
  }
  md << "| bug | what it is | mirrors | caught | property | runs | s to detect | replay | shrunk plan |"
     << (options.sim ? " sim caught | sim property | sim seeds | sim s | sim replay |" : "") << "\n";
  md << "|---|---|---|---|---|---|---|---|---|" << (options.sim ? "---|---|---|---|---|" : "") << "\n";
  for (const ZooRow& r : rows) {
    const BugInfo& info = bug_catalogue()[static_cast<size_t>(r.scenario->bug)];
    md << "| " << info.name << " | " << info.what << " | "
       << (r.scenario->mirrors.empty() ? "-" : r.scenario->mirrors) << " |" << real_cells(options, r)
       << sim_cells(r.sim) << "\n";
  }
  md << "| (clean node) | same scenarios and seeds, no --bug | - | "
     << (clean.false_alarms.empty() ? "no false alarm" : "**" + std::to_string(clean.false_alarms.size()) +
                                                             " FALSE ALARM(S)**")
     << " | - | " << clean.counts.runs << " | - | - | - |" << (options.sim ? " - | - | - | - | - |" : "") << "\n\n";
  for (const auto& f : clean.false_alarms) md << "- FALSE ALARM on the clean node: " << f << "\n";
  int unknown = clean.counts.unknown, errors = clean.counts.harness_errors;
  for (const ZooRow& r : rows) unknown += r.counts.unknown, errors += r.counts.harness_errors;
  md << "Runs with an unknown verdict: " << unknown << "; runs that failed in the harness: " << errors
     << ". Clean-node check: " << clean.counts.runs << " runs in " << format_s(clean.elapsed_s) << " s.\n\n";
  md << "## Scenarios\n\n| bug | expected property | options over the drawn plan |\n|---|---|---|\n";
  for (const ZooRow& r : rows) {
    md << "| " << bug_name(r.scenario->bug) << " | " << r.scenario->property << " | `" << scenario_args(*r.scenario)
       << "` |\n";
  }
}

const std::vector<BugScenario>& bug_scenarios() {
  static const std::vector<BugScenario> scenarios = [] {
    std::vector<BugScenario> s = make_scenarios();
    FL_ASSERT(s.size() == static_cast<size_t>(Bug::kCount));
    for (size_t i = 0; i < s.size(); ++i) FL_ASSERT(s[i].bug == static_cast<Bug>(i));
    return s;
  }();
  return scenarios;
}

const BugScenario& bug_scenario(Bug bug) { return bug_scenarios()[static_cast<size_t>(bug)]; }

// One bug: in the simulator (--sim), then on real processes (unless
// --sim-only) with the catching run shrunk.
ZooRow zoo_row(const BugzooOptions& options, const BugScenario& scenario, int64_t per_bug_ms, std::ostream& out) {
  SimRow sim;
  if (options.sim) sim = explore_bug(options, scenario, out);
  ZooRow r;
  r.scenario = &scenario;
  if (options.real) {
    r = run_bug(options, scenario, per_bug_ms, out);
    out << "bugzoo: " << bug_name(scenario.bug) << ": "
        << (r.caught ? "CAUGHT by " + r.property + " after " + std::to_string(r.counts.runs) + " run(s), " +
                           format_s(r.detect_s) + " s; replay: " + r.replay
                     : "not caught in " + std::to_string(r.counts.runs) + " run(s), " + format_s(r.elapsed_s) + " s")
        << std::endl;
    if (r.caught && options.shrink_budget_ms > 0) shrink_catch(options, &r, out);
  }
  r.sim = sim;
  return r;
}

int bugzoo_command(const BugzooOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<const BugScenario*> chosen;
  for (const std::string& name : options.bugs) {
    std::optional<Bug> bug = bug_from_name(name);
    if (!bug) {
      BugSet unused;
      err << "faultline bugzoo: --bug: " << BugSet::parse({name}, &unused).message() << "\n";
      return kExitBadArguments;
    }
    if (std::find(chosen.begin(), chosen.end(), &bug_scenario(*bug)) == chosen.end()) {
      chosen.push_back(&bug_scenario(*bug));
    }
  }
  if (chosen.empty()) {
    for (const BugScenario& s : bug_scenarios()) chosen.push_back(&s);
  }
  if (options.budget_ms <= 0 || (options.per_bug_budget_ms && *options.per_bug_budget_ms <= 0)) {
    err << "faultline bugzoo: budgets must be > 0\n";
    return kExitBadArguments;
  }
  const int64_t per_bug_ms =
      options.per_bug_budget_ms ? *options.per_bug_budget_ms : options.budget_ms / static_cast<int64_t>(chosen.size());
  const int64_t zoo_budget_ms = per_bug_ms * static_cast<int64_t>(chosen.size());
  out << "faultline bugzoo: " << chosen.size() << " bug(s), "
      << (options.real ? format_s(per_bug_ms / 1000.0) + " s each" : "")
      << (options.sim ? std::string(options.real ? ", " : "") + format_s(options.sim_budget_ms / 1000.0) +
                            " s each in the simulator"
                      : "")
      << ", seeds from " << options.seed_base << "; runs under " << options.out_dir << std::endl;

  const int64_t start_ns = monotonic_now_ns();
  std::vector<ZooRow> rows;
  for (const BugScenario* s : chosen) rows.push_back(zoo_row(options, *s, per_bug_ms, out));
  CleanResult clean = run_clean(options, rows, zoo_budget_ms, out);
  const double total_s = seconds_since(start_ns);

  bool wrote = true;
  if (!options.table_path.empty()) {
    if (Status s = keep_shrunk_plans(options.table_path, &rows); !s) {
      err << "faultline bugzoo: " << s.message() << "\n";
      wrote = false;
    }
  }
  std::ostringstream md;
  write_table(md, options, rows, clean, total_s, per_bug_ms);
  if (const std::string kept = hand_written_section(options.table_path); !kept.empty()) md << "\n" << kept;
  // Caught: by every way it was looked for (real processes, the simulator).
  int caught = static_cast<int>(std::count_if(rows.begin(), rows.end(), [&](const ZooRow& r) {
    return (!options.real || r.caught) && (!options.sim || r.sim.caught);
  }));
  out << "bugzoo: " << caught << " of " << rows.size() << " bug(s) caught; clean node: " << clean.counts.runs
      << " run(s), " << clean.false_alarms.size() << " false alarm(s); " << format_s(total_s) << " s" << std::endl;
  for (const auto& f : clean.false_alarms) err << "faultline bugzoo: FALSE ALARM on the clean node: " << f << "\n";
  for (const std::string& path : {options.out_dir + "/bugzoo.md", options.table_path}) {
    if (path.empty()) continue;
    Status s = write_file_atomic(path, md.str(), /*create_parent=*/true);
    if (!s) {
      err << "faultline bugzoo: " << s.message() << "\n";
      wrote = false;
    } else {
      out << "bugzoo: table written to " << path << std::endl;
    }
  }
  if (!wrote) return kExitHarnessError;
  return caught == static_cast<int>(rows.size()) && clean.false_alarms.empty() ? 0 : 1;
}

struct BugzooFlags : BugzooOptions {
  int64_t per_bug_ms = 0;  // 0: not given
  bool sim_only = false;
};

SubcommandRun setup(CLI::App* app) {
  auto o = std::make_shared<BugzooFlags>();
  app->add_option("--budget", o->budget_ms, "total time for the bugs, e.g. 90s, 10m, 1h (default 7m); the clean-node check gets as much again")
      ->transform(budget_ms());
  app->add_option("--per-bug-budget", o->per_bug_ms, "time per bug (default: --budget / number of bugs)")
      ->transform(budget_ms());
  app->add_option("--bug", o->bugs, "only this seeded bug (repeatable; default all of core/bugs.h)");
  app->add_option("--out", o->out_dir, "where run directories go (default runs/bugzoo)");
  app->add_option("--seed-base", o->seed_base, "first seed of each bug's plans (default 1)")->check(CLI::NonNegativeNumber);
  CLI::Option* table_given = app->add_option("--table", o->table_path, "where the Markdown table goes besides OUT/bugzoo.md (default docs/bugzoo.md)");
  app->add_option("--node-bin", o->node_bin, "faultline-node binary (default: next to faultline)");
  app->add_flag("--sim", o->sim, "also explore each bug in the simulator from swarm-drawn plans (no scenario)");
  app->add_flag("--sim-only", o->sim_only, "only the simulator: no real processes (implies --sim)");
  app->add_option("--sim-budget", o->sim_budget_ms, "simulator time per bug with --sim (default 25s)")
      ->transform(budget_ms());
  app->add_option("--jobs", o->jobs, "simulations at once with --sim (default 0: every core)");
  app->add_option("--shrink-budget", o->shrink_budget_ms, "time to shrink each caught bug's run, and at least 5 replays of it (default 30s; 0: no shrinking)")
      ->transform(budget_ms(/*zero_allowed=*/true));
  return [o, table_given](const Invocation& inv) {
    BugzooOptions options = *o;
    if (o->per_bug_ms > 0) options.per_bug_budget_ms = o->per_bug_ms;
    if (o->sim_only) {
      options.sim = true;
      options.real = false;
      // The real-process table in docs/bugzoo.md is not overwritten by a
      // table without real columns unless --table names it.
      if (!table_given->count()) options.table_path.clear();
    }
    options.self = inv.self;
    options.command_line = inv.command_line;
    return bugzoo_command(options, std::cout, std::cerr);
  };
}

const bool registered = register_subcommand(
    {"bugzoo", "run each seeded bug's scenario until the checker catches it, then the same plans on the clean node; writes docs/bugzoo.md",
     40, Needs::kChildProcesses, setup});

}  // namespace
}  // namespace faultline
