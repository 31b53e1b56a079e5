// Proxy overhead: what the link proxy of faults/ adds to every
// message between two nodes, measured against a direct connection in the
// same run. Two figures:
// - latency: 64-byte ping-pong round trips to an echo server, p50 and p99,
//   direct and through one proxied link (both directions cross it, as a
//   request and a reply would cross two links);
// - throughput: a one-way stream of kStreamBytes into a sink, MB/s.
// Prints the ratio proxy / direct. Not a test: no assertions on time.
//
// Usage: proxy_bench [round_trips] [stream_mb]
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/assert.h"
#include "faults/link_proxy.h"

namespace faultline {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMessageBytes = 64;

int listen_loopback(int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  // The machine, not our code, decides whether these succeed: a failure is
  // reported, not asserted.
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::perror("proxy_bench: cannot listen on loopback");
    std::exit(1);
  }
  *port = ntohs(a.sin_port);
  return fd;
}

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  FL_ASSERT(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool read_exact(int fd, char* buf, size_t n) {
  for (size_t got = 0; got < n;) {
    ssize_t r = ::read(fd, buf + got, n - got);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

// Serves connections one after another: echo (or, when sink, read to EOF).
void serve(int listen_fd, bool sink, const std::atomic<bool>* stop) {
  while (!stop->load()) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::vector<char> buf(64 * 1024);
    for (;;) {
      ssize_t r = ::read(fd, buf.data(), sink ? buf.size() : kMessageBytes);
      if (r <= 0) break;
      if (!sink && ::write(fd, buf.data(), static_cast<size_t>(r)) != r) break;
    }
    ::close(fd);
  }
}

struct Latency {
  double p50_us, p99_us;
};

Latency round_trips(int port, int count) {
  int fd = connect_loopback(port);
  char msg[kMessageBytes] = {};
  std::vector<double> us;
  for (int i = 0; i < count; ++i) {
    auto t0 = Clock::now();
    FL_ASSERT(::write(fd, msg, sizeof msg) == static_cast<ssize_t>(sizeof msg));
    FL_ASSERT(read_exact(fd, msg, sizeof msg));
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  ::close(fd);
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

double stream_mb_per_s(int port, size_t bytes) {
  int fd = connect_loopback(port);
  std::vector<char> chunk(64 * 1024, 'x');
  auto t0 = Clock::now();
  for (size_t sent = 0; sent < bytes;) {
    ssize_t w = ::write(fd, chunk.data(), std::min(chunk.size(), bytes - sent));
    FL_ASSERT(w > 0);
    sent += static_cast<size_t>(w);
  }
  ::shutdown(fd, SHUT_WR);
  char c;
  while (::read(fd, &c, 1) > 0) {
  }  // the sink closes after EOF: everything arrived
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  ::close(fd);
  return static_cast<double>(bytes) / 1e6 / s;
}

int main_impl(int argc, char** argv) {
  const int trips = argc > 1 ? std::atoi(argv[1]) : 20000;
  const size_t stream_bytes = (argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 512) * 1000 * 1000;
  std::atomic<bool> stop{false};
  int echo_port = 0, sink_port = 0;
  int echo_fd = listen_loopback(&echo_port), sink_fd = listen_loopback(&sink_port);
  std::thread echo(serve, echo_fd, false, &stop), sink(serve, sink_fd, true, &stop);

  LinkProxy proxy(1);
  int echo_proxy = 0, sink_proxy = 0;
  FL_ASSERT(proxy.add_link(1, 2, echo_port, &echo_proxy).is_ok());
  FL_ASSERT(proxy.add_link(1, 3, sink_port, &sink_proxy).is_ok());
  proxy.start();

  round_trips(echo_port, trips / 10);  // warm-up
  Latency direct = round_trips(echo_port, trips);
  Latency proxied = round_trips(echo_proxy, trips);
  double direct_mb = stream_mb_per_s(sink_port, stream_bytes);
  double proxied_mb = stream_mb_per_s(sink_proxy, stream_bytes);

  std::printf("round trips: %d x %zu bytes; stream: %zu MB\n", trips, kMessageBytes, stream_bytes / 1000000);
  std::printf("%-10s %10s %10s %12s\n", "", "rtt_p50_us", "rtt_p99_us", "stream_MB/s");
  std::printf("%-10s %10.1f %10.1f %12.0f\n", "direct", direct.p50_us, direct.p99_us, direct_mb);
  std::printf("%-10s %10.1f %10.1f %12.0f\n", "proxy", proxied.p50_us, proxied.p99_us, proxied_mb);
  std::printf("added per round trip: p50 %.1f us, p99 %.1f us; ratio proxy/direct: p50 %.2f, throughput %.2f\n",
              proxied.p50_us - direct.p50_us, proxied.p99_us - direct.p99_us, proxied.p50_us / direct.p50_us,
              proxied_mb / direct_mb);

  stop.store(true);
  proxy.stop();
  ::shutdown(echo_fd, SHUT_RDWR);
  ::shutdown(sink_fd, SHUT_RDWR);
  echo.join();
  sink.join();
  ::close(echo_fd);
  ::close(sink_fd);
  return 0;
}

}  // namespace
}  // namespace faultline

int main(int argc, char** argv) { return faultline::main_impl(argc, argv); }
