// Goal: nodes/<id>/config.json round-trips, and a config a node must not run
// with (unknown field, non-loopback address, duplicate ids, rf larger than
// the cluster, ...) is rejected naming the field.
#include "core/node_config.h"

#include "core/test_util.h"

namespace faultline {
namespace {

using test::fails_with;
using test::succeeds;

NodeConfig three_node_config() {
  NodeConfig c;
  c.id = 2;
  c.client_port = 7002;
  c.peer_port = 8002;
  c.data_dir = "/tmp/run/nodes/n2/data";
  c.events_path = "/tmp/run/nodes/n2/events.jsonl";
  c.peers = {{3, "127.0.0.3", 9023}, {1, "127.0.0.1", 9021}};
  c.cluster_secret = std::string(64, 'a');
  return c;
}

// three_node_config() as JSON text with `patch` merged in (RFC 7386).
std::string config_with(const char* patch) {
  return test::with_json_patch(node_config_to_json(three_node_config()), patch);
}

TEST(NodeConfig, RoundTrips) {
  NodeConfig c = three_node_config();
  c.rf = 2;
  c.vnodes = 4;
  c.modes.read_repair = ReadRepair::kAsync;
  c.modes.hinted_handoff = true;
  c.default_read_cl = ConsistencyLevel::kOne;
  c.default_write_cl = ConsistencyLevel::kAll;
  c.heartbeat_interval_ms = 50;
  c.peer_down_after_ms = 400;
  c.bugs = {"hint-deleted-before-ack"};
  c.fault_hooks = true;
  const std::string text = node_config_to_json(c);
  NodeConfig back;
  ASSERT_TRUE(succeeds(node_config_from_json(text, &back)));
  EXPECT_EQ(node_config_to_json(back), text);
  EXPECT_EQ(back.id, 2u);
  EXPECT_EQ(back.peers[1].host, "127.0.0.1");
  EXPECT_EQ(back.peers[0].port, 9023);
  EXPECT_EQ(back.modes.read_repair, ReadRepair::kAsync);
  EXPECT_EQ(back.default_write_cl, ConsistencyLevel::kAll);
  EXPECT_EQ(back.bugs, c.bugs);
  EXPECT_TRUE(back.fault_hooks);
  EXPECT_EQ(back.ring_nodes(), (std::vector<NodeId>{1, 2, 3}));
}

TEST(NodeConfig, SingleNodeClusterIsValid) {
  NodeConfig c = three_node_config();
  c.peers.clear();
  c.rf = 1;
  NodeConfig back;
  EXPECT_TRUE(succeeds(node_config_from_json(node_config_to_json(c), &back)));
  EXPECT_EQ(back.ring_nodes(), std::vector<NodeId>{2});
}

TEST(NodeConfig, RejectsBadConfigsNamingTheField) {
  for (const auto& [patch, error] : std::vector<std::pair<const char*, const char*>>{
           {R"({"idd": 2})", "idd: unknown field"},
           {R"({"modes": {"fsynk": true}})", "modes.fsynk: unknown field"},
           {R"({"peers": [{"id": 1, "host": "127.0.0.1", "port": 1, "weight": 2}]})", "peers[0].weight: unknown field"},
           {R"({"id": 0})", "id: must be >= 1"},
           {R"({"id": -2})", "id: has the wrong type"},
           {R"({"id": 4294967298})", "id: has the wrong type"},
           {R"({"host": "0.0.0.0"})", "host: must be a loopback address"},
           {R"({"host": "10.0.0.1"})", "host: must be a loopback address"},
           {R"({"peers": [{"id": 1, "host": "192.168.1.1", "port": 1}]})", "peers[0].host: must be a loopback address"},
           {R"({"peers": [{"id": 1, "port": 1}, {"id": 1, "port": 2}]})", "peers: duplicate node id"},
           {R"({"peers": [{"id": 2, "port": 1}]})", "peers[0].id: must be >= 1 and not this node's id"},
           {R"({"peers": [{"id": 1, "port": 0}]})", "peers[0].port: must be in 1..65535"},
           {R"({"peers": {}})", "peers: must be an array"},
           {R"({"rf": 4})", "rf: must be in 1..number of nodes"},
           {R"({"rf": 0})", "rf: must be in 1..number of nodes"},
           {R"({"vnodes": 257})", "vnodes: must be in 1..256"},
           {R"({"client_port": 65536})", "client_port: must be in 1..65535"},
           {R"({"peer_port": 0})", "peer_port: must be in 1..65535"},
           {R"({"data_dir": ""})", "data_dir: must be set"},
           {R"({"default_read_cl": "SOME"})", "default_read_cl: unknown consistency level"},
           {R"({"heartbeat_interval_ms": 0})", "heartbeat_interval_ms: must be >= 1"},
           {R"({"peer_down_after_ms": 100})", "peer_down_after_ms: must be >= heartbeat_interval_ms"},
           {R"({"bugs": [1]})", "bugs: must be an array of names"},
       }) {
    SCOPED_TRACE(patch);
    NodeConfig c;
    EXPECT_TRUE(fails_with(node_config_from_json(config_with(patch), &c), error));
    EXPECT_EQ(c.id, 0u) << "output written on error";
  }
  NodeConfig c;
  EXPECT_TRUE(fails_with(node_config_from_json("{", &c), "config is not valid JSON"));
}

TEST(NodeConfig, FileErrorsNameThePath) {
  test::TempDir dir;
  const std::string path = dir.file("config.json");
  test::write_file(path, config_with(R"({"rf": 9})"));
  NodeConfig c;
  EXPECT_TRUE(fails_with(read_node_config_file(path, &c), path + ": rf: must be in 1..number of nodes"));
  test::write_file(path, node_config_to_json(three_node_config()));
  EXPECT_TRUE(succeeds(read_node_config_file(path, &c)));
  EXPECT_EQ(read_node_config_file(dir.file("missing.json"), &c).code(), Status::Code::kNotFound);
}

// Goal: the limits round-trip, and a config whose limits would let
// a write through that cannot travel in one peer frame, or a buffer that
// cannot hold one maximal SET, is refused naming the field.
TEST(NodeConfig, LimitsRoundTripAndAreCheckedAgainstTheFrameLimit) {
  NodeConfig c = three_node_config();
  c.limits.value_bytes_max = 1024;
  c.limits.clients_max = 7;
  c.limits.client_idle_timeout_ms = 0;
  NodeConfig back;
  ASSERT_TRUE(succeeds(node_config_from_json(node_config_to_json(c), &back)));
  EXPECT_EQ(back.limits.value_bytes_max, 1024);
  EXPECT_EQ(back.limits.clients_max, 7);
  EXPECT_EQ(node_config_to_json(back), node_config_to_json(c));
  EXPECT_TRUE(fails_with(node_config_from_json(config_with(R"({"limits":{"value_bytes_max":16777216}})"), &back),
                         "key_bytes_max + value_bytes_max must be <= 8388608"));
  EXPECT_TRUE(fails_with(node_config_from_json(config_with(R"({"limits":{"client_query_buffer_bytes_max":1000}})"), &back),
                         "limits.client_query_buffer_bytes_max: must be >="));
  EXPECT_TRUE(fails_with(node_config_from_json(config_with(R"({"limits":{"clients_max":0}})"), &back),
                         "limits.clients_max: must be >= 1"));
  EXPECT_TRUE(fails_with(node_config_from_json(config_with(R"({"limits":{"colour":1}})"), &back),
                         "limits.colour: unknown field"));
}

// Goal: a node never runs without a usable cluster secret (peers could not
// authenticate), and generated secrets are fresh.
TEST(NodeConfig, ClusterSecretIsRequiredAndGeneratedFresh) {
  NodeConfig back;
  EXPECT_TRUE(fails_with(node_config_from_json(config_with(R"({"cluster_secret":""})"), &back), "cluster_secret: must be"));
  EXPECT_TRUE(fails_with(node_config_from_json(config_with(R"({"cluster_secret":"xyz0123456789abcdef0123456789abcdef"})"), &back),
                         "cluster_secret: must be"));
  const std::string a = generate_cluster_secret();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, generate_cluster_secret());
  NodeConfig c = three_node_config();
  c.cluster_secret = a;
  EXPECT_TRUE(succeeds(node_config_from_json(node_config_to_json(c), &back)));
  EXPECT_EQ(back.cluster_secret, a);
}

}  // namespace
}  // namespace faultline
