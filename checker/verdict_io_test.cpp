// verdict.json reads back into the Verdict it was written from, and the
// reader refuses what the writer never writes, naming the field: a wrong
// enum, a missing or unknown field, an "allowed" that contradicts the
// result, an integer out of range.
#include "checker/verdict_io.h"

#include <gtest/gtest.h>

#include <string>

#include "core/history.h"
#include "core/test_util.h"

namespace faultline {
namespace {

Verdict sample_verdict() {
  Verdict v;
  v.value = VerdictValue::kInvalid;
  v.operations = 42;
  PropertyResult violated{"monotonic-reads", true, "guaranteed: always", PropertyOutcome::kViolated, 1};
  Witness w{"read #9 went back", "read #9 (p3, k1) went back", {}};
  WitnessOp op;
  op.index = 7;
  op.process = 3;
  op.type = "ok";
  op.f = "read";
  op.key = "k1";
  op.value = "3-12";
  op.has_version = true;
  op.version = Version{1700000000123456, 2};
  op.node = "n2";
  w.ops.push_back(op);
  op.process = kNemesisProcess;
  op.has_version = false;
  w.ops.push_back(op);
  violated.witnesses.push_back(w);
  v.properties.push_back(violated);
  PropertyResult allowed{"no-stale-reads", false, "not guaranteed: ONE", PropertyOutcome::kViolated, 2};
  v.properties.push_back(allowed);
  PropertyResult held{"valid-values", true, "always", PropertyOutcome::kHeld, 0};
  held.note = "a note";
  v.properties.push_back(held);
  return v;
}

// The text of sample_verdict with `from` replaced by `to` (once).
std::string edited(const std::string& from, const std::string& to) {
  std::string text = verdict_to_json(sample_verdict());
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(VerdictIo, RoundTrips) {
  Verdict back;
  ASSERT_TRUE(test::succeeds(verdict_from_json(verdict_to_json(sample_verdict()), "verdict.json", &back)));
  EXPECT_EQ(verdict_to_json(back), verdict_to_json(sample_verdict()));
}

TEST(VerdictIo, RejectsWhatTheWriterNeverWritesNamingTheField) {
  const std::pair<std::string, std::string> cases[] = {
      {edited("\"held\"", "\"fine\""), "v.json: properties[2].result: unknown result 'fine'"},
      {edited("\"operations\": 42,", ""), "v.json: operations: missing"},
      {edited("\"operations\": 42,", "\"operations\": 42, \"extra\": 1,"), "v.json: extra: unknown field"},
      {edited("\"allowed\": true", "\"allowed\": false"), "properties[1].allowed: must be true exactly when"},
      {edited("\"operations\": 42", "\"operations\": 18446744073709551615"), "operations: must be an integer"},
      {edited("2\n", "4294967297\n"), "version: must be [timestamp_us, coordinator id]"},
      {edited("\"verdict\": \"invalid\"", "\"verdict\": \"fine\""), "verdict: must be valid, invalid or unknown"},
      {"{", "v.json: not JSON"},
  };
  for (const auto& [text, says] : cases) {
    Verdict back;
    Status s = verdict_from_json(text, "v.json", &back);
    EXPECT_FALSE(s.is_ok()) << text;
    EXPECT_NE(s.message().find(says), std::string::npos) << s.message();
  }
}

TEST(VerdictIo, AMissingFileIsNotFound) {
  Verdict v;
  Status s = read_verdict_file("/nonexistent/run", &v);
  EXPECT_EQ(s.code(), Status::Code::kNotFound) << s.message();
}

}  // namespace
}  // namespace faultline
