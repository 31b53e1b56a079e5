#include "harness/quantify.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "checker/staleness.h"
#include "core/file_io.h"
#include "model/wars.h"
#include "sim/sim_check.h"
#include "sim/staleness_probe.h"

namespace faultline {
namespace {

constexpr int kWritesPerKey = 4;

std::vector<StalenessProbe> matrix(const QuantifyOptions& o) {
  std::vector<StalenessProbe> probes;
  const LatencyDistribution legs[] = {LatencyDistribution::exponential(10), LatencyDistribution::lognormal(2, 0.5)};
  for (const LatencyDistribution& leg : legs) {
    for (auto [r, w] : {std::pair{1, 1}, {1, 2}, {2, 1}, {2, 2}}) {
      StalenessProbe p;
      p.r = r;
      p.w = w;
      p.leg = leg;
      p.reads_per_t = o.reads_per_t;
      p.seed = o.seed;
      probes.push_back(p);
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
    probes.push_back(p);
  }
  return probes;
}

std::string row_name(const StalenessProbe& p) {
  return "R" + std::to_string(p.r) + "W" + std::to_string(p.w) + "-" + (p.k_staleness ? "k-" : "t-") +
         p.leg.to_string();
}

// Simulates one probe into <out>/runs/<name> and measures it.
Status measure(const QuantifyOptions& o, const StalenessProbe& p, QuantifyRow* row, StalenessSummary* s) {
  SimCheckOptions options;
  options.keep_dir = o.out_dir + "/runs/" + row->name;
  SimCheckResult result;
  if (Status st = simulate_and_check(staleness_probe_plan(p), options, &result); !st) return st;
  return measure_staleness(options.keep_dir + "/history.jsonl", StalenessOptions{p.t_ms}, s);
}

Status run_row(const QuantifyOptions& o, const StalenessProbe& p, QuantifyRow* row) {
  row->name = row_name(p);
  row->r = p.r;
  row->w = p.w;
  row->legs = p.leg.to_string();
  row->k_staleness = p.k_staleness;
  StalenessSummary s;
  if (Status st = measure(o, p, row, &s); !st) return st;
  if (p.k_staleness) {
    int64_t within = 0;
    for (int k = 1; k < p.writes_per_key; ++k) {
      const auto it = s.k_histogram.find(k - 1);
      within += it == s.k_histogram.end() ? 0 : it->second;
      row->t_ms.push_back(k);
      row->reads.push_back(s.reads_judged);
      row->measured.push_back(s.reads_judged ? static_cast<double>(within) / static_cast<double>(s.reads_judged) : 1);
      row->model.push_back(k_staleness_closed_form(p.nodes, p.r, p.w, k));
    }
  } else {
    row->model = wars_t_visibility(staleness_probe_model(p), staleness_probe_model_t(p), o.model_trials, o.seed);
    for (size_t i = 0; i < p.t_ms.size(); ++i) {
      const StalenessBucket& b = s.t_visibility[i];
      row->t_ms.push_back(p.t_ms[i]);
      row->reads.push_back(b.reads);
      row->measured.push_back(b.reads ? static_cast<double>(b.consistent) / static_cast<double>(b.reads) : 1);
    }
  }
  for (size_t i = 0; i < row->measured.size(); ++i) {
    row->gap_max = std::max(row->gap_max, std::abs(row->measured[i] - row->model[i]));
  }
  return Status::ok();
}

std::string fixed(double v, const char* format) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

}  // namespace

Status run_quantify(const QuantifyOptions& o, std::vector<QuantifyRow>* rows) {
  for (const StalenessProbe& p : matrix(o)) {
    QuantifyRow row;
    if (Status s = run_row(o, p, &row); !s) return s;
    rows->push_back(std::move(row));
  }
  if (Status s = write_file_atomic(o.out_dir + "/quantify.md", quantify_markdown(o, *rows)); !s) return s;
  return write_file_atomic(o.out_dir + "/quantify.json", quantify_json(o, *rows));
}

std::string quantify_markdown(const QuantifyOptions& o, const std::vector<QuantifyRow>& rows) {
  std::string md = "# Staleness quantified: simulator against the WARS model\n\nN = RF = 3, no repair, probe workload, " +
                   std::to_string(o.reads_per_t) + " reads per point, " + std::to_string(o.model_trials) +
                   " model trials per t, seed " + std::to_string(o.seed) +
                   ". Each cell: measured / model (t rows: P(consistent | t); k rows: P(within k versions), closed "
                   "form).\n\n| configuration | legs | points | largest gap (points) |\n|---|---|---|---|\n";
  for (const QuantifyRow& r : rows) {
    std::string cells;
    for (size_t i = 0; i < r.measured.size(); ++i) {
      cells += (i ? "; " : "") + std::string(r.k_staleness ? "k=" : "t=") + std::to_string(r.t_ms[i]) + ": " +
               fixed(r.measured[i], "%.3f") + " / " + fixed(r.model[i], "%.3f");
    }
    md += "| " + r.name + " | " + r.legs + " | " + cells + " | " + fixed(100 * r.gap_max, "%.2f") + " |\n";
  }
  return md;
}

std::string quantify_json(const QuantifyOptions& o, const std::vector<QuantifyRow>& rows) {
  nlohmann::ordered_json j = {{"reads_per_t", o.reads_per_t}, {"model_trials", o.model_trials}, {"seed", o.seed}};
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const QuantifyRow& r : rows) {
    list.push_back({{"name", r.name}, {"r", r.r}, {"w", r.w}, {"legs", r.legs},
                    {"kind", r.k_staleness ? "k-staleness" : "t-visibility"}, {"points", r.t_ms},
                    {"reads", r.reads}, {"measured", r.measured}, {"model", r.model}, {"gap_max", r.gap_max}});
  }
  j["rows"] = std::move(list);
  return j.dump(2) + "\n";
}

}  // namespace faultline
