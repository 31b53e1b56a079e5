#include "checker/op_pairing.h"

#include <gtest/gtest.h>

#include "checker/checker_test_util.h"

namespace faultline::testing {
namespace {

// Feeds `ops` and returns the first error (ok when all are accepted and
// finish() finds no duplicate written value).
Status feed_all(const std::vector<HistoryOp>& ops) {
  OpPairer pairer;
  std::optional<HistoryOp> invoke;
  for (const HistoryOp& op : ops) {
    Status s = pairer.accept(op, &invoke);
    if (!s) return s;
  }
  int64_t line = 0;
  return pairer.finish(&line);
}

HistoryOp completion(int64_t process, OpType type, const std::string& f, const std::string& key) {
  HistoryOp op;
  op.process = process;
  op.type = type;
  op.f = f;
  op.key = key;
  return op;
}

// Goal: a completion without a pending invocation is malformed.
TEST(OpPairer, CompletionWithoutInvocationIsMalformed) {
  HistoryBuilder h;
  h.raw(completion(3, OpType::kOk, "read", "k"));
  Status s = feed_all(h.ops());
  EXPECT_FALSE(s);
  EXPECT_EQ(s.message(), "ok read of k by process 3 matches no pending invocation");
}

// Goal: a completion must name the same f and key as its invocation.
TEST(OpPairer, CompletionMustMatchInvocation) {
  HistoryBuilder h;
  h.read(3, "k");
  h.raw(completion(3, OpType::kOk, "read", "other"));
  EXPECT_FALSE(feed_all(h.ops()));
  HistoryBuilder g;
  g.read(3, "k");
  g.raw(completion(3, OpType::kOk, "delete", "k"));
  EXPECT_FALSE(feed_all(g.ops()));
}

// Goal: one pending invocation per process, and none after info.
TEST(OpPairer, ProcessesFollowTheProtocol) {
  HistoryBuilder h;
  h.read(3, "k");
  h.read(3, "k");
  EXPECT_FALSE(feed_all(h.ops()));
  HistoryBuilder g;
  g.read(3, "k");
  g.info(3);
  g.read(3, "k");
  Status s = feed_all(g.ops());
  EXPECT_NE(s.message().find("never issues again"), std::string::npos) << s.message();
}

// Goal: written values are unique.
TEST(OpPairer, DuplicateWrittenValueIsMalformed) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(1));
  h.write(2, "j", "a");
  Status s = feed_all(h.ops());
  EXPECT_EQ(s.message(), "value 'a' written at index 2 was already written at index 0 (written values are unique)");
}

// Goal: phase markers are followed; a well-formed history is accepted.
TEST(OpPairer, FollowsPhases) {
  HistoryBuilder h;
  h.phase("workload-start");
  h.acked_write(1, "k", "a", V(1));
  h.phase("final-reads");
  h.read(1, "k");
  OpPairer pairer;
  std::optional<HistoryOp> invoke;
  for (const HistoryOp& op : h.ops()) ASSERT_TRUE(pairer.accept(op, &invoke));
  EXPECT_TRUE(pairer.in_final_reads());
  EXPECT_EQ(pairer.phase(), "final-reads");
  EXPECT_EQ(pairer.pending(), 1u);
  EXPECT_EQ(pairer.completions(), 1);
}

}  // namespace
}  // namespace faultline::testing
