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
// Results: one progress line per run on `out`, a table (Markdown,
// harness/bugzoo_table.h) written to options.table_path and
// <out_dir>/bugzoo.md, followed by the hand-written
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
// With --shard K/N (harness/shard.h) only the shard's bugs of the list (the
// --bug names in the order given, or all of core/bugs.h) run, each with the
// per-bug budget the whole list would give it, and the clean-node check
// covers those bugs' scenarios and seeds; the shard writes its part of the
// table to <out>/bugzoo.md (docs/bugzoo.md only when --table names it) and
// its rows to <out>/shard.json, which `faultline merge` turns into the
// table the unsharded command writes (harness/bugzoo_table.h). --list prints
// the list (with --shard, the shard's part) and runs nothing.
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
#include "harness/bugzoo_table.h"
#include "harness/cell_run_io.h"
#include "harness/explore.h"
#include "harness/options.h"
#include "harness/replay.h"
#include "harness/run.h"
#include "harness/run_dir.h"
#include "harness/shard.h"
#include "harness/shard_manifest.h"
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
  std::optional<Shard> shard;  // run only this shard's bugs (harness/shard.h)
  bool list = false;           // print the bugs (index, name), run nothing
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

// The outcome of one run of a scenario on seed `seed`, with or without its bug.
struct RunOutcome {
  int exit_code = 0;
  std::string run_dir;
  VerdictSummary verdict;
  std::string replay;
  std::string error;  // the harness's own complaint, for exit 254 and 255
  bool harness_error() const { return exit_code == kExitBadArguments || exit_code == kExitHarnessError; }
};

void count_run(const RunOutcome& r, BugzooCounts* c) {
  ++c->runs;
  if (r.harness_error()) ++c->harness_errors;
  else if (r.verdict.value != "valid" && r.verdict.violated_guaranteed.empty()) ++c->unknown;
}

// One bug's row of the table, with what the shrink needs.
struct ZooRow {
  const BugScenario* scenario = nullptr;
  BugzooRow table;
  std::string run_dir;     // the catching run
  double elapsed_s = 0;
  double catch_run_s = 0;  // wall time of the catching run alone
};

double seconds_since(int64_t start_ns) { return static_cast<double>(monotonic_now_ns() - start_ns) / 1e9; }

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

// What the scenario lays over the drawn plan, as command-line options.
std::string scenario_args(const BugScenario& s) {
  std::string args = seed_replay_args(s.options, 0);
  size_t rest = args.find(' ', std::string("--seed ").size());
  args = rest == std::string::npos ? "" : args.substr(rest + 1);
  if (s.options.plan_file) args = "--plan " + *s.options.plan_file + (args.empty() ? "" : " " + args);
  return args;
}

// The row's scenario, as the table gives it.
BugzooRow scenario_row(const BugScenario& scenario) {
  BugzooRow row;
  row.bug = scenario.bug;
  row.expected_property = scenario.property;
  row.mirrors = scenario.mirrors;
  row.scenario_args = scenario_args(scenario);
  return row;
}

ZooRow run_bug(const BugzooOptions& options, const BugScenario& scenario, int64_t budget_ms, std::ostream& out) {
  ZooRow zoo;
  zoo.scenario = &scenario;
  zoo.table = scenario_row(scenario);
  BugzooRow& row = zoo.table;
  const std::string name(bug_name(scenario.bug));
  const std::string dir = options.out_dir + "/" + name;
  const int64_t start_ns = monotonic_now_ns();
  const Deadline deadline = Deadline::after_ms(budget_ms);
  for (uint64_t seed = options.seed_base; !deadline.expired(); ++seed) {
    const int64_t run_start_ns = monotonic_now_ns();
    RunOutcome r = run_one(options, scenario, seed, true, dir);
    const double run_s = seconds_since(run_start_ns);
    count_run(r, &row.counts);
    out << "bugzoo: " << name << " run " << row.counts.runs << " seed " << seed << ": " << describe(r) << " ["
        << format_s(seconds_since(start_ns)) << " s of " << format_s(budget_ms / 1000.0) << " s]" << std::endl;
    // A scenario that cannot even run (bad plan) will not get better with
    // more seeds.
    if (r.exit_code == kExitBadArguments) break;
    if (!r.verdict.violated_guaranteed.empty()) {
      row.caught = true;
      row.property = catching_property(scenario, r.verdict);
      row.detect_s = seconds_since(start_ns);
      zoo.catch_run_s = run_s;
      row.replay = r.replay;
      zoo.run_dir = r.run_dir;
      break;
    }
  }
  zoo.elapsed_s = seconds_since(start_ns);
  return zoo;
}

// --sim: the bug explored in the simulator from swarm-drawn plans, no
// scenario; no shrinking (the failing seed replays exactly as it is).
BugzooSim explore_bug(const BugzooOptions& options, const BugScenario& scenario, std::ostream& out) {
  const std::string name(bug_name(scenario.bug));
  ExploreOptions eo;
  eo.seed_base = options.seed_base;
  eo.jobs = options.jobs;
  eo.budget_ms = options.sim_budget_ms;
  eo.shrink_budget_ms = 0;
  eo.bugs = {name};
  eo.out_dir = options.out_dir + "/sim/" + name;
  eo.self = options.self;
  BugzooSim row;
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
// runs as the zoo made for it, until the total budget is spent. Fills each
// row's clean-node counts and false alarms; returns the check's wall time.
double run_clean(const BugzooOptions& options, std::vector<ZooRow>* rows, int64_t budget_ms, std::ostream& out) {
  const int64_t start_ns = monotonic_now_ns();
  const Deadline deadline = Deadline::after_ms(budget_ms);
  // Round-robin over the bugs' scenarios, seed by seed, so that a budget
  // that runs out leaves every scenario checked on its first seeds.
  int runs_max = 0, runs = 0;
  for (const ZooRow& row : *rows) runs_max = std::max(runs_max, row.table.counts.runs);
  for (int i = 0; i < runs_max && !deadline.expired(); ++i) {
    for (ZooRow& row : *rows) {
      if (i >= row.table.counts.runs || deadline.expired()) continue;
      const std::string name(bug_name(row.scenario->bug));
      uint64_t seed = options.seed_base + static_cast<uint64_t>(i);
      RunOutcome r = run_one(options, *row.scenario, seed, false, options.out_dir + "/clean/" + name);
      count_run(r, &row.table.clean);
      for (const auto& p : r.verdict.violated_guaranteed) {
        row.table.false_alarms.push_back(BugzooFalseAlarm{seed, p, r.replay, r.run_dir});
      }
      out << "bugzoo: clean node, " << name << " scenario, run " << ++runs << " seed " << seed << ": "
          << describe(r) << (r.verdict.violated_guaranteed.empty() ? "" : "  FALSE ALARM") << " ["
          << format_s(seconds_since(start_ns)) << " s of " << format_s(budget_ms / 1000.0) << " s]" << std::endl;
    }
  }
  return seconds_since(start_ns);
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

void shrink_catch(const BugzooOptions& options, ZooRow* zoo, std::ostream& out) {
  BugzooRow* row = &zoo->table;
  ShrinkOptions so;
  so.run_dir = zoo->run_dir;
  so.budget_ms = std::max(options.shrink_budget_ms, static_cast<int64_t>(kShrinkRunsMin * zoo->catch_run_s * 1000));
  so.tries = 1;
  so.properties = {row->property};
  so.out_dir = zoo->run_dir + "/shrink";
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
  out << "bugzoo: " << bug_name(row->bug) << ": shrink (" << format_s(seconds_since(start_ns))
      << " s, " << result.candidates << " candidates): " << row->shrunk
      << (row->shrunk_plan_file.empty() ? "" : "; " + row->shrunk_plan_file) << std::endl;
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
  BugzooSim sim;
  if (options.sim) sim = explore_bug(options, scenario, out);
  ZooRow z;
  z.scenario = &scenario;
  z.table = scenario_row(scenario);
  if (options.real) {
    z = run_bug(options, scenario, per_bug_ms, out);
    const BugzooRow& r = z.table;
    out << "bugzoo: " << bug_name(scenario.bug) << ": "
        << (r.caught ? "CAUGHT by " + r.property + " after " + std::to_string(r.counts.runs) + " run(s), " +
                           format_s(r.detect_s) + " s; replay: " + r.replay
                     : "not caught in " + std::to_string(r.counts.runs) + " run(s), " + format_s(z.elapsed_s) + " s")
        << std::endl;
    if (r.caught && options.shrink_budget_ms > 0) shrink_catch(options, &z, out);
  }
  z.table.sim = sim;
  return z;
}

// The bugs --bug names (in the order given, once each), or all of them.
Status chosen_scenarios(const std::vector<std::string>& names, std::vector<const BugScenario*>* chosen) {
  for (const std::string& name : names) {
    std::optional<Bug> bug = bug_from_name(name);
    if (!bug) {
      BugSet unused;
      return Status::invalid("--bug: " + BugSet::parse({name}, &unused).message());
    }
    if (std::find(chosen->begin(), chosen->end(), &bug_scenario(*bug)) == chosen->end()) {
      chosen->push_back(&bug_scenario(*bug));
    }
  }
  if (chosen->empty()) {
    for (const BugScenario& s : bug_scenarios()) chosen->push_back(&s);
  }
  return Status::ok();
}

std::vector<std::string> scenario_names(const std::vector<const BugScenario*>& scenarios) {
  std::vector<std::string> names;
  for (const BugScenario* s : scenarios) names.emplace_back(bug_name(s->bug));
  return names;
}

// The table's header fields from the options.
BugzooTable table_header(const BugzooOptions& options, int64_t per_bug_ms) {
  BugzooTable t;
  t.command_line = options.command_line;
  t.machine = machine_description();
  t.self = options.self;
  t.real = options.real;
  t.sim = options.sim;
  t.seed_base = options.seed_base;
  t.per_bug_budget_ms = per_bug_ms;
  t.sim_budget_ms = options.sim_budget_ms;
  t.shrink_budget_ms = options.shrink_budget_ms;
  return t;
}

void print_start(const BugzooOptions& options, size_t bugs, size_t all, int64_t per_bug_ms, std::ostream& out) {
  out << "faultline bugzoo: " << bugs << " bug(s)"
      << (options.shard ? " (shard " + to_string(*options.shard) + " of " + std::to_string(all) + ")" : "") << ", "
      << (options.real ? format_s(per_bug_ms / 1000.0) + " s each" : "")
      << (options.sim ? std::string(options.real ? ", " : "") + format_s(options.sim_budget_ms / 1000.0) +
                            " s each in the simulator"
                      : "")
      << ", seeds from " << options.seed_base << "; runs under " << options.out_dir << std::endl;
}

int bugzoo_command(const BugzooOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<const BugScenario*> all;
  if (Status s = chosen_scenarios(options.bugs, &all); !s) {
    err << "faultline bugzoo: " << s.message() << "\n";
    return kExitBadArguments;
  }
  // The item list of --shard and --list: the bugs, in this order.
  const std::vector<std::string> names = scenario_names(all);
  if (options.list) return print_shard_list(names, options.shard, out);
  if (options.budget_ms <= 0 || (options.per_bug_budget_ms && *options.per_bug_budget_ms <= 0)) {
    err << "faultline bugzoo: budgets must be > 0\n";
    return kExitBadArguments;
  }
  // Per bug as the unsharded zoo would give it, so that a shard's bugs get
  // the same budget.
  const int64_t per_bug_ms =
      options.per_bug_budget_ms ? *options.per_bug_budget_ms : options.budget_ms / static_cast<int64_t>(all.size());
  const Shard shard = options.shard.value_or(Shard{});
  const std::vector<size_t> indices = shard_indices(shard, all.size());
  const std::vector<const BugScenario*> chosen = shard_select(shard, all);
  print_start(options, chosen.size(), all.size(), per_bug_ms, out);

  const int64_t start_ns = monotonic_now_ns();
  std::vector<ZooRow> rows;
  for (const BugScenario* s : chosen) rows.push_back(zoo_row(options, *s, per_bug_ms, out));
  BugzooTable t = table_header(options, per_bug_ms);
  t.clean_s = run_clean(options, &rows, per_bug_ms * static_cast<int64_t>(chosen.size()), out);
  t.total_s = seconds_since(start_ns);
  t.when = utc_time("%Y-%m-%d %H:%M UTC");
  for (ZooRow& r : rows) t.rows.push_back(std::move(r.table));
  const int code = finish_bugzoo(&t, options.out_dir, options.table_path, out, err);
  if (!options.shard) return code;
  if (Status s = write_shard_manifest(options.out_dir, bugzoo_manifest(t, names, shard, indices, options.out_dir));
      !s) {
    err << "faultline bugzoo: " << s.message() << "\n";
    return kExitHarnessError;
  }
  out << "faultline bugzoo: shard " << to_string(shard) << " written to " << options.out_dir
      << "/shard.json; combine the shards with `faultline merge DIR... --out DIR`\n";
  return code;
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
  add_shard_option(app, &o->shard);
  app->add_flag("--list", o->list, "print the bugs (index, name; with --shard only that shard's) and run nothing");
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
    // Nor by one shard's part of the table: `faultline merge` writes the whole.
    if (o->shard && !table_given->count()) options.table_path.clear();
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
