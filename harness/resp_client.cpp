#include "harness/resp_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/clock.h"

namespace faultline {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Milliseconds until deadline_ns for poll(), at least 0.
int poll_timeout_ms(int64_t deadline_ns) {
  int64_t left_ns = deadline_ns - monotonic_now_ns();
  if (left_ns <= 0) return 0;
  // Round up so that a poll never returns just before the deadline and spins.
  return static_cast<int>(std::min<int64_t>((left_ns + 999999) / 1000000, 1 << 30));
}

// Waits for `events` on fd. Returns 1 ready, 0 deadline passed, -1 error.
int wait_fd(int fd, short events, int64_t deadline_ns, short* revents) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, poll_timeout_ms(deadline_ns));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) return 0;
    *revents = p.revents;
    return 1;
  }
}

}  // namespace

RespClient::~RespClient() { close(); }

void RespClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  parser_ = RespParser(false, reply_bytes_max_);
}

Status RespClient::connect(int64_t timeout_ms) {
  close();
  const int64_t deadline_ns = monotonic_now_ns() + std::min(timeout_ms, kConnectTimeoutMs) * 1000000;
  // CLOEXEC: node processes spawned later must not inherit client sockets.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::unavailable("socket: " + errno_text(errno));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string where = "127.0.0.1:" + std::to_string(port_);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) {
      int err = errno;
      ::close(fd);
      return Status::unavailable("connect " + where + ": " + errno_text(err));
    }
    short revents = 0;
    int r = wait_fd(fd, POLLOUT, deadline_ns, &revents);
    int err = 0;
    socklen_t len = sizeof err;
    if (r == 1) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (r != 1 || err != 0) {
      ::close(fd);
      // Nothing was sent either way, so the caller's request was not applied.
      if (r == 0) return Status::unavailable("connect " + where + ": timed out");
      return Status::unavailable("connect " + where + ": " + errno_text(r < 0 ? errno : err));
    }
  }
  fd_ = fd;
  return Status::ok();
}

bool RespClient::idle_connection_dead() {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  // Readable while idle: either EOF/reset, or bytes nobody asked for. Both
  // mean the connection cannot carry a request safely.
  return true;
}

Status RespClient::write_all(const std::string& bytes, int64_t deadline_ns) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      short revents = 0;
      int r = wait_fd(fd_, POLLOUT, deadline_ns, &revents);
      if (r == 1) continue;
      // An incomplete command is never executed: we close the connection
      // below, so the node sees a truncated request and drops it.
      return Status::unavailable(r == 0 ? "send timed out" : "send: " + errno_text(errno));
    }
    return Status::unavailable("send: " + errno_text(errno));
  }
  return Status::ok();
}

Status RespClient::read_reply(int64_t deadline_ns, RespValue* reply) {
  char buf[16384];
  for (;;) {
    switch (parser_.next(reply)) {
      case RespParser::Result::kGood: return Status::ok();
      case RespParser::Result::kBad: return Status::io("bad reply: " + parser_.error());
      case RespParser::Result::kNeedMore: break;
    }
    short revents = 0;
    int r = wait_fd(fd_, POLLIN, deadline_ns, &revents);
    if (r == 0) return Status::timeout("no reply within the deadline");
    if (r < 0) return Status::io("poll: " + errno_text(errno));
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n == 0) return Status::io("connection closed before the reply");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return Status::io("recv: " + errno_text(errno));
    }
    parser_.feed(buf, static_cast<size_t>(n));
  }
}

Status RespClient::call(const std::vector<std::string>& args, int64_t timeout_ms, RespValue* reply) {
  const int64_t deadline_ns = monotonic_now_ns() + timeout_ms * 1000000;
  if (fd_ >= 0 && idle_connection_dead()) close();
  if (fd_ < 0) {
    Status s = connect(timeout_ms);
    if (!s) return s;
  }
  Status s = write_all(resp_encode_command(args), deadline_ns);
  if (s) s = read_reply(deadline_ns, reply);
  if (!s) close();
  return s;
}

}  // namespace faultline
