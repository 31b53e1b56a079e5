#include "harness/run.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <sstream>
#include <thread>

#include "checker/checker.h"
#include "checker/staleness.h"
#include "core/plan_limits.h"
#include "core/bugs.h"
#include "core/file_io.h"
#include "harness/mode_options.h"
#include "core/history.h"
#include "core/node_dump.h"
#include "harness/cluster.h"
#include "faults/schedule.h"
#include "generators/plan_gen.h"
#include "harness/final_reads.h"
#include "harness/junit.h"
#include "faults/nemesis.h"
#include "harness/quiesce.h"
#include "harness/progress.h"
#include "harness/report.h"
#include "harness/resp_client.h"
#include "harness/run_dir.h"
#include "harness/workload.h"
#include "sim/plan_sim.h"

namespace faultline {

namespace {

// FL.DUMP carries the whole store; allow it more than a client request, in
// time and in bytes (swarm plans with values of megabytes dump 40-70 MB per
// node; the 64 MiB of a client reply made one such dump fail at random:
// smoke seed 53 under load).
constexpr int64_t kDumpTimeoutMs = 30000;
constexpr int64_t kDumpReplyBytesMax = int64_t{1} << 30;
// Seeds we draw stay below 2^53 so that every JSON reader keeps them exact.
constexpr uint64_t kRandomSeedMask = (uint64_t{1} << 53) - 1;

uint64_t random_seed() {
  std::random_device rd;
  uint64_t hi = rd();
  return ((hi << 32) | rd()) & kRandomSeedMask;
}

Status parse_cl_option(const char* option, const std::string& text, ConsistencyLevel* out) {
  Status s = parse_consistency_level(text, out);
  if (!s) return Status::invalid(std::string(option) + ": " + s.message());
  return s;
}

// Writes each node's FL.DUMP verbatim to final/<name>.json. A dump that does
// not parse is still written (it is evidence) and reported; a node that
// cannot be dumped leaves its file missing. The checker reports either as
// unknown.
std::vector<std::string> dump_nodes(const Cluster& cluster, const RunDir& dir) {
  std::vector<std::string> problems;
  for (const auto& n : cluster.nodes()) {
    RespClient client(n.client_port, kDumpReplyBytesMax);
    RespValue reply;
    Status s = client.call({"FL.DUMP"}, kDumpTimeoutMs, &reply);
    if (s && reply.type != RespValue::Type::kBulk) {
      s = Status::io("unexpected reply " + resp_encode(reply).substr(0, 200));
    }
    if (!s) {
      problems.push_back("FL.DUMP of " + n.name + ": " + s.message());
      continue;
    }
    NodeDump parsed;
    Status valid = node_dump_from_json(reply.str, &parsed);
    if (valid && parsed.node != n.name) valid = Status::invalid("it names node '" + parsed.node + "'");
    if (!valid) problems.push_back("FL.DUMP of " + n.name + " is malformed: " + valid.message());
    const bool ends_line = !reply.str.empty() && reply.str.back() == '\n';
    if (Status w = write_file_atomic(dir.final_path(n.name), ends_line ? reply.str : reply.str + '\n'); !w) {
      problems.push_back(w.message());
    }
  }
  return problems;
}

struct OpCounts {
  int64_t ok = 0, fail = 0, info = 0;
};

// Tallies completions per f from the history on disk: the summary then
// reports what the checker sees, not what the harness believes it wrote.
std::map<std::string, OpCounts> count_completions(const std::string& history_path) {
  std::map<std::string, OpCounts> counts;
  std::unique_ptr<HistoryReader> reader;
  if (!HistoryReader::open(history_path, &reader)) return counts;
  HistoryOp op;
  while (reader->next(&op) == HistoryReader::Result::kOp) {
    if (!op.is_client() || op.type == OpType::kInvoke) continue;
    OpCounts& c = counts[op.f];
    if (op.type == OpType::kOk) ++c.ok;
    else if (op.type == OpType::kFail) ++c.fail;
    else ++c.info;
  }
  return counts;
}

// After print_verdict (which states the verdict): counts, where, and how to
// replay.
void print_summary(std::ostream& out, const RunOptions& options, const Plan& plan, const RunDir& dir) {
  out << "\ncompletions:\n";
  for (const auto& [f, c] : count_completions(dir.history_path())) {
    out << "  " << f << ": " << c.ok << " ok, " << c.fail << " fail, " << c.info << " info\n";
  }
  out << "run directory: " << dir.path() << "\n";
  out << "replay: " << options.self << " " << options.command() << " --plan " << dir.plan_path() << "\n";
  if (options.overrides.seed && !options.overrides.plan_file) {
    out << "    or: " << options.self << " " << options.command() << " " << seed_replay_args(options.overrides, plan.seed) << "\n";
  }
}

// The default scenario (no --plan, no --seed) runs the configuration that
// guarantees every property (the ModeSpec defaults plus anti-entropy) under
// the faults that keep those guarantees: wipe and clock skew would void some.
constexpr const char* kDefaultScenarioFaults = "partition,kill,pause";

// --faults and --fault-interval: a schedule drawn from the seed over the
// workload's duration replaces the plan's. "--faults none" schedules none.
Status apply_fault_options(const RunOverrides& o, bool default_scenario, Plan* plan) {
  std::optional<std::string> faults = o.faults;
  if (!faults && default_scenario) faults = kDefaultScenarioFaults;
  if (o.fault_interval_s && !faults) return Status::invalid("--fault-interval: needs --faults");
  if (!faults) return Status::ok();
  ScheduleOptions so;
  if (*faults != "none") {
    Status s = parse_fault_kinds(*faults, &so.kinds);
    if (!s) return Status::invalid("--faults: " + s.message());
  }
  if (o.fault_interval_s) {
    so.interval_ms = static_cast<int64_t>(std::llround(*o.fault_interval_s * 1000));
  }
  so.duration_ms = plan->workload.duration_ms;
  so.nodes = plan->cluster.nodes;
  Rng rng = Rng(plan->seed).fork(kScheduleRngStream);
  plan->faults = build_schedule(so, &rng);
  return Status::ok();
}

// Every fault event must decode against the cluster before a run starts.
Status validate_faults(const Plan& plan) {
  for (size_t i = 0; i < plan.faults.size(); ++i) {
    FaultSpec spec;
    Status s = decode_fault(plan.faults[i], plan.cluster.nodes, &spec);
    if (!s) return Status::invalid("invalid plan: faults[" + std::to_string(i) + "]." + s.message());
  }
  return Status::ok();
}

bool has_fault_kind(const Plan& plan, std::initializer_list<std::string_view> kinds) {
  for (const auto& f : plan.faults) {
    for (auto k : kinds) {
      if (f.kind == k) return true;
    }
  }
  return false;
}

// The options a drawn plan must keep (docs/generators.md "Pins"); the
// numeric ones were checked first (check_numeric_options).
PlanPins plan_pins(const RunOverrides& o) {
  PlanPins pins{o.nodes, o.rf, o.vnodes, o.clients, o.keys, o.rate, std::nullopt};
  if (o.duration_s) {
    pins.duration_ms = static_cast<int64_t>(std::llround(*o.duration_s * 1000));
  }
  return pins;
}

// The numeric options, checked before they are drawn with or converted to
// milliseconds (where 1e308 seconds would overflow), naming the option.
Status check_numeric_options(const RunOverrides& o) {
  constexpr double kSecondsMax = kWorkloadDurationMsMax / 1000.0;
  if (o.rate && !(*o.rate >= kWorkloadRateMin && *o.rate <= kWorkloadRateMax)) {
    return Status::invalid("--rate: must be in [0.001, 1000000] operations per second");
  }
  if (o.duration_s && !(*o.duration_s >= 0 && *o.duration_s <= kSecondsMax)) {
    return Status::invalid("--duration: must be in [0, 604800] seconds (a week)");
  }
  if (o.fault_interval_s && !(*o.fault_interval_s > 0 && *o.fault_interval_s <= kSecondsMax)) {
    return Status::invalid("--fault-interval: must be in (0, 604800] seconds (a week)");
  }
  return Status::ok();
}

}  // namespace

Status resolve_plan(const RunOverrides& o, Plan* plan) {
  *plan = Plan();
  if (Status s = check_numeric_options(o); !s) return s;
  if (o.plan_file) {
    Status s = read_plan_file(*o.plan_file, plan);
    if (!s) return s;
  } else if (o.seed) {
    // --seed N draws the whole plan; the options set below were drawn within
    // (pins), and setting them again changes nothing.
    Status s = plan_from_seed(*o.seed, plan_pins(o), plan);
    if (!s) return Status::invalid("invalid plan: " + s.message());
  } else {
    // No seed: the default scenario of the README; the random seed only
    // drives the workload's choices, so plan.json is what replays it.
    plan->seed = random_seed();
    plan->modes.anti_entropy = true;
  }
  if (o.seed) plan->seed = *o.seed;
  if (o.nodes) plan->cluster.nodes = *o.nodes;
  if (o.rf) plan->cluster.rf = *o.rf;
  if (o.vnodes) plan->cluster.vnodes = *o.vnodes;
  if (o.clients) plan->workload.clients = *o.clients;
  if (o.rate) plan->workload.rate = *o.rate;
  if (o.keys) plan->workload.keys = *o.keys;
  if (o.duration_s) {
    plan->workload.duration_ms = static_cast<int64_t>(std::llround(*o.duration_s * 1000));
  }
  Status s;
  if (o.read_cl && !(s = parse_cl_option("--read-cl", *o.read_cl, &plan->workload.read_cl))) return s;
  if (o.write_cl && !(s = parse_cl_option("--write-cl", *o.write_cl, &plan->workload.write_cl))) return s;
  for (const auto& [flag, value] : o.modes) {
    if (!(s = apply_mode_option(flag, value, &plan->modes))) return s;
  }
  if (!(s = apply_fault_options(o, !o.plan_file && !o.seed, plan))) return s;
  for (const std::string& b : o.bugs) {
    BugSet set;
    if (!(s = BugSet::parse({b}, &set))) return Status::invalid("--bug: " + s.message());
    if (std::find(plan->bugs.begin(), plan->bugs.end(), b) == plan->bugs.end()) plan->bugs.push_back(b);
  }
  s = validate_plan(*plan);
  if (!s) return Status::invalid("invalid plan: " + s.message());
  return validate_faults(*plan);
}

std::string seed_replay_args(const RunOverrides& o, uint64_t seed) {
  std::ostringstream args;
  args << "--seed " << seed;
  if (o.nodes) args << " --nodes " << *o.nodes;
  if (o.rf) args << " --rf " << *o.rf;
  if (o.vnodes) args << " --vnodes " << *o.vnodes;
  if (o.read_cl) args << " --read-cl " << *o.read_cl;
  if (o.write_cl) args << " --write-cl " << *o.write_cl;
  if (o.clients) args << " --clients " << *o.clients;
  if (o.rate) args << " --rate " << *o.rate;
  if (o.duration_s) args << " --duration " << *o.duration_s;
  if (o.keys) args << " --keys " << *o.keys;
  if (o.faults) args << " --faults " << *o.faults;
  if (o.fault_interval_s) args << " --fault-interval " << *o.fault_interval_s;
  for (const auto& [flag, value] : o.modes) args << " " << flag << " " << value;
  for (const std::string& b : o.bugs) args << " --bug " << b;
  return args.str();
}

int resolve_plan_and_node_bin(const RunOverrides& o, const std::string& node_bin_given, const std::string& command,
                              std::ostream& err, Plan* plan, std::string* node_bin) {
  Status s = resolve_plan(o, plan);
  if (!s) {
    err << command << ": " << s.message() << "\n";
    return kExitBadArguments;
  }
  s = Cluster::find_node_bin(node_bin_given, node_bin);
  if (!s) {
    err << command << ": " << s.message() << "\n";
    return kExitHarnessError;
  }
  return 0;
}

namespace {

// Printed first, so that even a run that dies can be found and replayed.
void print_header(std::ostream& out, const RunOptions& options, const Plan& plan, const RunDir& dir) {
  out << "faultline " << options.command() << ": seed " << plan.seed << ", " << plan.cluster.nodes << " nodes, rf " << plan.cluster.rf
      << ", run directory " << dir.path() << std::endl;
  out << "modes: read repair " << to_string(plan.modes.read_repair) << ", hinted handoff "
      << (plan.modes.hinted_handoff ? "on" : "off") << ", quorum " << to_string(plan.modes.quorum)
      << ", anti-entropy " << (plan.modes.anti_entropy ? "on" : "off") << "; reads " << to_string(plan.workload.read_cl)
      << ", writes " << to_string(plan.workload.write_cl) << "; faults:";
  if (plan.faults.empty()) out << " none";
  for (const auto& f : plan.faults) {
    out << " " << f.kind << "@" << f.start_ms / 1000.0 << "s";
  }
  out << "\nshape: " << plan_shape(plan) << std::endl;
}

// Step 3: the workload on its own thread and the nemesis on this one (it
// restarts nodes, and a node's parent-death signal fires when the thread
// that forked it ends). Then step 4, healing every fault.
void run_workload_under_faults(const RunOptions& options, const Plan& plan, Cluster* cluster, Workload* workload,
                               HistoryWriter* history, std::ostream& out, std::ostream& err) {
  append_phase(history, "workload-start");
  std::atomic<bool> workload_done{false};
  std::thread workload_thread([&] {
    workload->run();
    workload_done.store(true);
  });
  Nemesis nemesis(cluster, history, plan.faults);
  std::optional<Progress> progress;
  if (options.progress_fd >= 0) {
    progress.emplace(out, Progress::is_terminal(options.progress_fd),
                     ProgressOptions{.unit = "ops", .budget_ms = plan.workload.duration_ms},
                     [&] { return ProgressSample{workload->ops_done(), 0, "fault: " + nemesis.in_force()}; });
  }
  nemesis.run(workload_done);
  workload_thread.join();
  if (progress) progress->stop();
  append_phase(history, "workload-end");
  // A failed heal leaves an ok:false marker, which makes the verdict unknown.
  if (Status s = nemesis.heal_all(); !s) err << "faultline run: warning: " << s.message() << "\n";
}

// Steps 5 and 6: quiesce, read every written key at ALL, dump every node.
void settle_and_read(const Plan& plan, const Cluster& cluster, const Workload& workload, const RunDir& dir,
                     HistoryWriter* history, std::ostream& out, std::ostream& err) {
  QuiesceResult quiet = quiesce(cluster, plan.modes, kQuiesceTimeoutMs, history);
  if (!quiet.ok) err << "faultline run: warning: quiesce: " << quiet.reason << "\n";
  out << "healed and quiesced in " << quiet.quiesce_ms << " ms (anti-entropy " << quiet.anti_entropy << ")" << std::endl;
  append_phase(history, "final-reads");
  std::vector<int> ports;
  for (const auto& n : cluster.nodes()) ports.push_back(n.client_port);
  FinalReads final_reads(ports, workload.request_timeout_ms(), history);
  FinalReadResult reads = final_reads.run(workload.keys_written(), workload.next_free_process());
  if (!reads.unread.empty()) {
    err << "faultline run: warning: " << reads.unread.size() << " key(s) had no successful final read at ALL\n";
  }
  for (const auto& problem : dump_nodes(cluster, dir)) err << "faultline run: warning: " << problem << "\n";
  append_phase(history, "done");
}

// Step 7 after the cluster stopped: check, then verdict.json, staleness.json, junit.xml,
// the summary and report.html. Returns the exit code of the verdict.
int check_and_report(const RunOptions& options, const Plan& plan, const RunDir& dir, std::ostream& out,
                     std::ostream& err) {
  Verdict verdict = check_run_dir(dir.path(), CheckOptions{});
  const std::string warning = std::string("faultline ") + options.command() + ": warning: ";
  Status s = write_verdict(dir.path(), verdict);
  if (!s) err << warning << s.message() << "\n";
  s = write_staleness_file(dir.path());
  if (!s) err << warning << "staleness.json not written: " << s.message() << "\n";
  s = write_run_junit(dir.path(), plan, verdict, options.self + " " + options.command() + " --plan " + dir.plan_path());
  if (!s) err << warning << s.message() << "\n";
  out << "\n";
  print_verdict(out, verdict);
  print_summary(out, options, plan, dir);
  ReportResult report = write_report(dir.path(), ReportOptions{options.self});
  if (report.written) out << "report: " << report.path << "\n";
  else err << warning << report.error << "\n";
  return verdict_exit_code(verdict);
}

// `faultline sim`: the plan in virtual time (sim/plan_sim.h), then the same
// checking and reports as a real run.
int simulate_command(const RunOptions& options, std::ostream& out, std::ostream& err) {
  Plan plan;
  if (Status s = resolve_plan(options.overrides, &plan); !s) {
    err << "faultline sim: " << s.message() << "\n";
    return kExitBadArguments;
  }
  RunDir dir;
  Status s = RunDir::create(options.out_dir, plan.seed, &dir);
  if (s && options.run_dir_out != nullptr) *options.run_dir_out = dir.path();
  if (s) s = write_plan_file(dir.plan_path(), plan);
  print_header(out, options, plan, dir);
  PlanSimSummary summary;
  if (s) s = simulate_plan(plan, dir.path(), /*trace=*/true, &summary);
  if (!s) {
    err << "faultline sim: " << s.message() << "\n";
    return kExitHarnessError;
  }
  out << "simulated " << summary.operations << " operations in " << summary.virtual_ms << " ms of virtual time ("
      << summary.messages_delivered << " messages delivered, " << summary.messages_dropped << " dropped; "
      << (summary.quiesced ? "quiesced" : "not quiesced") << "); trace: " << dir.path() << "/trace.txt" << std::endl;
  return check_and_report(options, plan, dir, out, err);
}

}  // namespace

int run_command(const RunOptions& options, std::ostream& out, std::ostream& err) {
  if (options.simulate) return simulate_command(options, out, err);
  // Both checked before the run directory exists, so a typo or a build
  // mistake leaves no empty run behind.
  Plan plan;
  std::string node_bin;
  if (int rc = resolve_plan_and_node_bin(options.overrides, options.node_bin, "faultline run", err, &plan, &node_bin)) {
    return rc;
  }
  if (plan.probe.enabled()) {
    err << "faultline run: the plan's probe is for the simulator only: use faultline sim --plan\n";
    return kExitBadArguments;
  }
  RunDir dir;
  Status s = RunDir::create(options.out_dir, plan.seed, &dir);
  if (s && options.run_dir_out != nullptr) *options.run_dir_out = dir.path();
  if (s) s = write_plan_file(dir.plan_path(), plan);
  std::unique_ptr<HistoryWriter> history;
  if (s) s = HistoryWriter::open(dir.history_path(), HistoryHeader{kHistoryFormatVersion, plan.seed}, &history);
  if (!s) {
    err << "faultline run: " << s.message() << "\n";
    return kExitHarnessError;
  }
  print_header(out, options, plan, dir);
  ClusterOptions cluster_options{node_bin, dir.path(), plan};
  // The proxy also applies the plan's per-leg latency (faults/link_proxy.h).
  cluster_options.link_proxy = has_fault_kind(plan, {"partition", "delay"}) || !plan.latency.empty();
  cluster_options.faketime = has_fault_kind(plan, {"clock"});
  cluster_options.fault_hooks = has_fault_kind(plan, {"disk"});
  Cluster cluster(cluster_options);
  if (s = cluster.start(); !s) {
    err << "faultline run: cluster did not start: " << s.message() << "\n";
    return kExitHarnessError;
  }
  out << "cluster ready in " << cluster.ready_ms() << " ms (" << cluster.size() << " nodes)" << std::endl;
  std::vector<int> ports;
  for (const auto& n : cluster.nodes()) ports.push_back(n.client_port);
  Workload workload(plan, ports, history.get());
  run_workload_under_faults(options, plan, &cluster, &workload, history.get(), out, err);
  settle_and_read(plan, cluster, workload, dir, history.get(), out, err);
  history.reset();  // closes the file before the checker reads it
  if (s = cluster.stop(); !s) err << "faultline run: warning: stopping the cluster: " << s.message() << "\n";
  return check_and_report(options, plan, dir, out, err);
}

}  // namespace faultline
