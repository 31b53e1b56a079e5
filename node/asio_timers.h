// AsioTimers: the Timers of a running node, on steady timers of the node's
// io_context (steady: never affected by clock-skew faults).
//
// Thread-safety: none; the io_context's single thread.
// Lifetime: must outlive every run of the io_context after a schedule().
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "node/env.h"

namespace faultline {

class AsioTimers final : public Timers {
 public:
  explicit AsioTimers(boost::asio::io_context& io) : io_(io) {}
  ~AsioTimers() override;
  AsioTimers(const AsioTimers&) = delete;
  AsioTimers& operator=(const AsioTimers&) = delete;

  TimerId schedule(int64_t delay_ms, std::function<void()> fn) override;
  void cancel(TimerId id) override;

 private:
  struct Entry {
    explicit Entry(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    std::function<void()> fn;
  };
  boost::asio::io_context& io_;
  std::unordered_map<TimerId, std::unique_ptr<Entry>> timers_;
  TimerId next_id_ = 1;
};

}  // namespace faultline
