#include "harness/audit_report.h"

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <stdexcept>
#include <sstream>

#include "core/file_io.h"
#include "core/json_reader.h"
#include "harness/exit_codes.h"
#include "harness/html.h"

namespace faultline {

namespace fs = std::filesystem;

namespace {

std::string cell_text(const AuditCell& c) {
  switch (c.state) {
    case CellState::kHeld: return "held (" + std::to_string(c.runs) + ")";
    case CellState::kViolated:
      return "VIOLATED " + std::to_string(c.violated_runs) + "/" + std::to_string(c.runs);
    case CellState::kObserved:
      return "observed " + std::to_string(c.violated_runs) + "/" + std::to_string(c.runs);
    case CellState::kNotObserved: return "not observed (" + std::to_string(c.runs) + ")";
    case CellState::kUnknown: return "unknown";
  }
  return "?";
}

std::string relative_to(const std::string& path, const std::string& base) {
  std::error_code ec;
  fs::path rel = fs::relative(path, base, ec);
  return ec ? path : rel.string();
}

// What each mode promises and which production system behaves so
// (docs/mechanisms.md has the details).
struct ModeNote {
  const char* mode;
  const char* promise;
  const char* production;
};
constexpr ModeNote kModeNotes[] = {
    {"read repair blocking", "a read returns only after the stale replicas it contacted acknowledged the winner: monotonic reads at QUORUM",
     "Cassandra 4.x read_repair = BLOCKING (the default)"},
    {"read repair async", "the read returns at once, repairs follow unacknowledged: nothing for monotonicity",
     "Cassandra before 4.0 with read_repair_chance / dclocal_read_repair_chance"},
    {"read repair none", "the reply is reconciled, nothing is written back",
     "Cassandra 4.x read_repair = NONE"},
    {"digest reads", "only one replica sends data, the others a hash; a mismatch triggers a full read",
     "Cassandra digest requests (ReadCommand isDigestQuery)"},
    {"hinted handoff", "a write missed by a down replica is stored and replayed when it is back, until hint_window / gc_grace",
     "Cassandra hinted handoff (max_hint_window), Dynamo's hinted replicas"},
    {"sloppy quorum", "writes and reads use the first N healthy nodes: available under partition, no R+W>N overlap",
     "Dynamo sloppy quorum, Riak fallback vnodes (PR/PW off)"},
    {"anti-entropy", "Merkle trees per range are compared and differing leaves synced: every replica converges, read or not",
     "Cassandra nodetool repair, Riak active anti-entropy (AAE)"},
    {"CL ONE / QUORUM / ALL", "R + W > N gives read-your-acknowledged-writes under a strict quorum",
     "Cassandra/Riak tunable consistency"},
};

// The anomalies theory predicts (docs/audit.md): the properties that show
// each (any of them) and the rows meant to show it.
struct Prediction {
  const char* what;
  std::vector<std::string> properties;
  std::vector<std::string> rows;
};
const std::vector<Prediction>& predictions() {
  static const std::vector<Prediction> p = {
      {"monotonic-reads violated with async or no read repair",
       {"monotonic-reads"},
       {"rr-none-one", "rr-none-digest-one", "rr-async-one", "rr-async-digest-one", "rr-async-quorum"}},
      {"stale reads with a sloppy quorum under partition",
       {"no-stale-reads"},
       {"sloppy-hints-quorum", "sloppy-no-hints-quorum"}},
      {"lost updates under clock skew (realtime-version-order or no-lost-writes)",
       {"realtime-version-order", "no-lost-writes"},
       {"clock-skew-one"}},
      {"unread keys never converge without anti-entropy after a wipe", {"merkle-convergence"}, {"wipe-ae-off"}},
  };
  return p;
}

const AuditCell* find_cell(const AuditResult& r, const std::string& row, std::string_view property) {
  for (const auto& c : r.cells) {
    if (c.row == row && c.property == property) return &c;
  }
  return nullptr;
}

std::vector<std::string> prediction_lines(const AuditResult& r) {
  std::vector<std::string> lines;
  for (const auto& p : predictions()) {
    std::string seen;
    for (const auto& row : p.rows) {
      for (const auto& property : p.properties) {
        const AuditCell* c = find_cell(r, row, property);
        if (!c || c->state != CellState::kObserved) continue;
        seen += (seen.empty() ? "" : ", ") + row + " " + property + " (" + std::to_string(c->violated_runs) + "/" +
                std::to_string(c->runs) + " runs)";
      }
    }
    lines.push_back(std::string(p.what) + ": " + (seen.empty() ? "NOT OBSERVED (strengthen those rows)" : "observed in " + seen));
  }
  return lines;
}

}  // namespace

std::string_view to_string(CellState s) {
  switch (s) {
    case CellState::kHeld: return "held";
    case CellState::kViolated: return "violated";
    case CellState::kObserved: return "observed";
    case CellState::kNotObserved: return "not observed";
    case CellState::kUnknown: return "unknown";
  }
  return "?";
}

AuditCell aggregate_cell(const std::string& row, const std::string& property, const std::vector<CellRun>& runs,
                         const Expectation& fallback) {
  AuditCell c;
  c.row = row;
  c.property = property;
  c.guaranteed = fallback.guaranteed;
  c.reason = fallback.reason;
  bool from_verdict = false;
  for (const CellRun& run : runs) {
    if (run.row != row || !run.has_verdict) continue;
    for (const PropertyResult& p : run.verdict.properties) {
      if (p.id != property) continue;
      if (!from_verdict) {
        c.guaranteed = p.guaranteed;
        c.reason = p.expected_reason;
        from_verdict = true;
      }
      if (p.outcome != PropertyOutcome::kHeld && p.outcome != PropertyOutcome::kViolated) continue;
      ++c.runs;
      if (p.outcome != PropertyOutcome::kViolated) continue;
      ++c.violated_runs;
      c.violations += p.violations;
      if (c.example_run_dir.empty()) {  // the first violating run is the example
        c.example_run_dir = run.run_dir;
        c.example = p;
      }
    }
  }
  if (c.violated_runs > 0) c.state = c.guaranteed ? CellState::kViolated : CellState::kObserved;
  else if (c.runs > 0) c.state = c.guaranteed ? CellState::kHeld : CellState::kNotObserved;
  else c.state = CellState::kUnknown;
  return c;
}

std::string audit_md(const AuditResult& r, const AuditOptions& o) {
  std::ostringstream m;
  m << "# faultline audit\n\n";
  m << r.runs.size() << " runs (" << r.harness_errors << " harness errors, " << r.unknown_runs
    << " unknown verdicts, " << r.not_started << " not started within the budget) in " << std::fixed
    << std::setprecision(0) << r.wall_s << " s; budget " << o.budget_ms / 1000 << " s, " << o.seeds
    << " seeds per row, " << o.jobs << " jobs.\n\n";
  m << "Cells: held = guaranteed and held; VIOLATED = guaranteed and violated (a bug); observed k/n = allowed "
       "anomaly seen in k of n runs; not observed = allowed but never seen (the row's faults are too weak there); "
       "unknown = no run decided it.\n\n";
  m << "| configuration |";
  for (auto id : all_property_ids()) m << " " << id << " |";
  m << "\n|---|";
  for (size_t i = 0; i < all_property_ids().size(); ++i) m << "---|";
  m << "\n";
  for (const AuditRow* row : r.rows) {
    m << "| " << row->name << " |";
    for (auto id : all_property_ids()) {
      const AuditCell* c = find_cell(r, row->name, id);
      std::string text = c ? cell_text(*c) : "-";
      if (c && c->state == CellState::kViolated) text = "**" + text + "**";
      if (c && !c->example_run_dir.empty()) text = "[" + text + "](" + relative_to(c->example_run_dir, o.out_dir) + ")";
      m << " " << text << " |";
    }
    m << "\n";
  }
  m << "\n## Predicted anomalies\n\n";
  for (const auto& line : prediction_lines(r)) m << "- " << line << "\n";
  m << "\n## Configurations\n\n| configuration | modes | faults | exercises |\n|---|---|---|---|\n";
  for (const AuditRow* row : r.rows) {
    m << "| " << row->name << " | " << modes_text(row->plan) << " | " << faults_text(row->plan) << " | "
      << row->exercises << " |\n";
  }
  m << "\n## What each mode promises\n\n| mode | promise | production system |\n|---|---|---|\n";
  for (const auto& n : kModeNotes) m << "| " << n.mode << " | " << n.promise << " | " << n.production << " |\n";
  std::string errors;
  for (const auto& run : r.runs) {
    if (!run.has_verdict) errors += "- " + cell_name(run.row, run.seed) + ": " + run.error + "\n";
  }
  if (!errors.empty()) m << "\n## Harness errors\n\n" << errors;
  return m.str();
}

std::string audit_html(const AuditResult& r, const AuditOptions& o) {
  std::ostringstream h;
  h << html_page_start("faultline audit",
                       "td.held{background:#d9f2d9}td.violated{background:#f5a3a3;font-weight:bold}"
                       "td.observed{background:#ffe08a}td.not-observed{background:#eee}td.unknown{background:#ccc}");
  h << "<h1>faultline audit</h1>\n<p>" << r.runs.size() << " runs, " << r.harness_errors << " harness errors, "
    << r.unknown_runs << " unknown verdicts, " << r.not_started << " not started; " << static_cast<int64_t>(r.wall_s)
    << " s; budget " << o.budget_ms / 1000 << " s, " << o.seeds << " seeds per row, " << o.jobs << " jobs.</p>\n";
  h << "<table><tr><th>configuration</th>";
  for (auto id : all_property_ids()) h << "<th>" << html_escape(id) << "</th>";
  h << "</tr>\n";
  for (const AuditRow* row : r.rows) {
    h << "<tr><td title=\"" << html_escape(modes_text(row->plan)) << "\">" << html_escape(row->name) << "</td>";
    for (auto id : all_property_ids()) {
      const AuditCell* c = find_cell(r, row->name, id);
      if (!c) {
        h << "<td>-</td>";
        continue;
      }
      std::string cls(to_string(c->state));
      std::replace(cls.begin(), cls.end(), ' ', '-');
      h << "<td class=\"" << cls << "\" title=\"" << html_escape(c->reason) << "\">";
      if (!c->example_run_dir.empty()) {
        h << "<a href=\"" << html_escape(relative_to(c->example_run_dir, o.out_dir)) << "/report.html\">"
          << html_escape(cell_text(*c)) << "</a>";
      } else {
        h << html_escape(cell_text(*c));
      }
      h << "</td>";
    }
    h << "</tr>\n";
  }
  h << "</table>\n<h2>Predicted anomalies</h2><ul>";
  for (const auto& line : prediction_lines(r)) h << "<li>" << html_escape(line) << "</li>";
  h << "</ul>\n<h2>Configurations</h2><table><tr><th>configuration</th><th>modes</th><th>faults</th><th>exercises</th></tr>\n";
  for (const AuditRow* row : r.rows) {
    h << "<tr><td>" << html_escape(row->name) << "</td><td>" << html_escape(modes_text(row->plan)) << "</td><td>"
      << html_escape(faults_text(row->plan)) << "</td><td>" << html_escape(row->exercises) << "</td></tr>\n";
  }
  h << "</table>\n<h2>What each mode promises</h2><table><tr><th>mode</th><th>promise</th><th>production system</th></tr>\n";
  for (const auto& n : kModeNotes) {
    h << "<tr><td>" << html_escape(n.mode) << "</td><td>" << html_escape(n.promise) << "</td><td>"
      << html_escape(n.production) << "</td></tr>\n";
  }
  h << "</table>\n" << html_page_end("");
  return h.str();
}

std::string audit_json(const AuditResult& r, const AuditOptions& o) {
  ordered_json j;
  j["version"] = kAuditJsonVersion;
  j["budget_s"] = o.budget_ms / 1000.0;
  j["seeds"] = o.seeds;
  j["jobs"] = o.jobs;
  j["wall_s"] = r.wall_s;
  j["runs"] = r.runs.size();
  j["harness_errors"] = r.harness_errors;
  j["unknown_runs"] = r.unknown_runs;
  j["not_started"] = r.not_started;
  j["exit_code"] = r.exit_code;
  j["rows"] = ordered_json::array();
  for (const AuditRow* row : r.rows) {
    ordered_json rj;
    rj["name"] = row->name;
    rj["exercises"] = row->exercises;
    rj["modes"] = modes_text(row->plan);
    rj["faults"] = faults_text(row->plan);
    rj["cells"] = ordered_json::array();
    for (auto id : all_property_ids()) {
      const AuditCell* c = find_cell(r, row->name, id);
      if (!c) continue;
      ordered_json cj;
      cj["property"] = c->property;
      cj["state"] = to_string(c->state);
      cj["guaranteed"] = c->guaranteed;
      cj["reason"] = c->reason;
      cj["runs"] = c->runs;
      cj["violated_runs"] = c->violated_runs;
      cj["violations"] = c->violations;
      cj["example_run_dir"] = c->example_run_dir.empty() ? ordered_json(nullptr) : ordered_json(c->example_run_dir);
      cj["example_summary"] = c->example.witnesses.empty() ? ordered_json(nullptr)
                                                           : ordered_json(c->example.witnesses.front().summary);
      rj["cells"].push_back(cj);
    }
    ordered_json runs = ordered_json::array();
    for (const auto& run : r.runs) {
      if (run.row != row->name) continue;
      runs.push_back({{"seed", run.seed},
                      {"run_dir", run.run_dir},
                      {"exit_code", run.exit_code},
                      {"verdict", run.has_verdict ? std::string(to_string(run.verdict.value)) : "none"},
                      {"error", run.error.empty() ? ordered_json(nullptr) : ordered_json(run.error)},
                      {"wall_s", run.wall_s}});
    }
    rj["runs"] = runs;
    j["rows"].push_back(rj);
  }
  j["predictions"] = prediction_lines(r);
  return j.dump(2) + "\n";
}

std::vector<JunitSuite> audit_junit(const AuditResult& r, const std::string& self) {
  JunitSuite suite{"faultline audit", r.wall_s, {}};
  for (const auto& c : r.cells) {
    PropertyResult p = c.example;
    p.id = c.property;
    p.guaranteed = c.guaranteed;
    p.expected_reason = c.reason;
    switch (c.state) {
      case CellState::kHeld:
      case CellState::kNotObserved: p.outcome = PropertyOutcome::kHeld; break;
      case CellState::kViolated:
      case CellState::kObserved: p.outcome = PropertyOutcome::kViolated; break;
      case CellState::kUnknown:
        p.outcome = PropertyOutcome::kUnknown;
        p.note = "no run of this configuration decided it";
        break;
    }
    JunitCase jc = junit_case_for_property(p, c.row, replay_command(self, c.example_run_dir), c.violated_runs);
    if (c.state == CellState::kNotObserved) {
      jc.system_out = "allowed by the modes (" + c.reason + ") but not observed in " + std::to_string(c.runs) + " run(s)";
    }
    suite.cases.push_back(std::move(jc));
  }
  return {suite};
}

namespace {

// audit.json's fields, each once, in the writer's order: a missing one is
// an error as much as an unknown one.
Status require_fields(const ordered_json& j, const std::string& at, std::initializer_list<const char*> names) {
  if (!j.is_object()) return Status::invalid((at.empty() ? "" : at + ": ") + "must be an object");
  for (const char* n : names) {
    if (!j.contains(n)) return Status::invalid((at.empty() ? "" : at + ".") + n + ": missing");
  }
  return Status::ok();
}

// A string or null (empty).
void get_nullable(ObjectReader* r, const ordered_json& j, const char* name, std::string* out) {
  if (j.contains(name) && j[name].is_null()) {
    r->child(name);
    return;
  }
  r->get(name, out);
}

Status read_cell(const ordered_json& j, const std::string& at, AuditJsonCell* c) {
  if (Status s = require_fields(j, at, {"property", "state", "guaranteed", "reason", "runs", "violated_runs",
                                        "violations", "example_run_dir", "example_summary"}); !s) {
    return s;
  }
  ObjectReader r(j, at);
  r.get("property", &c->property);
  r.get("state", &c->state);
  r.get("guaranteed", &c->guaranteed);
  r.get("reason", &c->reason);
  r.get("runs", &c->runs);
  r.get("violated_runs", &c->violated_runs);
  r.get("violations", &c->violations);
  get_nullable(&r, j, "example_run_dir", &c->example_run_dir);
  get_nullable(&r, j, "example_summary", &c->example_summary);
  bool known = false;
  for (auto st : {CellState::kHeld, CellState::kViolated, CellState::kObserved, CellState::kNotObserved,
                  CellState::kUnknown}) {
    known = known || c->state == to_string(st);
  }
  if (!known) r.fail("state", "unknown state '" + c->state + "'");
  return r.finish();
}

Status read_run(const ordered_json& j, const std::string& at, AuditJsonRun* run) {
  if (Status s = require_fields(j, at, {"seed", "run_dir", "exit_code", "verdict", "error", "wall_s"}); !s) return s;
  ObjectReader r(j, at);
  r.get("seed", &run->seed);
  r.get("run_dir", &run->run_dir);
  r.get("exit_code", &run->exit_code);
  r.get("verdict", &run->verdict);
  get_nullable(&r, j, "error", &run->error);
  r.get("wall_s", &run->wall_s);
  return r.finish();
}

template <typename T, typename ReadOne>
Status read_array(ObjectReader* r, const char* name, std::vector<T>* out, ReadOne read_one) {
  const ordered_json* a = r->child(name);
  const std::string at = r->path().empty() ? name : r->path() + "." + name;
  if (a == nullptr || !a->is_array()) return Status::invalid(at + ": must be an array");
  for (size_t i = 0; i < a->size(); ++i) {
    out->emplace_back();
    if (Status s = read_one((*a)[i], at + "[" + std::to_string(i) + "]", &out->back()); !s) return s;
  }
  return Status::ok();
}

Status read_row(const ordered_json& j, const std::string& at, AuditJsonRow* row) {
  if (Status s = require_fields(j, at, {"name", "exercises", "modes", "faults", "cells", "runs"}); !s) return s;
  ObjectReader r(j, at);
  r.get("name", &row->name);
  r.get("exercises", &row->exercises);
  r.get("modes", &row->modes);
  r.get("faults", &row->faults);
  if (Status s = read_array(&r, "cells", &row->cells, read_cell); !s) return s;
  if (Status s = read_array(&r, "runs", &row->runs, read_run); !s) return s;
  return r.finish();
}

}  // namespace

Status audit_json_from_text(std::string_view text, const std::string& source, AuditJson* out) {
  ordered_json j = ordered_json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::invalid(source + ": not JSON");
  AuditJson a;
  Status s = require_fields(j, "", {"version", "budget_s", "seeds", "jobs", "wall_s", "runs", "harness_errors",
                                    "unknown_runs", "not_started", "exit_code", "rows", "predictions"});
  ObjectReader r(j, "");
  if (s) {
    r.get("version", &a.version);
    if (a.version != kAuditJsonVersion) r.fail("version", "unsupported version " + std::to_string(a.version));
    r.get("budget_s", &a.budget_s);
    r.get("seeds", &a.seeds);
    r.get("jobs", &a.jobs);
    r.get("wall_s", &a.wall_s);
    r.get("runs", &a.runs);
    r.get("harness_errors", &a.harness_errors);
    r.get("unknown_runs", &a.unknown_runs);
    r.get("not_started", &a.not_started);
    r.get("exit_code", &a.exit_code);
    s = read_array(&r, "rows", &a.rows, read_row);
  }
  if (s) {
    s = read_array(&r, "predictions", &a.predictions, [](const ordered_json& p, const std::string& at, std::string* line) {
      return p.is_string() ? (*line = p.get<std::string>(), Status::ok()) : Status::invalid(at + ": must be a string");
    });
  }
  if (s) s = r.finish();
  if (!s) return Status::invalid(source + ": " + s.message());
  *out = std::move(a);
  return Status::ok();
}

Status read_audit_json(const std::string& path, AuditJson* out) {
  std::string text;
  if (Status s = read_file(path, &text); !s) return s;
  return audit_json_from_text(text, path, out);
}

Status audit_rows_named(const std::vector<std::string>& names, std::vector<const AuditRow*>* rows) {
  for (const auto& name : names) {
    const AuditRow* row = find_audit_row(name);
    if (!row) return Status::invalid("no configuration named '" + name + "'");
    rows->push_back(row);
  }
  if (names.empty()) {
    for (const auto& row : audit_rows()) rows->push_back(&row);
  }
  return Status::ok();
}

void audit_tally(const std::vector<CellRun>& records, AuditResult* result) {
  for (const CellRun& run : records) {
    if (!run.started) {
      ++result->not_started;
      continue;
    }
    result->runs.push_back(run);
    if (!run.has_verdict) ++result->harness_errors;
    else if (run.verdict.value == VerdictValue::kUnknown) ++result->unknown_runs;
  }
  bool violated = false;
  for (const AuditRow* row : result->rows) {
    for (auto id : all_property_ids()) {
      AuditCell c = aggregate_cell(row->name, std::string(id), result->runs, expectation_for(id, cell_plan(*row, 1)));
      violated = violated || c.state == CellState::kViolated;
      result->cells.push_back(std::move(c));
    }
  }
  result->exit_code = violated ? 1 : result->harness_errors > 0 ? kExitHarnessError : 0;
}

int finish_audit(const AuditResult& r, const AuditOptions& o, const std::string& self, std::ostream& out,
                 std::ostream& err) {
  if (Status s = write_audit_reports(r, o, self); !s) {
    err << "faultline audit: " << s.message() << "\n";
    return kExitHarnessError;
  }
  out << "\n" << audit_md(r, o) << "\n";
  for (const auto& c : r.cells) {
    if (c.state == CellState::kViolated) {
      out << "VIOLATED: " << c.row << " " << c.property << ": replay: " << replay_command(self, c.example_run_dir)
          << "\n";
    }
  }
  out << "wrote " << o.out_dir << "/audit.md, audit.json, audit.html, junit.xml\n";
  return r.exit_code;
}

ShardManifest::Fields audit_shard_params(const AuditOptions& o) {
  std::string rows;
  for (const auto& name : o.rows) rows += (rows.empty() ? "" : ",") + name;
  return {{"seeds", std::to_string(o.seeds)},
          {"budget_ms", std::to_string(o.budget_ms)},
          {"rows", rows},
          {"duration_ms", std::to_string(o.duration_ms)}};
}

Status audit_options_from_params(const ShardManifest::Fields& params, AuditOptions* o) {
  const std::string *seeds = find_field(params, "seeds"), *budget = find_field(params, "budget_ms"),
                    *rows = find_field(params, "rows"), *duration = find_field(params, "duration_ms");
  if (!seeds || !budget || !rows || !duration || params.size() != 4) {
    return Status::invalid("params: expected seeds, budget_ms, rows and duration_ms");
  }
  try {
    size_t used = 0;
    o->seeds = std::stoi(*seeds, &used);
    if (used != seeds->size()) return Status::invalid("params.seeds: not a number: " + *seeds);
    o->budget_ms = std::stoll(*budget, &used);
    if (used != budget->size()) return Status::invalid("params.budget_ms: not a number: " + *budget);
    o->duration_ms = std::stoll(*duration, &used);
    if (used != duration->size()) return Status::invalid("params.duration_ms: not a number: " + *duration);
  } catch (const std::logic_error&) {
    return Status::invalid("params: seeds, budget_ms and duration_ms must be numbers");
  }
  o->rows.clear();
  for (size_t at = 0; !rows->empty() && at <= rows->size();) {
    const size_t comma = std::min(rows->find(',', at), rows->size());
    o->rows.push_back(rows->substr(at, comma - at));
    at = comma + 1;
  }
  return Status::ok();
}

Status write_audit_reports(const AuditResult& r, const AuditOptions& o, const std::string& self) {
  Status s = write_file_atomic(o.out_dir + "/audit.md", audit_md(r, o), /*create_parent=*/true);
  if (s) s = write_file_atomic(o.out_dir + "/audit.json", audit_json(r, o));
  if (s) s = write_file_atomic(o.out_dir + "/audit.html", audit_html(r, o));
  if (s) s = write_junit_file(o.out_dir + "/junit.xml", audit_junit(r, self));
  return s;
}

}  // namespace faultline
