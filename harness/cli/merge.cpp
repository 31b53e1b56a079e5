// `faultline merge DIR... --out DIR`: combines the output directories of the
// shards of one sharded command (`faultline ci|audit|explore|bugzoo --shard K/N`, each with
// its shard.json, harness/shard_manifest.h) into the files the unsharded
// command writes, from the same records, in the unsharded order: for ci,
// junit.xml and ci.md (harness/ci_report.h); for audit, audit.md,
// audit.json, audit.html and junit.xml (harness/audit_report.h); for
// explore (harness/explore.h "shard.json"), no file: the lowest failing
// seed over the shards and its replay; for bugzoo, bugzoo.md
// (harness/bugzoo_table.h: the rows in the bug list's order; with --table
// PATH also PATH, keeping its hand-written section, as `bugzoo --table`). It prints
// what that command prints at its end. The run directories stay where the
// shards left them; the merged files name them there.
//
// Exit: the merged command's own (ci and audit: 0, 1 a guaranteed property
// violated, 255 a harness error in some run; explore: 1 a seed failed, 0
// none; bugzoo: 0 every bug caught and no false alarm, else 1); 254 when a
// directory has no
// shard.json or a malformed one, when the shards are of different runs
// (command, params, N), or when a shard is missing or given twice; 255 when
// the output cannot be written.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>

#include "harness/audit_report.h"
#include "harness/bugzoo_table.h"
#include "harness/cell_run_io.h"
#include "harness/ci_report.h"
#include "harness/cli/subcommand.h"
#include "harness/exit_codes.h"
#include "harness/explore.h"
#include "harness/run_dir.h"
#include "harness/shard_manifest.h"

namespace faultline {
namespace {

struct MergeOptions {
  std::vector<std::string> dirs;
  std::string out_dir;
  std::string table_path;  // bugzoo only: also this table, as `bugzoo --table`
};

Status merge_ci(const ShardManifest& merged, const Invocation& inv, const MergeOptions& o, std::ostream& out,
                std::ostream& err, int* code) {
  const std::string* suite = find_field(merged.params, "suite");
  double version = 0;
  if (suite == nullptr) return Status::invalid(o.dirs[0] + "/shard.json: params.suite: missing");
  if (Status s = field_number(merged.params, "suite_version", o.dirs[0] + "/shard.json: params", &version); !s) {
    return s;
  }
  CiReport report{*suite, static_cast<int>(version), {}};
  if (Status s = cell_runs_from_items(merged.items, &report.records); !s) return s;
  *code = finish_ci(report, inv.self, o.out_dir, out, err);
  return Status::ok();
}

// The audit's wall time is the longest shard's (they ran side by side), its
// jobs all the shards' together.
Status merge_audit(const std::vector<ShardManifest>& shards, const ShardManifest& merged, const Invocation& inv,
                   const MergeOptions& o, std::ostream& out, std::ostream& err, int* code) {
  AuditOptions options;
  if (Status s = audit_options_from_params(merged.params, &options); !s) {
    return Status::invalid(o.dirs[0] + "/shard.json: " + s.message());
  }
  options.out_dir = o.out_dir;
  AuditResult result;
  for (size_t i = 0; i < shards.size(); ++i) {
    double wall_s = 0, jobs = 0;
    const std::string source = o.dirs[i] + "/shard.json: facts";
    if (Status s = field_number(shards[i].facts, "wall_s", source, &wall_s); !s) return s;
    if (Status s = field_number(shards[i].facts, "jobs", source, &jobs); !s) return s;
    result.wall_s = std::max(result.wall_s, wall_s);
    options.jobs += static_cast<int>(jobs);
  }
  if (Status s = audit_rows_named(options.rows, &result.rows); !s) {
    return Status::invalid(o.dirs[0] + "/shard.json: params.rows: " + s.message());
  }
  std::vector<CellRun> records;
  if (Status s = cell_runs_from_items(merged.items, &records); !s) return s;
  audit_tally(records, &result);
  *code = finish_audit(result, options, inv.self, out, err);
  return Status::ok();
}

// The lowest failing seed over the shards is the one an unsharded explore
// reports when every shard that found nothing ran past it (its runs are a
// prefix of its indices); otherwise say which shard stopped short.
Status merge_explore(const ShardManifest& merged, const MergeOptions& o, std::ostream& out, int* code) {
  uint64_t seed_base = 0;
  if (Status s = field_count(merged.params, "seed_base", o.dirs[0] + "/shard.json: params",
                             std::numeric_limits<uint64_t>::max(), &seed_base);
      !s) {
    return s;
  }
  const size_t n = merged.items_total;
  std::vector<ExploreShardRecord> records(n);
  std::optional<size_t> lowest;  // the shard with the lowest failing seed
  int64_t runs = 0;
  for (size_t k = 0; k < n; ++k) {
    const std::string source = merged.items[k].dir + "/shard.json: items[0].record";
    if (Status s = explore_shard_record_from_json(merged.items[k].record, source, &records[k]); !s) return s;
    runs += records[k].runs;
    if (records[k].found && (!lowest || records[k].seed < records[*lowest].seed)) lowest = k;
  }
  out << "explore: " << runs << " runs over " << n << " shards\n";
  *code = lowest ? 1 : 0;
  if (!lowest) {
    out << "no guaranteed property violated\n";
    return Status::ok();
  }
  const ExploreShardRecord& f = records[*lowest];
  out << "failing seed: " << f.seed << " (" << f.verdict << "), shard " << *lowest + 1 << " of " << n << ", "
      << merged.items[*lowest].dir << "\n"
      << "replay: " << f.replay << "\n";
  const uint64_t index = f.seed - seed_base;
  for (size_t k = 0; k < n; ++k) {
    const uint64_t next_index = k + static_cast<uint64_t>(records[k].runs) * n;  // the first index it did not run
    if (!records[k].found && next_index < index) {
      out << "note: shard " << k + 1 << " stopped at seed " << seed_base + next_index
          << ", below the failing seed: a lower failing seed may exist there\n";
    }
  }
  return Status::ok();
}

// The table an unsharded bugzoo writes, from the shards' rows in the bug
// list's order, into <out>/bugzoo.md; the header names this merge's command.
// With --table, also to that file with its hand-written section kept and
// the shrunk plans copied beside it, as `bugzoo --table`; without, shrunk
// plans stay in the shards' run directories (the rows name them there).
Status merge_bugzoo(const std::vector<ShardManifest>& shards, const ShardManifest& merged, const Invocation& inv,
                    const MergeOptions& o, std::ostream& out, std::ostream& err, int* code) {
  BugzooTable t;
  if (Status s = bugzoo_table_from_shards(shards, o.dirs, merged, &t); !s) return s;
  t.command_line = inv.command_line;
  t.self = inv.self;
  t.when = utc_time("%Y-%m-%d %H:%M UTC");
  *code = finish_bugzoo(&t, o.out_dir, o.table_path, out, err);
  return Status::ok();
}

int merge_command(const MergeOptions& o, const Invocation& inv, std::ostream& out, std::ostream& err) {
  std::vector<ShardManifest> shards(o.dirs.size());
  for (size_t i = 0; i < o.dirs.size(); ++i) {
    if (Status s = read_shard_manifest(o.dirs[i], &shards[i]); !s) {
      err << "faultline merge: " << s.message() << "\n";
      return kExitBadArguments;
    }
  }
  ShardManifest merged;
  if (Status s = merge_shard_records(shards, o.dirs, &merged); !s) {
    err << "faultline merge: " << s.message() << "\n";
    return kExitBadArguments;
  }
  if (!o.table_path.empty() && merged.command != "bugzoo") {
    err << "faultline merge: --table: only for bugzoo shards, these are " << merged.command << "'s\n";
    return kExitBadArguments;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) {
    err << "faultline merge: cannot create " << o.out_dir << ": " << ec.message() << "\n";
    return kExitHarnessError;
  }
  out << "faultline merge: " << merged.command << ", " << shards.size() << " shards, " << merged.items_total
      << " items, into " << o.out_dir << std::endl;
  int code = kExitBadArguments;
  Status s = Status::invalid(o.dirs[0] + "/shard.json: command: cannot merge '" + merged.command + "'");
  if (merged.command == "ci") s = merge_ci(merged, inv, o, out, err, &code);
  else if (merged.command == "audit") s = merge_audit(shards, merged, inv, o, out, err, &code);
  else if (merged.command == "explore") s = merge_explore(merged, o, out, &code);
  else if (merged.command == "bugzoo") s = merge_bugzoo(shards, merged, inv, o, out, err, &code);
  if (!s) {
    err << "faultline merge: " << s.message() << "\n";
    return kExitBadArguments;
  }
  return code;
}

SubcommandRun setup(CLI::App* app) {
  auto o = std::make_shared<MergeOptions>();
  app->add_option("dirs", o->dirs, "the shards' output directories (each with shard.json), every shard once")
      ->required();
  app->add_option("--out", o->out_dir, "where the merged files go")->required();
  app->add_option("--table", o->table_path,
                  "bugzoo shards only: also write the table here (e.g. docs/bugzoo.md), keeping its hand-written "
                  "section, shrunk plans beside it");
  return [o](const Invocation& inv) { return merge_command(*o, inv, std::cout, std::cerr); };
}

const bool registered = register_subcommand(
    {"merge", "combine the output directories of `ci`/`audit`/`explore`/`bugzoo` --shard K/N runs into one junit.xml and table", 75,
     Needs::kNothing, setup});

}  // namespace
}  // namespace faultline
