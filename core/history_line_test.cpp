// Goal: the fast history-line reader (core/history_line.cpp) never disagrees
// with the nlohmann reference: on every generated and mutated line, a line
// the fast reader takes reads as the same op with the reference, and
// history_op_from_json_line gives exactly the reference's op or error.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/history.h"
#include "core/test_util.h"

namespace faultline {
namespace {

bool same_op(const HistoryOp& a, const HistoryOp& b) {
  return a.index == b.index && a.time_ns == b.time_ns && a.process == b.process && a.type == b.type && a.f == b.f &&
         a.key == b.key && a.value == b.value && a.version == b.version && a.tombstone == b.tombstone && a.cl == b.cl &&
         a.node == b.node && a.error == b.error && a.fault_json == b.fault_json;
}

// A client operation as the harness and the simulator write them, with the
// optional fields drawn independently (some combinations are invalid, which
// the readers must then agree on too).
HistoryOp draw_op(std::mt19937_64& rng) {
  auto pick = [&](uint64_t n) { return rng() % n; };
  HistoryOp op;
  op.index = static_cast<int64_t>(pick(1000000));
  op.time_ns = static_cast<int64_t>(rng() >> 1);
  op.process = static_cast<int64_t>(pick(64));
  op.type = static_cast<OpType>(pick(4));
  static const char* const kFs[] = {"read", "write", "delete"};
  op.f = kFs[pick(3)];
  op.key = "k" + std::to_string(pick(1000));
  if (op.f == "write" || pick(4) == 0) op.value = std::to_string(op.process) + "-" + std::to_string(pick(100000));
  if (op.type == OpType::kOk && (op.f != "read" || pick(3) != 0)) {
    op.version = Version{static_cast<int64_t>(rng() >> 1), static_cast<NodeId>(pick(6))};
  }
  op.tombstone = op.f == "read" && !op.value && op.version && pick(2) == 0;
  if (op.type == OpType::kInvoke) {
    op.cl = static_cast<ConsistencyLevel>(pick(5));
    op.node = "n" + std::to_string(1 + pick(5));
  }
  if (op.type == OpType::kFail || op.type == OpType::kInfo) op.error = "timeout after " + std::to_string(pick(999)) + " ms";
  return op;
}

// One random edit of the kinds that tell JSON readers apart: bytes that are
// structural, numeric, escapes, control or non-ASCII, repeated or renamed
// fields, out-of-range numbers, trailing content.
std::string mutate(std::string line, std::mt19937_64& rng) {
  auto pick = [&](uint64_t n) { return static_cast<size_t>(rng() % n); };
  static const std::vector<std::string> kBits = {
      "\"", "\\", "{", "}", "[", "]", ",", ":", " ", "\t", "\n", "0", "-", "1e3", ".5", "null", "true", "\x01",
      "\xc3\xa9", "\xff", "\\u0041", "\\n", "nemesis", "9223372036854775808", "18446744073709551616", "-0", "4294967296"};
  static const std::vector<std::string> kFields = {"index", "time", "process", "type", "f", "key", "value",
                                                   "version", "tombstone", "cl", "node", "error", "extra"};
  switch (pick(6)) {
    case 0: line.insert(pick(line.size() + 1), kBits[pick(kBits.size())]); break;
    case 1: if (!line.empty()) line.erase(pick(line.size()), 1 + pick(3)); break;
    case 2: if (!line.empty()) line[pick(line.size())] = kBits[pick(kBits.size())][0]; break;
    case 3: {  // a field repeated or added at the end
      const std::string& name = kFields[pick(kFields.size())];
      static const std::vector<std::string> kValues = {"1", "\"x\"", "null", "[1,2]", "true", "\"read\"", "-1",
                                                       "\"QUORUM\"", "{}", "[1,2,3]", "1.0", "\"ok\""};
      if (line.size() > 1 && line.back() == '}') line.insert(line.size() - 1, ",\"" + name + "\":" + kValues[pick(kValues.size())]);
      break;
    }
    case 4: line += kBits[pick(kBits.size())]; break;
    default: {  // a number replaced by an edge value
      size_t at = line.find_first_of("0123456789", pick(line.size() + 1));
      if (at == std::string::npos) break;
      size_t end = line.find_first_not_of("0123456789", at);
      line.replace(at, (end == std::string::npos ? line.size() : end) - at, kBits[23 + pick(4)]);
    }
  }
  return line;
}

// Checks one line; true when the fast reader took it.
bool agree(const std::string& line, uint64_t seed) {
  HistoryOp ref, fast, combined;
  Status ref_status = history_op_from_json_line_reference(line, &ref);
  const bool took = history_op_from_json_line_fast(line, &fast);
  if (took) {
    EXPECT_TRUE(ref_status.is_ok()) << "fast reader took a line the reference refuses (" << ref_status.message()
                                    << "), seed " << seed << ": " << line;
    EXPECT_TRUE(same_op(fast, ref)) << "readers differ, seed " << seed << ": " << line;
  }
  Status combined_status = history_op_from_json_line(line, &combined);
  EXPECT_EQ(combined_status.is_ok(), ref_status.is_ok()) << "seed " << seed << ": " << line;
  EXPECT_EQ(combined_status.message(), ref_status.message()) << "seed " << seed << ": " << line;
  if (ref_status.is_ok()) {
    EXPECT_TRUE(same_op(combined, ref)) << "seed " << seed << ": " << line;
  }
  return took;
}

TEST(HistoryLine, FastReaderAgreesWithReferenceOnGeneratedAndMutatedLines) {
  const uint64_t seed = test::test_seed();
  std::mt19937_64 rng(seed);
  int valid = 0, taken_valid = 0, mutated_taken = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string line = history_op_to_json_line(draw_op(rng));
    HistoryOp ref;
    const bool ok = history_op_from_json_line_reference(line, &ref).is_ok();
    const bool took = agree(line, seed);
    valid += ok;
    taken_valid += ok && took;
    std::string m = line;
    for (size_t edits = 1 + rng() % 3; edits > 0; --edits) m = mutate(m, rng);
    mutated_taken += agree(m, seed);
    if (::testing::Test::HasFailure()) return;
  }
  // The fast reader must actually be the one reading the writer's lines.
  EXPECT_EQ(taken_valid, valid) << "seed " << seed;
  EXPECT_GT(valid, 5000) << "seed " << seed;
  std::printf("valid generated lines: %d, all taken by the fast reader; mutated lines it took: %d of 20000\n", valid,
              mutated_taken);
}

// Lines the fast reader must leave to the reference, each pinned.
TEST(HistoryLine, FastReaderDeclinesWhatItDoesNotDefine) {
  const std::vector<std::string> declined = {
      R"({"index":0,"time":1,"process":"nemesis","type":"info","f":"phase","value":{}})",
      R"({"index":0,"time":1,"process":1,"type":"invoke","f":"read","key":"k1","key":"k2"})",
      R"({"index":0,"time":1,"process":1,"type":"invoke","f":"read","key":"k\u0031"})",
      R"({"index":0,"time":1,"process":1,"type":"invoke","f":"read","key":"k1","extra":1})",
      R"({"index":0,"time":1,"process":1,"type":"invoke","f":"read","key":"k1"} x)",
      R"({"index":0,"time":1.0,"process":1,"type":"invoke","f":"read","key":"k1"})",
      R"({"index":9223372036854775808,"time":1,"process":1,"type":"invoke","f":"read","key":"k1"})",
      R"({"index":0,"time":1,"process":1,"type":"ok","f":"write","key":"k1","value":"v","version":[1,4294967296]})",
      "{\"index\":0,\"time\":1,\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k\xc3\xa9\"}",
  };
  for (const std::string& line : declined) {
    HistoryOp op;
    EXPECT_FALSE(history_op_from_json_line_fast(line, &op)) << line;
    agree(line, 0);
  }
  HistoryOp op;
  EXPECT_TRUE(history_op_from_json_line_fast(
      R"({"index":3,"time":5,"process":2,"type":"ok","f":"read","key":"k1","value":null,"version":[7,2],"tombstone":true})",
      &op));
  EXPECT_TRUE(op.tombstone);
  EXPECT_FALSE(op.value.has_value());
  EXPECT_EQ(op.version, (Version{7, 2}));
}

}  // namespace
}  // namespace faultline
