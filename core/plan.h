// Plan: everything that defines a run (seed, cluster, repair modes, workload,
// fault schedule, seeded bugs). Written to plan.json before a run starts; the
// checker derives what each property is guaranteed to do from it; the
// generators draw it from a seed; `--plan FILE` replays it.
//
// plan_from_json rejects unknown fields and out-of-range values, naming the
// field path ("workload.rate: must be > 0"), so a typo never silently falls
// back to a default. plan_to_json writes every field in a fixed order, so the
// same plan always gives byte-identical text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/link_latency.h"
#include "core/status.h"
#include "core/types.h"

namespace faultline {

inline constexpr int kPlanFormatVersion = 1;

enum class ReadRepair { kNone, kAsync, kBlocking };
enum class QuorumMode { kStrict, kSloppy };
std::string_view to_string(ReadRepair m);
std::string_view to_string(QuorumMode m);
Status parse_read_repair(std::string_view s, ReadRepair* out);
Status parse_quorum_mode(std::string_view s, QuorumMode* out);

struct ClusterSpec {
  int nodes = 5;
  int rf = 3;
  int vnodes = 8;
};

// The repair-mode switches of DESIGN.md, plus the node's timing knobs.
struct ModeSpec {
  ReadRepair read_repair = ReadRepair::kBlocking;
  bool digest_reads = false;
  bool hinted_handoff = true;
  QuorumMode quorum = QuorumMode::kStrict;
  bool anti_entropy = false;
  int64_t anti_entropy_interval_ms = 2000;
  int merkle_depth = 20;  // the maximum: each range's tree is sized from its key count (node/merkle_tree.h)
  int64_t gc_grace_ms = 600000;
  int64_t hint_window_ms = 60000;
  bool fsync = false;
  int64_t request_timeout_ms = 1000;
};

// fresh: every write goes to a key no one wrote before, each delete to a
// key its worker wrote and has not deleted yet, reads to keys written
// earlier (core/workload_draw.h). The others pick among k0..k<keys-1>.
enum class KeyDistribution { kUniform, kZipfian, kHotKey, kFresh };
std::string_view to_string(KeyDistribution d);
Status parse_key_distribution(std::string_view s, KeyDistribution* out);

// Which node a client sends each operation to (core/workload_draw.h):
// random: a random node per operation; pinned: worker w always uses node
// (w % nodes) + 1; failover: like a driver, stays on one node and moves to
// another, avoiding the bad one for a while, after a timeout or a
// connection error there.
enum class Routing { kRandom, kPinned, kFailover };
std::string_view to_string(Routing r);
Status parse_routing(std::string_view s, Routing* out);

// Largest value size a plan may ask for: well above the node's default
// limits.value_bytes_max (4 MiB, answered -ERR, recorded as fail) and
// below its client query buffer (64 MiB).
inline constexpr int64_t kPlanValueBytesMax = 32 * 1024 * 1024;

struct WorkloadSpec {
  int clients = 8;
  int keys = 12;
  double rate = 200;  // operations per second, all clients together
  int64_t duration_ms = 20000;
  ConsistencyLevel read_cl = ConsistencyLevel::kQuorum;
  ConsistencyLevel write_cl = ConsistencyLevel::kQuorum;
  // Operation mix; fractions of all operations, summing to 1.
  double read_fraction = 0.5;
  double write_fraction = 0.4;
  double delete_fraction = 0.1;
  KeyDistribution key_distribution = KeyDistribution::kUniform;
  // Size of each written value, drawn log-uniformly in [min, max] per write;
  // a value is "<process>-<seq>" padded to that size (never shorter than
  // the identity, so 0..0 writes the bare identity as before these fields).
  int64_t value_bytes_min = 0;
  int64_t value_bytes_max = 0;
  Routing routing = Routing::kRandom;
  // Reads bound to recent writes: a read goes, with this chance, to one of
  // the keys its worker wrote or deleted most recently (core/workload_draw.h),
  // as YCSB's "latest" distribution does, so that even among thousands of
  // keys reads meet the writes they must observe. 0: reads follow
  // key_distribution alone. Not used with fresh keys, which bind reads their
  // own way.
  double read_recent_share = 0;
};

// One timed fault: starts start_ms after the workload starts, healed
// duration_ms later. `targets` are node names; `params_json` is a JSON object
// with kind-specific parameters (partition kind, delay latency, clock offset).
struct FaultEvent {
  int64_t start_ms = 0;
  int64_t duration_ms = 0;
  std::string kind;
  std::vector<std::string> targets;
  std::string params_json = "{}";
  bool operator==(const FaultEvent&) const = default;
};

// Simulator only (`faultline sim`; `run` refuses it): instead of the
// workload's mix, `rounds` probe rounds one after another, each on a fresh
// key "probe<i>": `writes_per_key` writes in sequence (each after the
// previous one's acknowledgement) at the workload's write_cl, then one read
// at read_cl invoked exactly t ms after the last acknowledgement, t being
// t_ms[i % t_ms.size()], then `gap_ms` of quiet. Each operation goes to a
// node drawn uniformly from the plan's seed. This is the measurement
// Probabilistically Bounded Staleness defines (docs/staleness.md).
// write_quorum_only suppresses propagation: each write reaches its
// coordinator and W - 1 other replicas drawn uniformly, never the rest (for
// the k-staleness closed form); use it with hinted handoff, read repair and
// anti-entropy off, and expect merkle-convergence to fail. Only the
// coordinator's own fan-out is cut: a write sent again once the probe write
// was acknowledged (a read repair, an anti-entropy stream, a hint) passes,
// so each repair mechanism is the only way a version spreads beyond W.
// reads_per_key > 1: each round reads its key that many times, read j
// invoked t_ms[(round * reads_per_key + j) % t_ms.size()] after the last
// acknowledgement, each on its own (so they may overlap); the round ends
// when all are complete. With reads_per_key == t_ms.size() every key is read
// once at every t, so an earlier read's repair can reach a later read.
struct ProbeSpec {
  std::vector<int64_t> t_ms;  // empty: no probe (the plan's workload runs)
  int64_t rounds = 0;
  int writes_per_key = 1;
  int64_t gap_ms = 100;
  bool write_quorum_only = false;
  int reads_per_key = 1;  // written to plan.json only when not 1

  bool enabled() const { return !t_ms.empty(); }
};

struct Plan {
  uint64_t seed = 0;
  ClusterSpec cluster;
  ModeSpec modes;
  WorkloadSpec workload;
  std::vector<FaultEvent> faults;
  std::vector<std::string> bugs;  // seeded bugs (--bug), names from DESIGN.md
  // Optional: written to plan.json only when set, so plans without them
  // keep their text byte for byte.
  LinkLatency latency;  // per-leg message latency (core/link_latency.h)
  ProbeSpec probe;
};

std::string plan_to_json(const Plan& plan);  // pretty-printed, ends with "\n"
Status plan_from_json(std::string_view text, Plan* out);
// Range and consistency checks (rf <= nodes, fractions sum to 1, fault
// targets name real nodes, ...). plan_from_json calls it.
Status validate_plan(const Plan& plan);

Status read_plan_file(const std::string& path, Plan* out);
Status write_plan_file(const std::string& path, const Plan& plan);

}  // namespace faultline
