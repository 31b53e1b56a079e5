#include "harness/shrink.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <ostream>
#include <sstream>

#include "checker/expectations.h"
#include "core/clock.h"
#include "core/history.h"
#include "generators/plan_shrink.h"
#include "harness/progress.h"
#include "harness/repro.h"
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

std::string describe_size(const PlanSize& s) {
  std::ostringstream o;
  o << "faults " << s.faults << " (" << s.fault_ms << " ms), nodes " << s.nodes << ", keys " << s.keys
    << ", duration " << s.duration_ms << " ms";
  return o.str();
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
      if (!dir.empty()) std::ofstream(dir + "/shrink-run.log") << run_out.str() << run_err.str();
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
  const ShrinkOptions& options_;
  const VerdictSummary preserve_;
  const std::string out_dir_;
  std::atomic<int> runs_{0};
};

// The verdict to preserve: --property names, else the original's violations.
Status what_to_preserve(const ShrinkOptions& o, VerdictSummary* out) {
  if (Status s = read_verdict_summary(o.run_dir, out); !s) return s;
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

}  // namespace

Status parse_budget_ms(std::string_view text, int64_t* out_ms) {
  int64_t unit_ms = 1000;
  std::string_view digits = text;
  if (!text.empty()) {
    switch (text.back()) {
      case 's': unit_ms = 1000; digits.remove_suffix(1); break;
      case 'm': unit_ms = 60 * 1000; digits.remove_suffix(1); break;
      case 'h': unit_ms = 3600 * 1000; digits.remove_suffix(1); break;
      default: break;
    }
  }
  constexpr int64_t kBudgetMsMax = int64_t{7} * 24 * 3600 * 1000;  // a week: more is a typo
  int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || n <= 0 ||
      n > kBudgetMsMax / unit_ms) {
    return Status::invalid("--budget: '" + std::string(text) +
                           "' is not a positive duration up to a week (90s, 10m, 1h, or plain seconds)");
  }
  *out_ms = n * unit_ms;
  return Status::ok();
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

  // Plans that did not fail: deeper levels of the tree offer some again
  // (no faults at the shortest duration, say); they are not rerun, since
  // the budget is better spent on new candidates.
  std::set<std::string> passed;
  auto fails = [&](const Plan& candidate) {
    if (!failure) return false;  // a run broke: stop trying (the walk ends without moving)
    std::string text = plan_to_json(candidate);
    if (passed.count(text)) return false;
    bool failed = false;
    std::string dir;
    {
      std::optional<Progress> line;  // stopped before the candidate's result line is printed
      if (o.progress_fd >= 0) {
        const std::string detail = "candidate " + std::to_string(result->candidates + 1) + ": " +
                                   describe_size(plan_size(candidate));
        line.emplace(progress, Progress::is_terminal(o.progress_fd),
                     ProgressOptions{.unit = "runs", .budget_ms = o.budget_ms, .start_ns = start_ns},
                     [&runner, detail] { return ProgressSample{runner.runs(), 0, detail}; });
      }
      failure = runner.fails(candidate, &failed, &dir, &verdicts);
    }
    if (!failed) passed.insert(std::move(text));
    ++result->candidates;
    progress << "candidate " << result->candidates << ": " << describe_size(plan_size(candidate)) << ", clients "
             << candidate.workload.clients << ", rate " << candidate.workload.rate << ": " << verdicts
             << (failed ? " -> kept" : " -> not kept") << "\n"
             << std::flush;
    if (failed) {
      ++result->kept;
      remove_run_dir(result->smallest_run_dir);
      result->smallest_run_dir = dir;
    }
    return failed;
  };
  int tried = 0;
  result->smallest = shrink_walk(shrinkable_plan(original), fails, kShrinkCandidatesMax, &tried,
                                 [&] { return budget.expired() || !failure; });
  result->budget_exhausted = budget.expired();
  result->runs = runner.runs();
  result->elapsed_ms = (monotonic_now_ns() - start_ns) / 1000000;
  fs::remove(out_dir + "/candidate-plan.json", ec);
  // <out>/runs/latest may name a deleted try; it should name what was kept.
  if (!result->smallest_run_dir.empty()) {
    (void)point_latest(out_dir + "/runs", fs::path(result->smallest_run_dir).filename().string());  // a stale link is only cosmetic
  }
  // Written even when a run broke the walk: what was found so far still fails.
  result->after = plan_size(result->smallest);
  result->operations_after = client_operations(result->smallest_run_dir);
  result->smallest_plan_file = out_dir + "/shrunk-plan.json";
  Status written = write_plan_file(result->smallest_plan_file, result->smallest);
  return failure ? written : failure;
}

int shrink_command(const ShrinkOptions& options, std::ostream& out, std::ostream& err) {
  ShrinkResult r;
  Status s = shrink_plan(options, out, &r);
  if (!s) {
    err << "faultline shrink: " << s.message() << "\n";
    return s.code() == Status::Code::kInvalid ? kExitBadArguments : kExitHarnessError;
  }
  if (!r.reproduced) {
    out << "the original plan did not fail the preserved way in " << options.tries
        << " tries; nothing to shrink (real processes are not deterministic: try --tries or faultline repro)\n";
    return 1;
  }
  auto line = [&](const char* what, const PlanSize& p, int64_t ops) {
    out << what << describe_size(p) << ", operations " << ops << "\n";
  };
  out << (r.budget_exhausted ? "budget spent" : "no smaller candidate fails") << " after " << r.candidates
      << " candidates, " << r.runs << " runs, " << r.elapsed_ms / 1000 << " s\n";
  line("before: ", r.before, r.operations_before);
  line("after:  ", r.after, r.operations_after);
  out << "smallest failing run: " << r.smallest_run_dir << "\n"
      << "replay: " << options.self << " run --plan " << r.smallest_plan_file << "\n";
  return 0;
}

}  // namespace faultline
