#include "harness/explore.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

#include "core/clock.h"
#include "core/file_io.h"
#include "core/json_reader.h"
#include "harness/shard_manifest.h"
#include "harness/progress.h"
#include "harness/run.h"
#include "sim/sim_check.h"

namespace faultline {

namespace {

namespace fs = std::filesystem;

// A failure the explorer stops at: the target reproduced, or else a
// guaranteed property violated.
bool is_failure(const ExploreOptions& o, const VerdictSummary& v) {
  return o.target ? reproduces(*o.target, v) : !v.violated_guaranteed.empty();
}

// The index of the j-th plan this explorer runs: j, or with a shard K/N the
// j-th index i with i % N == K - 1.
uint64_t index_of(const ExploreOptions& o, uint64_t j) {
  if (!o.shard) return j;
  return static_cast<uint64_t>(o.shard->index - 1) + j * static_cast<uint64_t>(o.shard->count);
}

// One seed's result, as the search keeps it.
struct SeedRun {
  Status status;
  VerdictSummary verdict;
  int64_t operations = 0, virtual_ms = 0;
};

SeedRun run_seed(const ExploreOptions& o, uint64_t seed) {
  SeedRun r;
  Plan plan;
  if (r.status = explore_plan(o, seed, &plan); !r.status) return r;
  SimCheckResult result;
  if (r.status = simulate_and_check(plan, SimCheckOptions{}, &result); !r.status) return r;
  r.verdict = summarize(result.verdict);
  r.operations = result.summary.operations;
  r.virtual_ms = result.summary.virtual_ms;
  return r;
}

// The search: indices handed out in order to `jobs` threads; see
// explore.h "Determinism".
class Search {
 public:
  Search(const ExploreOptions& o, std::ostream& log) : o_(o), log_(log), deadline_(Deadline::after_ms(o.budget_ms)) {}

  void run(int jobs) {
    std::vector<std::thread> workers;
    for (int i = 0; i < jobs; ++i) workers.emplace_back([this] { work(); });
    for (auto& w : workers) w.join();
  }

  // Read by the progress thread too.
  int64_t done() const { return done_.load(); }
  std::string detail() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }

  // After run(): the lowest failing index, its run, and the totals.
  std::optional<uint64_t> failing() const { return failing_; }
  const SeedRun& failing_run() const { return failing_run_; }
  int64_t unknown() const { return unknown_; }
  int64_t operations() const { return operations_; }
  int64_t virtual_ms() const { return virtual_ms_; }
  const Status& error() const { return error_; }

 private:
  // The next index to run, or none: a failure below it, the budget spent,
  // or a run that could not be made.
  std::optional<uint64_t> take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_ || deadline_.expired()) return std::nullopt;
    const uint64_t i = index_of(o_, next_);
    if (failing_ && i > *failing_) return std::nullopt;
    if (o_.seeds_max > 0 && i >= o_.seeds_max) return std::nullopt;
    ++next_;
    log_ << "start seed " << explore_seed(o_, i) << std::endl;
    return i;
  }

  void work() {
    while (std::optional<uint64_t> index = take()) {
      const uint64_t seed = explore_seed(o_, *index);
      SeedRun r = run_seed(o_, seed);
      std::lock_guard<std::mutex> lock(mu_);
      log_ << "end seed " << seed << ": " << (r.status ? describe(r.verdict) : r.status.message()) << std::endl;
      if (!r.status) {
        if (error_) error_ = r.status;
        continue;
      }
      ++done_;
      unknown_ += r.verdict.value == "unknown" ? 1 : 0;
      operations_ += r.operations;
      virtual_ms_ += r.virtual_ms;
      last_ = "seed " + std::to_string(seed) + " " + describe(r.verdict);
      if (is_failure(o_, r.verdict) && (!failing_ || *index < *failing_)) {
        failing_ = *index;
        failing_run_ = r;
      }
    }
  }

  const ExploreOptions& o_;
  std::ostream& log_;
  const Deadline deadline_;
  std::atomic<int64_t> done_{0};
  std::mutex mu_;  // guards everything below
  uint64_t next_ = 0;  // how many indices were taken
  std::optional<uint64_t> failing_;
  SeedRun failing_run_;
  int64_t unknown_ = 0, operations_ = 0, virtual_ms_ = 0;
  std::string last_;
  Status error_;
};

// The shrinker's runner: one try in the simulator, its run directory kept.
TryRunner sim_try_runner() {
  auto tries = std::make_shared<std::atomic<int>>(0);
  return [tries](const Plan& plan, const std::string& runs_dir, std::string* run_dir, VerdictSummary* verdict) {
    *run_dir = runs_dir + "/try-" + std::to_string(++*tries);
    // An earlier explore into the same --out may have left this directory:
    // a stale final/<node>.json would make this try's verdict unknown.
    std::error_code ec;
    std::filesystem::remove_all(*run_dir, ec);
    if (ec) return Status::io("cannot clear " + *run_dir + ": " + ec.message());
    SimCheckOptions options;
    options.keep_dir = *run_dir;
    SimCheckResult result;
    if (Status s = simulate_and_check(plan, options, &result); !s) return s;
    *verdict = summarize(result.verdict);
    return Status::ok();
  };
}

void shrink_failure(const ExploreOptions& o, std::ostream& out, ExploreResult* r) {
  ShrinkOptions so;
  so.run_dir = r->run_dir;
  so.budget_ms = o.shrink_budget_ms;
  so.tries = 1;  // the simulator is deterministic
  const VerdictSummary& keep = o.target ? *o.target : r->verdict;
  so.properties.assign(keep.violated_guaranteed.begin(), keep.violated_guaranteed.end());
  so.out_dir = o.out_dir + "/shrink";
  so.self = o.self;
  so.runner = sim_try_runner();
  std::ostringstream log;
  Status s = shrink_plan(so, log, &r->shrink);
  (void)write_file_atomic(so.out_dir + "/shrink.log", log.str(), true);  // best effort: evidence only
  if (!s) {
    out << "explore: shrinking stopped: " << s.message() << "\n";
    return;
  }
  r->shrunk = r->shrink.reproduced && r->shrink.kept > 0;
  if (r->shrink.reproduced) r->smallest_plan_file = r->shrink.smallest_plan_file;
  out << "explore: shrunk in " << r->shrink.elapsed_ms / 1000.0 << " s, " << r->shrink.candidates
      << " candidates: " << describe_size(r->shrink.before) << " -> " << describe_size(r->shrink.after) << "\n";
}

// --confirm: the smallest plan on real processes, as `faultline run --plan`.
void confirm_on_real_processes(const ExploreOptions& o, std::ostream& out, ExploreResult* r) {
  const Deadline deadline = Deadline::after_ms(o.confirm_budget_ms);
  VerdictSummary preserve = r->verdict;
  preserve.violated = preserve.violated_guaranteed;
  for (int i = 0; i < o.confirm && !deadline.expired(); ++i) {
    RunOptions run;
    run.overrides.plan_file = r->smallest_plan_file;
    run.out_dir = o.out_dir + "/confirm";
    run.node_bin = o.node_bin;
    run.self = o.self;
    std::string dir;
    run.run_dir_out = &dir;
    std::ostringstream log;
    const int rc = run_command(run, log, log);
    VerdictSummary v;
    const bool judged = !dir.empty() && rc != kExitBadArguments && rc != kExitHarnessError &&
                        read_verdict_summary(dir, &v);
    ++r->confirm_runs;
    const bool failed = judged && reproduces(preserve, v);
    r->confirm_failed += failed ? 1 : 0;
    out << "explore: confirm " << i + 1 << " of " << o.confirm << ": "
        << (judged ? describe(v) : "no verdict (exit " + std::to_string(rc) + ")") << (failed ? " -> failed" : "")
        << " (" << dir << ")" << std::endl;
  }
}

Status check_options(const ExploreOptions& o) {
  if (o.jobs < 0 || o.jobs > kExploreJobsMax) {
    return Status::invalid("--jobs: must be in 0.." + std::to_string(kExploreJobsMax) + " (0: every core)");
  }
  if (o.budget_ms <= 0) return Status::invalid("--budget: must be positive");
  if (o.confirm < 0 || o.confirm > kExploreConfirmMax) {
    return Status::invalid("--confirm: must be in 0.." + std::to_string(kExploreConfirmMax));
  }
  Plan probe;
  if (Status s = explore_plan(o, o.seed_base, &probe); !s) return Status::invalid(s.message());
  return Status::ok();
}

// The search with its progress line; fills the search fields of *r.
Status search(const ExploreOptions& o, int jobs, std::ostream& out, ExploreResult* r) {
  std::ofstream log(o.out_dir + "/explore.log");
  if (!log) return Status::io("cannot write " + o.out_dir + "/explore.log");
  Search search(o, log);
  const int64_t start_ns = monotonic_now_ns();
  {
    std::optional<Progress> line;
    if (o.progress_fd >= 0) {
      line.emplace(out, Progress::is_terminal(o.progress_fd),
                   ProgressOptions{.unit = "runs", .budget_ms = o.budget_ms},
                   [&search] { return ProgressSample{search.done(), 0, search.detail()}; });
    }
    search.run(jobs);
  }
  r->elapsed_s = static_cast<double>(monotonic_now_ns() - start_ns) / 1e9;
  r->runs = search.done();
  r->unknown = search.unknown();
  r->operations = search.operations();
  r->virtual_ms = search.virtual_ms();
  if (!search.error()) return search.error();
  if (search.failing()) {
    r->found = true;
    r->seed = explore_seed(o, *search.failing());
    r->verdict = search.failing_run().verdict;
  }
  return Status::ok();
}

// Replays the failing seed into <out>/seed-<N>, which keeps its run
// directory and checks that it fails again the same way.
Status keep_failing_run(const ExploreOptions& o, ExploreResult* r) {
  Plan plan;
  if (Status s = explore_plan(o, r->seed, &plan); !s) return s;
  r->run_dir = o.out_dir + "/seed-" + std::to_string(r->seed);
  std::error_code ec;
  fs::remove_all(r->run_dir, ec);
  SimCheckOptions options;
  options.keep_dir = r->run_dir;
  options.trace = true;
  SimCheckResult result;
  if (Status s = simulate_and_check(plan, options, &result); !s) return s;
  const VerdictSummary again = summarize(result.verdict);
  if (again.violated_guaranteed != r->verdict.violated_guaranteed || !is_failure(o, again)) {
    return Status::io("the replay of seed " + std::to_string(r->seed) + " gave " + describe(summarize(result.verdict)) +
                      ", not " + describe(r->verdict) + ": the simulator is not deterministic here (a bug)");
  }
  r->smallest_plan_file = r->run_dir + "/plan.json";
  return Status::ok();
}

// <out>/shard.json for `faultline merge` (explore.h).
Status write_shard(const ExploreOptions& o, int jobs, const ExploreResult& r) {
  std::string bugs;
  for (const auto& b : o.bugs) bugs += (bugs.empty() ? "" : ",") + b;
  ShardManifest m;
  m.command = "explore";
  m.params = {{"seed_base", std::to_string(o.seed_base)}, {"seeds", std::to_string(o.seeds_max)}, {"bugs", bugs}};
  m.facts = {{"jobs", std::to_string(jobs)}};
  m.shard = *o.shard;
  m.items_total = static_cast<size_t>(o.shard->count);
  ExploreShardRecord record{r.runs, r.elapsed_s, r.found, r.seed, r.found ? describe(r.verdict) : "",
                            r.found ? explore_replay(o, r.seed) : ""};
  m.items.push_back(ShardItem{static_cast<size_t>(o.shard->index - 1), "shard " + to_string(*o.shard),
                              explore_shard_record_json(record), ""});
  return write_shard_manifest(o.out_dir, m);
}

}  // namespace

std::string explore_shard_record_json(const ExploreShardRecord& r) {
  nlohmann::ordered_json j;
  j["runs"] = r.runs;
  j["elapsed_s"] = r.elapsed_s;
  j["found"] = r.found;
  j["seed"] = r.seed;
  j["verdict"] = r.verdict;
  j["replay"] = r.replay;
  return j.dump();
}

Status explore_shard_record_from_json(std::string_view text, const std::string& source, ExploreShardRecord* out) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::invalid(source + ": not JSON");
  ObjectReader r(j, source);
  r.require({"runs", "elapsed_s", "found", "seed", "verdict", "replay"});
  ExploreShardRecord record;
  r.get("runs", &record.runs);
  r.get("elapsed_s", &record.elapsed_s);
  r.get("found", &record.found);
  r.get("seed", &record.seed);
  r.get("verdict", &record.verdict);
  r.get("replay", &record.replay);
  if (Status s = r.finish(); !s) return s;
  *out = std::move(record);
  return Status::ok();
}

uint64_t explore_seed(const ExploreOptions& options, uint64_t index) { return options.seed_base + index; }

Status explore_plan(const ExploreOptions& o, uint64_t seed, Plan* plan) {
  if (o.base_plan) {
    *plan = *o.base_plan;
    plan->seed = seed;
    return Status::ok();
  }
  RunOverrides overrides;
  overrides.seed = seed;
  overrides.bugs = o.bugs;
  return resolve_plan(overrides, plan);
}

std::string explore_replay(const ExploreOptions& o, uint64_t seed) {
  if (o.base_plan) return "";
  std::string command = o.self + " sim --seed " + std::to_string(seed);
  for (const auto& b : o.bugs) command += " --bug " + b;
  return command;
}

Status explore(const ExploreOptions& o, std::ostream& out, ExploreResult* r) {
  *r = ExploreResult{};
  if (Status s = check_options(o); !s) return s;
  const int jobs = o.jobs > 0 ? o.jobs : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return Status::io("cannot create " + o.out_dir + ": " + ec.message());
  std::string bugs;
  for (const auto& b : o.bugs) bugs += " --bug " + b;
  out << "faultline explore: " << (o.base_plan ? "one plan with seeds from " : "seeds from ") << o.seed_base << bugs
      << (o.shard ? " (shard " + to_string(*o.shard) + ": every " + std::to_string(o.shard->count) + "th)" : "")
      << ", " << jobs << " job(s), budget "
      << o.budget_ms / 1000.0 << " s; in the simulator; under " << o.out_dir << std::endl;
  if (Status s = search(o, jobs, out, r); !s) return s;
  out << "explore: " << r->runs << " runs in " << r->elapsed_s << " s (" << r->operations << " operations, "
      << r->virtual_ms / 1000 << " s of virtual time; " << r->unknown << " unknown)" << std::endl;
  if (o.shard) {
    if (Status s = write_shard(o, jobs, *r); !s) return s;
  }
  if (!r->found) return Status::ok();
  out << "explore: seed " << r->seed << " is the lowest failing seed: " << describe(r->verdict) << std::endl;
  if (Status s = keep_failing_run(o, r); !s) return s;
  if (o.shrink_budget_ms > 0) shrink_failure(o, out, r);
  if (o.confirm > 0) confirm_on_real_processes(o, out, r);
  return Status::ok();
}

}  // namespace faultline
