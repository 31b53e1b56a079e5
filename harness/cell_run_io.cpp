#include "harness/cell_run_io.h"

#include <filesystem>
#include <ostream>

#include "checker/verdict_io.h"
#include "core/assert.h"
#include "core/json_reader.h"

namespace faultline {

namespace fs = std::filesystem;

std::string path_relative_inside(const std::string& path, const std::string& base) {
  if (path.empty() || base.empty()) return path;
  const fs::path rel = fs::path(path).lexically_normal().lexically_relative(fs::path(base).lexically_normal());
  if (rel.empty() || *rel.begin() == "..") return path;
  return rel.string();
}

std::string path_joined(const std::string& base, const std::string& path) {
  if (path.empty() || base.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(base) / path).string();
}

std::string cell_run_to_json(const CellRun& run, const std::string& base_dir) {
  ordered_json j;
  j["row"] = run.row;
  j["seed"] = run.seed;
  j["started"] = run.started;
  j["exit_code"] = run.exit_code;
  j["run_dir"] = path_relative_inside(run.run_dir, base_dir);
  j["verdict"] = run.has_verdict ? ordered_json::parse(verdict_to_json(run.verdict)) : ordered_json(nullptr);
  j["error"] = run.error;
  j["wall_s"] = run.wall_s;
  return j.dump();
}

Status cell_run_from_json(std::string_view text, const std::string& source, const std::string& base_dir,
                          CellRun* out) {
  ordered_json j = ordered_json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::invalid(source + ": not JSON");
  ObjectReader r(j, source);
  r.require({"row", "seed", "started", "exit_code", "run_dir", "verdict", "error", "wall_s"});
  CellRun run;
  r.get("row", &run.row);
  r.get("seed", &run.seed);
  r.get("started", &run.started);
  r.get("exit_code", &run.exit_code);
  r.get("run_dir", &run.run_dir);
  r.get("error", &run.error);
  r.get("wall_s", &run.wall_s);
  const ordered_json* verdict = r.child("verdict");
  if (Status s = r.finish(); !s) return s;
  run.run_dir = path_joined(base_dir, run.run_dir);
  if (!verdict->is_null()) {
    if (Status s = verdict_from_json(verdict->dump(), source + ".verdict", &run.verdict); !s) return s;
    run.has_verdict = true;
  }
  if (!run.started && run.has_verdict) return Status::invalid(source + ".verdict: a run not started has none");
  *out = std::move(run);
  return Status::ok();
}

std::vector<ShardItem> cell_run_items(const std::vector<size_t>& indices, const std::vector<CellRun>& records,
                                      const std::string& base_dir,
                                      std::string (*name)(const std::string& row, uint64_t seed)) {
  FL_ASSERT(indices.size() == records.size());
  std::vector<ShardItem> items;
  for (size_t j = 0; j < records.size(); ++j) {
    items.push_back(ShardItem{indices[j], name(records[j].row, records[j].seed),
                              cell_run_to_json(records[j], base_dir), base_dir});
  }
  return items;
}

int print_cell_list(const std::vector<CellSpec>& cells, const std::optional<Shard>& shard, std::ostream& out) {
  std::vector<std::string> names;
  for (const CellSpec& c : cells) names.push_back(cell_name(c.row, c.seed));
  return print_shard_list(names, shard, out);
}

int print_shard_list(const std::vector<std::string>& names, const std::optional<Shard>& shard, std::ostream& out) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (shard && !shard_owns(*shard, i)) continue;
    out << i << " " << names[i] << (shard ? " (shard " + to_string(*shard) + ")" : "") << "\n";
  }
  return 0;
}

Status cell_runs_from_items(const std::vector<ShardItem>& items, std::vector<CellRun>* out) {
  std::vector<CellRun> runs;
  for (const ShardItem& item : items) {
    runs.emplace_back();
    const std::string source = item.dir + "/" + std::string(kShardManifestFile) + ": item " +
                               std::to_string(item.index) + " (" + item.name + ").record";
    if (Status s = cell_run_from_json(item.record, source, item.dir, &runs.back()); !s) return s;
  }
  *out = std::move(runs);
  return Status::ok();
}

}  // namespace faultline
