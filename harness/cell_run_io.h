// One child run of the cell pool (harness/cell_pool.h CellRun) as a JSON
// object: the record of a ci or audit item in shard.json
// (harness/shard_manifest.h). Reader next to writer.
//
//   {"row": "swarm", "seed": 4, "started": true, "exit_code": 0,
//    "run_dir": "runs/swarm/seed4/20261206T...-seed4",
//    "verdict": {...verdict.json...} | null, "error": "" , "wall_s": 9.25}
//
// run_dir is written relative to the shard's output directory when it lies
// inside it, and read back joined to the directory the shard is merged from,
// so a shard's directory can be moved (a CI artifact, a volume) before the
// merge. A run the budget left out has "started": false.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "harness/cell_pool.h"
#include "harness/shard_manifest.h"

namespace faultline {

// `path` relative to `base` when it lies inside it, else as it is; and back:
// a relative path joined to `base` (absolute and empty ones as they are).
// Every record that names a file of the shard's output directory uses them.
std::string path_relative_inside(const std::string& path, const std::string& base);
std::string path_joined(const std::string& base, const std::string& path);

std::string cell_run_to_json(const CellRun& run, const std::string& base_dir);
// `source` names the record in errors ("sh1/shard.json: items[3].record").
Status cell_run_from_json(std::string_view text, const std::string& source, const std::string& base_dir,
                          CellRun* out);

// A sharded command's items when they are cells: records[j] is item
// indices[j], named by `name`; run directories relative to base_dir.
std::vector<ShardItem> cell_run_items(const std::vector<size_t>& indices, const std::vector<CellRun>& records,
                                      const std::string& base_dir,
                                      std::string (*name)(const std::string& row, uint64_t seed));
// --list of a command whose items are cells: "<index> <name>" per line, with
// " (shard K/N)" and only the shard's own when a shard is given. Returns 0.
int print_cell_list(const std::vector<CellSpec>& cells, const std::optional<Shard>& shard, std::ostream& out);
// The same for any list of item names.
int print_shard_list(const std::vector<std::string>& names, const std::optional<Shard>& shard, std::ostream& out);

// Back from merged items (each read relative to the directory it came from).
Status cell_runs_from_items(const std::vector<ShardItem>& items, std::vector<CellRun>* out);

}  // namespace faultline
