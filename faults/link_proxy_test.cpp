// Goal: the link proxy forwards while up, holds bytes for the configured
// latency in order while delayed, and while down resets open connections and
// black-holes new ones until it heals.
#include "faults/link_proxy.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/link_latency.h"
#include "faults/peer_frame_splitter.h"

#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cstring>
#include <chrono>
#include <thread>

#include <boost/asio.hpp>
#include <gtest/gtest.h>

namespace faultline {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr int64_t kReadTimeoutMs = 3000;
// How long a read that should get nothing waits before concluding so.
constexpr int64_t kSilenceMs = 300;

// Echoes every byte back on the connection it came from; counts what it got.
class EchoServer {
 public:
  EchoServer() : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~EchoServer() {
    io_.stop();
    thread_.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  uint64_t received() const { return received_.load(); }

 private:
  struct Conn : std::enable_shared_from_this<Conn> {
    explicit Conn(tcp::socket s, std::atomic<uint64_t>* n) : socket(std::move(s)), received(n) {}
    void read() {
      auto self = shared_from_this();
      socket.async_read_some(asio::buffer(buf), [self](boost::system::error_code ec, size_t n) {
        if (ec) return;
        *self->received += n;
        asio::async_write(self->socket, asio::buffer(self->buf, n), [self](boost::system::error_code ec2, size_t) {
          if (!ec2) self->read();
        });
      });
    }
    tcp::socket socket;
    std::atomic<uint64_t>* received;
    char buf[4096];
  };
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      std::make_shared<Conn>(std::move(s), &received_)->read();
      accept();
    });
  }
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<uint64_t> received_{0};
};

// A blocking client whose reads give up after kReadTimeoutMs (Asio's own
// blocking reads ignore SO_RCVTIMEO, so poll() by hand).
struct Client {
  explicit Client(int port) : socket(io) {
    socket.connect(tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<uint16_t>(port)));
  }
  void send(const std::string& s) { asio::write(socket, asio::buffer(s)); }
  // Reads exactly n bytes; *error says why it could not.
  std::string read(size_t n, std::string* error, int64_t timeout_ms = kReadTimeoutMs) {
    std::string out;
    auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (out.size() < n) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
      pollfd p{socket.native_handle(), POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
        *error = "timed out";
        return out;
      }
      char buf[4096];
      ssize_t got = ::recv(socket.native_handle(), buf, std::min(sizeof buf, n - out.size()), 0);
      if (got <= 0) {
        *error = got == 0 ? "closed" : std::strerror(errno);
        return out;
      }
      out.append(buf, static_cast<size_t>(got));
    }
    return out;
  }
  asio::io_context io;
  tcp::socket socket;
};

struct ProxyFixture : ::testing::Test {
  void SetUp() override {
    ASSERT_TRUE(proxy.add_link(1, 2, server.port(), &port));
    proxy.start();
  }
  EchoServer server;
  LinkProxy proxy{42};
  int port = 0;
};

TEST_F(ProxyFixture, UpForwardsBothWays) {
  Client c(port);
  c.send("hello");
  std::string error;
  EXPECT_EQ(c.read(5, &error), "hello") << error;
  // The proxy counts the echo's bytes after it has written them, so the
  // client may read them first: wait (bounded) for the counter to catch up.
  const int64_t kStatsWaitMsMax = 2000;
  Deadline deadline = Deadline::after_ms(kStatsWaitMsMax);
  while (proxy.stats(1, 2).bytes_forwarded < 10u && !deadline.expired()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(proxy.stats(1, 2).bytes_forwarded, 10u);
}

TEST_F(ProxyFixture, DelayedHoldsBytesForTheLatencyAndKeepsOrder) {
  ASSERT_TRUE(proxy.set_link(1, 2, LinkState::delayed(100, 40)));
  Client c(port);
  std::string sent;
  auto start = Clock::now();
  for (int i = 0; i < 200; ++i) {
    std::string msg = std::to_string(i) + ",";
    sent += msg;
    c.send(msg);
  }
  std::string error;
  EXPECT_EQ(c.read(sent.size(), &error), sent) << error;
  // Both directions are held: at least 2 * (latency - jitter).
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(120));
}

TEST_F(ProxyFixture, DownResetsOpenConnectionsAndBlackHolesNewOnes) {
  Client open(port);
  open.send("a");
  std::string error;
  ASSERT_EQ(open.read(1, &error), "a") << error;
  ASSERT_TRUE(proxy.set_link(1, 2, LinkState::down()));
  open.read(1, &error);
  EXPECT_FALSE(error.empty()) << "the open connection survived the partition";

  const uint64_t received = server.received();
  Client blackholed(port);  // accepted: connect succeeds
  blackholed.send("lost");
  error.clear();
  blackholed.read(1, &error, kSilenceMs);
  EXPECT_FALSE(error.empty()) << "a black-holed connection answered";
  EXPECT_EQ(server.received(), received);
  EXPECT_EQ(proxy.stats(1, 2).connections_blackholed, 1u);

  ASSERT_TRUE(proxy.set_link(1, 2, LinkState::up()));
  error.clear();
  blackholed.read(1, &error);
  EXPECT_FALSE(error.empty()) << "healing must reset black-holed connections";
  Client fresh(port);
  fresh.send("b");
  error.clear();
  EXPECT_EQ(fresh.read(1, &error), "b") << error;
}

// Per-leg latency: a write frame is held for its leg's (constant) latency,
// a ping on the same connection, whose leg has none, is not.
TEST(LinkProxyLegLatency, HoldsEachMessageForItsLegsLatency) {
  // Long enough that a loaded machine never delays the ping by as much.
  constexpr int64_t kWriteLegMs = 3000;
  EchoServer server;
  LinkProxy proxy(7);
  int port = 0;
  ASSERT_TRUE(proxy.add_link(1, 2, server.port(), &port));
  LinkLatency latency;
  latency.defaults[MessageLeg::kWrite] = LatencyDistribution::constant(kWriteLegMs);
  proxy.set_leg_latency(latency, PeerFraming{64, 32});
  proxy.start();
  const std::string tag(32, 't');
  const std::string ping = std::string(64, 'h') + encode_frame(Envelope{1, Ping{}}) + tag;
  const std::string write = encode_frame(Envelope{1, WriteRequest{}}) + tag;
  Client c(port);
  std::string error;
  auto start = Clock::now();
  c.send(ping);
  EXPECT_EQ(c.read(ping.size(), &error), ping) << error;
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(kWriteLegMs)) << "the hello and the ping were held";
  start = Clock::now();
  c.send(write);
  EXPECT_EQ(c.read(write.size(), &error, kWriteLegMs + kReadTimeoutMs), write) << error;
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(kWriteLegMs)) << "the write was not held";
}

}  // namespace
}  // namespace faultline
