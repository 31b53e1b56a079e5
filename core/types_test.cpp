// Goal: pin the vocabulary every part shares: version order, last-write-wins
// (and that merging is commutative, associative and idempotent, so replicas
// converge whatever order they see writes in), node names, consistency
// levels and record digests.
//
// Property tests: on failure RapidCheck prints a reproduce string; replay with
//   RC_PARAMS="reproduce=<string>" core_test --gtest_filter=Lww*
#include "core/types.h"

#include <tuple>

#include "core/test_util.h"

namespace faultline {
namespace {

using test::fails_with;
using test::gen_colliding_record;
using test::gen_optional;
using test::succeeds;

// Records of key "k", which is all LWW ever compares.
Record value_record(std::string value, Version v) { return test::value_record("k", std::move(value), v); }
Record tombstone_record(Version v) { return test::tombstone_record("k", v); }

TEST(Version, OrdersByTimestampThenCoordinator) {
  EXPECT_LT((Version{1, 9}), (Version{2, 1}));
  EXPECT_LT((Version{2, 1}), (Version{2, 2}));
  EXPECT_EQ((Version{2, 2}), (Version{2, 2}));
  EXPECT_TRUE(Version{}.is_zero());
  EXPECT_FALSE((Version{0, 1}).is_zero());
  EXPECT_EQ((Version{1700000000123456, 2}).to_string(), "[1700000000123456,2]");
}

RC_GTEST_PROP(Version, OrderIsLexicographic, (int64_t ts_a, NodeId c_a, int64_t ts_b, NodeId c_b)) {
  const Version a{ts_a, c_a}, b{ts_b, c_b};
  RC_ASSERT((a < b) == (std::tie(ts_a, c_a) < std::tie(ts_b, c_b)));
  RC_ASSERT((a == b) == (std::tie(ts_a, c_a) == std::tie(ts_b, c_b)));
}

TEST(Lww, GreaterVersionWinsWhateverTheTombstoneFlag) {
  const Record old_value = value_record("zzz", {1, 3});
  const Record new_value = value_record("a", {2, 1});
  const Record old_tombstone = tombstone_record({1, 3});
  const Record new_tombstone = tombstone_record({2, 1});
  EXPECT_TRUE(lww_wins(new_value, old_value));
  EXPECT_FALSE(lww_wins(old_value, new_value));
  EXPECT_EQ(lww_merge(old_value, new_value), new_value);
  EXPECT_EQ(lww_merge(old_tombstone, new_value), new_value);
  EXPECT_EQ(lww_merge(new_tombstone, old_value), new_tombstone);
  // The coordinator id breaks a timestamp tie.
  EXPECT_EQ(lww_merge(value_record("a", {5, 2}), value_record("z", {5, 1})), value_record("a", {5, 2}));
}

TEST(Lww, EqualVersionTombstoneBeatsValue) {
  const Record value = value_record("v", {7, 2});
  const Record tombstone = tombstone_record({7, 2});
  EXPECT_TRUE(lww_wins(tombstone, value));
  EXPECT_FALSE(lww_wins(value, tombstone));
  EXPECT_EQ(lww_merge(value, tombstone), tombstone);
  EXPECT_EQ(lww_merge(tombstone, value), tombstone);
}

TEST(Lww, EqualVersionValuesResolvedByUnsignedBytes) {
  const Record a = value_record("a", {7, 2});
  const Record b = value_record("b", {7, 2});
  EXPECT_EQ(lww_merge(a, b), b);
  EXPECT_EQ(lww_merge(b, a), b);
  // Bytes compare unsigned: 0x80 beats 0x7f on every replica and platform.
  const Record high = value_record("\x80", {7, 2});
  const Record low = value_record("\x7f", {7, 2});
  EXPECT_EQ(lww_merge(low, high), high);
  EXPECT_EQ(lww_merge(high, low), high);
  // Identical records: neither wins.
  EXPECT_FALSE(lww_wins(a, a));
}

TEST(Lww, MissingRecordAlwaysLoses) {
  const std::optional<Record> t = tombstone_record({1, 1});
  EXPECT_EQ(lww_merge(t, std::nullopt), t);
  EXPECT_EQ(lww_merge(std::nullopt, t), t);
  EXPECT_EQ(lww_merge(std::optional<Record>(), std::optional<Record>()), std::nullopt);
}

RC_GTEST_PROP(Lww, MergeIsCommutative, ()) {
  const Record a = *gen_colliding_record();
  const Record b = *gen_colliding_record();
  RC_ASSERT(lww_merge(a, b) == lww_merge(b, a));
}

RC_GTEST_PROP(Lww, MergeIsAssociative, ()) {
  const Record a = *gen_colliding_record();
  const Record b = *gen_colliding_record();
  const Record c = *gen_colliding_record();
  RC_ASSERT(lww_merge(lww_merge(a, b), c) == lww_merge(a, lww_merge(b, c)));
}

RC_GTEST_PROP(Lww, MergeIsIdempotent, ()) {
  const Record a = *gen_colliding_record();
  const Record b = *gen_colliding_record();
  RC_ASSERT(lww_merge(a, a) == a);
  RC_ASSERT(lww_merge(lww_merge(a, b), b) == lww_merge(a, b));
}

// Exactly one of two different records wins: the order is total, so no two
// replicas can resolve the same pair differently.
RC_GTEST_PROP(Lww, WinsIsATotalOrderOnDistinctRecords, ()) {
  const Record a = *gen_colliding_record();
  const Record b = *gen_colliding_record();
  if (a == b) {
    RC_ASSERT(!lww_wins(a, b));
  } else {
    RC_ASSERT(lww_wins(a, b) != lww_wins(b, a));
  }
}

RC_GTEST_PROP(Lww, OptionalMergeIsCommutativeAssociativeIdempotent, ()) {
  const auto a = *gen_optional(gen_colliding_record());
  const auto b = *gen_optional(gen_colliding_record());
  const auto c = *gen_optional(gen_colliding_record());
  RC_ASSERT(lww_merge(a, b) == lww_merge(b, a));
  RC_ASSERT(lww_merge(lww_merge(a, b), c) == lww_merge(a, lww_merge(b, c)));
  RC_ASSERT(lww_merge(a, a) == a);
}

TEST(NodeName, PrintsAndParses) {
  EXPECT_EQ(node_name(3), "n3");
  EXPECT_EQ(node_name(12), "n12");
  NodeId id = 0;
  ASSERT_TRUE(succeeds(parse_node_name("n3", &id)));
  EXPECT_EQ(id, 3u);
  ASSERT_TRUE(succeeds(parse_node_name("n4294967295", &id)));
  EXPECT_EQ(id, 4294967295u);
}

TEST(NodeName, RejectsWhatIsNotNWithAPositiveId) {
  for (const char* bad : {"", "n", "3", "x3", "N3", "n0", "n-1", "n+1", "n3x", "n 3", "n4294967296"}) {
    NodeId id = 77;
    EXPECT_TRUE(fails_with(parse_node_name(bad, &id), "is not n<id>")) << "'" << bad << "'";
    EXPECT_EQ(id, 77u) << "output written on error for '" << bad << "'";
  }
}

RC_GTEST_PROP(NodeName, RoundTrips, ()) {
  const NodeId id = *rc::gen::positive<NodeId>();
  NodeId back = 0;
  RC_ASSERT(parse_node_name(node_name(id), &back).is_ok());
  RC_ASSERT(back == id);
}

TEST(ConsistencyLevel, PrintsAndParsesEveryLevel) {
  using CL = ConsistencyLevel;
  for (CL cl : {CL::kAny, CL::kOne, CL::kTwo, CL::kQuorum, CL::kAll}) {
    CL back = cl == CL::kAll ? CL::kAny : CL::kAll;
    ASSERT_TRUE(succeeds(parse_consistency_level(to_string(cl), &back)));
    EXPECT_EQ(back, cl);
  }
  EXPECT_EQ(to_string(CL::kQuorum), "QUORUM");
  CL cl = CL::kAny;
  ASSERT_TRUE(succeeds(parse_consistency_level("quorum", &cl)));  // as redis-cli users type it
  EXPECT_EQ(cl, CL::kQuorum);
}

TEST(ConsistencyLevel, RejectsUnknownNamesListingTheValidOnes) {
  ConsistencyLevel cl = ConsistencyLevel::kOne;
  for (const char* bad : {"", "QUORAM", "LOCAL_QUORUM", "THREE", " ONE"}) {
    EXPECT_TRUE(fails_with(parse_consistency_level(bad, &cl), "(ANY, ONE, TWO, QUORUM, ALL)")) << bad;
  }
  EXPECT_EQ(cl, ConsistencyLevel::kOne);
}

TEST(ConsistencyLevel, RequiredAcks) {
  using CL = ConsistencyLevel;
  struct Case {
    CL cl;
    int rf;
    int acks;
  };
  for (const Case& c : {Case{CL::kAny, 3, 1}, Case{CL::kOne, 3, 1}, Case{CL::kTwo, 3, 2}, Case{CL::kQuorum, 3, 2},
                        Case{CL::kAll, 3, 3}, Case{CL::kQuorum, 1, 1}, Case{CL::kQuorum, 2, 2},
                        Case{CL::kQuorum, 4, 3}, Case{CL::kQuorum, 5, 3}, Case{CL::kAll, 5, 5},
                        // TWO with rf 1 asks for more replicas than exist: unavailable.
                        Case{CL::kTwo, 1, 2}}) {
    EXPECT_EQ(required_acks(c.cl, c.rf), c.acks) << to_string(c.cl) << " rf=" << c.rf;
  }
}

TEST(RecordDigest, DiffersWhenOnlyOneReadVisibleFieldDiffers) {
  const Record base = value_record("v1", {100, 2});
  Record other_value = base;
  other_value.value = "v2";
  Record other_timestamp = base;
  other_timestamp.version.timestamp_us = 101;
  Record other_coordinator = base;
  other_coordinator.version.coordinator_id = 3;
  Record empty_value = base;
  empty_value.value = "";
  const Record tombstone = tombstone_record(base.version);

  const uint64_t d = record_digest(base);
  EXPECT_NE(d, record_digest(other_value));
  EXPECT_NE(d, record_digest(other_timestamp));
  EXPECT_NE(d, record_digest(other_coordinator));
  EXPECT_NE(d, record_digest(std::nullopt));
  // Same version, same (empty) value: only the tombstone flag differs.
  EXPECT_NE(record_digest(empty_value), record_digest(tombstone));
  EXPECT_NE(record_digest(tombstone), record_digest(std::nullopt));
}

TEST(RecordDigest, CoversOnlyWhatAReadReturns) {
  const Record base = value_record("v1", {100, 2});
  EXPECT_EQ(record_digest(base), record_digest(base));
  Record other_key = base;
  other_key.key = "other";
  EXPECT_EQ(record_digest(base), record_digest(other_key));
  Record a = tombstone_record({5, 1});
  Record b = a;
  b.local_deletion_time_ms = 123456;
  EXPECT_EQ(record_digest(a), record_digest(b));
}

RC_GTEST_PROP(RecordDigest, EqualRecordsEqualDigests, ()) {
  const Record a = *gen_colliding_record();
  const Record b = *gen_colliding_record();
  if (a == b) RC_ASSERT(record_digest(a) == record_digest(b));
  else RC_ASSERT(record_digest(a) != record_digest(b));  // tiny domain: a collision would be a bug
}

// Goal: client and peer bytes quoted in errors and log lines can
// neither end a line nor start a reply: CR, LF, every control byte and DEL
// are written as \xNN (and a backslash doubled, so the text stays unambiguous).
TEST(EscapeControl, ControlBytesBecomeHexEscapes) {
  EXPECT_EQ(escape_control("GET"), "GET");
  EXPECT_EQ(escape_control("X\r\n+INJECTED\r\n:42"), "X\\x0d\\x0a+INJECTED\\x0d\\x0a:42");
  EXPECT_EQ(escape_control(std::string("a\0b\x7f\\", 5)), "a\\x00b\\x7f\\\\");
  EXPECT_EQ(escape_control("caf\xc3\xa9"), "caf\xc3\xa9") << "bytes >= 0x80 (UTF-8) pass through";
}

}  // namespace
}  // namespace faultline
