#include "checker/final_state.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

#include "checker/identity.h"

namespace faultline {

namespace fs = std::filesystem;

FinalState FinalState::from_dumps(const std::vector<NodeDump>& dumps) {
  FinalState s;
  for (const NodeDump& d : dumps) {
    s.nodes_.push_back(d.node);
    s.extras_[d.node] = {d.merkle_roots, d.hints};
    for (const Record& r : d.records) {
      KeyFinalState& k = s.keys_[r.key];
      k.merged = lww_merge(k.merged, std::optional<Record>(r));
      k.holders.emplace_back(d.node, r);
    }
  }
  return s;
}

namespace {

// The dump read from `path` against the plan (checker/identity.h).
Status check_dump_identity(const std::string& path, const NodeDump& d, const Plan& plan) {
  if (Status s = check_plan_node(d.node, plan); !s) return Status::invalid(path + ": " + s.message());
  for (size_t i = 0; i < d.records.size(); ++i) {
    Status s = check_plan_coordinator(d.records[i].version, plan);
    if (!s) return Status::invalid(path + ": records[" + std::to_string(i) + "]: " + s.message());
  }
  return Status::ok();
}

// The dumps `read` reads (the i-th of `paths` into *out), each checked
// against the plan; then every node of the plan must have one. `dir`: final/.
Status load_dumps(const fs::path& dir, const std::vector<std::string>& paths,
                  const std::function<Status(size_t, NodeDump*)>& read, const Plan& plan,
                  std::vector<NodeDump>* dumps) {
  if (paths.empty()) return Status::not_found(dir.string() + ": no node dumps (<node>.json)");
  dumps->resize(paths.size());
  std::set<std::string> dumped;
  for (size_t i = 0; i < paths.size(); ++i) {
    Status s = read(i, &(*dumps)[i]);
    if (!s) return s;
    if (!(s = check_dump_identity(paths[i], (*dumps)[i], plan))) return s;
    dumped.insert((*dumps)[i].node);
  }
  for (int i = 1; i <= plan.cluster.nodes; ++i) {
    const std::string node = node_name(static_cast<NodeId>(i));
    if (!dumped.count(node)) return Status::not_found((dir / (node + ".json")).string() + ": missing (the plan has " + node + ")");
  }
  return Status::ok();
}

}  // namespace

Status FinalState::load(const std::string& run_dir, const Plan& plan, FinalState* out) {
  fs::path dir = fs::path(run_dir) / "final";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::not_found(dir.string() + ": missing (no final state was dumped)");
  std::vector<std::string> paths;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".json") paths.push_back(e.path().string());
  }
  if (ec) return Status::io(dir.string() + ": " + ec.message());
  std::sort(paths.begin(), paths.end());  // deterministic witness order
  std::vector<NodeDump> dumps;
  auto read = [&](size_t i, NodeDump* d) { return read_node_dump_file(paths[i], d); };
  if (Status s = load_dumps(dir, paths, read, plan, &dumps); !s) return s;
  *out = from_dumps(dumps);
  return Status::ok();
}

Status FinalState::load_texts(const std::string& dir, const std::vector<std::pair<std::string, std::string_view>>& files,
                              const Plan& plan, FinalState* out) {
  std::vector<std::string> paths;
  for (const auto& f : files) paths.push_back(f.first);
  std::vector<NodeDump> dumps;
  auto read = [&](size_t i, NodeDump* d) { return node_dump_from_file_text(files[i].first, files[i].second, d); };
  if (Status s = load_dumps(dir, paths, read, plan, &dumps); !s) return s;
  *out = from_dumps(dumps);
  return Status::ok();
}

const KeyFinalState* FinalState::find(const std::string& key) const {
  auto it = keys_.find(key);
  return it == keys_.end() ? nullptr : &it->second;
}

const std::optional<std::vector<RangeRoot>>& FinalState::merkle_roots(const std::string& node) const {
  static const std::optional<std::vector<RangeRoot>> kNone;
  auto it = extras_.find(node);
  return it == extras_.end() ? kNone : it->second.merkle_roots;
}

const std::vector<PendingHint>& FinalState::hints(const std::string& node) const {
  static const std::vector<PendingHint> kNone;
  auto it = extras_.find(node);
  return it == extras_.end() ? kNone : it->second.hints;
}

}  // namespace faultline
