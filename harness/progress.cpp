#include "harness/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>

#include "core/assert.h"
#include "core/clock.h"

namespace faultline {

namespace {

// "12.3s" below a minute, "10m05s" above.
std::string format_duration(int64_t ms) {
  char buf[32];
  if (ms < 60000) {
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(ms / 60000),
                  static_cast<long long>(ms % 60000 / 1000));
  }
  return buf;
}

// Slow units (runs of an audit) read better per minute.
std::string format_rate(double per_s) {
  char buf[32];
  if (per_s >= 10) std::snprintf(buf, sizeof buf, "%.0f/s", per_s);
  else if (per_s >= 0.1) std::snprintf(buf, sizeof buf, "%.1f/s", per_s);
  else std::snprintf(buf, sizeof buf, "%.1f/min", per_s * 60);
  return buf;
}

}  // namespace

Progress::Progress(std::ostream& out, bool live, ProgressOptions options, Sampler sampler)
    : out_(out), live_(live), options_(std::move(options)), sampler_(std::move(sampler)),
      start_ns_(options_.start_ns > 0 ? options_.start_ns : monotonic_now_ns()) {
  FL_ASSERT(sampler_);
  FL_ASSERT(options_.tty_refresh_ms > 0);
  FL_ASSERT(options_.plain_interval_ms > 0);
  thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() { stop(); }

void Progress::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Progress::is_terminal(int fd) {
  const char* term = std::getenv("TERM");
  return ::isatty(fd) == 1 && (term == nullptr || std::strcmp(term, "dumb") != 0);
}

std::string Progress::format(const ProgressOptions& options, const ProgressSample& sample, int64_t elapsed_ms,
                             double rate_per_s) {
  std::string line = format_duration(elapsed_ms);
  if (options.budget_ms > 0) line += " / " + format_duration(options.budget_ms);
  line += "  " + options.unit + " " + std::to_string(sample.done);
  if (sample.total > 0) line += "/" + std::to_string(sample.total);
  if (rate_per_s >= 0) line += " (" + format_rate(rate_per_s) + ")";
  if (!sample.detail.empty()) line += "  " + sample.detail;
  return line;
}

void Progress::loop() {
  const int64_t period_ms = live_ ? options_.tty_refresh_ms : options_.plain_interval_ms;
  const int64_t window_ms = live_ ? kLiveRateWindowMs : options_.plain_interval_ms;
  recent_.emplace_back(0, sampler_().done);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // Plain lines start after one period: a short run prints none.
    if (wake_.wait_for(lock, std::chrono::milliseconds(period_ms), [this] { return stopping_; })) break;
    const int64_t elapsed_ms = (monotonic_now_ns() - start_ns_) / 1000000;
    const ProgressSample sample = sampler_();
    recent_.emplace_back(elapsed_ms, sample.done);
    // Keep the newest sample at least window_ms old as the reference.
    while (recent_.size() > 2 && elapsed_ms - recent_[1].first >= window_ms) recent_.pop_front();
    const auto [then_ms, then_done] = recent_.front();
    const double rate = elapsed_ms > then_ms ? 1000.0 * static_cast<double>(sample.done - then_done) /
                                                   static_cast<double>(elapsed_ms - then_ms)
                                             : -1;
    std::string line = format(options_, sample, elapsed_ms, rate);
    if (live_) {
      // Pad over the previous, longer line instead of clearing: no flicker.
      const size_t width = line.size();
      if (line.size() < drawn_width_) line.append(drawn_width_ - line.size(), ' ');
      drawn_width_ = width;
      out_ << '\r' << line << std::flush;
    } else {
      out_ << "progress: " << line << std::endl;
    }
  }
  if (live_ && drawn_width_ > 0) out_ << '\r' << std::string(drawn_width_, ' ') << '\r' << std::flush;
}

}  // namespace faultline
