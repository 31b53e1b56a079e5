#include "harness/quantify.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "checker/staleness.h"
#include "core/assert.h"
#include "core/file_io.h"
#include "harness/audit_matrix.h"
#include "harness/html.h"
#include "harness/report_staleness.h"
#include "model/wars.h"
#include "sim/sim_check.h"
#include "sim/staleness_probe.h"

namespace faultline {
namespace {

constexpr int kWritesPerKey = 4;
// The audit row whose faults are "the fault mix" (harness/audit_matrix.h):
// a partition, a kill and a pause, one after the other.
constexpr const char* kFaultMixRow = "blocking-quorum-ae";

struct Config {
  StalenessProbe probe;
  std::string name;
  bool under_faults = false;
};

std::string legs_name(const StalenessProbe& p) {
  return "R" + std::to_string(p.r) + "W" + std::to_string(p.w) + "-" + (p.k_staleness ? "k-" : "t-");
}

// The model's own setting: no repair, each key read once.
void add_model_rows(const QuantifyOptions& o, std::vector<Config>* out) {
  const LatencyDistribution legs[] = {LatencyDistribution::exponential(10), LatencyDistribution::lognormal(2, 0.5)};
  for (const LatencyDistribution& leg : legs) {
    for (auto [r, w] : {std::pair{1, 1}, {1, 2}, {2, 1}, {2, 2}}) {
      StalenessProbe p;
      p.r = r;
      p.w = w;
      p.leg = leg;
      p.reads_per_t = o.reads_per_t;
      p.seed = o.seed;
      out->push_back({p, legs_name(p) + leg.to_string()});
    }
  }
  for (auto [r, w] : {std::pair{1, 1}, {1, 2}, {2, 1}}) {
    StalenessProbe p;
    p.r = r;
    p.w = w;
    p.k_staleness = true;
    p.writes_per_key = kWritesPerKey;
    p.gap_ms = 20;
    p.reads_per_t = o.reads_per_t;
    p.seed = o.seed;
    out->push_back({p, legs_name(p) + p.leg.to_string()});
  }
}

// The repair configurations (exponential legs, every key read at every t).
std::vector<StalenessProbe> repair_probes(const QuantifyOptions& o) {
  std::vector<StalenessProbe> out;
  StalenessProbe base;
  base.read_every_t = true;
  base.reads_per_t = o.reads_per_t;
  base.seed = o.seed;
  base.r = 2;
  base.w = 1;
  for (ReadRepair rr : {ReadRepair::kNone, ReadRepair::kAsync, ReadRepair::kBlocking}) {
    for (bool digest : {false, true}) {
      StalenessProbe p = base;
      p.read_repair = rr;
      p.digest_reads = digest;
      out.push_back(p);
    }
  }
  base.r = 1;
  for (int64_t ae_ms : {0, 50, 500}) {
    StalenessProbe p = base;
    p.anti_entropy_interval_ms = ae_ms;
    out.push_back(p);
  }
  return out;
}

std::vector<FaultEvent> fault_mix(const StalenessProbe& p) {
  const AuditRow* row = find_audit_row(kFaultMixRow);
  FL_ASSERT(row != nullptr);
  return cell_plan(*row, p.seed, staleness_probe_expected_ms(p)).faults;
}

std::string repair_name(const StalenessProbe& p) {
  std::string name = staleness_probe_repair(p);
  std::replace(name.begin(), name.end(), ' ', '+');
  return name;
}

std::vector<Config> matrix(const QuantifyOptions& o) {
  std::vector<Config> all;
  add_model_rows(o, &all);
  const std::vector<StalenessProbe> repair = repair_probes(o);
  for (bool k : {false, true}) {
    for (StalenessProbe p : repair) {
      p.k_staleness = k;
      p.writes_per_key = k ? kWritesPerKey : 1;
      all.push_back({p, legs_name(p) + repair_name(p)});
    }
  }
  std::vector<StalenessProbe> faulted = repair;
  StalenessProbe hints = repair.back();
  hints.anti_entropy_interval_ms = 0;
  hints.hinted_handoff = true;
  faulted.push_back(hints);
  for (StalenessProbe p : faulted) {
    p.faults = fault_mix(p);
    all.push_back({p, legs_name(p) + repair_name(p) + "@faults", true});
  }
  std::vector<Config> chosen;
  for (Config& c : all) {
    if (c.name.find(o.only) != std::string::npos) chosen.push_back(std::move(c));
  }
  return chosen;
}

double fraction(int64_t part, int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 1.0;
}

// P(within k versions) measured and by the closed form, k = 1..writes - 1.
void fill_k(const StalenessProbe& p, const StalenessSummary& s, QuantifyRow* row) {
  int64_t within = 0;
  for (int k = 1; k < p.writes_per_key; ++k) {
    const auto it = s.k_histogram.find(k - 1);
    within += it == s.k_histogram.end() ? 0 : it->second;
    row->k.push_back(k);
    row->k_measured.push_back(fraction(within, s.reads_judged));
    row->k_model.push_back(k_staleness_closed_form(p.nodes, p.r, p.w, k));
  }
}

Status run_row(const QuantifyOptions& o, const Config& c, QuantifyRow* row) {
  const StalenessProbe& p = c.probe;
  row->name = c.name;
  row->r = p.r;
  row->w = p.w;
  row->legs = p.leg.to_string();
  row->repair = staleness_probe_repair(p);
  row->k_staleness = p.k_staleness;
  row->under_faults = c.under_faults;
  SimCheckOptions options;
  options.keep_dir = o.out_dir + "/runs/" + row->name;
  SimCheckResult result;
  if (Status st = simulate_and_check(staleness_probe_plan(p), options, &result); !st) return st;
  const std::vector<int64_t> grid = p.k_staleness && !p.read_every_t ? std::vector<int64_t>{0} : p.t_ms;
  StalenessSummary s;
  if (Status st = measure_history(options.keep_dir + "/history.jsonl", StalenessOptions{grid}, &s, &row->ops); !st) {
    return st;
  }
  row->k_histogram = s.k_histogram;
  row->reads_judged = s.reads_judged;
  for (size_t i = 0; i < grid.size(); ++i) {
    row->t_ms.push_back(grid[i]);
    row->reads.push_back(s.t_visibility[i].reads);
    row->measured.push_back(fraction(s.t_visibility[i].consistent, s.t_visibility[i].reads));
  }
  if (p.k_staleness) {
    row->model.assign(grid.size(), k_staleness_closed_form(p.nodes, p.r, p.w, 1));
    fill_k(p, s, row);
  } else {
    row->model = wars_t_visibility(staleness_probe_model(p), staleness_probe_model_t(p), o.model_trials, o.seed);
  }
  for (size_t i = 0; i < row->measured.size(); ++i) {
    row->gap_max = std::max(row->gap_max, std::abs(row->measured[i] - row->model[i]));
  }
  for (size_t i = 0; i < row->k_measured.size(); ++i) {
    row->gap_max = std::max(row->gap_max, std::abs(row->k_measured[i] - row->k_model[i]));
  }
  return Status::ok();
}

std::string fixed(double v, const char* format) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// "t=0: 0.422 / 0.426; t=2: ..." (measured / model at each point).
std::string point_cells(const char* axis, const std::vector<int64_t>& at, const std::vector<double>& measured,
                        const std::vector<double>& model) {
  std::string cells;
  for (size_t i = 0; i < measured.size(); ++i) {
    cells += (i ? "; " : "") + std::string(axis) + "=" + std::to_string(at[i]) + ": " + fixed(measured[i], "%.3f") +
             " / " + fixed(model[i], "%.3f");
  }
  return cells;
}

std::string t_cells(const QuantifyRow& r) { return point_cells("t", r.t_ms, r.measured, r.model); }
std::string k_cells(const QuantifyRow& r) { return point_cells("k", r.k, r.k_measured, r.k_model); }

std::string latency_cell(const LatencyPercentiles& l) {
  return fixed(l.p50_ms, "%.0f") + " / " + fixed(l.p99_ms, "%.0f") + " / " + fixed(l.p999_ms, "%.0f");
}

std::string availability_cell(const OpCounts& c) {
  return std::to_string(c.ok) + "/" + std::to_string(c.total()) + " (" + fixed(100 * fraction(c.ok, c.total()), "%.1f") +
         "%)";
}

std::string windows_cell(const OpStats& s) {
  std::string out;
  for (const FaultWindow& w : s.windows) {
    out += (out.empty() ? "" : "; ") + w.label + ": " + availability_cell(w.counts);
  }
  return out;
}

std::string staleness_table(const std::vector<QuantifyRow>& rows, bool faults) {
  std::string md =
      "| configuration | legs | repair | P(consistent \\| t): measured / model | P(within k): measured / closed form "
      "| largest gap (points) |\n|---|---|---|---|---|---|\n";
  for (const QuantifyRow& r : rows) {
    if (r.under_faults != faults) continue;
    md += "| " + r.name + " | " + r.legs + " | " + r.repair + " | " + t_cells(r) + " | " +
          (r.k.empty() ? "-" : k_cells(r)) + " | " + fixed(100 * r.gap_max, "%.2f") + " |\n";
  }
  return md;
}

std::string cost_table(const std::vector<QuantifyRow>& rows, bool faults) {
  std::string md = "| configuration | read ms p50 / p99 / p99.9 | write ms p50 / p99 / p99.9 | availability (ok/total) |" +
                   std::string(faults ? " per fault window |\n|---|---|---|---|---|\n" : "\n|---|---|---|---|\n");
  for (const QuantifyRow& r : rows) {
    if (r.under_faults != faults) continue;
    OpCounts all = r.ops.reads;
    all.ok += r.ops.writes.ok;
    all.fail += r.ops.writes.fail;
    all.info += r.ops.writes.info;
    md += "| " + r.name + " | " + latency_cell(r.ops.read) + " | " + latency_cell(r.ops.write) + " | " +
          availability_cell(all) + " |" + (faults ? " " + windows_cell(r.ops) + " |\n" : "\n");
  }
  return md;
}

nlohmann::ordered_json latency_json(const LatencyPercentiles& l) {
  return {{"count", l.count}, {"p50_ms", l.p50_ms}, {"p99_ms", l.p99_ms}, {"p999_ms", l.p999_ms}};
}

nlohmann::ordered_json counts_json(const OpCounts& c) {
  return {{"ok", c.ok}, {"fail", c.fail}, {"info", c.info}};
}

nlohmann::ordered_json ops_json(const OpStats& s) {
  nlohmann::ordered_json windows = nlohmann::ordered_json::array();
  for (const FaultWindow& w : s.windows) windows.push_back({{"label", w.label}, {"counts", counts_json(w.counts)}});
  return {{"read_latency", latency_json(s.read)}, {"write_latency", latency_json(s.write)},
          {"reads", counts_json(s.reads)},        {"writes", counts_json(s.writes)},
          {"availability", s.availability()},      {"windows", windows}};
}

// The model's k distribution: for a k row the closed form's (a read misses
// each version independently: P(k = j) = F(j + 1) - F(j), the rest all
// behind); for a t row, 0 or 1 behind as the model's P(consistent | t)
// weighted by the reads at each t.
std::map<int64_t, double> model_k_fraction(const QuantifyRow& r) {
  std::map<int64_t, double> out;
  if (r.k_staleness) {
    double below = 0;
    for (size_t j = 0; j < r.k_model.size(); ++j) {
      out[static_cast<int64_t>(j)] = r.k_model[j] - below;
      below = r.k_model[j];
    }
    const int64_t all = static_cast<int64_t>(r.k_model.size());
    out[all] = k_staleness_closed_form(3, r.r, r.w, static_cast<int>(all) + 1) - below;
    out[all + 1] = 1 - k_staleness_closed_form(3, r.r, r.w, static_cast<int>(all) + 1);
    return out;
  }
  double weighted = 0;
  int64_t reads = 0;
  for (size_t i = 0; i < r.model.size(); ++i) {
    weighted += r.model[i] * static_cast<double>(r.reads[i]);
    reads += r.reads[i];
  }
  out[0] = reads ? weighted / static_cast<double>(reads) : 1;
  out[1] = 1 - out[0];
  return out;
}

constexpr const char* kQuantifyCss = R"css(
path.ln { fill: none; stroke-width: 1.8; }
path.ln-measured { stroke: #2b7bb9; } path.ln-model { stroke: #555; stroke-dasharray: 5 3; }
path.pt { fill: none; stroke-width: 3.2; stroke-linecap: round; } path.pt-measured { stroke: #2b7bb9; }
.legend { margin: 4px 0; font-size: 12.5px; } .sw { display: inline-block; width: 14px; height: 10px; margin: 0 4px 0 10px; }
.sw.ln-measured { background: #2b7bb9; } .sw.ln-model { background: #555; }
nav a { margin-right: 10px; }
)css";

std::string row_section(const QuantifyRow& r) {
  StalenessTSeries measured{{}, "ln ln-measured", "pt pt-measured", "measured"};
  StalenessTSeries model{{}, "ln ln-model", "", r.k_staleness ? "closed form, k = 1" : "WARS model"};
  double x_max = 1;
  for (size_t i = 0; i < r.t_ms.size(); ++i) {
    const double t = static_cast<double>(r.t_ms[i]);
    x_max = std::max(x_max, t);
    if (r.reads[i] > 0) measured.points.emplace_back(t, r.measured[i]);
    model.points.emplace_back(t, r.model[i]);
  }
  StalenessKSeries k_measured{{}, "ln ln-measured", "measured"};
  for (const auto& [k, n] : r.k_histogram) k_measured.fraction[k] = fraction(n, r.reads_judged);
  const StalenessKSeries k_model{model_k_fraction(r), "ln ln-model", r.k_staleness ? "closed form" : "WARS model"};
  std::string out = "<h2 id=\"" + html_escape(r.name) + "\">" + html_escape(r.name) + "</h2>\n<p class=\"caption\">R" +
                    std::to_string(r.r) + " W" + std::to_string(r.w) + ", legs " + html_escape(r.legs) + ", repair " +
                    html_escape(r.repair) + (r.under_faults ? ", under the fault mix" : "") + "; " +
                    std::to_string(r.reads_judged) + " judged reads; largest gap " + fixed(100 * r.gap_max, "%.2f") +
                    " points.</p>\n";
  out += "<h3>P(consistent) versus t</h3>\n" +
         staleness_t_svg({model, measured}, x_max, "t: ms after the newest acknowledged write") +
         "<h3>Versions behind (k)</h3>\n" + staleness_k_svg({k_measured, k_model});
  return out;
}

std::string html_table(const std::vector<QuantifyRow>& rows) {
  std::string out = "<table><tr><th>configuration</th><th>repair</th><th>faults</th><th>P(consistent | t) measured / "
                    "model</th><th>largest gap</th><th>read p50/p99/p99.9 ms</th><th>write p50/p99/p99.9 "
                    "ms</th><th>availability</th></tr>\n";
  for (const QuantifyRow& r : rows) {
    out += "<tr><td><a href=\"#" + html_escape(r.name) + "\">" + html_escape(r.name) + "</a></td><td>" +
           html_escape(r.repair) + "</td><td>" + (r.under_faults ? "mix" : "-") + "</td><td>" + html_escape(t_cells(r)) +
           "</td><td class=\"n\">" + fixed(100 * r.gap_max, "%.2f") + "</td><td>" + latency_cell(r.ops.read) +
           "</td><td>" + latency_cell(r.ops.write) + "</td><td class=\"n\">" +
           fixed(100 * r.ops.availability(), "%.1f") + "%</td></tr>\n";
  }
  return out + "</table>\n";
}

std::string header(const QuantifyOptions& o) {
  return "N = RF = 3, probe workload, " + std::to_string(o.reads_per_t) + " reads per point, " +
         std::to_string(o.model_trials) + " model trials per t, seed " + std::to_string(o.seed) + ".";
}

}  // namespace

Status run_quantify(const QuantifyOptions& o, std::vector<QuantifyRow>* rows) {
  for (const Config& c : matrix(o)) {
    QuantifyRow row;
    if (Status s = run_row(o, c, &row); !s) return s;
    rows->push_back(std::move(row));
  }
  if (Status s = write_file_atomic(o.out_dir + "/quantify.md", quantify_markdown(o, *rows)); !s) return s;
  if (Status s = write_file_atomic(o.out_dir + "/quantify.json", quantify_json(o, *rows)); !s) return s;
  return write_file_atomic(o.out_dir + "/quantify.html", quantify_html(o, *rows));
}

std::string quantify_markdown(const QuantifyOptions& o, const std::vector<QuantifyRow>& rows) {
  return "# Staleness quantified: simulator against the WARS model\n\n" + header(o) +
         " Each cell: measured / model. t columns: P(consistent | t) (a k row's model is the closed form at k = 1, "
         "the same at every t). k columns: P(within k versions), closed form. Latency in virtual ms.\n\n"
         "## Staleness\n\n" +
         staleness_table(rows, false) + "\n## Latency and availability\n\n" + cost_table(rows, false) +
         "\n## Under the fault mix\n\n" + staleness_table(rows, true) + "\n" + cost_table(rows, true) +
         "\nPlots: quantify.html.\n";
}

std::string quantify_json(const QuantifyOptions& o, const std::vector<QuantifyRow>& rows) {
  nlohmann::ordered_json j = {{"reads_per_t", o.reads_per_t}, {"model_trials", o.model_trials}, {"seed", o.seed}};
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const QuantifyRow& r : rows) {
    nlohmann::ordered_json k_hist = nlohmann::ordered_json::object();
    for (const auto& [k, n] : r.k_histogram) k_hist[std::to_string(k)] = n;
    list.push_back({{"name", r.name}, {"r", r.r}, {"w", r.w}, {"legs", r.legs}, {"repair", r.repair},
                    {"kind", r.k_staleness ? "k-staleness" : "t-visibility"}, {"under_faults", r.under_faults},
                    {"t_ms", r.t_ms}, {"reads", r.reads}, {"measured", r.measured}, {"model", r.model},
                    {"k", r.k}, {"k_measured", r.k_measured}, {"k_model", r.k_model}, {"k_histogram", k_hist},
                    {"reads_judged", r.reads_judged}, {"gap_max", r.gap_max}, {"ops", ops_json(r.ops)}});
  }
  j["rows"] = std::move(list);
  return j.dump(2) + "\n";
}

std::string quantify_html(const QuantifyOptions& o, const std::vector<QuantifyRow>& rows) {
  std::string page = html_page_start("faultline audit --quantify", kQuantifyCss);
  page += "<h1>Staleness quantified</h1>\n<p class=\"caption\">" + html_escape(header(o)) +
          " Simulator probes (sim/staleness_probe.h) against the WARS model and the k-staleness closed form; "
          "docs/audit.md reads them.</p>\n<p class=\"legend\"><span class=\"sw ln-measured\"></span>measured"
          "<span class=\"sw ln-model\"></span>model</p>\n";
  page += html_table(rows);
  for (const QuantifyRow& r : rows) page += row_section(r);
  return page + html_page_end("document.documentElement.setAttribute('data-quantify-ready', 'yes');");
}

}  // namespace faultline
