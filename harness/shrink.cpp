#include "harness/shrink.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <ostream>
#include <sstream>

#include "checker/expectations.h"
#include "core/clock.h"
#include "core/file_io.h"
#include "core/history.h"
#include "generators/plan_shrink.h"
#include "harness/progress.h"
#include "harness/replay.h"
#include "harness/run.h"
#include "harness/run_dir.h"

namespace faultline {

namespace {

namespace fs = std::filesystem;

// Client operations (invocations) in a run's history; 0 when unreadable.
int64_t client_operations(const std::string& run_dir) {
  int64_t n = 0;
  std::unique_ptr<HistoryReader> reader;
  if (!HistoryReader::open(run_dir + "/history.jsonl", &reader)) return 0;
  HistoryOp op;
  while (reader->next(&op) == HistoryReader::Result::kOp) n += op.is_client() && op.type == OpType::kInvoke ? 1 : 0;
  return n;
}


void remove_run_dir(const std::string& dir) {
  std::error_code ec;
  if (!dir.empty()) fs::remove_all(dir, ec);  // best effort: a leftover directory is only disk space
}

// Runs plans and tells whether they fail the preserved way.
class CandidateRunner {
 public:
  CandidateRunner(const ShrinkOptions& o, VerdictSummary preserve, std::string out_dir)
      : options_(o), preserve_(std::move(preserve)), out_dir_(std::move(out_dir)) {}

  // Up to options.tries runs of `plan`; true at the first that fails the
  // preserved way, with its run directory in *failing_dir. Tries that did
  // not fail are deleted.
  Status fails(const Plan& plan, bool* failed, std::string* failing_dir, std::string* verdicts) {
    *failed = false;
    verdicts->clear();
    const std::string plan_file = out_dir_ + "/candidate-plan.json";
    if (Status s = write_plan_file(plan_file, plan); !s) return s;
    if (options_.runner) return fails_by_runner(plan, failed, failing_dir, verdicts);
    RunOptions run;
    run.overrides.plan_file = plan_file;
    run.out_dir = out_dir_ + "/runs";
    run.node_bin = options_.node_bin;
    run.self = options_.self;
    for (int i = 0; i < options_.tries && !*failed; ++i) {
      std::ostringstream run_out, run_err;  // kept in the run directory, not on the terminal
      std::string dir;
      run.run_dir_out = &dir;
      const int rc = run_command(run, run_out, run_err);
      ++runs_;
      VerdictSummary v;
      Status got = dir.empty() ? Status::io("no run directory was created") : read_verdict_summary(dir, &v);
      // Best effort: the log is evidence beside the run, not part of it.
      if (!dir.empty()) (void)write_file_atomic(dir + "/shrink-run.log", run_out.str() + run_err.str());
      if (rc == kExitBadArguments || rc == kExitHarnessError || !got) {
        return Status::io("a run of " + plan_file + " did not complete (exit " + std::to_string(rc) +
                          "): " + got.message() + "; " + run_err.str() + (dir.empty() ? "" : " (see " + dir + ")"));
      }
      *verdicts += (verdicts->empty() ? "" : ", ") + describe(v);
      *failed = reproduces(preserve_, v);
      if (*failed) *failing_dir = dir;
      else remove_run_dir(dir);
    }
    return Status::ok();
  }

  int runs() const { return runs_.load(); }  // also read by the progress thread

 private:
  Status fails_by_runner(const Plan& plan, bool* failed, std::string* failing_dir, std::string* verdicts) {
    for (int i = 0; i < options_.tries && !*failed; ++i) {
      std::string dir;
      VerdictSummary v;
      Status s = options_.runner(plan, out_dir_ + "/runs", &dir, &v);
      ++runs_;
      if (!s) return s;
      *verdicts += (verdicts->empty() ? "" : ", ") + describe(v);
      *failed = reproduces(preserve_, v);
      if (*failed) *failing_dir = dir;
      else remove_run_dir(dir);
    }
    return Status::ok();
  }

  const ShrinkOptions& options_;
  const VerdictSummary preserve_;
  const std::string out_dir_;
  std::atomic<int> runs_{0};
};

// The verdict to preserve: --property names, else the original's violations.
Status what_to_preserve(const ShrinkOptions& o, VerdictSummary* out) {
  if (o.preserve) *out = *o.preserve;
  else if (Status s = read_verdict_summary(o.run_dir, out); !s) return s;
  if (!o.properties.empty()) {
    const auto& ids = all_property_ids();
    for (const auto& p : o.properties) {
      if (std::find(ids.begin(), ids.end(), p) == ids.end()) {
        return Status::invalid("--property: unknown property '" + p + "'");
      }
    }
    out->violated = {o.properties.begin(), o.properties.end()};
  }
  if (out->violated.empty() && out->value == "valid") {
    return Status::invalid(o.run_dir + "/verdict.json: the run is valid and --property names nothing: "
                           "nothing to preserve");
  }
  return Status::ok();
}

// One step of the walk: runs a candidate and keeps it when it fails the
// preserved way. Plans that did not fail are remembered: deeper levels of
// the tree offer some again (no faults at the shortest duration, say), and
// the budget is better spent on new candidates. After a run broke
// (*failure not ok) every candidate counts as passing, which ends the walk.
class CandidateStep {
 public:
  CandidateStep(const ShrinkOptions& o, CandidateRunner* runner, std::ostream& progress, int64_t start_ns,
                ShrinkResult* result, Status* failure)
      : o_(o), runner_(runner), progress_(progress), start_ns_(start_ns), result_(result), failure_(failure) {}

  bool operator()(const Plan& candidate) {
    if (!*failure_) return false;
    std::string text = plan_to_json(candidate);
    if (passed_.count(text)) return false;
    bool failed = false;
    std::string dir, verdicts;
    {
      std::optional<Progress> line;  // stopped before the result line is printed
      start_progress_line(candidate, &line);
      *failure_ = runner_->fails(candidate, &failed, &dir, &verdicts);
    }
    if (!failed) passed_.insert(std::move(text));
    ++result_->candidates;
    progress_ << "candidate " << result_->candidates << ": " << describe_size(plan_size(candidate)) << ", clients "
              << candidate.workload.clients << ", rate " << candidate.workload.rate << ": " << verdicts
              << (failed ? " -> kept" : " -> not kept") << "\n"
              << std::flush;
    if (failed) {
      ++result_->kept;
      remove_run_dir(result_->smallest_run_dir);
      result_->smallest_run_dir = dir;
    }
    return failed;
  }

 private:
  void start_progress_line(const Plan& candidate, std::optional<Progress>* line) {
    if (o_.progress_fd < 0) return;
    const std::string detail =
        "candidate " + std::to_string(result_->candidates + 1) + ": " + describe_size(plan_size(candidate));
    CandidateRunner* runner = runner_;
    line->emplace(progress_, Progress::is_terminal(o_.progress_fd),
                  ProgressOptions{.unit = "runs", .budget_ms = o_.budget_ms, .start_ns = start_ns_},
                  [runner, detail] { return ProgressSample{runner->runs(), 0, detail}; });
  }

  const ShrinkOptions& o_;
  CandidateRunner* runner_;
  std::ostream& progress_;
  const int64_t start_ns_;
  ShrinkResult* result_;
  Status* failure_;
  std::set<std::string> passed_;
};

Status keep_smallest(const std::string& out_dir, ShrinkResult* result, const Status& failure);

}  // namespace

std::string describe_size(const PlanSize& s) {
  std::ostringstream o;
  o << "faults " << s.faults << " (" << s.fault_ms << " ms), nodes " << s.nodes << ", keys " << s.keys
    << ", duration " << s.duration_ms << " ms";
  return o.str();
}

Status shrink_plan(const ShrinkOptions& o, std::ostream& progress, ShrinkResult* result) {
  if (o.tries < 1 || o.tries > kShrinkTriesMax) {
    return Status::invalid("--tries: must be in 1.." + std::to_string(kShrinkTriesMax));
  }
  if (o.budget_ms <= 0) return Status::invalid("--budget: must be positive");
  VerdictSummary preserve;
  if (Status s = what_to_preserve(o, &preserve); !s) return s;
  Plan original;
  if (Status s = read_plan_file(o.run_dir + "/plan.json", &original); !s) return Status::invalid(s.message());

  const std::string out_dir = o.out_dir.empty() ? o.run_dir + "/shrink" : o.out_dir;
  std::error_code ec;
  fs::create_directories(out_dir + "/runs", ec);
  if (ec) return Status::io("cannot create " + out_dir + "/runs: " + ec.message());

  *result = ShrinkResult{};
  const Deadline budget = Deadline::after_ms(o.budget_ms);
  const int64_t start_ns = monotonic_now_ns();
  result->before = plan_size(original);
  result->operations_before = client_operations(o.run_dir);
  progress << "faultline shrink: preserving " << describe(preserve) << "; " << o.tries
           << " tries per candidate, budget " << o.budget_ms / 1000 << " s, runs under " << out_dir << "/runs\n"
           << "original: " << describe_size(result->before) << ": replaying\n"
           << std::flush;

  CandidateRunner runner(o, preserve, out_dir);
  std::string verdicts;
  Status failure = runner.fails(original, &result->reproduced, &result->smallest_run_dir, &verdicts);
  progress << "original: " << verdicts << (result->reproduced ? " -> reproduced" : " -> not reproduced") << "\n"
           << std::flush;
  if (!failure || !result->reproduced) {
    result->runs = runner.runs();
    result->elapsed_ms = (monotonic_now_ns() - start_ns) / 1000000;
    return failure;
  }

  CandidateStep step(o, &runner, progress, start_ns, result, &failure);
  int tried = 0;
  result->smallest = shrink_walk(shrinkable_plan(original), [&step](const Plan& p) { return step(p); },
                                 kShrinkCandidatesMax, &tried, [&] { return budget.expired() || !failure; });
  result->budget_exhausted = budget.expired();
  result->runs = runner.runs();
  result->elapsed_ms = (monotonic_now_ns() - start_ns) / 1000000;
  return keep_smallest(out_dir, result, failure);
}

namespace {

// After the walk: only the smallest failing run stays named by latest, and
// shrunk-plan.json is written even when a run broke the walk (what was
// found so far still fails).
Status keep_smallest(const std::string& out_dir, ShrinkResult* result, const Status& failure) {
  std::error_code ec;
  fs::remove(out_dir + "/candidate-plan.json", ec);
  // <out>/runs/latest may name a deleted try; it should name what was kept.
  if (!result->smallest_run_dir.empty()) {
    (void)point_latest(out_dir + "/runs", fs::path(result->smallest_run_dir).filename().string());  // a stale link is only cosmetic
  }
  result->after = plan_size(result->smallest);
  result->operations_after = client_operations(result->smallest_run_dir);
  result->smallest_plan_file = out_dir + "/shrunk-plan.json";
  Status written = write_plan_file(result->smallest_plan_file, result->smallest);
  return failure ? written : failure;
}

}  // namespace

}  // namespace faultline
