#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "checker/checker_test_util.h"

namespace faultline::testing {
namespace {

const char* kId = "no-lost-writes";

PropertyResult run(const HistoryBuilder& h, const std::vector<NodeDump>& dumps) {
  return check_property(kId, strong_plan(), h, dumps);
}

// Goal: an acked write present in the final state, or superseded, is kept.
TEST(NoLostWrites, PresentOrSupersededWritesAreKept) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(1));
  h.acked_write(1, "k", "b", V(2));
  h.acked_write(1, "j", "c", V(3));
  PropertyResult p = run(h, {dump("n1", {rec("k", "b", V(2))}), dump("n2", {rec("j", "c", V(3))})});
  EXPECT_EQ(p.outcome, PropertyOutcome::kHeld);
}

// Goal: an acked write whose key ended at an older version is lost; the
// witness names the write and what each node holds.
TEST(NoLostWrites, OlderFinalVersionMeansLost) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(1));
  int64_t lost = h.acked_write(1, "k", "b", V(2));
  PropertyResult p = run(h, {dump("n1", {rec("k", "a", V(1))}), dump("n2", {})});
  EXPECT_EQ(p.violations, 1);
  ASSERT_EQ(p.witnesses.size(), 1u);
  const Witness& w = p.witnesses[0];
  ASSERT_EQ(w.ops.size(), 2u);
  EXPECT_EQ(w.ops[0].index, lost);
  EXPECT_EQ(w.ops[1].node, "n1");
  EXPECT_NE(w.explanation.find("n2: nothing"), std::string::npos) << w.explanation;
}

// Goal: a key no node holds keeps its acked writes when a node logged the
// purge of a newer tombstone, though the delete that wrote it was info (the
// client never learned its version; sim seed 164732371289119); a purged
// tombstone older than the write does not excuse it.
TEST(NoLostWrites, WriteSupersededByAPurgedTombstoneOfAnInfoDeleteIsKept) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(5));
  h.del(1, "k");
  h.info(1);
  h.quiesced();
  for (int64_t purged_ts : {6, 4}) {
    Plan plan = strong_plan();
    auto dir = temp_run_dir();
    write_run_dir(dir, plan, h.ops(), {dump("n1", {}), dump("n2", {}), dump("n3", {})});
    for (const char* n : {"n1", "n2", "n3"}) {
      std::filesystem::create_directories(dir / "nodes" / n);
      std::ofstream out(dir / "nodes" / n / "events.jsonl");
      if (std::string(n) == "n2") {
        out << R"({"time":9,"node":"n2","event":"tombstone_purged","key":"k","version":[)" << purged_ts << ",1]}\n";
      }
    }
    PropertyResult p = property(check_run_dir(dir.string(), {{kId}}), kId);
    EXPECT_EQ(p.outcome, purged_ts > 5 ? PropertyOutcome::kHeld : PropertyOutcome::kViolated)
        << "purged tombstone at " << purged_ts << ": " << p.note;
  }
}

// Goal: info and failed writes are never counted as lost.
TEST(NoLostWrites, IndeterminateAndFailedWritesAreNotCounted) {
  HistoryBuilder h;
  h.write(1, "k", "a");
  h.info(1);
  h.write(2, "k", "b");
  h.fail(2);
  EXPECT_EQ(run(h, {dump("n1", {})}).violations, 0);
}

// Goal: an acked delete is kept by a tombstone >= it, a newer value or a
// purged key, and lost when an older value survives.
TEST(NoLostWrites, DeletesNeedATombstoneNewerValueOrAbsence) {
  HistoryBuilder h;
  h.acked_delete(1, "t", V(5));  // tombstone at 6 in the final state: kept
  h.acked_delete(1, "v", V(5));  // newer value: kept
  h.acked_delete(1, "gone", V(5));  // purged: kept
  h.acked_delete(1, "old", V(5));  // older value survived: lost
  PropertyResult p = run(h, {dump("n1", {tomb("t", V(6)), rec("v", "x", V(7)), rec("old", "y", V(4))})});
  EXPECT_EQ(p.violations, 1);
  EXPECT_EQ(p.witnesses.at(0).ops.at(0).key, "old");
}

// Goal (a false alarm): where the table allows resurrections
// (gc_grace shorter than the run, no anti-entropy), an acked delete whose key
// ends with the older value is a resurrection, which no-resurrection reports
// as an allowed anomaly; no-lost-writes must not count it, or a correct node
// fails the run. Where resurrections are ruled out it is lost.
TEST(NoLostWrites, PurgedDeleteIsLostOnlyWhereResurrectionsAreRuledOut) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(1));
  int64_t del = h.acked_delete(1, "k", V(2));
  h.quiesced();
  std::vector<NodeDump> dumps = {dump("n1", {rec("k", "a", V(1))}), dump("n2", {rec("k", "a", V(1))}),
                                 dump("n3", {rec("k", "a", V(1))})};
  Plan plan = strong_plan();
  plan.modes.gc_grace_ms = 1000;
  Verdict v = check_ops(plan, dumps, h.ops());
  EXPECT_EQ(property(v, kId).outcome, PropertyOutcome::kHeld);
  EXPECT_EQ(property(v, "no-resurrection").outcome, PropertyOutcome::kViolated);
  EXPECT_FALSE(property(v, "no-resurrection").guaranteed);
  EXPECT_EQ(v.value, VerdictValue::kValid) << v.error;
  plan.modes.gc_grace_ms = 600000;
  v = check_ops(plan, dumps, h.ops());
  ASSERT_EQ(property(v, kId).violations, 1);
  EXPECT_EQ(property(v, kId).witnesses[0].ops[0].index, del);
  EXPECT_EQ(v.value, VerdictValue::kInvalid);
}

// Goal (a false alarm, sim plan resurrection-after-expired-hints): where the
// table allows resurrections, a write whose key ends with an older value is
// kept when a newer delete could have been purged (the older value came
// back); a write newer than every delete is still lost.
TEST(NoLostWrites, WriteUnderAPurgedDeleteIsKeptWhereResurrectionsAreAllowed) {
  Plan plan = strong_plan();
  plan.modes.gc_grace_ms = 1000;
  for (bool write_after_delete : {false, true}) {
    HistoryBuilder h;
    h.acked_write(1, "k", "a", V(1));
    int64_t b = h.acked_write(1, "k", "b", V(write_after_delete ? 4 : 2));
    h.acked_delete(1, "k", V(3));
    h.wait_ms(plan.modes.gc_grace_ms + 1);
    h.quiesced();
    Verdict v = check_ops(plan, {dump("n1", {rec("k", "a", V(1))}), dump("n2", {rec("k", "a", V(1))}),
                                  dump("n3", {rec("k", "a", V(1))})},
                          h.ops());
    const PropertyResult& p = property(v, kId);
    if (!write_after_delete) {
      EXPECT_EQ(p.outcome, PropertyOutcome::kHeld) << p.note;
      EXPECT_EQ(v.value, VerdictValue::kValid) << verdict_to_json(v);
      continue;
    }
    ASSERT_EQ(p.violations, 1);
    EXPECT_EQ(p.witnesses.at(0).ops.at(0).index, b);
  }
}

// Goal (a silent pass): an acked delete of a key no node holds is
// kept by a purge only if gc_grace could have passed between the key's first
// delete and the "done" marker (after the final dumps); a tombstone gone
// sooner is a lost delete. Without a "done" marker the purge counts as
// possible.
TEST(NoLostWrites, VanishedTombstoneBeforeGcGraceIsALostDelete) {
  for (int64_t wait_ms : {int64_t{0}, int64_t{600000}}) {
    SCOPED_TRACE("waited " + std::to_string(wait_ms) + " ms");
    HistoryBuilder h;
    h.acked_write(1, "k", "a", V(1));
    int64_t del = h.acked_delete(1, "k", V(2));
    h.quiesced();
    h.wait_ms(wait_ms);
    HistoryBuilder without_done = h;
    h.phase("done");
    PropertyResult p = run(h, {dump("n1", {}), dump("n2", {}), dump("n3", {})});
    if (wait_ms >= strong_plan().modes.gc_grace_ms) {
      EXPECT_EQ(p.outcome, PropertyOutcome::kHeld);
    } else {
      ASSERT_EQ(p.violations, 1);
      EXPECT_EQ(p.witnesses[0].ops[0].index, del);
      EXPECT_NE(p.witnesses[0].explanation.find("gc_grace could not have passed"), std::string::npos);
    }
    EXPECT_EQ(run(without_done, {dump("n1", {})}).outcome, PropertyOutcome::kHeld);
  }
}

// Goal: a write to a key no node holds is kept only if a newer delete
// (acked, or seen as a tombstone by a read) explains the absence.
TEST(NoLostWrites, AbsentKeyNeedsANewerDelete) {
  HistoryBuilder h;
  h.acked_write(1, "a", "1", V(1));
  h.acked_delete(1, "a", V(2));  // explains the absence of "a"
  h.acked_write(1, "b", "2", V(1));
  h.del(2, "b");
  h.info(2);
  h.read_saw(3, "b", std::nullopt, V(3), true);  // the info delete's tombstone
  h.acked_write(4, "c", "3", V(1));  // nothing explains it: lost
  PropertyResult p = run(h, {dump("n1", {})});
  EXPECT_EQ(p.violations, 1);
  EXPECT_EQ(p.witnesses.at(0).ops.at(0).key, "c");
}

}  // namespace
}  // namespace faultline::testing
