// Property tests: on small generated histories, each streaming property
// agrees with a brute-force oracle that compares all pairs (O(n^2)) straight
// from the definitions at the top of each property file.
//
// Histories come from simulating a small, deliberately sloppy replicated
// store (3 replicas; writes land on a random subset, reads merge a random
// subset, failed writes sometimes land anyway, reads occasionally return
// garbage, final dumps drop records), so they are well-formed yet full of
// violations of every kind. The simulation is driven by a generated list of
// choices, which RapidCheck shrinks.
//
// On failure RapidCheck prints the seed and shrunk input; replay with
//   RC_PARAMS="reproduce=<string it prints>" build/bin/checker_test --gtest_filter='Oracle.*'
// More cases: RC_PARAMS="max_success=2000".
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <limits>

#include "checker/checker_test_util.h"
#include "core/test_util.h"

namespace faultline::testing {
namespace {

constexpr int kReplicas = 3;
constexpr int kWorkers = 3;
constexpr int kKeys = 3;
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// Draws bounded choices from the generated list; exhausted means "stop".
class Choices {
 public:
  explicit Choices(const std::vector<uint32_t>& c) : c_(c) {}
  bool more() const { return next_ < c_.size(); }
  uint32_t pick(uint32_t n) { return more() ? c_[next_++] % n : 0; }
  bool chance(uint32_t percent) { return pick(100) < percent; }

 private:
  const std::vector<uint32_t>& c_;
  size_t next_ = 0;
};

// One client operation as the oracle sees it: invocation and completion.
struct Op {
  int64_t invoke = -1;
  int64_t complete = kNever;  // kNever: never completed
  OpType type = OpType::kInvoke;  // the completion's type; kInvoke while pending
  std::string f, key, value;       // value: written, or read (empty: none)
  std::optional<Version> version;
};

struct Simulation {
  HistoryBuilder history;
  std::vector<NodeDump> dumps;
  std::vector<Op> ops;
};

class SloppyStore {
 public:
  explicit SloppyStore(Choices* c) : c_(*c) {}

  Simulation run() {
    struct Worker {
      int64_t process;
      int op = -1;  // index into sim_.ops, -1 when idle
      bool applied = false;
    };
    std::vector<Worker> workers;
    for (int w = 0; w < kWorkers; ++w) workers.push_back({w + 1});
    int64_t next_process = kWorkers + 1;
    while (c_.more()) {
      Worker& w = workers[c_.pick(kWorkers)];
      if (w.op < 0) {
        w.op = invoke(w.process);
        w.applied = false;
        continue;
      }
      Op& op = sim_.ops[w.op];
      if (op.f != "read" && !w.applied && c_.chance(40)) {  // lands before the client hears back
        apply(op);
        w.applied = true;
        continue;
      }
      complete(op, w.process, w.applied);
      if (op.type == OpType::kInfo) w.process = next_process++;
      w.op = -1;
    }
    for (int r = 0; r < kReplicas; ++r) {
      std::vector<Record> kept;
      for (const auto& [key, rec] : replicas_[r]) {
        if (!c_.chance(10)) kept.push_back(rec);  // a lost record
      }
      sim_.dumps.push_back(dump("n" + std::to_string(r + 1), kept));
    }
    sim_.history.quiesced();  // the final state is the quiesced one
    return std::move(sim_);
  }

 private:
  int invoke(int64_t process) {
    Op op;
    op.key = "k" + std::to_string(c_.pick(kKeys));
    uint32_t f = c_.pick(10);
    op.f = f < 5 ? "read" : f < 9 ? "write" : "delete";
    if (op.f == "write") {
      op.value = std::to_string(process) + "-" + std::to_string(sim_.ops.size());
      op.invoke = sim_.history.write(process, op.key, op.value);
    } else if (op.f == "read") {
      op.invoke = sim_.history.read(process, op.key);
    } else {
      op.invoke = sim_.history.del(process, op.key);
    }
    sim_.ops.push_back(op);
    return static_cast<int>(sim_.ops.size()) - 1;
  }

  // The coordinator stamps a version (sometimes from a skewed clock) and the
  // record lands on a random subset of replicas.
  void apply(Op& op) {
    ++clock_;
    op.version = Version{c_.chance(15) ? clock_ - c_.pick(4) : clock_, c_.pick(2) + 1};
    Record r;
    r.key = op.key;
    r.value = op.f == "write" ? op.value : "";
    r.tombstone = op.f == "delete";
    r.version = *op.version;
    for (int i = 0; i < kReplicas; ++i) {
      if (c_.chance(60)) store(i, r);
    }
  }

  void store(int replica, const Record& r) {
    auto [it, fresh] = replicas_[replica].emplace(r.key, r);
    if (!fresh) it->second = lww_merge(it->second, r);
  }

  void complete(Op& op, int64_t process, bool applied) {
    uint32_t outcome = c_.pick(10);
    op.type = outcome < 7 ? OpType::kOk : outcome < 9 ? OpType::kFail : OpType::kInfo;
    if (op.f == "read") return complete_read(op, process);
    if (!applied && op.type != OpType::kFail) apply(op);  // fail after apply: a store bug
    if (op.type == OpType::kOk) op.complete = sim_.history.ok(process, op.version);
    else if (op.type == OpType::kFail) op.complete = sim_.history.fail(process);
    else op.complete = sim_.history.info(process);
    if (op.type != OpType::kOk) op.version.reset();  // the client never learns it
  }

  void complete_read(Op& op, int64_t process) {
    if (op.type != OpType::kOk) {
      op.complete = op.type == OpType::kFail ? sim_.history.fail(process) : sim_.history.info(process);
      return;
    }
    std::optional<Record> seen;
    for (int i = 0; i < kReplicas; ++i) {
      auto it = replicas_[i].find(op.key);
      if (c_.chance(50) && it != replicas_[i].end()) seen = lww_merge(seen, std::optional<Record>(it->second));
    }
    if (seen && c_.chance(5)) seen->value = "ghost";  // a corrupt read
    if (seen && c_.chance(5)) seen->version.timestamp_us += 1;
    bool tombstone = seen && seen->tombstone;
    if (seen) op.version = seen->version;
    if (seen && !tombstone) op.value = seen->value;
    std::optional<std::string> value;
    if (!op.value.empty()) value = op.value;
    op.complete = sim_.history.ok_read(process, value, op.version, tombstone);
  }

  Choices& c_;
  Simulation sim_;
  std::map<std::string, Record> replicas_[kReplicas];
  int64_t clock_ = 10;
};

// ---- the oracle: definitions applied pair by pair ----

bool ok_read(const Op& o) { return o.f == "read" && o.type == OpType::kOk; }
bool ok_update(const Op& o) { return o.f != "read" && o.type == OpType::kOk; }
Version rv(const Op& o) { return o.version.value_or(Version{}); }
bool indeterminate(const Op& o) { return o.type == OpType::kInfo || o.type == OpType::kInvoke; }

// A deletion: an ok delete, or an ok read of a tombstone (a version, no value).
bool deletion(const Op& o) { return o.f == "delete" || (o.f == "read" && o.version && o.value.empty()); }

// Whether read r breaks the binding ops (those `binds` picks that completed
// before r was invoked): some has a newer version. A read that found nothing
// would be as new as a newest binding op that is a deletion once gc_grace
// could have passed (DeletionRule), but with strong_plan's gc_grace (ten
// minutes) no purge is possible within a simulated history (microseconds):
// here nothing is older than any deletion.
template <typename Binds>
bool oracle_older(const std::vector<Op>& ops, const Op& r, Binds&& binds) {
  const Op* newest = nullptr;
  for (const Op& a : ops) {
    if (!binds(a) || a.key != r.key || !(a.complete < r.invoke)) continue;
    if (!newest || rv(*newest) < rv(a) || (rv(*newest) == rv(a) && deletion(a) && !deletion(*newest))) newest = &a;
  }
  return newest && rv(r) < rv(*newest);
}

int64_t oracle_monotonic(const std::vector<Op>& ops) {
  int64_t n = 0;
  for (const Op& b : ops) n += ok_read(b) && oracle_older(ops, b, ok_read);
  return n;
}

int64_t oracle_stale(const std::vector<Op>& ops) {
  int64_t n = 0;
  for (const Op& r : ops) n += ok_read(r) && oracle_older(ops, r, ok_update);
  return n;
}

bool oracle_valid_read(const std::vector<Op>& ops, const Op& r) {
  if (r.value.empty() && !r.version) return true;
  if (r.value.empty()) {
    return std::any_of(ops.begin(), ops.end(), [&](const Op& d) {
      return d.f == "delete" && d.key == r.key && d.invoke < r.complete &&
             ((d.type == OpType::kOk && d.version == r.version) || indeterminate(d));
    });
  }
  if (!r.version) return false;
  auto w = std::find_if(ops.begin(), ops.end(), [&](const Op& o) { return o.f == "write" && o.value == r.value; });
  if (w == ops.end() || w->invoke > r.complete || w->key != r.key || w->type == OpType::kFail) return false;
  if (w->type == OpType::kOk) return r.version == w->version;
  const Op* first = nullptr;  // the read that teaches an indeterminate write its version
  for (const Op& o : ops) {
    if (ok_read(o) && o.value == r.value && o.key == w->key && o.version && o.complete > w->invoke &&
        (!first || o.complete < first->complete)) {
      first = &o;
    }
  }
  return r.version == first->version;
}

int64_t oracle_valid_values(const std::vector<Op>& ops) {
  int64_t n = 0;
  for (const Op& r : ops) n += ok_read(r) && !oracle_valid_read(ops, r);
  return n;
}

int64_t oracle_lost(const std::vector<Op>& ops, const std::vector<NodeDump>& dumps) {
  int64_t n = 0;
  for (const Op& w : ops) {
    if (!ok_update(w)) continue;
    std::optional<Record> f;
    for (const NodeDump& d : dumps) {
      for (const Record& rec : d.records) {
        if (rec.key == w.key && (!f || lww_wins(rec, *f))) f = rec;
      }
    }
    bool kept;
    if (f) {
      kept = f->version > *w.version ||
             (f->version == *w.version && (w.f == "delete" ? f->tombstone : !f->tombstone && f->value == w.value));
    } else {
      kept = w.f == "delete" || std::any_of(ops.begin(), ops.end(), [&](const Op& d) {
               bool tombstone = ok_update(d) ? d.f == "delete" : ok_read(d) && d.value.empty() && d.version;
               return tombstone && d.key == w.key && *d.version > *w.version;
             });
    }
    n += !kept;
  }
  return n;
}

void expect_count(const Verdict& v, const std::string& id, int64_t expected) {
  const PropertyResult& p = property(v, id);
  if (p.violations != expected) {
    RC_FAIL(id + ": the checker counts " + std::to_string(p.violations) + " violation(s), the oracle " +
            std::to_string(expected));
  }
  RC_ASSERT((p.outcome == PropertyOutcome::kViolated) == (expected > 0));
  RC_ASSERT(p.witnesses.size() == std::min<size_t>(static_cast<size_t>(expected), kMaxWitnesses));
}

// Goal: every property's count and outcome, and the verdict, match the oracle.
RC_GTEST_PROP(Oracle, StreamingPropertiesMatchBruteForce, ()) {
  // Up to a few hundred choices: histories of up to ~100 operations.
  auto length = *rc::gen::inRange<size_t>(0, 4 * rc::kNominalSize);
  auto choices = *rc::gen::container<std::vector<uint32_t>>(length, rc::gen::arbitrary<uint32_t>());
  Choices c(choices);
  Simulation sim = SloppyStore(&c).run();
  // The four properties the oracle models (the simulation has no ring, hints
  // or Merkle trees, so the others say nothing about it).
  CheckOptions modeled{{"monotonic-reads", "no-stale-reads", "valid-values", "no-lost-writes"}};
  Verdict v = check_ops(strong_plan(), sim.dumps, sim.history.ops(), modeled);
  RC_ASSERT(v.error.empty());
  int64_t mono = oracle_monotonic(sim.ops), stale = oracle_stale(sim.ops);
  int64_t valid = oracle_valid_values(sim.ops), lost = oracle_lost(sim.ops, sim.dumps);
  expect_count(v, "monotonic-reads", mono);
  expect_count(v, "no-stale-reads", stale);
  expect_count(v, "valid-values", valid);
  expect_count(v, "no-lost-writes", lost);
  bool any = mono + stale + valid + lost > 0;
  RC_ASSERT(v.value == (any ? VerdictValue::kInvalid : VerdictValue::kValid));
  // The generator must keep producing every kind of violation (see the tags).
  RC_CLASSIFY(mono > 0, "monotonic-reads violated");
  RC_CLASSIFY(stale > 0, "no-stale-reads violated");
  RC_CLASSIFY(valid > 0, "valid-values violated");
  RC_CLASSIFY(lost > 0, "no-lost-writes violated");
  RC_CLASSIFY(!any, "clean");
}

// Goal: a memory budget so small that every sorter spills runs of 16 records
// (and merges them in several passes) gives the same verdict, byte for byte,
// as the default budget, on sloppy histories of up to ~1000 operations with
// violations of every kind; the spill files are gone afterwards.
RC_GTEST_PROP(Oracle, SpillingGivesTheSameVerdict, ()) {
  auto length = *rc::gen::inRange<size_t>(0, 40 * rc::kNominalSize);
  auto choices = *rc::gen::container<std::vector<uint32_t>>(length, rc::gen::arbitrary<uint32_t>());
  Choices c(choices);
  Simulation sim = SloppyStore(&c).run();
  test::TempDir spill_parent;
  CheckOptions in_memory;
  in_memory.spill_parent = spill_parent.path();
  CheckOptions tiny = in_memory;
  tiny.memory_budget_bytes = 1;
  Verdict a = check_ops(strong_plan(), sim.dumps, sim.history.ops(), in_memory);
  Verdict b = check_ops(strong_plan(), sim.dumps, sim.history.ops(), tiny);
  RC_ASSERT(verdict_to_json(a) == verdict_to_json(b));
  RC_ASSERT(a.spill_files == 0);
  int64_t writes = std::count_if(sim.ops.begin(), sim.ops.end(), [](const Op& o) { return o.f == "write"; });
  // Op pairing alone spills one run per kChunkRecordsMin (16) writes.
  if (writes >= 16) RC_ASSERT(b.spill_files > 0);
  RC_ASSERT(std::filesystem::is_empty(spill_parent.path()));
  RC_CLASSIFY(b.spill_files > 2 * 16, "multi-pass merge");
  RC_CLASSIFY(b.value == VerdictValue::kInvalid, "invalid");
  RC_CLASSIFY(b.value == VerdictValue::kValid, "valid");
}

uint64_t splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Goal: on sloppy histories drawn from fixed seeds 1..kSnapshotSeeds (up to
// ~700 operations each, violations of every kind) and under a strong and a
// weak plan, every property's verdict, witnesses and notes are byte for byte
// the ones recorded in checker/testdata/generated_verdicts.txt, which the
// checker wrote before its speed work (issue 19). A failure names the seed;
// the test replays it alone with --gtest_filter='VerdictSnapshot.*'.
TEST(VerdictSnapshot, GeneratedHistoriesKeepTheirVerdicts) {
  constexpr uint64_t kSnapshotSeeds = 200;
  VerdictSnapshot snapshot(std::filesystem::path(FAULTLINE_SOURCE_DIR) / "checker/testdata/generated_verdicts.txt");
  for (uint64_t seed = 1; seed <= kSnapshotSeeds; ++seed) {
    uint64_t state = seed;
    std::vector<uint32_t> choices(splitmix64(&state) % 2000);
    for (uint32_t& c : choices) c = static_cast<uint32_t>(splitmix64(&state));
    Choices c(choices);
    Simulation sim = SloppyStore(&c).run();
    const std::string name = "seed-" + std::to_string(seed);
    snapshot.check(name + "-strong", verdict_to_json(check_ops(strong_plan(), sim.dumps, sim.history.ops())));
    snapshot.check(name + "-weak", verdict_to_json(check_ops(weak_plan(), sim.dumps, sim.history.ops())));
  }
}

}  // namespace
}  // namespace faultline::testing
