// Goal: the workload both runners draw (core/workload_draw.h) keeps its
// contracts: values unique and padded to the drawn size with the identity
// as prefix; plans without the swarm fields draw exactly what they drew
// before; fresh keys are written once, deleted at most once, by their
// writer; recent reads meet the worker's latest writes; routing pins, and
// fails over away from a node in trouble.
#include "core/workload_draw.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace faultline {
namespace {

Plan plan_with(KeyDistribution d, Routing r, int clients = 4) {
  Plan p;
  p.seed = 7;
  p.cluster.nodes = 5;
  p.workload.clients = clients;
  p.workload.keys = 20;
  p.workload.key_distribution = d;
  p.workload.routing = r;
  p.workload.read_fraction = 0.4;
  p.workload.write_fraction = 0.4;
  p.workload.delete_fraction = 0.2;
  return p;
}

TEST(WorkloadDraw, PaddedValuesKeepTheIdentityAsPrefixAndHaveTheDrawnSize) {
  EXPECT_EQ(padded_value("3-12", 0), "3-12");
  EXPECT_EQ(padded_value("3-12", 4), "3-12");
  const std::string v = padded_value("3-12", 100);
  EXPECT_EQ(v.size(), 100u);
  EXPECT_EQ(v.substr(0, 5), "3-12.");
  EXPECT_EQ(v, padded_value("3-12", 100));
  // "3-1" padded never equals "3-12" padded: the identity ends at the '.'.
  EXPECT_NE(padded_value("3-1", 100), padded_value("3-12", 100));
}

TEST(WorkloadDraw, ValueSizesStayInRangeAndReachBothEnds) {
  WorkloadSpec w;
  w.value_bytes_min = 0;
  w.value_bytes_max = 6 * 1024 * 1024;
  Rng rng(1);
  int64_t lo = INT64_MAX, hi = 0;
  int above_4mib = 0;
  for (int i = 0; i < 10000; ++i) {
    int64_t b = draw_value_bytes(w, &rng);
    ASSERT_GE(b, 0);
    ASSERT_LE(b, w.value_bytes_max);
    lo = std::min(lo, b);
    hi = std::max(hi, b);
    above_4mib += b > 4 * 1024 * 1024;
  }
  EXPECT_LT(lo, 10);
  EXPECT_GT(hi, 5 * 1024 * 1024);
  EXPECT_GT(above_4mib, 0);
  // No sizes: nothing drawn, so old plans keep their streams.
  WorkloadSpec bare;
  Rng a(5), b(5);
  EXPECT_EQ(draw_value_bytes(bare, &a), 0);
  EXPECT_EQ(a.next(), b.next());
}

// A plan without the swarm fields draws operation, key and coordinator from
// the worker's Rng in that order, as the workload did before them.
TEST(WorkloadDraw, PlansWithoutSwarmFieldsDrawAsBefore) {
  Plan p = plan_with(KeyDistribution::kZipfian, Routing::kRandom);
  const auto seeds = worker_seeds(p);
  WorkerDraw draw(p, 1, seeds[1]);
  Rng rng(seeds[1]);
  KeyPicker keys(p.workload.key_distribution, p.workload.keys);
  int64_t seq = 0;
  for (int i = 0; i < 200; ++i) {
    DrawnOp op = draw.next(0);
    std::string f = pick_operation(p.workload, &rng);
    std::string key = keys.pick(&rng);
    NodeId node = static_cast<NodeId>(rng.uniform(5) + 1);
    ASSERT_EQ(op.f, f);
    ASSERT_EQ(op.key, key);
    ASSERT_EQ(op.node, node);
    ASSERT_EQ(op.process, 1);
    if (f == "write") {
      ASSERT_EQ(*op.value, "1-" + std::to_string(seq++));
    }
    draw.completed(op, OpType::kOk, "", 0);
  }
}

TEST(WorkloadDraw, FreshKeysAreWrittenOnceAndDeletedOnceByTheirWriter) {
  Plan p = plan_with(KeyDistribution::kFresh, Routing::kRandom);
  p.workload.read_fraction = 0.3;
  p.workload.write_fraction = 0.3;
  p.workload.delete_fraction = 0.4;
  const auto seeds = worker_seeds(p);
  std::set<std::string> written, deleted, values;
  int reads_of_written = 0, reads = 0;
  for (int w = 0; w < p.workload.clients; ++w) {
    WorkerDraw draw(p, w, seeds[static_cast<size_t>(w)]);
    std::set<std::string> mine;
    for (int i = 0; i < 500; ++i) {
      DrawnOp op = draw.next(0);
      ASSERT_EQ(op.key[0], 'f');
      if (op.f == "write") {
        ASSERT_TRUE(written.insert(op.key).second) << op.key << " written twice";
        ASSERT_TRUE(values.insert(*op.value).second);
        mine.insert(op.key);
      } else if (op.f == "delete") {
        ASSERT_TRUE(deleted.insert(op.key).second) << op.key << " deleted twice";
        if (!mine.count(op.key)) {
          ASSERT_FALSE(written.count(op.key)) << "deleted another worker's key";
        }
      } else {
        ++reads;
        reads_of_written += written.count(op.key) > 0;
      }
      draw.completed(op, i % 50 == 0 ? OpType::kInfo : OpType::kOk, "", 0);
    }
  }
  EXPECT_GT(reads_of_written, reads / 3);
}

// read_recent_share binds reads to the worker's latest writes even among
// ten thousand keys: with it, most reads meet a key the worker wrote or
// deleted among its last kRecentKeys; without it, almost none do.
TEST(WorkloadDraw, RecentReadsMeetTheWorkersLatestWrites) {
  auto bound_reads = [](double share, int* reads) {
    Plan p = plan_with(KeyDistribution::kUniform, Routing::kRandom, 1);
    p.workload.keys = 10000;
    p.workload.read_recent_share = share;
    WorkerDraw draw(p, 0, worker_seeds(p)[0]);
    std::vector<std::string> latest;  // the worker's written or deleted keys, newest last
    int bound = 0;
    *reads = 0;
    for (int i = 0; i < 2000; ++i) {
      DrawnOp op = draw.next(0);
      if (op.f == "read") {
        ++*reads;
        const size_t from = latest.size() > WorkerDraw::kRecentKeys ? latest.size() - WorkerDraw::kRecentKeys : 0;
        bound += std::find(latest.begin() + static_cast<std::ptrdiff_t>(from), latest.end(), op.key) != latest.end();
      } else {
        if (auto it = std::find(latest.begin(), latest.end(), op.key); it != latest.end()) latest.erase(it);
        latest.push_back(op.key);
      }
      draw.completed(op, OpType::kOk, "", 0);
    }
    return bound;
  };
  int reads = 0;
  const int with_share = bound_reads(0.8, &reads);
  EXPECT_GT(with_share, reads * 7 / 10) << with_share << " of " << reads;
  const int without = bound_reads(0, &reads);
  EXPECT_LT(without, reads / 50) << without << " of " << reads;
}

TEST(WorkloadDraw, PinnedRoutingUsesOneNodePerWorker) {
  Plan p = plan_with(KeyDistribution::kUniform, Routing::kPinned, 7);
  const auto seeds = worker_seeds(p);
  for (int w = 0; w < 7; ++w) {
    WorkerDraw draw(p, w, seeds[static_cast<size_t>(w)]);
    for (int i = 0; i < 20; ++i) {
      DrawnOp op = draw.next(i);
      ASSERT_EQ(op.node, static_cast<NodeId>(w % 5 + 1));
      draw.completed(op, OpType::kInfo, "client timeout", i);  // pinned never moves
    }
  }
}

TEST(WorkloadDraw, FailoverAvoidsANodeInTroubleForAWhile) {
  Router r(Routing::kFailover, 5, 1);
  Rng rng(1);
  EXPECT_EQ(r.choose(&rng, 0), 2u);
  r.observe(2, OpType::kFail, "UNAVAILABLE only 1 of 2 replicas", 0);  // the node answered: stay
  EXPECT_EQ(r.choose(&rng, 10), 2u);
  r.observe(2, OpType::kInfo, "no reply within the deadline", 100);
  EXPECT_EQ(r.choose(&rng, 200), 3u);
  r.observe(3, OpType::kFail, "connect 127.0.0.1:1: Connection refused", 300);
  EXPECT_EQ(r.choose(&rng, 400), 4u);
  // Stays where it went, even once the first node is fine again.
  EXPECT_EQ(r.choose(&rng, 100 + Router::kAvoidMs), 4u);
  // Every node in trouble: the one whose avoidance ends first.
  Router all(Routing::kFailover, 3, 0);
  all.observe(1, OpType::kInfo, "", 50);
  all.observe(2, OpType::kInfo, "", 10);
  all.observe(3, OpType::kInfo, "", 30);
  EXPECT_EQ(all.choose(&rng, 60), 2u);
}

TEST(WorkloadDraw, CoordinatorTroubleIsATimeoutOrAConnectionError) {
  EXPECT_TRUE(coordinator_trouble(OpType::kInfo, "no reply within the deadline"));
  EXPECT_TRUE(coordinator_trouble(OpType::kInfo, "client timeout"));
  EXPECT_FALSE(coordinator_trouble(OpType::kInfo, "TIMEOUT read timed out after 1000 ms"));
  EXPECT_TRUE(coordinator_trouble(OpType::kFail, "connection refused"));
  EXPECT_TRUE(coordinator_trouble(OpType::kFail, "send: Broken pipe"));
  EXPECT_FALSE(coordinator_trouble(OpType::kFail, "UNAVAILABLE need 2 replicas"));
  EXPECT_FALSE(coordinator_trouble(OpType::kFail, "ERR value is 5 bytes, above limits.value_bytes_max (4)"));
  EXPECT_FALSE(coordinator_trouble(OpType::kOk, ""));
}

}  // namespace
}  // namespace faultline
