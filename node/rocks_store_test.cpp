// Unit tests of RocksStore: round trip, LWW on apply, token ordering, the
// hints column family and detection of corrupt values, in a temp directory.
#include "node/rocks_store.h"
#include "node/test_dir.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <random>

namespace faultline {
namespace {

namespace fs = std::filesystem;

class RocksStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_test_dir("faultline-rocks");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<RocksStore> open() {
    std::unique_ptr<RocksStore> s;
    Status st = RocksStore::open(dir_.string(), false, &s);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    return s;
  }

  fs::path dir_;
};

Record rec(std::string key, std::string value, int64_t ts, NodeId c, bool tombstone = false) {
  Record r{std::move(key), std::move(value), Version{ts, c}, tombstone, tombstone ? 1234 : 0};
  return r;
}

// Goal: hints read back after a reopen exactly as written (regression: the
// decoder read the record key length at the header's end instead of its
// field, so every hint was "corrupt" after a node restart and, the load
// having failed, hints stored after the restart were never replayed).
TEST_F(RocksStoreTest, HintsReadBackAfterReopenRegressionKeyLengthOffset) {
  Hint hint{7, 3, rec("k11", "", 42, 1, true), 1700000000123, false};
  Hint handoff{8, 2, rec(std::string(300, 'x'), "value", 43, 1), 1700000000124, true};
  {
    auto s = open();
    ASSERT_TRUE(s->put_hint(hint).is_ok());
    ASSERT_TRUE(s->put_hint(handoff).is_ok());
  }
  auto s = open();
  std::vector<Hint> read;
  Status st = s->for_each_hint([&](const Hint& h) { read.push_back(h); });
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0], hint);
  EXPECT_EQ(read[1], handoff);
}

TEST_F(RocksStoreTest, RoundTripSurvivesReopen) {
  {
    auto s = open();
    bool changed = false;
    ASSERT_TRUE(s->apply(rec("a", "1", 10, 1), &changed).is_ok());
    EXPECT_TRUE(changed);
    ASSERT_TRUE(s->apply(rec("b", "", 11, 2, true)).is_ok());
    ASSERT_TRUE(s->apply(rec(std::string("bin\0ary", 7), std::string("\0\xff", 2), 12, 3)).is_ok());
    EXPECT_EQ(s->count(), 3);
  }
  auto s = open();
  EXPECT_EQ(s->count(), 3);
  std::optional<Record> r;
  ASSERT_TRUE(s->get("a", &r).is_ok());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, rec("a", "1", 10, 1));
  ASSERT_TRUE(s->get("b", &r).is_ok());
  EXPECT_TRUE(r->tombstone);
  EXPECT_EQ(r->local_deletion_time_ms, 1234);
  EXPECT_EQ(r->version, (Version{11, 2}));
  ASSERT_TRUE(s->get(std::string("bin\0ary", 7), &r).is_ok());
  EXPECT_EQ(r->value, std::string("\0\xff", 2));
  ASSERT_TRUE(s->get("missing", &r).is_ok());
  EXPECT_FALSE(r);
}

TEST_F(RocksStoreTest, ApplyKeepsTheLwwWinner) {
  auto s = open();
  bool changed = true;
  ASSERT_TRUE(s->apply(rec("k", "new", 20, 1)).is_ok());
  ASSERT_TRUE(s->apply(rec("k", "old", 10, 1), &changed).is_ok());
  EXPECT_FALSE(changed);
  ASSERT_TRUE(s->apply(rec("k", "new", 20, 1), &changed).is_ok());
  EXPECT_FALSE(changed) << "re-applying the same record changes nothing";
  ASSERT_TRUE(s->apply(rec("k", "", 20, 1, true), &changed).is_ok());
  EXPECT_TRUE(changed) << "at an equal version a tombstone wins";
  std::optional<Record> r;
  ASSERT_TRUE(s->get("k", &r).is_ok());
  EXPECT_TRUE(r->tombstone);
  EXPECT_EQ(s->count(), 1);
}

TEST_F(RocksStoreTest, ForEachVisitsRecordsInTokenOrder) {
  auto s = open();
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(s->apply(rec("key" + std::to_string(i), "v", 1, 1)).is_ok());
  std::vector<Token> tokens;
  ASSERT_TRUE(s->for_each([&](const Record& r) { tokens.push_back(token_of(r.key)); }).is_ok());
  ASSERT_EQ(tokens.size(), 200u);
  EXPECT_TRUE(std::is_sorted(tokens.begin(), tokens.end()));
  // The DB key starts with the big-endian token, so byte order is token order.
  std::string k = RocksStore::encode_key("key7");
  ASSERT_EQ(k.size(), 8u + 4u);
  uint64_t t = 0;
  for (int i = 0; i < 8; ++i) t = (t << 8) | static_cast<unsigned char>(k[i]);
  EXPECT_EQ(t, token_of("key7"));
  EXPECT_EQ(k.substr(8), "key7");
}

TEST_F(RocksStoreTest, HintsColumnFamilyExists) {
  { auto s = open(); }
  std::vector<std::string> families;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir_.string(), &families).ok());
  EXPECT_NE(std::find(families.begin(), families.end(), "hints"), families.end());
}

TEST_F(RocksStoreTest, DecodeRejectsEveryCorruption) {
  const std::string key = RocksStore::encode_key("k");
  const std::string good = RocksStore::encode_value(key, rec("k", "value", 5, 2));
  Record r;
  ASSERT_TRUE(RocksStore::decode(key, good, &r).is_ok());
  EXPECT_EQ(r, rec("k", "value", 5, 2));
  // Flip every byte in turn: each flip must be caught (header, value, checksum).
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    EXPECT_FALSE(RocksStore::decode(key, bad, &r).is_ok()) << "byte " << i;
  }
  EXPECT_FALSE(RocksStore::decode(key, good.substr(0, good.size() - 1), &r).is_ok());
  EXPECT_FALSE(RocksStore::decode(key, "", &r).is_ok());
  // A valid value stored under another key is caught by the seeded checksum.
  EXPECT_FALSE(RocksStore::decode(RocksStore::encode_key("other"), good, &r).is_ok());
}

TEST_F(RocksStoreTest, CorruptStoredValueIsReportedNotACrash) {
  { auto s = open(); ASSERT_TRUE(s->apply(rec("k", "v", 1, 1)).is_ok()); }
  {
    // Damage the value behind the store's back.
    rocksdb::DB* db = nullptr;
    rocksdb::Options o;
    std::vector<rocksdb::ColumnFamilyDescriptor> fams = {{rocksdb::kDefaultColumnFamilyName, {}}, {"hints", {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir_.string(), fams, &handles, &db).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[0], RocksStore::encode_key("k"), "garbage").ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->count(), 1);
  std::optional<Record> r;
  Status st = s->get("k", &r);
  EXPECT_EQ(st.code(), Status::Code::kIo);
  EXPECT_NE(st.message().find("corrupt record for key 'k'"), std::string::npos) << st.message();
  EXPECT_FALSE(s->for_each([](const Record&) {}).is_ok());
  // A valid write replaces the corrupt copy, and the count does not double.
  ASSERT_TRUE(s->apply(rec("k", "fresh", 2, 1)).is_ok());
  ASSERT_TRUE(s->get("k", &r).is_ok());
  EXPECT_EQ(r->value, "fresh");
  EXPECT_EQ(s->count(), 1);
}

}  // namespace
}  // namespace faultline
