// Goal: plan.json is a faithful, strict contract: defaults and every field
// round-trip byte-identically, a typo or a wrong type is rejected naming its
// field path, and validate_plan rejects plans no cluster can run.
#include "core/plan.h"

#include <nlohmann/json.hpp>

#include <functional>

#include "core/test_util.h"

namespace faultline {
namespace {

using nlohmann::ordered_json;
using test::fails_with;
using test::succeeds;

Status parse(const std::string& text, Plan* out) { return plan_from_json(text, out); }

// The default plan's JSON with `patch` merged in (RFC 7386), as text.
std::string defaults_with(const char* patch) { return test::with_json_patch(plan_to_json(Plan{}), patch); }

// Every leaf of a JSON document by path ("workload.rate"); arrays are leaves.
void leaves(const ordered_json& j, const std::string& path, std::map<std::string, ordered_json>* out) {
  if (!j.is_object()) {
    (*out)[path] = j;
    return;
  }
  for (const auto& [k, v] : j.items()) leaves(v, path.empty() ? k : path + "." + k, out);
}

TEST(Plan, DefaultsRoundTripByteIdentically) {
  const std::string text = plan_to_json(Plan{});
  Plan p;
  ASSERT_TRUE(succeeds(parse(text, &p)));
  EXPECT_EQ(plan_to_json(p), text);
  EXPECT_EQ(text.back(), '\n');
  // An empty object is the default plan.
  ASSERT_TRUE(succeeds(parse("{}", &p)));
  EXPECT_EQ(plan_to_json(p), text);
}

// Plans written before the swarm fields (value sizes, routing, recent reads)
// still parse, meaning the workload they meant: bare identities, a random
// coordinator, reads by the key distribution alone.
TEST(Plan, PlansWithoutTheSwarmFieldsKeepTheirMeaning) {
  ordered_json j = ordered_json::parse(plan_to_json(Plan{}));
  for (const char* f : {"value_bytes_min", "value_bytes_max", "routing", "read_recent_share"}) j["workload"].erase(f);
  Plan p;
  ASSERT_TRUE(succeeds(parse(j.dump(), &p)));
  EXPECT_EQ(p.workload.value_bytes_min, 0);
  EXPECT_EQ(p.workload.value_bytes_max, 0);
  EXPECT_EQ(p.workload.routing, Routing::kRandom);
  EXPECT_EQ(p.workload.read_recent_share, 0);
  EXPECT_EQ(plan_to_json(p), plan_to_json(Plan{}));
}

TEST(Plan, ReserializingIsStable) {
  for (const char* text : {
           "{}",
           R"({"seed": 9, "workload": {"rate": 0.1, "read_fraction": 0.3, "write_fraction": 0.3,
               "delete_fraction": 0.4}})",
           R"({"bugs": ["hint-counts-toward-quorum"], "cluster": {"vnodes": 3, "nodes": 3, "rf": 1}})",
           R"({"faults": [{"kind": "partition", "start_ms": 5, "duration_ms": 10, "targets": ["n1", "n2"],
               "params": {"z": 1, "a": {"deep": [1, 2]}}}, {"kind": "kill"}]})",
       }) {
    SCOPED_TRACE(text);
    Plan once;
    ASSERT_TRUE(succeeds(parse(text, &once)));
    const std::string first = plan_to_json(once);
    Plan twice;
    ASSERT_TRUE(succeeds(parse(first, &twice)));
    EXPECT_EQ(plan_to_json(twice), first);
  }
}

// Overrides every field at once; the test below checks this covers every
// leaf of the default JSON, so a new field without a test fails here.
constexpr const char* kEveryFieldChanged = R"({
  "seed": 18446744073709551615,
  "cluster": {"nodes": 7, "rf": 2, "vnodes": 16},
  "modes": {"read_repair": "async", "digest_reads": true, "hinted_handoff": false, "quorum": "sloppy",
            "anti_entropy": true, "anti_entropy_interval_ms": 500, "merkle_depth": 4, "gc_grace_ms": 1000,
            "hint_window_ms": 2000, "fsync": true, "request_timeout_ms": 300},
  "workload": {"clients": 3, "keys": 100, "rate": 12.5, "duration_ms": 1500, "read_cl": "ALL", "write_cl": "ANY",
               "read_fraction": 0.25, "write_fraction": 0.25, "delete_fraction": 0.5,
               "key_distribution": "hot-key", "value_bytes_min": 10, "value_bytes_max": 5000000,
               "routing": "failover", "read_recent_share": 0.5},
  "faults": [{"start_ms": 100, "duration_ms": 200, "kind": "clock", "targets": ["n7"],
              "params": {"offset_ms": -5000}}],
  "bugs": ["digest-ignores-version"]
})";

TEST(Plan, EveryFieldIsOverridable) {
  Plan p;
  ASSERT_TRUE(succeeds(parse(kEveryFieldChanged, &p)));
  EXPECT_EQ(p.seed, 18446744073709551615u);
  EXPECT_EQ(p.cluster.vnodes, 16);
  EXPECT_EQ(p.modes.read_repair, ReadRepair::kAsync);
  EXPECT_EQ(p.modes.quorum, QuorumMode::kSloppy);
  EXPECT_EQ(p.workload.write_cl, ConsistencyLevel::kAny);
  EXPECT_EQ(p.workload.key_distribution, KeyDistribution::kHotKey);
  EXPECT_DOUBLE_EQ(p.workload.rate, 12.5);
  EXPECT_EQ(p.workload.value_bytes_min, 10);
  EXPECT_EQ(p.workload.value_bytes_max, 5000000);
  EXPECT_EQ(p.workload.routing, Routing::kFailover);
  EXPECT_DOUBLE_EQ(p.workload.read_recent_share, 0.5);
  ASSERT_EQ(p.faults.size(), 1u);
  EXPECT_EQ(p.faults[0], (FaultEvent{100, 200, "clock", {"n7"}, R"({"offset_ms":-5000})"}));

  std::map<std::string, ordered_json> defaults, expected, got;
  leaves(ordered_json::parse(plan_to_json(Plan{})), "", &defaults);
  leaves(ordered_json::parse(kEveryFieldChanged), "", &expected);
  leaves(ordered_json::parse(plan_to_json(p)), "", &got);
  for (const auto& [path, def] : defaults) {
    if (path == "format_version") continue;
    ASSERT_TRUE(expected.count(path)) << path << " is not overridden by this test";
    EXPECT_NE(expected[path], def) << path << " is overridden with its default";
    EXPECT_EQ(got[path], expected[path]) << path << " did not take the override";
  }
}

TEST(Plan, EnumNamesRoundTrip) {
  for (ReadRepair m : {ReadRepair::kNone, ReadRepair::kAsync, ReadRepair::kBlocking}) {
    ReadRepair back;
    ASSERT_TRUE(succeeds(parse_read_repair(to_string(m), &back)));
    EXPECT_EQ(back, m);
  }
  for (QuorumMode m : {QuorumMode::kStrict, QuorumMode::kSloppy}) {
    QuorumMode back;
    ASSERT_TRUE(succeeds(parse_quorum_mode(to_string(m), &back)));
    EXPECT_EQ(back, m);
  }
  for (KeyDistribution d :
       {KeyDistribution::kUniform, KeyDistribution::kZipfian, KeyDistribution::kHotKey, KeyDistribution::kFresh}) {
    KeyDistribution back;
    ASSERT_TRUE(succeeds(parse_key_distribution(to_string(d), &back)));
    EXPECT_EQ(back, d);
  }
  for (Routing r : {Routing::kRandom, Routing::kPinned, Routing::kFailover}) {
    Routing back;
    ASSERT_TRUE(succeeds(parse_routing(to_string(r), &back)));
    EXPECT_EQ(back, r);
  }
  Routing routing;
  EXPECT_TRUE(fails_with(parse_routing("sticky", &routing), "(random, pinned, failover)"));
  ReadRepair rr;
  EXPECT_TRUE(fails_with(parse_read_repair("Blocking", &rr), "(none, async, blocking)"));
}

struct Rejected {
  std::string text;
  std::string error;
};

void expect_rejected(const std::vector<Rejected>& cases) {
  for (const Rejected& c : cases) {
    SCOPED_TRACE(c.text);
    Plan p;
    p.seed = 77;
    EXPECT_TRUE(fails_with(parse(c.text, &p), c.error));
    EXPECT_EQ(p.seed, 77u) << "output written on error";
  }
}

TEST(Plan, UnknownFieldsAreRejectedWithTheirPath) {
  expect_rejected({
      {R"({"sed": 1})", "sed: unknown field"},
      {R"({"workload": {"rat": 1}})", "workload.rat: unknown field"},
      {R"({"cluster": {"node": 3}})", "cluster.node: unknown field"},
      {R"({"modes": {"read_repiar": "none"}})", "modes.read_repiar: unknown field"},
      {R"({"faults": [{"kind": "kill"}, {"kind": "kill", "targte": ["n1"]}]})", "faults[1].targte: unknown field"},
  });
}

TEST(Plan, WrongTypesAreRejectedWithTheirPath) {
  expect_rejected({
      {"not json", "plan is not valid JSON"},
      {"[]", "must be an object"},
      {R"({"seed": -1})", "seed: has the wrong type"},
      {R"({"seed": "1"})", "seed: has the wrong type"},
      {R"({"cluster": 5})", "cluster: must be an object"},
      {R"({"cluster": {"nodes": "5"}})", "cluster.nodes: has the wrong type"},
      {R"({"cluster": {"nodes": 5.5}})", "cluster.nodes: has the wrong type"},
      {R"({"cluster": {"nodes": 4294967301}})", "cluster.nodes: has the wrong type"},  // would wrap to 5
      {R"({"modes": {"fsync": 1}})", "modes.fsync: has the wrong type"},
      {R"({"modes": {"read_repair": "sometimes"}})", "modes.read_repair: unknown read repair mode 'sometimes'"},
      {R"({"modes": {"quorum": true}})", "modes.quorum: has the wrong type"},
      {R"({"workload": {"rate": "fast"}})", "workload.rate: has the wrong type"},
      {R"({"workload": {"read_cl": "MOST"}})", "workload.read_cl: unknown consistency level 'MOST'"},
      {R"({"workload": {"key_distribution": "zipf"}})", "workload.key_distribution: unknown key distribution"},
      {R"({"faults": {}})", "faults: must be an array"},
      {R"({"faults": [5]})", "faults[0]: must be an object"},
      {R"({"faults": [{"kind": "kill", "targets": "n1"}]})", "faults[0].targets: must be an array of node names"},
      {R"({"faults": [{"kind": "kill", "targets": [1]}]})", "faults[0].targets: must be an array of node names"},
      {R"({"faults": [{"kind": "kill", "params": []}]})", "faults[0].params: must be an object"},
      {R"({"bugs": "x"})", "bugs: must be an array of bug names"},
      {R"({"bugs": [1]})", "bugs: must be an array of bug names"},
      {R"({"format_version": 2})", "format_version: unsupported plan format version"},
  });
}

TEST(Plan, ValidationRejectsPlansNoClusterCanRun) {
  expect_rejected({
      {defaults_with(R"({"cluster": {"nodes": 3, "rf": 4}})"), "cluster.rf: must be in 1..cluster.nodes"},
      {defaults_with(R"({"cluster": {"nodes": 0}})"), "cluster.nodes: must be in 1..64"},
      {defaults_with(R"({"cluster": {"vnodes": 0}})"), "cluster.vnodes: must be in 1..256"},
      {defaults_with(R"({"workload": {"read_fraction": 0.6}})"),
       "workload: read_fraction + write_fraction + delete_fraction must be 1"},
      {defaults_with(R"({"workload": {"read_fraction": 1.5, "write_fraction": -0.5, "delete_fraction": 0}})"),
       "workload: operation fractions must be in [0, 1]"},
      {defaults_with(R"({"workload": {"read_cl": "ANY"}})"), "workload.read_cl: ANY is for writes only"},
      {defaults_with(R"({"workload": {"rate": 0}})"), "workload.rate: must be in [0.001, 1000000]"},
      {defaults_with(R"({"workload": {"clients": 0}})"), "workload.clients: must be in 1..1024"},
      {defaults_with(R"({"workload": {"value_bytes_min": -1}})"), "workload.value_bytes_min: must be in 0..33554432"},
      {defaults_with(R"({"workload": {"value_bytes_min": 10, "value_bytes_max": 5}})"),
       "workload.value_bytes_max: must be in workload.value_bytes_min..33554432"},
      {defaults_with(R"({"workload": {"value_bytes_max": 33554433}})"),
       "workload.value_bytes_max: must be in workload.value_bytes_min..33554432"},
      {defaults_with(R"({"workload": {"routing": "sticky"}})"), "workload.routing: unknown routing 'sticky'"},
      {defaults_with(R"({"workload": {"read_recent_share": 1.5}})"), "workload.read_recent_share: must be in [0, 1]"},
      {defaults_with(R"({"modes": {"merkle_depth": 21}})"), "modes.merkle_depth: must be in 1..20"},
      {defaults_with(R"({"modes": {"request_timeout_ms": 0}})"), "modes.request_timeout_ms: must be in 1..600000"},
      {defaults_with(R"({"faults": [{"kind": "kill", "targets": ["n9"]}]})"),
       "faults[0].targets: no node n9 in the cluster"},
      {defaults_with(R"({"faults": [{"kind": "kill", "targets": ["node1"]}]})"), "faults[0].targets: node name 'node1'"},
      {defaults_with(R"({"faults": [{"kind": "", "targets": []}]})"), "faults[0].kind: must be set"},
      {defaults_with(R"({"faults": [{"kind": "kill", "start_ms": -1}]})"), "faults[0].start_ms: must be in 0.."},
  });
}

// Regression: a plan with duration_ms 2^63-1 ran 0 operations and was
// judged valid (the end time overflowed into the past); 1e-300 ops/s paced
// with an overflowed interval and never ended; 2^62 ms timeouts were taken.
TEST(Plan, ValidationRejectsValuesThatOverflowTheRun) {
  expect_rejected({
      {defaults_with(R"({"workload": {"duration_ms": 9223372036854775807}})"), "workload.duration_ms: must be in 0.."},
      {defaults_with(R"({"workload": {"rate": 1e-300}})"), "workload.rate: must be in [0.001, 1000000]"},
      {defaults_with(R"({"workload": {"rate": 1e300}})"), "workload.rate: must be in [0.001, 1000000]"},
      {defaults_with(R"({"modes": {"request_timeout_ms": 4611686018427387904}})"),
       "modes.request_timeout_ms: must be in 1..600000"},
      {defaults_with(R"({"modes": {"anti_entropy_interval_ms": 4611686018427387904}})"),
       "modes.anti_entropy_interval_ms: must be in 10..3600000"},
      {defaults_with(R"({"modes": {"gc_grace_ms": 4611686018427387904}})"), "modes.gc_grace_ms: must be in 0.."},
      {defaults_with(R"({"modes": {"hint_window_ms": 4611686018427387904}})"), "modes.hint_window_ms: must be in 0.."},
      {defaults_with(R"({"faults": [{"kind": "kill", "duration_ms": 9223372036854775807}]})"),
       "faults[0].duration_ms: must be in 0.."},
  });
}

TEST(Plan, ValidatePlanAcceptsTheDefaultsAndWritesAtAny) {
  Plan p;
  EXPECT_TRUE(succeeds(validate_plan(p)));
  p.workload.write_cl = ConsistencyLevel::kAny;
  p.cluster = {1, 1, 1};
  p.faults.push_back({0, 0, "pause", {"n1"}, "{}"});
  EXPECT_TRUE(succeeds(validate_plan(p)));
  p.faults[0].targets = {"n2"};
  EXPECT_TRUE(fails_with(validate_plan(p), "faults[0].targets: no node n2 in the cluster"));
}

TEST(Plan, FilesRoundTripAndErrorsNameThePath) {
  test::TempDir dir;
  Plan p;
  ASSERT_TRUE(succeeds(parse(kEveryFieldChanged, &p)));
  const std::string path = dir.file("plan.json");
  ASSERT_TRUE(succeeds(write_plan_file(path, p)));
  EXPECT_EQ(test::read_file(path), plan_to_json(p));
  Plan back;
  ASSERT_TRUE(succeeds(read_plan_file(path, &back)));
  EXPECT_EQ(plan_to_json(back), plan_to_json(p));

  test::write_file(path, R"({"workload": {"rat": 1}})");
  EXPECT_TRUE(fails_with(read_plan_file(path, &back), path + ": workload.rat: unknown field"));
  EXPECT_EQ(read_plan_file(dir.file("missing.json"), &back).code(), Status::Code::kNotFound);
  EXPECT_EQ(write_plan_file("/nonexistent-dir/plan.json", p).code(), Status::Code::kIo);
}

}  // namespace
}  // namespace faultline
