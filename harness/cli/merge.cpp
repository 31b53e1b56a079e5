// `faultline merge DIR... --out DIR`: combines the output directories of the
// shards of one sharded command (`faultline ci|audit --shard K/N`, each with
// its shard.json, harness/shard_manifest.h) into the files the unsharded
// command writes, from the same records, in the unsharded order: for ci,
// junit.xml and ci.md (harness/ci_report.h); for audit, audit.md,
// audit.json, audit.html and junit.xml (harness/audit_report.h). It prints
// what that command prints at its end. The run directories stay where the
// shards left them; the merged files name them there.
//
// Exit: the merged command's own (ci and audit: 0, 1 a guaranteed property
// violated, 255 a harness error in some run); 254 when a directory has no
// shard.json or a malformed one, when the shards are of different runs
// (command, params, N), or when a shard is missing or given twice; 255 when
// the output cannot be written.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "harness/audit_report.h"
#include "harness/cell_run_io.h"
#include "harness/ci_report.h"
#include "harness/cli/subcommand.h"
#include "harness/exit_codes.h"
#include "harness/shard_manifest.h"

namespace faultline {
namespace {

struct MergeOptions {
  std::vector<std::string> dirs;
  std::string out_dir;
};

// The numbers in params and facts: whole and non-negative.
Status field_number(const ShardManifest::Fields& fields, const char* name, const std::string& source, double* out) {
  const std::string* text = find_field(fields, name);
  char* end = nullptr;
  if (text != nullptr && !text->empty()) *out = std::strtod(text->c_str(), &end);
  if (text == nullptr || text->empty() || *end != '\0' || *out < 0) {
    return Status::invalid(source + ": " + name + ": missing or not a number");
  }
  return Status::ok();
}

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
  return [o](const Invocation& inv) { return merge_command(*o, inv, std::cout, std::cerr); };
}

const bool registered = register_subcommand(
    {"merge", "combine the output directories of `ci`/`audit` --shard K/N runs into one junit.xml and table", 75,
     Needs::kNothing, setup});

}  // namespace
}  // namespace faultline
