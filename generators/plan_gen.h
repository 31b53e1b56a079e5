// RapidCheck generators for a whole Plan: cluster, modes,
// workload and fault schedule, and plan_from_seed, which draws one plan from
// a 64-bit seed. Pure: no I/O, no clocks, no global state; only core and
// RapidCheck. docs/generators.md says what is drawn, from which ranges, and
// how pinned options interact with the draw.
//
// Shrinking: every size is drawn first and from a range whose lower end is
// the simplest value (gen::inRange shrinks toward its minimum, gen::element
// toward its first element), so RapidCheck's shrink tree walks toward fewer
// nodes, fewer keys, fewer and shorter faults and shorter runs. Dependent
// choices (rf from nodes, fault targets from nodes, fault times from the
// workload's duration) are drawn with gen::mapcat after what they depend
// on, so a shrunk parent redraws its children valid.
//
// Determinism: a Gen is a pure function of (rc::Random, size); the same
// seed, pins and kPlanGenSize give the same Plan, hence byte-identical
// plan_to_json. Changing a range here changes what a seed draws: note it in
// docs/generators.md, since old seeds then replay different plans (their
// plan.json still replays exactly).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <rapidcheck.h>

#include "core/plan.h"
#include "core/status.h"

namespace faultline {

// Parts of the plan the user fixed on the command line. A pinned value is
// used as is, and choices that depend on it are drawn within it (rf <= a
// pinned node count; fault targets among the pinned nodes; fault times
// within a pinned duration).
struct PlanPins {
  std::optional<int> nodes;
  std::optional<int> rf;
  std::optional<int> vnodes;
  std::optional<int> clients;
  std::optional<int> keys;
  std::optional<double> rate;
  std::optional<int64_t> duration_ms;
};

// Ranges of drawn values (pins may leave them). Upper bounds are inclusive.
inline constexpr int kNodesMin = 3, kNodesMax = 7;
inline constexpr int kRfMax = 5, kRfPreferred = 3;
inline constexpr int kVnodesMax = 32;
// Keys: a decade first (1..10, 11..100, 101..1000, 1001..10000), then a
// count in it, so every order of magnitude is as likely.
inline constexpr int kKeysMax = 10000;
inline constexpr int kClientsMax = 8;
inline constexpr int kRateMin = 10, kRateMax = 300;  // operations per second
// Drawn runs stay short: workload at most 12 s, so a whole run (start,
// workload, heal, quiesce, final reads, check) takes well under 30 s.
inline constexpr int64_t kDurationMsMin = 1000, kDurationMsMax = 12000, kDurationStepMs = 100;
inline constexpr int kFaultsMax = 4;
// Shorter faults would heal before the failure detector (1 s) noticed them.
inline constexpr int64_t kFaultDurationMsMin = 500, kFaultDurationMsMax = 5000;
inline constexpr int kReadPercentMin = 10, kReadPercentMax = 90, kDeletePercentMax = 30;
// A delete-heavy plan (one in four) lets deletes reach this share.
inline constexpr int kDeleteHeavyPercentMax = 60;
// Value sizes: most plans write the bare identity or small values; a few
// reach hundreds of KiB; about one in twenty goes to megabytes, past the
// node's limits.value_bytes_max (4 MiB; those writes fail with -ERR), and
// runs at a low rate (big values are slow).
inline constexpr int64_t kValueBytesLargeMax = 6 * 1024 * 1024;
inline constexpr int kLargeValueRateMax = 15;
// Fault compositions need room: a workload at least this long.
inline constexpr int64_t kCompositionDurationMsMin = 3000;
// Extra single faults beside a composition.
inline constexpr int kExtraFaultsMax = 2;
inline constexpr int64_t kDelayLatencyMsMax = 200, kDelayJitterMsMax = 50;
inline constexpr int64_t kClockOffsetMsMin = 100, kClockOffsetMsMax = 5000;

// The size plan_from_seed generates at: RapidCheck's nominal size, so every
// range above is reachable.
inline constexpr int kPlanGenSize = rc::kNominalSize;

rc::Gen<ClusterSpec> gen_cluster(const PlanPins& pins);
rc::Gen<ModeSpec> gen_modes();
// Consistency levels fit rf (TWO only when rf >= 2).
rc::Gen<WorkloadSpec> gen_workload(const PlanPins& pins, int rf);
// One fault in a cluster of `nodes` nodes, healed by duration_ms; params as
// faults/schedule.h decodes them. Requires duration_ms >= kFaultDurationMsMin.
rc::Gen<FaultEvent> gen_fault(int nodes, int64_t duration_ms);
// A swarm of faults: first the kinds this plan enables (a random subset of
// faults/schedule.h's kFaultKinds, possibly empty: a fault-free plan), then
// a schedule shape (kFaultShapes) among those the kinds allow, then its
// events and up to kExtraFaultsMax single faults of the enabled kinds;
// sorted by start_ms, every one healed by duration_ms. Node faults (kill,
// pause, wipe) that overlap in time never share a target and leave at
// least one node up; clock faults that overlap never share one either.
// None when the workload is shorter than one fault.
rc::Gen<std::vector<FaultEvent>> gen_faults(int nodes, int64_t duration_ms);

// The schedule shapes gen_faults draws (the first is where shrinking goes):
//   sparse             0..kFaultsMax single faults at random times
//   overlap            2..3 faults of the enabled kinds in force together
//   two-down           kill or pause of two distinct nodes at once
//   kill-in-partition  a kill that starts during a partition
//   pause-around-fd    one pause shorter and one longer than the failure
//                      detector's timeout (NodeConfig::peer_down_after_ms)
//   restart-storm      2..4 short kills of distinct nodes back to back
//   wipe-in-partition  a wipe that starts during a partition
//   clock-in-partition clock skew while a partition is in force
//   partial-write      one-way partitions cutting a node's links to one or
//                      two replicas, and a kill of that node inside them
// (drawn apart, below: the disk shapes and all-replicas-down)
inline constexpr const char* kFaultShapes[] = {"sparse",           "overlap",           "two-down",
                                               "kill-in-partition", "pause-around-fd",   "restart-storm",
                                               "wipe-in-partition", "clock-in-partition", "partial-write"};

// The disk fault (faults/schedule.h) is drawn apart from the swarm above,
// from its own stream of the seed (Rng(seed).fork(kDiskStream)) after the
// rest of the plan, so a plan without it is byte-identical to one drawn
// before the disk fault existed. With chance kDiskChance a plan gets one
// disk fault, in one of two shapes (half each; the first falls back to the
// second when the plan has no outage to put it on):
//   disk-across-replay  hinted handoff on, and a node a kill, pause or
//                       partition took away refuses writes from up to
//                       500 ms before it returns until
//                       kDiskAfterReturnMs{Min,Max} after: the first hint
//                       replays to it are answered with an error
//   disk-on-replicas    1..min(2, rf-1) nodes refuse writes for 0.5..5 s
//                       while the workload writes through them
// Where disk_can_fool_quorums holds, a plan that drew disk-on-replicas, and
// one that drew no disk fault with chance kDiskOnKeyReplicasChance, gets a
// third shape instead:
//   disk-on-key-replicas  the quorum_blind_nodes refuse writes for
//                         kDiskOnKeyReplicasMs{Min,Max}, from the start of
//                         the run half the time: a write is stored by one
//                         replica only, and reads of its key contact only
//                         replicas without it
// plan_from_seed applies it; gen_plan alone never draws it.
inline constexpr uint64_t kDiskStream = 0xd15c;
inline constexpr double kDiskChance = 0.35;
inline constexpr int64_t kDiskAfterReturnMsMin = 1000, kDiskAfterReturnMsMax = 3000;
inline constexpr double kDiskOnKeyReplicasChance = 0.75;
inline constexpr int64_t kDiskOnKeyReplicasMsMin = 2000, kDiskOnKeyReplicasMsMax = kFaultDurationMsMax;
// The keys k0..k<kDiskKeysSurveyed - 1> that quorum_blind_nodes weighs.
inline constexpr int kDiskKeysSurveyed = 256;
void draw_disk_faults(uint64_t seed, Plan* plan);
// Whether refused writes on all replicas of a key but one would show in
// what the checker guarantees: strict quorum, no wipe, reads that contact
// fewer than rf replicas (so a read can miss the one copy), and either
// R+W>N with W >= 2 (a write answered OK with one copy is a stale read) or
// QUORUM reads with blocking read repair (a repair that skips a replica is
// a non-monotonic read).
bool disk_can_fool_quorums(const Plan& plan);
// All but the last replica of the preference lists shared by the heaviest
// weight of the keys k0.. (by the plan's key distribution): a coordinator
// reads the first replicas of a key's preference list (itself first when
// it is one), so a read of such a key through any other node than the last
// replica contacts only these nodes.
std::vector<std::string> quorum_blind_nodes(const Plan& plan);

// all-replicas-down, drawn after the disk fault from a stream of its own
// (Rng(seed).fork(kAllReplicasDownStream)), so a plan without it is
// byte-identical to one drawn before it existed: where
// all_replicas_down_can_show holds, with chance kAllReplicasDownChance, a
// kill or a pause (half each) of every replica of the heaviest keys'
// preference list (heaviest_key_replicas) for
// kAllReplicasDownMs{Min,Max}, healing 0..kAllReplicasDownHealBeforeEndMsMax
// before the workload ends (no later write hides what was lost). It never
// meets a kill, pause or wipe of the plan: where one is in the way, the
// window ends where the latest such fault starts instead (and is dropped
// below kAllReplicasDownMsFloor: the failure detector takes a second to see
// the replicas down, and the fallbacks need some writes). Every write of those
// keys in between lives only on sloppy-quorum fallbacks, which must keep
// each newer version and hand the last one over when the replicas return.
inline constexpr uint64_t kAllReplicasDownStream = 0xa11d;
inline constexpr double kAllReplicasDownChance = 0.75;
inline constexpr int64_t kAllReplicasDownMsMin = 2500, kAllReplicasDownMsMax = kFaultDurationMsMax;
inline constexpr int64_t kAllReplicasDownMsFloor = 2000;
inline constexpr int64_t kAllReplicasDownHealBeforeEndMsMax = 1000;
void draw_all_replicas_down(uint64_t seed, Plan* plan);
// Whether writes with every replica of a key down can show in what the
// checker guarantees: a sloppy quorum, enough nodes beyond rf to meet the
// write consistency level on fallbacks alone, and neither clock skew nor
// wipes (so a lost write or a resurrected delete is a violation).
bool all_replicas_down_can_show(const Plan& plan);
// Every replica (sorted) of the preference list carrying the most weight
// of the keys k0.. by the plan's key distribution.
std::vector<std::string> heaviest_key_replicas(const Plan& plan);

// The shapes a plan's faults show, recognised from the events themselves
// (so a plan from --plan has one too): the names of kFaultShapes but
// sparse, plus "disk-across-replay" (a disk fault in force on a node as a
// kill, pause or partition of it heals), "disk-on-key-replicas" (a disk
// fault on the quorum_blind_nodes where disk_can_fool_quorums),
// "all-replicas-down" (a kill or pause of exactly the
// heaviest_key_replicas, fewer than the nodes) and "overlap(K)" when K
// faults are ever in force together.
// Empty for a plan whose faults never meet.
std::vector<std::string> fault_shapes(const Plan& plan);

// One line saying what a plan exercises, printed by `faultline run --seed`
// and `faultline sim --seed` at start:
//   nodes 5 rf 3 vnodes 8 | keys 4000 fresh | values 0..64KiB | routing failover |
//   mix r40 w30 d30 | cl QUORUM/ONE | rate 120/s 6.3s 4 clients |
//   faults 3: kill+partition kill-in-partition overlap(2) | rr blocking hh on sloppy |
//   gc_grace 800 ae on
std::string plan_shape(const Plan& plan);
// A whole plan with seed 0 and no seeded bugs.
rc::Gen<Plan> gen_plan(const PlanPins& pins);

// Draws the plan of `seed` under `pins` into *out (out->seed = seed).
// Invalid, naming the pinned option's plan field, when a pin is out of range.
Status plan_from_seed(uint64_t seed, const PlanPins& pins, Plan* out);

// Compact size of a plan, for shrink reports and tests.
struct PlanSize {
  int nodes = 0;
  int keys = 0;
  int faults = 0;
  int64_t fault_ms = 0;  // sum of fault durations
  int64_t duration_ms = 0;
};
PlanSize plan_size(const Plan& plan);

// Walks a shrink tree greedily: from `start`, moves to the first shrink for
// which fails(value) is true, until none is, or steps_max candidates were
// tried. Returns the last failing value (start's when nothing smaller fails)
// and counts the candidates tried in *tried. `faultline shrink` walks plans
// this way, with a real run per candidate; it also passes stop(), checked
// before each candidate, which ends the walk early (its time budget).
template <typename T, typename Fails, typename Stop>
T shrink_walk(rc::Shrinkable<T> start, Fails&& fails, int steps_max, int* tried, Stop&& stop) {
  *tried = 0;
  bool moved = true;
  while (moved && *tried < steps_max) {
    moved = false;
    auto shrinks = start.shrinks();
    while (auto next = shrinks.next()) {
      if (*tried >= steps_max || stop()) break;
      ++*tried;
      if (fails(next->value())) {
        start = std::move(*next);
        moved = true;
        break;
      }
    }
  }
  return start.value();
}

template <typename T, typename Fails>
T shrink_walk(rc::Shrinkable<T> start, Fails&& fails, int steps_max, int* tried) {
  return shrink_walk(std::move(start), std::forward<Fails>(fails), steps_max, tried, [] { return false; });
}

}  // namespace faultline
