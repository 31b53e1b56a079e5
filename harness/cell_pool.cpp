#include "harness/cell_pool.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <optional>
#include <ostream>
#include <thread>

#include "checker/verdict_io.h"
#include "core/assert.h"
#include "harness/child_process.h"
#include "harness/child_registry.h"
#include "harness/cluster.h"
#include "harness/progress.h"

namespace faultline {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kPollMs = 100;

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

// One pass of run_cells at a time: what runs, what finished, what to say.
class Pool {
 public:
  Pool(const std::vector<CellSpec>& cells, const CellRunnerOptions& o, std::vector<CellRun>* runs)
      : cells_(cells), o_(o), runs_(runs), t0_(std::chrono::steady_clock::now()) {
    if (o.progress && o.live) {
      live_.emplace(*o.progress, true, ProgressOptions{.unit = "runs", .budget_ms = o.budget_ms}, [this] {
        std::lock_guard<std::mutex> lock(last_mu_);
        return ProgressSample{done_.load(), static_cast<int64_t>(cells_.size()), last_};
      });
    }
  }
  ~Pool() {
    if (live_) live_->stop();
  }

  bool busy() const { return next_ < cells_.size() || !running_.empty(); }

  // Starts what fits: a free job and, by the estimate, time left.
  Status start_fitting(int* not_started) {
    while (next_ < cells_.size() && static_cast<int>(running_.size()) < o_.jobs) {
      const CellSpec& spec = cells_[next_];
      const double overhead_s = measured_ ? overhead_s_sum_ / measured_ : kCellOverheadMsGuess / 1000.0;
      if (seconds_since(t0_) + spec.plan.workload.duration_ms / 1000.0 + overhead_s > o_.budget_ms / 1000.0) {
        *not_started += static_cast<int>(cells_.size() - next_);
        next_ = cells_.size();
        break;
      }
      // A run that cannot start (a directory, the plan file, a fork) is that
      // run's harness error; the others still run and are judged.
      if (Status s = start(spec); !s) not_startable(spec, s);
    }
    return Status::ok();
  }

  // Collects every child that ended or outlived its bound.
  void collect_finished() {
    for (size_t i = 0; i < running_.size();) {
      if (collect(running_[i])) running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(i));
      else ++i;
    }
  }

 private:
  struct Running {
    size_t index = 0;
    pid_t pid = 0;
    std::chrono::steady_clock::time_point started;
    int64_t timeout_ms = 0;
  };

  Status start(const CellSpec& spec) {
    std::error_code ec;
    fs::create_directories(spec.dir, ec);
    if (ec) return Status::io("cannot create " + spec.dir + ": " + ec.message());
    const std::string plan_path = spec.dir + "/plan.json";
    if (Status s = write_plan_file(plan_path, spec.plan); !s) return s;
    ChildSpec child{o_.self_exe, {"run", "--plan", plan_path, "--out", spec.dir}, {}, spec.dir + "/faultline.log"};
    if (!o_.node_bin.empty()) child.args.insert(child.args.end(), {"--node-bin", o_.node_bin});
    Running r{next_, 0, std::chrono::steady_clock::now(), spec.plan.workload.duration_ms + kCellOverheadMsMax};
    if (Status s = spawn_child(child, &r.pid); !s) return s;
    running_.push_back(r);
    ++next_;
    return Status::ok();
  }

  void not_startable(const CellSpec& spec, const Status& why) {
    CellRun run;
    run.row = spec.row;
    run.seed = spec.seed;
    run.error = "could not start: " + why.message();
    report(spec, run, 0);
    runs_->push_back(std::move(run));
    done_.store(static_cast<int64_t>(runs_->size()));
    ++next_;
  }

  // True when r is over (its CellRun recorded).
  bool collect(const Running& r) {
    const CellSpec& spec = cells_[r.index];
    int status = 0;
    const pid_t got = ::waitpid(r.pid, &status, WNOHANG);
    const double wall_s = seconds_since(r.started);
    const bool timed_out = got == 0 && wall_s * 1000 > static_cast<double>(r.timeout_ms);
    if (got == 0 && !timed_out) return false;
    if (timed_out) status = end_child(r.pid, kCellTermGraceMs);
    else ChildRegistry::remove(r.pid);
    CellRun run;
    finish_cell(spec, status, wall_s, &run);
    if (timed_out) {
      run.has_verdict = false;
      run.error = "killed after " + std::to_string(r.timeout_ms / 1000) + " s (see " + spec.dir + "/faultline.log)";
    } else {
      overhead_s_sum_ += std::max(0.0, wall_s - spec.plan.workload.duration_ms / 1000.0);
      ++measured_;
    }
    report(spec, run, wall_s);
    runs_->push_back(std::move(run));
    done_.store(static_cast<int64_t>(runs_->size()));
    return true;
  }

  void report(const CellSpec& spec, const CellRun& run, double wall_s) {
    if (live_) {
      std::lock_guard<std::mutex> lock(last_mu_);
      last_ = "last: " + cell_name(spec.row, spec.seed) + " " + describe_run(run);
    } else if (o_.progress) {
      *o_.progress << "[" << runs_->size() + 1 << "/" << cells_.size() << " " << std::fixed << std::setprecision(0)
                   << seconds_since(t0_) << "s] " << spec.row << " seed " << spec.seed << ": " << describe_run(run)
                   << " (" << std::setprecision(1) << wall_s << " s) " << run.run_dir << std::endl;
    }
  }

  const std::vector<CellSpec>& cells_;
  const CellRunnerOptions& o_;
  std::vector<CellRun>* runs_;
  const std::chrono::steady_clock::time_point t0_;
  std::vector<Running> running_;
  size_t next_ = 0;
  double overhead_s_sum_ = 0;
  int measured_ = 0;
  std::atomic<int64_t> done_{0};
  std::mutex last_mu_;
  std::string last_;  // guarded by last_mu_: the latest finished cell, for the live line
  std::optional<Progress> live_;  // last: stopped before the members it samples go
};

}  // namespace

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<CellRun> runs_in_cell_order(const std::vector<CellSpec>& cells, const std::vector<CellRun>& runs,
                                        const std::string& not_started_error) {
  std::vector<CellRun> ordered;
  std::vector<bool> used(runs.size(), false);
  for (const CellSpec& c : cells) {
    size_t i = 0;
    while (i < runs.size() && (used[i] || runs[i].row != c.row || runs[i].seed != c.seed)) ++i;
    if (i < runs.size()) {
      used[i] = true;
      ordered.push_back(runs[i]);
      continue;
    }
    CellRun left_out;
    left_out.row = c.row;
    left_out.seed = c.seed;
    left_out.started = false;
    left_out.error = not_started_error;
    ordered.push_back(std::move(left_out));
  }
  FL_ASSERT(std::count(used.begin(), used.end(), true) == static_cast<std::ptrdiff_t>(runs.size()));
  return ordered;
}

Status run_cells(const std::vector<CellSpec>& cells, const CellRunnerOptions& o, std::vector<CellRun>* runs,
                 int* not_started) {
  FL_ASSERT(o.jobs >= 1);
  FL_ASSERT(o.jobs <= kJobsMax);
  *not_started = 0;
  runs->clear();
  Pool pool(cells, o, runs);
  while (pool.busy()) {
    if (Status s = pool.start_fitting(not_started); !s) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    pool.collect_finished();
  }
  return Status::ok();
}

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

std::string replay_command(const std::string& self, const std::string& run_dir) {
  return self + " run --plan " + run_dir + "/plan.json";
}

std::string cell_name(const std::string& row, uint64_t seed) { return row + " seed " + std::to_string(seed); }

std::string describe_run(const CellRun& r) {
  if (!r.has_verdict) return "ERROR: " + r.error;
  std::string s(to_string(r.verdict.value));
  std::string guaranteed, allowed;
  for (const auto& p : r.verdict.properties) {
    if (p.outcome != PropertyOutcome::kViolated) continue;
    std::string& list = p.guaranteed ? guaranteed : allowed;
    list += list.empty() ? p.id : ", " + p.id;
  }
  if (!guaranteed.empty()) s += " VIOLATED: " + guaranteed;
  if (!allowed.empty()) s += " (allowed: " + allowed + ")";
  return s;
}

}  // namespace faultline
