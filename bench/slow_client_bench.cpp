// Slow-client fairness: one client sends a 32 MiB argument to a
// single faultline-node one byte per write() while other clients PING in a
// loop; prints the PING latency percentiles, and how long the slow command
// took and what it was answered. Before the parser resumed where it stopped,
// every byte re-parsed the command from its start, so the node's only
// thread spent minutes on it and PING p50 rose to 0.8 s. The 32 MiB value is
// over the default limits.value_bytes_max, so the node buffers it (under
// client_query_buffer_bytes_max) and then answers an error.
// Not a test: no assertions on time.
//
// Usage: slow_client_bench [argument_bytes] [pingers]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/node_config.h"
#include "core/resp.h"

extern char** environ;

namespace faultline {
namespace {

namespace fs = std::filesystem;

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// The next RESP reply on fd (blocking).
RespValue reply(int fd, RespParser* p) {
  RespValue v;
  for (;;) {
    if (p->next(&v) == RespParser::Result::kGood) return v;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return RespValue::error("connection closed");
    p->feed(buf, static_cast<size_t>(n));
  }
}

double percentile(std::vector<int64_t> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))]) / 1000.0;
}

// Starts a single-node cluster in `dir` and waits until it answers; its pid,
// or -1 (reported) when it did not start.
pid_t start_node(const fs::path& dir, NodeConfig* c) {
  c->id = 1;
  c->rf = 1;
  c->client_port = free_port();
  c->peer_port = free_port();
  c->data_dir = (dir / "data").string();
  c->events_path = (dir / "events.jsonl").string();
  c->cluster_secret = generate_cluster_secret();
  std::ofstream(dir / "config.json") << node_config_to_json(*c);
  const std::string node_bin = (fs::read_symlink("/proc/self/exe").parent_path() / "faultline-node").string();
  const std::string config_path = (dir / "config.json").string();
  std::vector<char*> argv = {const_cast<char*>(node_bin.c_str()), const_cast<char*>("--config"),
                             const_cast<char*>(config_path.c_str()), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, node_bin.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    std::fprintf(stderr, "cannot start %s\n", node_bin.c_str());
    return -1;
  }
  int probe = -1;
  for (int i = 0; i < 200 && probe < 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    probe = connect_to(c->client_port);
  }
  if (probe < 0) {
    std::fprintf(stderr, "node did not start\n");
    ::kill(pid, SIGKILL);
    return -1;
  }
  ::close(probe);
  return pid;
}

// Sends SET k <argument_bytes bytes> one byte per write(); the answer, and
// how long it took in *seconds.
RespValue send_slowly(int port, size_t argument_bytes, double* seconds) {
  int slow = connect_to(port);
  const std::string head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(argument_bytes) + "\r\n";
  ::send(slow, head.data(), head.size(), MSG_NOSIGNAL);
  const int64_t start = monotonic_now_ns();
  const char x = 'x';
  for (size_t i = 0; i < argument_bytes; ++i) {
    if (::send(slow, &x, 1, MSG_NOSIGNAL) != 1) break;
  }
  ::send(slow, "\r\n", 2, MSG_NOSIGNAL);
  RespParser p;
  const RespValue answer = reply(slow, &p);
  *seconds = static_cast<double>(monotonic_now_ns() - start) / 1e9;
  ::close(slow);
  return answer;
}

int run(size_t argument_bytes, int pingers) {
  const fs::path dir = fs::temp_directory_path() / ("faultline-slow-client-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  NodeConfig c;
  const pid_t pid = start_node(dir, &c);
  if (pid < 0) return 1;

  std::atomic<bool> done{false};
  std::vector<std::vector<int64_t>> latencies_us(static_cast<size_t>(pingers));
  std::vector<std::thread> threads;
  for (int i = 0; i < pingers; ++i) {
    threads.emplace_back([&, i] {
      int fd = connect_to(c.client_port);
      RespParser p;
      const std::string ping = resp_encode_command({"PING"});
      while (!done) {
        const int64_t t0 = monotonic_now_ns();
        if (::send(fd, ping.data(), ping.size(), MSG_NOSIGNAL) < 0) break;
        if (reply(fd, &p).type == RespValue::Type::kError) break;
        latencies_us[static_cast<size_t>(i)].push_back((monotonic_now_ns() - t0) / 1000);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      ::close(fd);
    });
  }

  double slow_s = 0;
  const RespValue answer = send_slowly(c.client_port, argument_bytes, &slow_s);
  done = true;
  for (auto& t : threads) t.join();
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  fs::remove_all(dir);

  std::vector<int64_t> all;
  for (const auto& v : latencies_us) all.insert(all.end(), v.begin(), v.end());
  std::printf("slow client: %zu-byte argument one byte per write() in %.1f s, answered: %s\n", argument_bytes, slow_s,
              resp_encode(answer).substr(0, 90).c_str());
  std::printf("PING from %d other clients meanwhile: %zu pings, p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", pingers,
              all.size(), percentile(all, 0.5), percentile(all, 0.99), percentile(all, 1.0));
  return 0;
}

}  // namespace
}  // namespace faultline

int main(int argc, char** argv) {
  const size_t bytes = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : size_t{32} << 20;
  const int pingers = argc > 2 ? std::atoi(argv[2]) : 4;
  return faultline::run(bytes, pingers);
}
