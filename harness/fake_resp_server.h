// FakeRespServer: a loopback TCP server for harness unit tests that answers
// every request with scripted bytes, so tests can produce the replies and
// failures (silence, hang-up, garbage) a real node rarely shows on demand.
// Test-only; one connection at a time, on its own thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/resp.h"

namespace faultline {

class FakeRespServer {
 public:
  // What to do with one request.
  struct Answer {
    enum class Kind { kReply, kSilence, kHangUp };
    Kind kind = Kind::kReply;
    std::string bytes;  // kReply: sent verbatim
  };
  static Answer reply(std::string bytes) { return {Answer::Kind::kReply, std::move(bytes)}; }
  static Answer silence() { return {Answer::Kind::kSilence, {}}; }
  static Answer hang_up() { return {Answer::Kind::kHangUp, {}}; }

  // Answers requests in order with `answers`; after the last, stays silent.
  explicit FakeRespServer(std::vector<Answer> answers) : answers_(std::move(answers)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 8);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeRespServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

  int port() const { return port_; }
  std::vector<std::vector<std::string>> commands() {
    std::lock_guard<std::mutex> lock(mu_);
    return commands_;
  }

 private:
  static constexpr int kPollMs = 10;

  bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, kPollMs) > 0;
  }

  void serve() {
    size_t next = 0;
    while (!stop_) {
      if (!readable(listen_fd_)) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      RespParser parser(true);
      bool open = true;
      while (open && !stop_) {
        if (!readable(fd)) continue;
        char buf[4096];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        parser.feed(buf, static_cast<size_t>(n));
        RespValue cmd;
        while (open && parser.next(&cmd) == RespParser::Result::kGood) {
          record(cmd);
          Answer a = next < answers_.size() ? answers_[next++] : silence();
          if (a.kind == Answer::Kind::kHangUp) open = false;
          if (a.kind == Answer::Kind::kReply) ::send(fd, a.bytes.data(), a.bytes.size(), MSG_NOSIGNAL);
        }
      }
      ::close(fd);
    }
  }

  void record(const RespValue& cmd) {
    std::vector<std::string> args;
    for (const auto& e : cmd.elements) args.push_back(e.str);
    std::lock_guard<std::mutex> lock(mu_);
    commands_.push_back(args);
  }

  const std::vector<Answer> answers_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::vector<std::string>> commands_;  // guarded by mu_
};

}  // namespace faultline
