#include "node/asio_timers.h"

#include <chrono>

namespace faultline {

AsioTimers::~AsioTimers() {
  for (auto& [id, e] : timers_) e->timer.cancel();
}

TimerId AsioTimers::schedule(int64_t delay_ms, std::function<void()> fn) {
  const TimerId id = next_id_++;
  auto e = std::make_unique<Entry>(io_);
  e->fn = std::move(fn);
  e->timer.expires_after(std::chrono::milliseconds(delay_ms));
  e->timer.async_wait([this, id](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted) return;  // cancelled; `this` may be gone
    auto it = timers_.find(id);
    if (it == timers_.end()) return;  // cancelled after it expired
    std::function<void()> fn = std::move(it->second->fn);
    timers_.erase(it);
    fn();
  });
  timers_.emplace(id, std::move(e));
  return id;
}

void AsioTimers::cancel(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second->timer.cancel();
  timers_.erase(it);
}

}  // namespace faultline
