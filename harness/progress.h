// Progress: one status line for long commands. On a
// terminal the line is redrawn in place with '\r' a few times a second;
// otherwise (a pipe, a CI log) a plain line is printed every few seconds, so
// logs stay readable. The line reads, with the parts that apply:
//   12.3s / 20.0s  ops 2450 (198/s)  fault: partition halves
//   1m15s / 10m00s  runs 3/12 (2.4/min)  seed 17 invalid
// elapsed / budget (when a budget is known), units done / total (when the
// total is known) with their recent rate (over the last kLiveRateWindowMs on
// a terminal, over the last plain interval otherwise), then the caller's
// detail text.
//
// Usage: the caller owns a sampler, a function the progress thread calls to
// read the current state (it must be safe to call from that thread while the
// work goes on, e.g. read atomics or take the caller's lock):
//   Progress p(std::cout, Progress::is_terminal(STDOUT_FILENO),
//              {.unit = "runs", .budget_ms = 600000},
//              [&] { return ProgressSample{runs_done.load(), runs_total, ""}; });
//   ... work ...
//   p.stop();  // or let the destructor do it
// `faultline run` shows operations and the fault in force; audit, shrink, ci
// and bugzoo can count runs of a total against their budget the same way.
//
// Thread-safety: the constructor starts one thread that writes to `out`;
// stop() joins it. Between the two, the caller must not write to `out`
// (errors to another stream are fine). On a terminal stop() erases the live
// line, so whatever the caller prints next starts on a clean line.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace faultline {

struct ProgressSample {
  int64_t done = 0;    // units done so far (operations, runs)
  int64_t total = 0;   // units in all; 0 when open-ended
  std::string detail;  // appended as is ("fault: partition halves"); may be empty
};

struct ProgressOptions {
  std::string unit = "ops";   // what `done` counts
  int64_t budget_ms = 0;      // expected length, shown as "/ 20.0s"; 0: unknown
  int64_t tty_refresh_ms = 250;     // redraw period on a terminal
  int64_t plain_interval_ms = 5000; // period of plain lines otherwise
  // CLOCK_MONOTONIC ns elapsed time counts from; 0: construction. Lets a
  // command that stops its line to print results (shrink, between
  // candidates) start a new one that keeps counting from its own start.
  int64_t start_ns = 0;
};

class Progress {
 public:
  using Sampler = std::function<ProgressSample()>;

  // Starts reporting at once; elapsed time counts from here. out: not owned,
  // must outlive this object. live: redraw one line (a terminal) rather than
  // print plain lines.
  Progress(std::ostream& out, bool live, ProgressOptions options, Sampler sampler);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Stops the thread; idempotent. Live: erases the line. Plain: prints
  // nothing more.
  void stop();

  // isatty(fd), and TERM is not "dumb".
  static bool is_terminal(int fd);
  // The rate on a terminal is measured over this much recent time.
  static constexpr int64_t kLiveRateWindowMs = 2000;

  // The line for a state, without '\r' or '\n'; rate_per_s < 0 leaves the
  // rate out. Pure, for tests.
  static std::string format(const ProgressOptions& options, const ProgressSample& sample, int64_t elapsed_ms,
                            double rate_per_s);

 private:
  void loop();

  // Constant after construction.
  std::ostream& out_;
  const bool live_;
  const ProgressOptions options_;
  const Sampler sampler_;
  const int64_t start_ns_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  // Progress thread only: the length of the live line on screen, and recent
  // (elapsed_ms, done) samples for the rate, oldest first, bounded by the
  // window (a few entries).
  size_t drawn_width_ = 0;
  std::deque<std::pair<int64_t, int64_t>> recent_;
  std::thread thread_;
};

}  // namespace faultline
