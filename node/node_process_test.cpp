// Process-level smoke tests of faultline-node: start the real binary on free
// loopback ports, talk RESP2 over sockets, feed it malformed input, stop it
// with SIGTERM. The binary is found through FAULTLINE_BIN_DIR.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "core/codec.h"
#include "core/node_config.h"
#include "core/resp.h"
#include "core/test_util.h"
#include "node/peer_auth.h"
#include "node/test_dir.h"

extern char** environ;

namespace faultline {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kStartTimeoutMs = 30000;  // bounds on waits: a loaded machine is slow
constexpr int64_t kReplyTimeoutMs = 5000;
constexpr int64_t kStopTimeoutMs = 10000;

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A blocking socket with a receive timeout; enough for a test client.
class Conn {
 public:
  explicit Conn(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    timeval tv{kReplyTimeoutMs / 1000, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Conn() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& bytes) { ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size())); }
  // The next reply, or an error value "closed"/"timeout".
  RespValue reply() {
    RespValue v;
    for (;;) {
      RespParser::Result r = parser_.next(&v);
      if (r == RespParser::Result::kGood) return v;
      if (r == RespParser::Result::kBad) return RespValue::error("bad reply: " + parser_.error());
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return RespValue::error("closed");
      if (n < 0) return RespValue::error("timeout");
      parser_.feed(buf, static_cast<size_t>(n));
    }
  }
  RespValue call(const std::vector<std::string>& args) {
    send(resp_encode_command(args));
    return reply();
  }
  // True when the node closed the connection (EOF, or a reset when it
  // closed with our bytes unread) within the timeout.
  bool closed_by_peer() {
    char buf[256];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  RespParser parser_;
};

class NodeProcess {
 public:
  NodeProcess(const fs::path& dir, const NodeConfig& config) : dir_(dir), config_(config) {
    fs::create_directories(dir_);
    std::ofstream(dir_ / "config.json") << node_config_to_json(config_);
  }
  ~NodeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  static std::string binary() {
    const char* d = std::getenv("FAULTLINE_BIN_DIR");
    return std::string(d ? d : "build/bin") + "/faultline-node";
  }

  void start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {binary(), "--config", (dir_ / "config.json").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    log_offset_ = log().size();  // a restart appends to the same log
    pid_ = spawn(args, dir_ / "node.log");
  }

  static pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 2, 1);
    pid_t pid = -1;
    EXPECT_EQ(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ), 0) << argv[0];
    posix_spawn_file_actions_destroy(&fa);
    return pid;
  }

  // Waits for the ready line on stderr.
  bool wait_ready() {
    const std::string ready = "faultline-node n" + std::to_string(config_.id) + " ready client=" +
                              std::to_string(config_.client_port) + " peer=" + std::to_string(config_.peer_port);
    for (int64_t waited = 0; waited < kStartTimeoutMs; waited += 20) {
      if (log().find(ready, log_offset_) != std::string::npos) return true;
      if (exited()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  bool exited() {
    if (pid_ <= 0) return true;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      status_ = st;
      pid_ = -1;
      return true;
    }
    return false;
  }

  // SIGTERM, then the exit code (-1 if it did not exit in time or crashed).
  int stop() {
    ::kill(pid_, SIGTERM);
    for (int64_t waited = 0; waited < kStopTimeoutMs; waited += 20) {
      if (exited()) return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

  std::string log() const { return test::read_file(dir_ / "node.log"); }
  std::string events() const { return test::read_file(config_.events_path); }
  const NodeConfig& config() const { return config_; }

 private:
  fs::path dir_;
  NodeConfig config_;
  pid_t pid_ = -1;
  int status_ = 0;
  size_t log_offset_ = 0;
};

class NodeProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fresh_test_dir("faultline-node");
  }
  void TearDown() override {
    nodes_.clear();
    if (!HasFailure()) fs::remove_all(root_);
    else std::printf("node directories kept in %s\n", root_.c_str());
  }

  // A cluster of n nodes on free ports (configs only; start() them);
  // `tweak` may change each config.
  void make_cluster(int n, int rf, const std::function<void(NodeConfig&)>& tweak = {}) {
    std::vector<NodeConfig> cs(n);
    const std::string secret = generate_cluster_secret();
    for (int i = 0; i < n; ++i) {
      cs[i].id = static_cast<NodeId>(i + 1);
      cs[i].client_port = free_port();
      cs[i].peer_port = free_port();
      cs[i].rf = rf;
      // The defaults: shorter ones make a loaded machine's scheduling delays
      // look like failures, and the tests would flake.
      cs[i].heartbeat_interval_ms = 200;
      cs[i].peer_down_after_ms = 1000;
      cs[i].cluster_secret = secret;
      fs::path dir = root_ / node_name(cs[i].id);
      cs[i].data_dir = (dir / "data").string();
      cs[i].events_path = (dir / "events.jsonl").string();
    }
    for (auto& c : cs) {
      for (auto& o : cs) {
        if (o.id != c.id) c.peers.push_back({o.id, "127.0.0.1", o.peer_port});
      }
    }
    for (auto& c : cs) {
      if (tweak) tweak(c);
      nodes_.push_back(std::make_unique<NodeProcess>(root_ / node_name(c.id), c));
    }
  }

  void start_all() {
    for (auto& n : nodes_) n->start();
    for (auto& n : nodes_) ASSERT_TRUE(n->wait_ready()) << n->log();
  }

  // Polls FL.STATUS on node i until it reports every peer up.
  bool wait_peers_up(size_t i) {
    Conn c(nodes_[i]->config().client_port);
    for (int64_t waited = 0; waited < kStartTimeoutMs; waited += 50) {
      RespValue s = c.call({"FL.STATUS"});
      if (s.type == RespValue::Type::kBulk && s.str.find("down") == std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  fs::path root_;
  std::vector<std::unique_ptr<NodeProcess>> nodes_;
};

TEST_F(NodeProcessTest, ServesRespSurvivesMalformedInputAndStopsCleanlyOnSigterm) {
  make_cluster(1, 1);
  start_all();
  NodeProcess& n = *nodes_[0];
  Conn c(n.config().client_port);
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.call({"PING"}), RespValue::simple("PONG"));
  EXPECT_EQ(c.call({"SET", "k", "v"}), RespValue::simple("OK"));
  EXPECT_EQ(c.call({"GET", "k"}), RespValue::bulk("v"));

  // Pipelining: 200 commands in one write, answered in order.
  std::string batch;
  for (int i = 0; i < 100; ++i) {
    batch += resp_encode_command({"SET", "p" + std::to_string(i), std::to_string(i)});
    batch += resp_encode_command({"GET", "p" + std::to_string(i)});
  }
  c.send(batch);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(c.reply(), RespValue::simple("OK")) << i;
    ASSERT_EQ(c.reply(), RespValue::bulk(std::to_string(i))) << i;
  }
  // Inline commands, as redis-cli in a pipe or telnet send them.
  c.send("PING hello\r\n");
  EXPECT_EQ(c.reply(), RespValue::bulk("hello"));

  // Bytes that are not the authenticated peer protocol close that connection only.
  {
    Conn peer(n.config().peer_port);
    ASSERT_TRUE(peer.connected());
    peer.send(std::string("\x00\x00\x00\x07garbage", 11));
    EXPECT_TRUE(peer.closed_by_peer());
  }
  // A frame longer than the limit, too.
  {
    Conn peer(n.config().peer_port);
    peer.send(std::string("\x7f\xff\xff\xff", 4));
    EXPECT_TRUE(peer.closed_by_peer());
  }
  // Malformed RESP: an error reply, then the connection is closed.
  {
    Conn bad(n.config().client_port);
    bad.send("*1\r\n$x\r\n");
    RespValue e = bad.reply();
    EXPECT_EQ(e.type, RespValue::Type::kError);
    EXPECT_EQ(e.str.rfind("ERR Protocol error", 0), 0u) << e.str;
    EXPECT_TRUE(bad.closed_by_peer());
  }
  EXPECT_EQ(c.call({"PING"}), RespValue::simple("PONG")) << "the node must survive malformed input";
  EXPECT_NE(n.log().find("refused: no hello"), std::string::npos) << n.log();

  EXPECT_EQ(n.stop(), 0) << n.log();
  const std::string events = n.events();
  EXPECT_NE(events.find(R"("event":"node_started")"), std::string::npos) << events;
  EXPECT_NE(events.find(R"("event":"node_stopping")"), std::string::npos) << events;

  // Restarted on the same data, the node still has the writes.
  n.start();
  ASSERT_TRUE(n.wait_ready()) << n.log();
  Conn again(n.config().client_port);
  EXPECT_EQ(again.call({"GET", "p42"}), RespValue::bulk("42"));
  EXPECT_EQ(n.stop(), 0);
}

TEST_F(NodeProcessTest, ThreeNodesReplicateAndFailFastWhenAReplicaIsDown) {
  make_cluster(3, 3);
  start_all();
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(wait_peers_up(i)) << nodes_[i]->log();
  Conn c1(nodes_[0]->config().client_port);
  Conn c3(nodes_[2]->config().client_port);
  RespValue v = c1.call({"FL.SET", "k", "v1", "ALL"});
  ASSERT_EQ(v.type, RespValue::Type::kArray) << v.str;
  EXPECT_EQ(c3.call({"FL.GET", "k", "ONE"}), RespValue::array({RespValue::bulk("v1"), v, RespValue::integer_value(0)}));

  EXPECT_EQ(nodes_[2]->stop(), 0);
  // The failure detector notices within peer_down_after_ms; ALL then fails fast.
  RespValue r;
  for (int64_t waited = 0; waited < kStartTimeoutMs; waited += 100) {
    r = c1.call({"FL.SET", "k", "v2", "ALL"});
    if (r.type == RespValue::Type::kError && r.str.rfind("UNAVAILABLE ", 0) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(r.str.rfind("UNAVAILABLE ", 0), 0u) << r.str;
  EXPECT_EQ(c1.call({"FL.SET", "k", "v3", "QUORUM"}).type, RespValue::Type::kArray);
  EXPECT_NE(nodes_[0]->events().find(R"("event":"peer_down","peer":"n3")"), std::string::npos) << nodes_[0]->events();
  EXPECT_EQ(nodes_[0]->stop(), 0);
  EXPECT_EQ(nodes_[1]->stop(), 0);
}

TEST_F(NodeProcessTest, BadConfigNamesTheFieldAndExits254) {
  std::ofstream(root_ / "bad.json") << R"({"id":1,"client_port":70000,"peer_port":1,"data_dir":"x"})";
  pid_t pid = NodeProcess::spawn({NodeProcess::binary(), "--config", (root_ / "bad.json").string()}, root_ / "bad.log");
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 254);
  EXPECT_NE(test::read_file(root_ / "bad.log").find("client_port"), std::string::npos);
}

// Goal: a seeded bug name the catalogue lacks is refused (exit 254, named),
// never silently ignored: a run "with" it would look like a missed bug.
TEST_F(NodeProcessTest, UnknownSeededBugIsRefusedAndExits254) {
  NodeConfig c;
  c.id = 1;
  c.client_port = 1;
  c.peer_port = 2;
  c.rf = 1;
  c.data_dir = (root_ / "bug-data").string();
  c.cluster_secret = generate_cluster_secret();
  std::ofstream(root_ / "bug.json") << node_config_to_json(c);
  pid_t pid = NodeProcess::spawn(
      {NodeProcess::binary(), "--config", (root_ / "bug.json").string(), "--bug", "no-such-bug"},
      root_ / "bug.log");
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 254);
  EXPECT_NE(test::read_file(root_ / "bug.log").find("unknown seeded bug 'no-such-bug'"), std::string::npos);
}

// A bulk string header and `n` bytes of it, for commands sent in pieces.
std::string bulk_prefix(size_t declared, size_t sent) {
  return "$" + std::to_string(declared) + "\r\n" + std::string(sent, 'x');
}

// Goal: every client limit answers a clean, named error; the node
// never aborts and keeps serving everyone else.
TEST_F(NodeProcessTest, ClientLimitsAnswerCleanErrorsAndTheNodeKeepsServing) {
  constexpr int64_t kMiB = 1024 * 1024;
  make_cluster(1, 1, [](NodeConfig& c) {
    c.limits.key_bytes_max = 1024;
    c.limits.value_bytes_max = kMiB;
    c.limits.client_query_buffer_bytes_max = 2 * kMiB;
    c.limits.client_query_buffers_bytes_total_max = 3 * kMiB;
    c.limits.clients_max = 8;
    c.limits.client_idle_timeout_ms = 2000;
  });
  start_all();
  const int port = nodes_[0]->config().client_port;
  Conn c(port);
  // Values and keys over the limits: an error, and the connection goes on.
  RespValue r = c.call({"SET", "k", std::string(kMiB + 1, 'v')});
  EXPECT_EQ(r.str, "ERR value is 1048577 bytes, above limits.value_bytes_max (1048576)");
  EXPECT_EQ(c.call({"GET", std::string(1025, 'k')}).str, "ERR key is 1025 bytes, above limits.key_bytes_max (1024)");
  EXPECT_EQ(c.call({"SET", "k", std::string(kMiB, 'v')}), RespValue::simple("OK"));
  // Reply-stream injection: one error for the odd name, then PONG.
  c.send("*1\r\n$17\r\nX\r\n+INJECTED\r\n:42\r\n" + resp_encode_command({"PING"}));
  EXPECT_EQ(c.reply().type, RespValue::Type::kError);
  EXPECT_EQ(c.reply(), RespValue::simple("PONG"));
  {
    // A bulk longer than the query buffer is refused at its header.
    Conn big(port);
    big.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n");
    EXPECT_NE(big.reply().str.find("bulk length 3000000 exceeds the limit of 2097152"), std::string::npos);
    EXPECT_TRUE(big.closed_by_peer());
  }
  {
    // One client holding more than its query buffer: a parsed 1 MiB element
    // plus 1.1 MB of the next one.
    Conn greedy(port);
    greedy.send("*3\r\n$3\r\nSET\r\n" + bulk_prefix(kMiB, kMiB) + "\r\n" + bulk_prefix(2000000, 1100000));
    EXPECT_NE(greedy.reply().str.find("exceeds limits.client_query_buffer_bytes_max (2097152)"), std::string::npos);
    EXPECT_TRUE(greedy.closed_by_peer());
  }
  {
    // Two clients each within their buffer, together over the total.
    Conn first(port), second(port);
    first.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n" + bulk_prefix(2000000, 1700000));
    EXPECT_EQ(c.call({"PING"}), RespValue::simple("PONG"));  // first's bytes are buffered by now
    second.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n" + bulk_prefix(2000000, 1700000));
    EXPECT_NE(second.reply().str.find("exceed limits.client_query_buffers_bytes_total_max (3145728)"), std::string::npos);
  }
  {
    // An idle client is disconnected.
    Conn idle(port);
    EXPECT_TRUE(idle.closed_by_peer());
  }
  Conn fresh(port);
  EXPECT_EQ(fresh.call({"GET", "k"}), RespValue::bulk(std::string(kMiB, 'v')));
  {
    // Max clients: connections beyond it are told so (redis-server's words)
    // and closed. The node may not have seen every earlier close yet, so
    // open until one is refused.
    std::vector<std::unique_ptr<Conn>> more;
    RespValue refused;
    while (more.size() < 10) {
      more.push_back(std::make_unique<Conn>(port));
      RespValue r = more.back()->call({"PING"});
      if (r.type == RespValue::Type::kError) {
        refused = r;
        break;
      }
    }
    EXPECT_EQ(refused, RespValue::error("ERR max number of clients reached"));
    EXPECT_LE(more.size() + 2, 9u) << "c and fresh hold two of the 8";
    EXPECT_TRUE(more.back()->closed_by_peer());
  }
  EXPECT_EQ(nodes_[0]->stop(), 0) << nodes_[0]->log();
}

// Goal: a socket without the cluster secret cannot write through
// the peer port (no hello, or a hello under another secret): the connection
// is refused and nothing changes. With the secret, the same write is taken.
TEST_F(NodeProcessTest, PeerMessagesWithoutTheClusterSecretAreRefusedAndChangeNothing) {
  make_cluster(2, 2);
  nodes_[0]->start();
  ASSERT_TRUE(nodes_[0]->wait_ready()) << nodes_[0]->log();
  const NodeConfig& n1 = nodes_[0]->config();
  SystemClock clock;
  const Record forged{"k", "forged", {clock.realtime_us(), 2}, false, 0};
  const std::string frame = encode_frame({2, WriteRequest{1, forged, 0}});
  auto stored = [&] { return Conn(n1.client_port).call({"FL.GET", "k", "ONE"}).elements.at(0); };
  {
    Conn raw(n1.peer_port);
    raw.send(frame);
    EXPECT_TRUE(raw.closed_by_peer());
  }
  {
    NodeConfig outsider = nodes_[1]->config();
    outsider.cluster_secret = generate_cluster_secret();
    PeerAuth evil(outsider, &clock);
    std::string nonce;
    const std::string hello = evil.hello(&nonce);
    Conn peer(n1.peer_port);
    peer.send(hello + frame + evil.tag(nonce, 0, frame));
    EXPECT_TRUE(peer.closed_by_peer());
  }
  EXPECT_EQ(stored(), RespValue::null());
  EXPECT_NE(nodes_[0]->log().find("not signed with the cluster secret"), std::string::npos) << nodes_[0]->log();
  {
    PeerAuth member(nodes_[1]->config(), &clock);
    std::string nonce;
    const std::string hello = member.hello(&nonce);  // sets nonce, which the tag needs
    Conn peer(n1.peer_port);
    peer.send(hello + frame + member.tag(nonce, 0, frame));
    for (int i = 0; i < 100 && stored() == RespValue::null(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(stored(), RespValue::bulk("forged"));
  EXPECT_EQ(nodes_[0]->stop(), 0);
}

}  // namespace
}  // namespace faultline
