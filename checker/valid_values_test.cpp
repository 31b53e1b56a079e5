#include <gtest/gtest.h>

#include "checker/checker_test_util.h"

namespace faultline::testing {
namespace {

const char* kId = "valid-values";

// Under the weakest plan: valid-values is guaranteed anyway.
int64_t violations(const HistoryBuilder& h) { return check_property(kId, weak_plan(), h).violations; }

// Goal: reads of acked writes with their version, and nil reads, are valid.
TEST(ValidValues, AckedValuesAndNilAreValid) {
  HistoryBuilder h;
  h.read_saw(1, "k", std::nullopt, std::nullopt);
  h.acked_write(1, "k", "a", V(1));
  h.read_saw(2, "k", "a", V(1));
  EXPECT_EQ(violations(h), 0);
}

// Goal: a value nobody wrote is a violation, and the run is invalid even
// under the weakest modes (valid-values is always guaranteed).
TEST(ValidValues, NeverWrittenValueIsViolation) {
  HistoryBuilder h;
  int64_t bad = h.read_saw(1, "k", "ghost", V(1));
  Verdict v = check_ops(weak_plan(), {}, h.ops(), {{kId}});
  const PropertyResult& p = property(v, kId);
  EXPECT_EQ(p.violations, 1);
  ASSERT_EQ(p.witnesses.size(), 1u);
  EXPECT_EQ(p.witnesses[0].ops.back().index, bad);
  EXPECT_EQ(v.value, VerdictValue::kInvalid);
}

// Goal: a value written only after the read completed is from the future.
TEST(ValidValues, ValueWrittenAfterTheReadCompletedIsViolation) {
  HistoryBuilder h;
  h.read_saw(1, "k", "a", V(1));
  h.acked_write(2, "k", "a", V(1));
  EXPECT_EQ(violations(h), 1);
}

// Goal: reading the value of a failed write is a violation, whether the read
// completes before or after the failure is reported.
TEST(ValidValues, FailedWriteValueIsViolation) {
  HistoryBuilder h;
  h.write(1, "k", "a");
  h.read_saw(2, "k", "a", V(1));  // judged once the write completes
  h.fail(1);
  h.read_saw(2, "k", "a", V(1));
  EXPECT_EQ(violations(h), 2);
}

// Goal: the version must be the acked one, also for a read that completed
// while the write was still pending.
TEST(ValidValues, WrongVersionIsViolation) {
  HistoryBuilder h;
  h.write(1, "k", "a");
  h.read_saw(2, "k", "a", V(9));
  h.ok(1, V(1));
  h.read_saw(2, "k", "a", V(1));
  EXPECT_EQ(violations(h), 1);
}

// Goal: an info write's version is learned from the first read; later reads
// must agree, and a never-completed write behaves the same.
TEST(ValidValues, InfoWriteVersionIsLearnedFromReads) {
  HistoryBuilder h;
  h.write(1, "k", "a");
  h.info(1);
  h.write(2, "k", "b");  // never completes
  h.read_saw(3, "k", "a", V(4));
  h.read_saw(3, "k", "a", V(4));
  h.read_saw(3, "k", "b", V(5));
  h.read_saw(3, "k", "a", V(6));  // disagrees with what was learned
  EXPECT_EQ(violations(h), 1);
}

// Goal: a value written to another key is not a valid value of this key.
TEST(ValidValues, ValueOfAnotherKeyIsViolation) {
  HistoryBuilder h;
  h.acked_write(1, "k1", "a", V(1));
  h.read_saw(2, "k2", "a", V(1));
  EXPECT_EQ(violations(h), 1);
}

// Goal: a tombstone read must carry an ok delete's version, or be explained
// by an indeterminate delete; otherwise it is a violation.
TEST(ValidValues, TombstoneMustMatchADelete) {
  HistoryBuilder h;
  h.read_saw(1, "k", std::nullopt, V(3), true);  // no delete at all
  h.acked_delete(2, "k", V(5));
  h.read_saw(1, "k", std::nullopt, V(5), true);  // fine
  h.read_saw(1, "k", std::nullopt, V(6), true);  // no delete stamped 6
  h.del(3, "k");
  h.read_saw(1, "k", std::nullopt, V(8), true);  // waits on delete by p3
  h.ok(3, V(8));
  h.del(4, "k");
  h.read_saw(1, "k", std::nullopt, V(9), true);  // waits on delete by p4 ...
  h.fail(4);                                // ... which failed
  h.del(5, "k");
  h.info(5);
  h.read_saw(1, "k", std::nullopt, V(11), true);  // explained by the info delete
  EXPECT_EQ(violations(h), 3);
}

}  // namespace
}  // namespace faultline::testing
