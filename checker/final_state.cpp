#include "checker/final_state.h"

#include <algorithm>
#include <filesystem>

namespace faultline {

namespace fs = std::filesystem;

FinalState FinalState::from_dumps(const std::vector<NodeDump>& dumps) {
  FinalState s;
  for (const NodeDump& d : dumps) {
    s.nodes_.push_back(d.node);
    s.extras_[d.node] = {d.merkle_roots_json, d.hints_json};
    for (const Record& r : d.records) {
      KeyFinalState& k = s.keys_[r.key];
      k.merged = lww_merge(k.merged, std::optional<Record>(r));
      k.holders.emplace_back(d.node, r);
    }
  }
  return s;
}

Status FinalState::load(const std::string& run_dir, FinalState* out) {
  fs::path dir = fs::path(run_dir) / "final";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::not_found(dir.string() + ": missing (no final state was dumped)");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  if (ec) return Status::io(dir.string() + ": " + ec.message());
  if (files.empty()) return Status::not_found(dir.string() + ": no node dumps (<node>.json)");
  std::sort(files.begin(), files.end());  // deterministic witness order
  std::vector<NodeDump> dumps(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    Status s = read_node_dump_file(files[i].string(), &dumps[i]);
    if (!s) return s;
  }
  *out = from_dumps(dumps);
  return Status::ok();
}

const KeyFinalState* FinalState::find(const std::string& key) const {
  auto it = keys_.find(key);
  return it == keys_.end() ? nullptr : &it->second;
}

const std::string& FinalState::merkle_roots_json(const std::string& node) const {
  static const std::string kNull = "null";
  auto it = extras_.find(node);
  return it == extras_.end() ? kNull : it->second.first;
}

const std::string& FinalState::hints_json(const std::string& node) const {
  static const std::string kNull = "null";
  auto it = extras_.find(node);
  return it == extras_.end() ? kNull : it->second.second;
}

}  // namespace faultline
