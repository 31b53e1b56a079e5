#include "checker/checker_test_util.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "checker/final_state.h"
#include "checker/run_checker.h"
#include "core/merkle_hash.h"
#include "core/ring.h"

namespace faultline::testing {

int64_t HistoryBuilder::raw(HistoryOp op) {
  op.index = static_cast<int64_t>(ops_.size());
  op.time_ns = 1000 * (op.index + 1) + offset_ns_;
  ops_.push_back(op);
  return op.index;
}

int64_t HistoryBuilder::invoke(int64_t process, const std::string& f, const std::string& key,
                               std::optional<std::string> value) {
  HistoryOp op;
  op.process = process;
  op.type = OpType::kInvoke;
  op.f = f;
  op.key = key;
  op.value = std::move(value);
  op.cl = ConsistencyLevel::kQuorum;
  op.node = node_;
  pending_[process] = op;
  return raw(op);
}

int64_t HistoryBuilder::complete(int64_t process, OpType type) {
  auto it = pending_.find(process);
  if (it == pending_.end()) throw std::logic_error("HistoryBuilder: nothing pending for this process");
  HistoryOp op;
  op.process = process;
  op.type = type;
  op.f = it->second.f;
  op.key = it->second.key;
  if (op.f == "write") op.value = it->second.value;
  pending_.erase(it);
  return raw(op);
}

int64_t HistoryBuilder::write(int64_t p, const std::string& key, const std::string& value) {
  return invoke(p, "write", key, value);
}
int64_t HistoryBuilder::read(int64_t p, const std::string& key) { return invoke(p, "read", key, std::nullopt); }
int64_t HistoryBuilder::del(int64_t p, const std::string& key) { return invoke(p, "delete", key, std::nullopt); }

int64_t HistoryBuilder::ok(int64_t p, std::optional<Version> version) {
  int64_t i = complete(p, OpType::kOk);
  ops_[i].version = version;
  return i;
}

int64_t HistoryBuilder::ok_read(int64_t p, std::optional<std::string> value, std::optional<Version> version,
                                bool tombstone) {
  int64_t i = complete(p, OpType::kOk);
  ops_[i].value = std::move(value);
  ops_[i].version = version;
  ops_[i].tombstone = tombstone;
  return i;
}

int64_t HistoryBuilder::fail(int64_t p) { return complete(p, OpType::kFail); }
int64_t HistoryBuilder::info(int64_t p) { return complete(p, OpType::kInfo); }

int64_t HistoryBuilder::phase(const std::string& name) {
  HistoryOp op;
  op.process = kNemesisProcess;
  op.type = OpType::kInfo;
  op.f = "phase";
  op.fault_json = "{\"phase\":\"" + name + "\"}";
  return raw(op);
}

int64_t HistoryBuilder::fault(const std::string& kind, const std::string& phase, const std::string& members) {
  HistoryOp op;
  op.process = kNemesisProcess;
  op.type = OpType::kInfo;
  op.f = kind;
  op.fault_json = "{\"phase\":\"" + phase + "\"" + (members.empty() ? "" : "," + members) + "}";
  return raw(op);
}

int64_t HistoryBuilder::quiesced() {
  HistoryOp op;
  op.process = kNemesisProcess;
  op.type = OpType::kInfo;
  op.f = "phase";
  op.fault_json = R"({"phase":"heal","ok":true})";
  raw(op);
  op.fault_json = R"({"phase":"quiesce","ok":true,"quiesce_ms":1,"anti_entropy":"complete"})";
  return raw(op);
}

int64_t HistoryBuilder::acked_write(int64_t p, const std::string& key, const std::string& value, Version v) {
  write(p, key, value);
  return ok(p, v);
}

int64_t HistoryBuilder::acked_delete(int64_t p, const std::string& key, Version v) {
  del(p, key);
  return ok(p, v);
}

int64_t HistoryBuilder::read_saw(int64_t p, const std::string& key, std::optional<std::string> value,
                                 std::optional<Version> version, bool tombstone) {
  read(p, key);
  return ok_read(p, std::move(value), version, tombstone);
}

Plan strong_plan() {
  Plan p;
  p.seed = 1;
  p.cluster = {3, 3, 8};
  p.modes.read_repair = ReadRepair::kBlocking;
  // Pinned off (the plan default is on): these run directories carry no
  // node events, which hint-replay would need.
  p.modes.hinted_handoff = false;
  // Pinned below the default maximum: honest_roots builds every leaf.
  p.modes.merkle_depth = 10;
  p.workload.read_cl = ConsistencyLevel::kQuorum;
  p.workload.write_cl = ConsistencyLevel::kQuorum;
  return p;
}

Plan weak_plan() {
  Plan p = strong_plan();
  p.modes.read_repair = ReadRepair::kNone;
  p.workload.read_cl = ConsistencyLevel::kOne;
  p.workload.write_cl = ConsistencyLevel::kOne;
  return p;
}

NodeDump dump(const std::string& node, std::vector<Record> records) {
  NodeDump d;
  d.node = node;
  d.records = std::move(records);
  return d;
}

std::vector<RangeRoot> honest_roots(const Plan& plan, const std::vector<Record>& records, int depth_reported) {
  std::vector<NodeId> ids;
  for (int i = 1; i <= plan.cluster.nodes; ++i) ids.push_back(static_cast<NodeId>(i));
  Ring ring(ids, plan.cluster.vnodes, plan.cluster.rf);
  const std::vector<TokenRange> ranges = ring.ranges();
  const int depth = depth_reported != 0 ? depth_reported : plan.modes.merkle_depth;
  std::vector<std::vector<uint64_t>> leaves(ranges.size(), std::vector<uint64_t>(size_t{1} << depth, 0));
  for (const Record& r : records) {
    const size_t ri = ring.range_index(token_of(r.key));
    leaves[ri][merkle_leaf_index(ranges[ri], token_of(r.key), depth)] += merkle_record_hash(r);
  }
  std::vector<RangeRoot> out;
  for (size_t i = 0; i < ranges.size(); ++i) {
    out.push_back({i, ranges[i].left, ranges[i].right, merkle_root_of_leaves(leaves[i]), depth_reported});
  }
  return out;
}

Record rec(const std::string& key, const std::string& value, Version v) {
  Record r;
  r.key = key;
  r.value = value;
  r.version = v;
  return r;
}

Record tomb(const std::string& key, Version v) {
  Record r;
  r.key = key;
  r.version = v;
  r.tombstone = true;
  return r;
}

Verdict check_ops(const Plan& plan, const std::vector<NodeDump>& dumps, const std::vector<HistoryOp>& ops,
                  const CheckOptions& opts) {
  FinalState final_state = FinalState::from_dumps(dumps);
  std::unique_ptr<RunChecker> rc;
  Status s = RunChecker::create(plan, &final_state, "", opts, &rc);
  if (!s) throw std::invalid_argument(s.message());
  for (const HistoryOp& op : ops) {
    s = rc->feed(op);
    if (!s) return rc->abort("op " + std::to_string(op.index) + ": " + s.message());
  }
  return rc->finish();
}

const PropertyResult& property(const Verdict& v, const std::string& id) {
  for (const PropertyResult& p : v.properties) {
    if (p.id == id) return p;
  }
  throw std::invalid_argument("no property " + id + " in verdict");
}

PropertyResult check_property(const std::string& id, const Plan& plan, const HistoryBuilder& h,
                              const std::vector<NodeDump>& dumps) {
  HistoryBuilder with_markers = h;
  bool has_quiesce = std::any_of(h.ops().begin(), h.ops().end(), [](const HistoryOp& op) {
    return op.f == "phase" && op.fault_json.find(R"("phase":"quiesce")") != std::string::npos;
  });
  if (!has_quiesce) with_markers.quiesced();
  return property(check_ops(plan, dumps, with_markers.ops(), {{id}}), id);
}

std::filesystem::path temp_run_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  // Per process, so concurrent test processes never share a directory;
  // removed at exit unless a test failed (then it is left to inspect).
  static const struct Root {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("faultline-checker-test-" + std::to_string(::getpid()));
    ~Root() {
      if (::testing::UnitTest::GetInstance()->Passed()) std::filesystem::remove_all(path);
    }
  } root;
  auto dir = root.path / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void write_run_dir(const std::filesystem::path& dir, const Plan& plan, const std::vector<HistoryOp>& ops,
                   const std::vector<NodeDump>& dumps) {
  std::filesystem::create_directories(dir / "final");
  if (!write_plan_file((dir / "plan.json").string(), plan)) throw std::runtime_error("cannot write plan");
  std::ofstream h(dir / "history.jsonl");
  h << history_header_to_json_line(HistoryHeader{kHistoryFormatVersion, plan.seed}) << "\n";
  for (const HistoryOp& op : ops) h << history_op_to_json_line(op) << "\n";
  for (const NodeDump& d : dumps) std::ofstream(dir / "final" / (d.node + ".json")) << node_dump_to_json(d) << "\n";
}

namespace {

// FNV-1a 64 as 16 hex digits: stable across compilers and libraries.
std::string text_hash(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ull;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

}  // namespace

VerdictSnapshot::VerdictSnapshot(std::filesystem::path file) : file_(std::move(file)) {
  const char* update = std::getenv("FAULTLINE_UPDATE_SNAPSHOT");
  update_ = update != nullptr && std::string(update) == "1";
  std::ifstream in(file_);
  std::string name, hash;
  while (in >> name >> hash) recorded_[name] = hash;
}

VerdictSnapshot::~VerdictSnapshot() {
  if (!update_) return;
  std::ofstream out(file_);
  for (const auto& [name, hash] : seen_) out << name << " " << hash << "\n";
}

void VerdictSnapshot::check(const std::string& name, const std::string& verdict_json) {
  const std::string hash = text_hash(verdict_json);
  seen_[name] = hash;
  if (update_) return;
  auto it = recorded_.find(name);
  if (it == recorded_.end()) {
    ADD_FAILURE() << file_ << " has no verdict for " << name << " (FAULTLINE_UPDATE_SNAPSHOT=1 records it)";
  } else {
    EXPECT_EQ(hash, it->second) << name << ": the verdict differs from the recorded one; it is now:\n" << verdict_json;
  }
}

}  // namespace faultline::testing
