#include "harness/bugzoo_table.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "core/assert.h"
#include "core/file_io.h"
#include "core/json_reader.h"
#include "harness/cell_run_io.h"
#include "harness/exit_codes.h"

namespace faultline {

namespace {

// The table's file ends with a hand-written section, which a new table
// keeps: from this heading to the end of the file it replaces.
constexpr std::string_view kHandWrittenHeading = "## The bugs\n";

// The hand-written section of the table at `path`, or "" when it has none
// (or there is no file yet).
std::string hand_written_section(const std::string& path) {
  std::string text;
  if (path.empty() || !read_file(path, &text)) return "";
  const size_t at = text.find("\n" + std::string(kHandWrittenHeading));
  return at == std::string::npos ? "" : text.substr(at + 1);
}

// Keeps each shrunk plan beside the table (<table dir>/bugzoo-shrunk/<bug>.json),
// so the table's replay commands outlive the run directories, which usually
// sit under runs/ or /tmp. Rows then name the kept copy.
Status keep_shrunk_plans(const std::string& table_path, std::vector<BugzooRow>* rows) {
  const std::filesystem::path dir = std::filesystem::path(table_path).parent_path() / "bugzoo-shrunk";
  for (BugzooRow& r : *rows) {
    if (r.shrunk_plan_file.empty()) continue;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const std::filesystem::path kept = dir / (std::string(bug_name(r.bug)) + ".json");
    std::filesystem::copy_file(r.shrunk_plan_file, kept, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) return Status::io("cannot copy " + r.shrunk_plan_file + " to " + kept.string() + ": " + ec.message());
    r.shrunk_plan_file = kept.string();
  }
  return Status::ok();
}

// The real-process cells of a row (with their leading space); "-" with --sim-only.
std::string real_cells(const BugzooTable& t, const BugzooRow& r) {
  if (!t.real) return " - | - | - | - | - | - |";
  std::ostringstream o;
  o << " " << (r.caught ? "yes" : "**no**") << " | " << (r.caught ? r.property : "-") << " | " << r.counts.runs
    << " | " << (r.caught ? format_s(r.detect_s) : "-") << " | " << (r.caught ? "`" + r.replay + "`" : "-") << " | "
    << (r.shrunk.empty() ? "-" : r.shrunk)
    << (r.shrunk_plan_file.empty() ? "" : "; `" + t.self + " run --plan " + r.shrunk_plan_file + "`") << " |";
  return o.str();
}

// The simulator's cells of a row (with their leading space), "" without --sim.
std::string sim_cells(const BugzooSim& r) {
  if (!r.ran) return "";
  if (!r.error.empty()) return " error: " + r.error + " | - | - | - | - |";
  return " " + std::string(r.caught ? "yes" : "**no**") + " | " + (r.caught ? r.property : "-") + " | " +
         std::to_string(r.seeds) + " | " + format_s(r.detect_s) + " | " + (r.caught ? "`" + r.replay + "`" : "-") +
         " |";
}

// The clean node over every row: counts summed, false alarms as
// "<property>: <replay> (<run dir>)" by seed, then in row order.
struct CleanSummary {
  BugzooCounts counts;
  std::vector<std::string> false_alarms;
};

CleanSummary clean_summary(const std::vector<BugzooRow>& rows) {
  CleanSummary c;
  std::vector<const BugzooFalseAlarm*> alarms;
  for (const BugzooRow& r : rows) {
    c.counts.runs += r.clean.runs;
    c.counts.unknown += r.clean.unknown;
    c.counts.harness_errors += r.clean.harness_errors;
    for (const BugzooFalseAlarm& f : r.false_alarms) alarms.push_back(&f);
  }
  std::stable_sort(alarms.begin(), alarms.end(), [](const auto* a, const auto* b) { return a->seed < b->seed; });
  for (const auto* f : alarms) c.false_alarms.push_back(f->property + ": " + f->replay + " (" + f->run_dir + ")");
  return c;
}

void write_header(std::ostream& md, const BugzooTable& t) {
  md << "# Seeded-bug zoo\n\n";
  md << "`" << t.command_line << "` on " << t.when << ", " << t.machine << "; total " << format_s(t.total_s)
     << " s (per-bug budget " << format_s((t.real ? t.per_bug_budget_ms : t.sim_budget_ms) / 1000.0)
     << " s, seeds from " << t.seed_base << ").\n\n";
  if (t.real) {
    md << "Each bug runs plans drawn from seeds " << t.seed_base
       << ", +1, ... with its scenario's options laid over them (below), until a guaranteed property is violated "
          "or its budget is spent. The catching run is then shrunk (harness/shrink.h, "
       << format_s(t.shrink_budget_ms / 1000.0)
       << " s, or 5 replays of the catching run if longer, one try per candidate, the catching property "
          "preserved): sizes before→after and the command "
          "that replays the smallest plan.\n\n";
  }
  if (t.sim) {
    md << "In the simulator (--sim, " << format_s(t.sim_budget_ms / 1000.0)
       << " s per bug): plans drawn by the swarm from the same seeds with only --bug added (no scenario), "
          "explored on every core (faultline explore); `sim seeds` is the failing seed's position (the runs "
          "one job needs), `sim s` the wall time to find it.\n\n";
  }
}

void write_clean_and_scenarios(std::ostream& md, const BugzooTable& t) {
  const CleanSummary clean = clean_summary(t.rows);
  md << "| (clean node) | same scenarios and seeds, no --bug | - | "
     << (clean.false_alarms.empty() ? "no false alarm" : "**" + std::to_string(clean.false_alarms.size()) +
                                                             " FALSE ALARM(S)**")
     << " | - | " << clean.counts.runs << " | - | - | - |" << (t.sim ? " - | - | - | - | - |" : "") << "\n\n";
  for (const auto& f : clean.false_alarms) md << "- FALSE ALARM on the clean node: " << f << "\n";
  int unknown = clean.counts.unknown, errors = clean.counts.harness_errors;
  for (const BugzooRow& r : t.rows) unknown += r.counts.unknown, errors += r.counts.harness_errors;
  md << "Runs with an unknown verdict: " << unknown << "; runs that failed in the harness: " << errors
     << ". Clean-node check: " << clean.counts.runs << " runs in " << format_s(t.clean_s) << " s.\n\n";
  md << "## Scenarios\n\n| bug | expected property | options over the drawn plan |\n|---|---|---|\n";
  for (const BugzooRow& r : t.rows) {
    md << "| " << bug_name(r.bug) << " | " << r.expected_property << " | `" << r.scenario_args << "` |\n";
  }
}

ordered_json counts_json(const BugzooCounts& c) {
  return {{"runs", c.runs}, {"unknown", c.unknown}, {"harness_errors", c.harness_errors}};
}

void read_counts(ObjectReader* r, BugzooCounts* c) {
  r->get("runs", &c->runs);
  r->get("unknown", &c->unknown);
  r->get("harness_errors", &c->harness_errors);
}

ordered_json real_json(const BugzooRow& row, const std::string& base_dir) {
  ordered_json j = {{"caught", row.caught}, {"property", row.property}};
  j.update(counts_json(row.counts));
  j.update(ordered_json{{"detect_s", row.detect_s},
                        {"replay", row.replay},
                        {"shrunk", row.shrunk},
                        {"shrunk_plan_file", path_relative_inside(row.shrunk_plan_file, base_dir)}});
  return j;
}

Status read_real(const ordered_json& j, const std::string& at, const std::string& base_dir, BugzooRow* row) {
  ObjectReader r(j, at);
  r.require({"caught", "property", "runs", "unknown", "harness_errors", "detect_s", "replay", "shrunk",
             "shrunk_plan_file"});
  r.get("caught", &row->caught);
  r.get("property", &row->property);
  read_counts(&r, &row->counts);
  r.get("detect_s", &row->detect_s);
  r.get("replay", &row->replay);
  r.get("shrunk", &row->shrunk);
  r.get("shrunk_plan_file", &row->shrunk_plan_file);
  row->shrunk_plan_file = path_joined(base_dir, row->shrunk_plan_file);
  return r.finish();
}

ordered_json sim_json(const BugzooSim& s) {
  return {{"ran", s.ran},         {"caught", s.caught}, {"property", s.property}, {"seeds", s.seeds},
          {"detect_s", s.detect_s}, {"replay", s.replay}, {"error", s.error}};
}

Status read_sim(const ordered_json& j, const std::string& at, BugzooSim* s) {
  ObjectReader r(j, at);
  r.require({"ran", "caught", "property", "seeds", "detect_s", "replay", "error"});
  r.get("ran", &s->ran);
  r.get("caught", &s->caught);
  r.get("property", &s->property);
  r.get("seeds", &s->seeds);
  r.get("detect_s", &s->detect_s);
  r.get("replay", &s->replay);
  r.get("error", &s->error);
  return r.finish();
}

ordered_json clean_json(const BugzooRow& row, const std::string& base_dir) {
  ordered_json j = counts_json(row.clean);
  j["false_alarms"] = ordered_json::array();
  for (const BugzooFalseAlarm& f : row.false_alarms) {
    j["false_alarms"].push_back({{"seed", f.seed},
                                 {"property", f.property},
                                 {"replay", f.replay},
                                 {"run_dir", path_relative_inside(f.run_dir, base_dir)}});
  }
  return j;
}

Status read_false_alarm(const ordered_json& j, const std::string& at, const std::string& base_dir,
                        BugzooFalseAlarm* f) {
  ObjectReader r(j, at);
  r.require({"seed", "property", "replay", "run_dir"});
  r.get("seed", &f->seed);
  r.get("property", &f->property);
  r.get("replay", &f->replay);
  r.get("run_dir", &f->run_dir);
  f->run_dir = path_joined(base_dir, f->run_dir);
  return r.finish();
}

Status read_clean(const ordered_json& j, const std::string& at, const std::string& base_dir, BugzooRow* row) {
  ObjectReader r(j, at);
  r.require({"runs", "unknown", "harness_errors", "false_alarms"});
  read_counts(&r, &row->clean);
  const ordered_json* alarms = r.child("false_alarms");
  if (alarms != nullptr && !alarms->is_array()) r.fail("false_alarms", "must be an array");
  if (Status s = r.finish(); !s) return s;
  for (size_t i = 0; i < alarms->size(); ++i) {
    row->false_alarms.emplace_back();
    const std::string where = at + ".false_alarms[" + std::to_string(i) + "]";
    if (Status s = read_false_alarm((*alarms)[i], where, base_dir, &row->false_alarms.back()); !s) return s;
  }
  return Status::ok();
}

Status parse_bug(const std::string& name, Bug* out) {
  std::optional<Bug> bug = bug_from_name(name);
  if (!bug) return Status::invalid("not a seeded bug of core/bugs.h: '" + name + "'");
  *out = *bug;
  return Status::ok();
}

Status read_row(const ordered_json& j, const std::string& source, const std::string& base_dir, BugzooRow* row) {
  ObjectReader r(j, source);
  r.require({"bug", "expected_property", "mirrors", "scenario_args", "real", "sim", "clean"});
  r.get_enum("bug", &row->bug, parse_bug);
  r.get("expected_property", &row->expected_property);
  r.get("mirrors", &row->mirrors);
  r.get("scenario_args", &row->scenario_args);
  const ordered_json* real = r.child("real");
  const ordered_json* sim = r.child("sim");
  const ordered_json* clean = r.child("clean");
  if (Status s = r.finish(); !s) return s;
  if (Status s = read_real(*real, source + ".real", base_dir, row); !s) return s;
  if (Status s = read_sim(*sim, source + ".sim", &row->sim); !s) return s;
  return read_clean(*clean, source + ".clean", base_dir, row);
}

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& n : names) text += (text.empty() ? "" : ",") + n;
  return text;
}

Status field_flag(const ShardManifest::Fields& fields, const char* name, const std::string& source, bool* out) {
  const std::string* text = find_field(fields, name);
  if (text == nullptr || (*text != "true" && *text != "false")) {
    return Status::invalid(source + ": " + name + ": missing or not true/false");
  }
  *out = *text == "true";
  return Status::ok();
}

Status header_from_params(const ShardManifest::Fields& params, const std::string& source, BugzooTable* t) {
  uint64_t seed_base = 0, per_bug = 0, sim_budget = 0, shrink_budget = 0;
  constexpr uint64_t kMsMax = std::numeric_limits<int64_t>::max();
  for (auto [name, value, max] : {std::tuple{"seed_base", &seed_base, std::numeric_limits<uint64_t>::max()},
                                  std::tuple{"per_bug_budget_ms", &per_bug, kMsMax},
                                  std::tuple{"sim_budget_ms", &sim_budget, kMsMax},
                                  std::tuple{"shrink_budget_ms", &shrink_budget, kMsMax}}) {
    if (Status s = field_count(params, name, source, max, value); !s) return s;
  }
  for (auto [name, value] : {std::pair{"real", &t->real}, std::pair{"sim", &t->sim}}) {
    if (Status s = field_flag(params, name, source, value); !s) return s;
  }
  t->seed_base = seed_base;
  t->per_bug_budget_ms = static_cast<int64_t>(per_bug);
  t->sim_budget_ms = static_cast<int64_t>(sim_budget);
  t->shrink_budget_ms = static_cast<int64_t>(shrink_budget);
  return Status::ok();
}

}  // namespace

std::string format_s(double s) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(1);
  o << s;
  return o.str();
}

std::string machine_description() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model;
  int cpus = 0;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      model = line.substr(line.find(':') + 2);
    }
    if (line.rfind("processor", 0) == 0) ++cpus;
  }
  return (model.empty() ? "unknown CPU" : model) + ", " + std::to_string(cpus) + " CPUs";
}

void write_bugzoo_table(std::ostream& md, const BugzooTable& t) {
  write_header(md, t);
  md << "| bug | what it is | mirrors | caught | property | runs | s to detect | replay | shrunk plan |"
     << (t.sim ? " sim caught | sim property | sim seeds | sim s | sim replay |" : "") << "\n";
  md << "|---|---|---|---|---|---|---|---|---|" << (t.sim ? "---|---|---|---|---|" : "") << "\n";
  for (const BugzooRow& r : t.rows) {
    const BugInfo& info = bug_catalogue()[static_cast<size_t>(r.bug)];
    md << "| " << info.name << " | " << info.what << " | " << (r.mirrors.empty() ? "-" : r.mirrors) << " |"
       << real_cells(t, r) << sim_cells(r.sim) << "\n";
  }
  write_clean_and_scenarios(md, t);
}

int finish_bugzoo(BugzooTable* t, const std::string& out_dir, const std::string& table_path, std::ostream& out,
                  std::ostream& err) {
  bool wrote = true;
  if (!table_path.empty()) {
    if (Status s = keep_shrunk_plans(table_path, &t->rows); !s) {
      err << "faultline bugzoo: " << s.message() << "\n";
      wrote = false;
    }
  }
  std::ostringstream md;
  write_bugzoo_table(md, *t);
  if (const std::string kept = hand_written_section(table_path); !kept.empty()) md << "\n" << kept;
  // Caught: by every way it was looked for (real processes, the simulator).
  const int caught = static_cast<int>(std::count_if(t->rows.begin(), t->rows.end(), [&](const BugzooRow& r) {
    return (!t->real || r.caught) && (!t->sim || r.sim.caught);
  }));
  const CleanSummary clean = clean_summary(t->rows);
  out << "bugzoo: " << caught << " of " << t->rows.size() << " bug(s) caught; clean node: " << clean.counts.runs
      << " run(s), " << clean.false_alarms.size() << " false alarm(s); " << format_s(t->total_s) << " s" << std::endl;
  for (const auto& f : clean.false_alarms) err << "faultline bugzoo: FALSE ALARM on the clean node: " << f << "\n";
  for (const std::string& path : {out_dir + "/bugzoo.md", table_path}) {
    if (path.empty()) continue;
    Status s = write_file_atomic(path, md.str(), /*create_parent=*/true);
    if (!s) {
      err << "faultline bugzoo: " << s.message() << "\n";
      wrote = false;
    } else {
      out << "bugzoo: table written to " << path << std::endl;
    }
  }
  if (!wrote) return kExitHarnessError;
  return caught == static_cast<int>(t->rows.size()) && clean.false_alarms.empty() ? 0 : 1;
}

std::string bugzoo_row_to_json(const BugzooRow& row, const std::string& base_dir) {
  ordered_json j;
  j["bug"] = std::string(bug_name(row.bug));
  j["expected_property"] = row.expected_property;
  j["mirrors"] = row.mirrors;
  j["scenario_args"] = row.scenario_args;
  j["real"] = real_json(row, base_dir);
  j["sim"] = sim_json(row.sim);
  j["clean"] = clean_json(row, base_dir);
  return j.dump();
}

Status bugzoo_row_from_json(std::string_view text, const std::string& source, const std::string& base_dir,
                            BugzooRow* out) {
  ordered_json j = ordered_json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::invalid(source + ": not JSON");
  BugzooRow row;
  if (Status s = read_row(j, source, base_dir, &row); !s) return s;
  *out = std::move(row);
  return Status::ok();
}

ShardManifest bugzoo_manifest(const BugzooTable& t, const std::vector<std::string>& bugs, const Shard& shard,
                              const std::vector<size_t>& indices, const std::string& out_dir) {
  FL_ASSERT(indices.size() == t.rows.size());
  ShardManifest m;
  m.command = "bugzoo";
  m.params = {{"seed_base", std::to_string(t.seed_base)},
              {"bugs", join(bugs)},
              {"per_bug_budget_ms", std::to_string(t.per_bug_budget_ms)},
              {"sim_budget_ms", std::to_string(t.sim_budget_ms)},
              {"shrink_budget_ms", std::to_string(t.shrink_budget_ms)},
              {"real", t.real ? "true" : "false"},
              {"sim", t.sim ? "true" : "false"}};
  m.facts = {{"wall_s", format_s(t.total_s)}, {"clean_s", format_s(t.clean_s)}, {"machine", t.machine}};
  m.shard = shard;
  m.items_total = bugs.size();
  for (size_t j = 0; j < indices.size(); ++j) {
    m.items.push_back(ShardItem{indices[j], std::string(bug_name(t.rows[j].bug)),
                                bugzoo_row_to_json(t.rows[j], out_dir), out_dir});
  }
  return m;
}

Status bugzoo_table_from_shards(const std::vector<ShardManifest>& shards, const std::vector<std::string>& sources,
                                const ShardManifest& merged, BugzooTable* out) {
  FL_ASSERT(shards.size() == sources.size() && !shards.empty());
  BugzooTable t;
  const std::string file = "/" + std::string(kShardManifestFile);
  if (Status s = header_from_params(merged.params, sources[0] + file + ": params", &t); !s) return s;
  std::vector<std::string> machines;
  for (size_t i = 0; i < shards.size(); ++i) {
    const std::string source = sources[i] + file + ": facts";
    double wall_s = 0, clean_s = 0;
    if (Status s = field_number(shards[i].facts, "wall_s", source, &wall_s); !s) return s;
    if (Status s = field_number(shards[i].facts, "clean_s", source, &clean_s); !s) return s;
    const std::string* machine = find_field(shards[i].facts, "machine");
    if (machine == nullptr) return Status::invalid(source + ": machine: missing");
    t.total_s = std::max(t.total_s, wall_s);
    t.clean_s = std::max(t.clean_s, clean_s);
    if (std::find(machines.begin(), machines.end(), *machine) == machines.end()) machines.push_back(*machine);
  }
  for (const std::string& m : machines) t.machine += (t.machine.empty() ? "" : "; ") + m;
  for (const ShardItem& item : merged.items) {
    t.rows.emplace_back();
    const std::string source = item.dir + file + ": item " + std::to_string(item.index) + " (" + item.name + ").record";
    if (Status s = bugzoo_row_from_json(item.record, source, item.dir, &t.rows.back()); !s) return s;
  }
  *out = std::move(t);
  return Status::ok();
}

}  // namespace faultline
