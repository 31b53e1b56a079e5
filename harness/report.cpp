#include "harness/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "checker/fault_windows.h"
#include "checker/verdict_io.h"
#include "core/file_io.h"
#include "core/history.h"
#include "core/node_dump.h"
#include "core/plan.h"
#include "harness/html.h"
#include "harness/report_staleness.h"

namespace faultline {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kClientFs[] = {"read", "write", "delete"};
constexpr int kClientFCount = 3;
constexpr int kPlotWidthPx = 1180;
constexpr int kLatencyPanelHeightPx = 230;
constexpr int kThroughputHeightPx = 260;
// Latencies below this are drawn at it: the log axis needs a floor.
constexpr double kLatencyFloorMs = 0.01;
// Throughput bucket lengths to choose from, shortest first.
constexpr int64_t kBucketChoicesMs[] = {250, 500, 1000, 2000, 5000, 10000, 30000, 60000, 300000, 600000};

// One completed client operation, as the plots need it.
struct ClientPoint {
  float t_s;         // invoke time, seconds after the history's first line
  float latency_ms;  // completion - invoke
  uint8_t f;         // index into kClientFs
  uint8_t type;      // OpType of the completion
};

// One fault from start to heal, for the plots.
struct FaultSpan {
  std::string kind;
  std::string label;
  double start_s = 0;
  double end_s = -1;  // < 0: not healed in the history
};

struct PhaseMark {
  std::string phase;
  double t_s = 0;
  json value;
};

// The history slice shown for one witness.
struct Slice {
  std::string anchor;
  std::string property;
  int number = 0;  // 1-based, within the property
  Witness witness;
  std::set<std::string> keys;
  std::set<int64_t> witness_indices;
  std::vector<std::pair<int64_t, int64_t>> windows;  // inclusive index ranges
  std::vector<HistoryOp> rows;
  int64_t rows_dropped = 0;
};

struct HistoryData {
  bool read = false;
  int64_t origin_ns = -1;
  double end_s = 0;
  int64_t lines = 0;
  int64_t pending = 0;    // invocations with no completion
  int64_t unpaired = 0;   // completions with no invocation
  std::vector<ClientPoint> points;
  std::vector<FaultSpan> faults;
  // ok/fail/info per fault window, as the availability property counts them.
  FaultWindows windows;
  std::vector<PhaseMark> phases;
};

// At least 1, so that a stride never stalls.
size_t ceil_div(size_t n, size_t d) { return std::max<size_t>(1, (n + d - 1) / d); }

int client_f_index(const std::string& f) {
  for (int i = 0; i < kClientFCount; ++i) {
    if (f == kClientFs[i]) return i;
  }
  return -1;
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string seconds_label(double s) { return fmt("%gs", s); }

std::string latency_label(double ms) { return ms >= 1000 ? fmt("%g s", ms / 1000) : fmt("%g ms", ms); }

std::string th(std::string_view text) { return "<th>" + html_escape(text) + "</th>"; }
std::string td(std::string_view text) { return "<td>" + html_escape(text) + "</td>"; }
std::string td_num(int64_t v) { return "<td class=\"n\">" + std::to_string(v) + "</td>"; }

std::string json_text(const json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

// --- verdict.json ------------------------------------------------------------

// verdict.json through its one reader (checker/verdict_io.h); nullopt, with
// the reason in missing, when absent or malformed.
std::optional<Verdict> read_verdict(const std::string& run_dir, std::vector<std::string>* missing) {
  Verdict v;
  Status s = read_verdict_file(run_dir, &v);
  if (s) return v;
  missing->push_back(s.code() == Status::Code::kNotFound ? "verdict.json: missing" : s.message());
  return std::nullopt;
}

std::vector<Slice> slices_of(const std::optional<Verdict>& verdict) {
  std::vector<Slice> slices;
  if (!verdict) return slices;
  for (const PropertyResult& p : verdict->properties) {
    int number = 0;
    for (const Witness& w : p.witnesses) {
      Slice s;
      s.property = p.id;
      s.number = ++number;
      s.anchor = "w-" + p.id + "-" + std::to_string(number);
      s.witness = w;
      for (const WitnessOp& op : w.ops) {
        if (!op.key.empty()) s.keys.insert(op.key);
        if (op.index < 0) continue;  // a final-state record
        s.witness_indices.insert(op.index);
        s.windows.emplace_back(op.index - kReportSliceRadius, op.index + kReportSliceRadius);
      }
      slices.push_back(std::move(s));
    }
  }
  return slices;
}

// --- history.jsonl -------------------------------------------------------------

void add_to_slices(const HistoryOp& op, std::vector<Slice>* slices) {
  for (Slice& s : *slices) {
    bool in_window = std::any_of(s.windows.begin(), s.windows.end(),
                                 [&](const auto& w) { return op.index >= w.first && op.index <= w.second; });
    if (!in_window) continue;
    // The witness's keys, and the faults around them for context.
    bool relevant = op.is_nemesis() ? op.f != "phase" : op.key && s.keys.count(*op.key) > 0;
    if (!relevant && !s.witness_indices.count(op.index)) continue;
    if (s.rows.size() < kReportSliceRowsMax) s.rows.push_back(op);
    else ++s.rows_dropped;
  }
}

std::string fault_label(const std::string& f, const json& value) {
  std::string label = f;
  if (value.contains("partition") && value["partition"].is_string()) label += " " + value["partition"].get<std::string>();
  if (value.contains("targets") && value["targets"].is_array()) {
    std::string targets;
    for (const json& t : value["targets"]) targets += (targets.empty() ? "" : ",") + json_text(t);
    if (!targets.empty()) label += " " + targets;
  }
  return label;
}

void add_nemesis(const HistoryOp& op, double t_s, HistoryData* h, std::map<std::string, std::vector<size_t>>* open) {
  json value = json::parse(op.fault_json, nullptr, false);
  if (!value.is_object()) value = json::object();
  if (op.f == "phase") {
    h->phases.push_back({value.value("phase", std::string("?")), t_s, value});
    return;
  }
  // Faults start and heal with the same f and targets (faults/nemesis.h).
  const std::string key = op.f + " " + (value.contains("targets") ? value["targets"].dump() : "");
  const std::string phase = value.value("phase", std::string());
  if (phase == "start") {
    (*open)[key].push_back(h->faults.size());
    h->faults.push_back({op.f, fault_label(op.f, value), t_s, -1});
  } else if (phase == "heal") {
    auto it = open->find(key);
    if (it == open->end() || it->second.empty()) return;
    h->faults[it->second.front()].end_s = t_s;
    it->second.erase(it->second.begin());
  }
}

HistoryData read_history(const std::string& run_dir, std::vector<Slice>* slices, std::vector<std::string>* missing) {
  HistoryData h;
  std::unique_ptr<HistoryReader> reader;
  Status s = HistoryReader::open(run_dir + "/history.jsonl", &reader);
  if (!s) {
    missing->push_back("history.jsonl: " + s.message());
    return h;
  }
  h.read = true;
  std::map<int64_t, std::pair<int64_t, int>> invokes;  // process -> (invoke ns, f index)
  std::map<std::string, std::vector<size_t>> open_faults;
  HistoryOp op;
  HistoryReader::Result r;
  while ((r = reader->next(&op)) == HistoryReader::Result::kOp) {
    ++h.lines;
    if (h.origin_ns < 0) h.origin_ns = op.time_ns;
    const double t_s = static_cast<double>(op.time_ns - h.origin_ns) / 1e9;
    h.end_s = t_s;
    add_to_slices(op, slices);
    if (op.is_nemesis()) {
      add_nemesis(op, t_s, &h, &open_faults);
      h.windows.on_nemesis(op);
      continue;
    }
    const int f = client_f_index(op.f);
    if (op.type == OpType::kInvoke) {
      invokes[op.process] = {op.time_ns, f};
      continue;
    }
    auto it = invokes.find(op.process);
    if (it == invokes.end()) {
      ++h.unpaired;
      continue;
    }
    const auto [invoke_ns, invoke_f] = it->second;
    invokes.erase(it);
    if (invoke_f < 0) continue;
    h.windows.attribute(invoke_ns, op.type);
    const double latency_ms = std::max(static_cast<double>(op.time_ns - invoke_ns) / 1e6, kLatencyFloorMs);
    h.points.push_back({static_cast<float>(static_cast<double>(invoke_ns - h.origin_ns) / 1e9),
                        static_cast<float>(latency_ms), static_cast<uint8_t>(invoke_f), static_cast<uint8_t>(op.type)});
  }
  h.pending = static_cast<int64_t>(invokes.size());
  if (r == HistoryReader::Result::kError) {
    missing->push_back(reader->error().message() + " (the report shows the history up to there)");
  }
  if (reader->truncated_tail()) {
    missing->push_back("history.jsonl: the last line is cut off (the harness stopped while writing it)");
  }
  return h;
}

// --- sections ------------------------------------------------------------------

std::string plan_section(const std::string& run_dir, const ReportOptions& options, std::vector<std::string>* missing) {
  std::string out = "<h2 id=\"plan\">Plan</h2>\n";
  const std::string plan_path = run_dir + "/plan.json";
  out += "<p>Replay: <code>" + html_escape(options.self + " run --plan " + plan_path) +
         "</code><br>Re-check: <code>" + html_escape(options.self + " check " + run_dir) +
         "</code><br>This report: <code>" + html_escape(options.self + " report " + run_dir) + "</code></p>\n";
  Plan plan;
  Status s = read_plan_file(plan_path, &plan);
  if (!s) {
    missing->push_back("plan.json: " + s.message());
    return out + "<p class=\"note\">No plan: " + html_escape(s.message()) + "</p>\n";
  }
  const ModeSpec& m = plan.modes;
  const WorkloadSpec& w = plan.workload;
  auto row = [](std::string_view k, const std::string& v) { return "<tr>" + th(k) + td(v) + "</tr>\n"; };
  std::string bugs;
  for (const auto& b : plan.bugs) bugs += (bugs.empty() ? "" : ", ") + b;
  out += "<table>\n";
  out += row("seed", std::to_string(plan.seed));
  out += row("cluster", std::to_string(plan.cluster.nodes) + " nodes, rf " + std::to_string(plan.cluster.rf) + ", " +
                            std::to_string(plan.cluster.vnodes) + " vnodes");
  out += row("modes", "read repair " + std::string(to_string(m.read_repair)) + ", digest reads " +
                          (m.digest_reads ? "on" : "off") + ", hinted handoff " + (m.hinted_handoff ? "on" : "off") +
                          ", quorum " + std::string(to_string(m.quorum)) + ", anti-entropy " +
                          (m.anti_entropy ? "on (every " + std::to_string(m.anti_entropy_interval_ms) +
                                                " ms, tree depth at most " + std::to_string(m.merkle_depth) + ")"
                                          : std::string("off")));
  out += row("timing", "gc_grace_ms " + std::to_string(m.gc_grace_ms) + ", hint_window_ms " +
                           std::to_string(m.hint_window_ms) + ", request_timeout_ms " +
                           std::to_string(m.request_timeout_ms) + ", fsync " + (m.fsync ? "on" : "off"));
  out += row("workload", std::to_string(w.clients) + " clients, " + fmt("%g", w.rate) + " ops/s for " +
                             seconds_label(static_cast<double>(w.duration_ms) / 1000) + ", " +
                             std::to_string(w.keys) + " keys (" + std::string(to_string(w.key_distribution)) +
                             "), reads " + fmt("%g", w.read_fraction) + " / writes " + fmt("%g", w.write_fraction) +
                             " / deletes " + fmt("%g", w.delete_fraction) + "; reads at " +
                             std::string(to_string(w.read_cl)) + ", writes at " + std::string(to_string(w.write_cl)));
  out += row("seeded bugs", bugs.empty() ? "none" : bugs);
  out += "</table>\n";
  out += "<h3>Fault schedule</h3>\n";
  if (plan.faults.empty()) {
    out += "<p>No faults.</p>\n";
  } else {
    out += "<table><tr>" + th("start") + th("duration") + th("kind") + th("targets") + th("parameters") + "</tr>\n";
    for (const FaultEvent& f : plan.faults) {
      std::string targets;
      for (const auto& t : f.targets) targets += (targets.empty() ? "" : ",") + t;
      out += "<tr>" + td(seconds_label(static_cast<double>(f.start_ms) / 1000)) +
             td(seconds_label(static_cast<double>(f.duration_ms) / 1000)) + td(f.kind) + td(targets) +
             "<td><code>" + html_escape(f.params_json) + "</code></td></tr>\n";
    }
    out += "</table>\n";
  }
  out += "<details><summary>plan.json</summary><pre class=\"mono\">" + html_escape(plan_to_json(plan)) +
         "</pre></details>\n";
  return out;
}

// The first witness's summary linked to its slice, then [2], [3], ...; the
// note when there is no witness.
std::string witness_links(const PropertyResult& p, const std::vector<Slice>& slices) {
  std::string links;
  int witnesses = 0;
  for (const Slice& s : slices) {
    if (s.property != p.id) continue;
    if (witnesses++ == 0) {
      links = "<a href=\"#" + html_escape(s.anchor) + "\">" + html_escape(s.witness.summary) + "</a>";
    } else {
      links += " <a href=\"#" + html_escape(s.anchor) + "\">[" + std::to_string(s.number) + "]</a>";
    }
  }
  return links.empty() ? html_escape(p.note.empty() ? "-" : p.note) : links;
}

std::string verdict_section(const std::optional<Verdict>& verdict, const std::vector<Slice>& slices) {
  std::string out = "<h2 id=\"verdict\">Verdict</h2>\n";
  if (!verdict) {
    return out + "<p class=\"note\">No verdict.json: run <code>faultline check RUN_DIR</code> to write it.</p>\n";
  }
  const std::string value(to_string(verdict->value));
  out += "<p>Verdict: <span class=\"verdict v-" + html_escape(value) + "\">" + html_escape(value) + "</span>, " +
         std::to_string(verdict->operations) + " client operations.";
  if (!verdict->error.empty()) out += " Error: " + html_escape(verdict->error);
  out += "</p>\n<table class=\"verdict-table\"><tr>" + th("property") + th("expected") + th("result") + th("violations") +
         th("first witness / note") + "</tr>\n";
  for (const PropertyResult& p : verdict->properties) {
    const bool allowed = !p.guaranteed && p.outcome == PropertyOutcome::kViolated;
    const std::string result = allowed ? "anomaly (allowed)" : std::string(to_string(p.outcome));
    const bool counted = p.outcome == PropertyOutcome::kHeld || p.outcome == PropertyOutcome::kViolated;
    const std::string css = allowed ? "r-allowed" : "r-" + std::string(to_string(p.outcome));
    out += "<tr><td><code>" + html_escape(p.id) + "</code></td><td title=\"" + html_escape(p.expected_reason) + "\">" +
           (p.guaranteed ? "guaranteed" : "not guaranteed") + "</td><td class=\"" + html_escape(css) + "\">" +
           html_escape(result) + "</td>" + (counted ? td_num(p.violations) : std::string("<td class=\"n\">-</td>")) +
           "<td>" + witness_links(p, slices) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

std::string fault_css(const std::string& kind) {
  for (const char* k : {"partition", "delay", "kill", "pause", "wipe", "clock", "disk"}) {
    if (kind == k) return "fault fault-" + kind;
  }
  return "fault fault-other";
}

// Shades the fault windows and marks the phases after the workload.
void decorate(const HistoryData& h, SvgPlot* plot) {
  for (const FaultSpan& f : h.faults) {
    const double end = f.end_s >= 0 ? f.end_s : h.end_s;
    plot->band(f.start_s, end, fault_css(f.kind),
               f.label + ": " + fmt("%.2fs", f.start_s) + " to " + (f.end_s >= 0 ? fmt("%.2fs", end) : "never healed"));
  }
  for (const PhaseMark& p : h.phases) {
    if (p.phase == "workload-end" || p.phase == "final-reads") plot->marker(p.t_s, "phase", p.phase);
  }
}

std::string legend(const HistoryData& h, bool types) {
  std::string out = "<div class=\"legend\">";
  if (types) {
    for (const char* t : {"ok", "fail", "info"}) out += "<span class=\"sw pt-" + std::string(t) + "\"></span>" + t + " ";
  } else {
    for (int f = 0; f < kClientFCount; ++f) {
      out += "<span class=\"sw ln-" + std::string(kClientFs[f]) + "\"></span>" + kClientFs[f] + " ";
    }
    out += "<span class=\"sw ln-notok\"></span>fail + info ";
  }
  std::set<std::string> kinds;
  for (const FaultSpan& f : h.faults) kinds.insert(f.kind);
  for (const auto& k : kinds) {
    out += "<span class=\"sw band " + html_escape(fault_css(k)) + "\"></span>" + html_escape(k) + " ";
  }
  return out + "</div>\n";
}

std::string latency_section(const HistoryData& h) {
  std::string out = "<h2 id=\"latency\">Latency</h2>\n";
  if (h.points.empty()) return out + "<p class=\"note\">No completed client operations in the history.</p>\n";
  double lo = h.points.front().latency_ms, hi = lo, x_max = h.end_s;
  for (const ClientPoint& p : h.points) {
    lo = std::min<double>(lo, p.latency_ms);
    hi = std::max<double>(hi, p.latency_ms);
  }
  lo = std::pow(10, std::floor(std::log10(std::max(lo, kLatencyFloorMs))));
  hi = std::max(std::pow(10, std::ceil(std::log10(hi))), lo * 10);
  x_max = std::max(x_max, 1e-3);
  out += "<p class=\"caption\">Each completed operation is a dot at its invoke time, its height the time to its "
         "completion (log scale); shaded bands are the faults in force, from the nemesis's start and heal lines.";
  if (h.pending > 0) {
    out += " " + std::to_string(h.pending) + " invocation(s) never completed (counted as info) and are not drawn.";
  }
  out += "</p>\n" + legend(h, true);
  for (int f = 0; f < kClientFCount; ++f) {
    // Past the cap, every k-th ok operation is drawn but (up to half the
    // cap) every fail and info: the rare outcomes are the interesting ones.
    std::vector<size_t> ok, other;
    for (size_t i = 0; i < h.points.size(); ++i) {
      if (h.points[i].f != f) continue;
      (h.points[i].type == static_cast<uint8_t>(OpType::kOk) ? ok : other).push_back(i);
    }
    const size_t other_stride = ceil_div(other.size(), kReportPointsPerPanelMax / 2);
    const size_t ok_stride = ceil_div(ok.size(), kReportPointsPerPanelMax - ceil_div(other.size(), other_stride));
    PlotPoints by_type[4];
    size_t shown = 0;
    for (const auto& [indices, stride] : {std::pair{&ok, ok_stride}, std::pair{&other, other_stride}}) {
      for (size_t j = 0; j < indices->size(); j += stride, ++shown) {
        const ClientPoint& p = h.points[(*indices)[j]];
        by_type[p.type].emplace_back(p.t_s, p.latency_ms);
      }
    }
    SvgPlot plot(kPlotWidthPx, kLatencyPanelHeightPx, PlotAxis{0, x_max, false, "time since the run started (s)", seconds_label},
                 PlotAxis{lo, hi, true, std::string(kClientFs[f]) + " latency", latency_label});
    decorate(h, &plot);
    plot.dots(by_type[static_cast<int>(OpType::kOk)], "pt pt-ok");
    plot.dots(by_type[static_cast<int>(OpType::kInfo)], "pt pt-info");
    plot.dots(by_type[static_cast<int>(OpType::kFail)], "pt pt-fail");
    out += "<h3>" + std::string(kClientFs[f]) + "</h3>\n" + plot.render();
    out += "<p class=\"caption\">" + std::to_string(ok.size() + other.size()) + " " + kClientFs[f] + " operations";
    if (ok_stride > 1 || other_stride > 1) {
      auto every = [](size_t k) { return k == 1 ? std::string("every") : "every " + std::to_string(k) + "th"; };
      out += "; downsampled: showing " + std::to_string(shown) + " (" + every(ok_stride) + " ok operation, " +
             every(other_stride) + " fail and info; at most " + std::to_string(kReportPointsPerPanelMax) +
             " per plot)";
    }
    out += ".</p>\n";
  }
  return out;
}

std::string throughput_section(const HistoryData& h) {
  std::string out = "<h2 id=\"throughput\">Throughput</h2>\n";
  if (h.points.empty()) return out + "<p class=\"note\">No completed client operations in the history.</p>\n";
  const double end_ms = std::max(h.end_s * 1000, 1.0);
  int64_t bucket_ms = kBucketChoicesMs[std::size(kBucketChoicesMs) - 1];
  for (int64_t b : kBucketChoicesMs) {
    if (end_ms / static_cast<double>(b) <= kReportBucketsMax) {
      bucket_ms = b;
      break;
    }
  }
  const size_t buckets = std::min<size_t>(kReportBucketsMax, static_cast<size_t>(end_ms / bucket_ms) + 1);
  std::vector<std::vector<int64_t>> counts(kClientFCount + 1, std::vector<int64_t>(buckets, 0));
  for (const ClientPoint& p : h.points) {
    const double done_ms = p.t_s * 1000.0 + p.latency_ms;
    const size_t b = std::min(buckets - 1, static_cast<size_t>(std::max(0.0, done_ms) / bucket_ms));
    ++counts[p.f][b];
    if (p.type != static_cast<uint8_t>(OpType::kOk)) ++counts[kClientFCount][b];
  }
  double y_max = 1;
  const double per_s = 1000.0 / static_cast<double>(bucket_ms);
  for (const auto& c : counts) {
    for (int64_t n : c) y_max = std::max(y_max, static_cast<double>(n) * per_s);
  }
  SvgPlot plot(kPlotWidthPx, kThroughputHeightPx,
               PlotAxis{0, std::max(h.end_s, 1e-3), false, "time since the run started (s)", seconds_label},
               PlotAxis{0, y_max * 1.1, false, "completions per second", nullptr});
  decorate(h, &plot);
  for (int f = 0; f <= kClientFCount; ++f) {
    PlotPoints pts;
    for (size_t b = 0; b < buckets; ++b) {
      pts.emplace_back((static_cast<double>(b) + 0.5) * static_cast<double>(bucket_ms) / 1000,
                       static_cast<double>(counts[f][b]) * per_s);
    }
    const std::string name = f < kClientFCount ? kClientFs[f] : "notok";
    plot.line(pts, "ln ln-" + name, f < kClientFCount ? name : "fail + info, all operations");
  }
  out += legend(h, false) + plot.render();
  out += "<p class=\"caption\">Completions per second by operation type, at completion time, in " +
         std::to_string(bucket_ms) + " ms buckets (" + std::to_string(buckets) + " buckets).</p>\n";
  return out;
}

std::string convergence_section(const HistoryData& h) {
  std::string out = "<h2 id=\"convergence\">Heal and convergence</h2>\n";
  const PhaseMark* quiesce = nullptr;
  const PhaseMark* heal = nullptr;
  bool done = false;
  for (const PhaseMark& p : h.phases) {
    if (p.phase == "quiesce") quiesce = &p;
    if (p.phase == "heal") heal = &p;
    if (p.phase == "done") done = true;
  }
  double last_fault_heal_s = -1;
  for (const FaultSpan& f : h.faults) last_fault_heal_s = std::max(last_fault_heal_s, f.end_s);
  if (quiesce != nullptr) {
    out += "<p class=\"big\">Time to converge after heal: <b>" +
           std::to_string(quiesce->value.value("quiesce_ms", int64_t{-1})) + " ms</b> (anti-entropy " +
           html_escape(json_text(quiesce->value.value("anti_entropy", json("?")))) + ")";
    if (!quiesce->value.value("ok", false)) {
      out += "; <b>not quiet</b>: " + html_escape(json_text(quiesce->value.value("reason", json("?"))));
    }
    out += ".</p>\n";
  } else {
    out += "<p class=\"note\">The history has no quiesce marker: the run stopped before it quiesced.</p>\n";
  }
  if (heal != nullptr && !heal->value.value("ok", true)) {
    out += "<p class=\"note\">Healing failed: " + html_escape(json_text(heal->value.value("problems", json()))) + "</p>\n";
  }
  if (!done && h.read) {
    out += "<p class=\"note\">The history has no <code>done</code> marker: the run did not finish.</p>\n";
  }
  out += "<p class=\"caption\">Quiesce waits until every node sees every peer up with no hints pending and, with "
         "anti-entropy on, every node completed a full anti-entropy round started after the heal.";
  if (last_fault_heal_s >= 0) out += " The last scheduled fault healed at " + fmt("%.2fs", last_fault_heal_s) + ".";
  out += "</p>\n<table><tr>" + th("phase") + th("time") + th("details") + "</tr>\n";
  for (const PhaseMark& p : h.phases) {
    json rest = p.value;
    rest.erase("phase");
    out += "<tr>" + td(p.phase) + td(fmt("%.3fs", p.t_s)) + "<td><code>" + html_escape(rest.empty() ? "" : rest.dump()) +
           "</code></td></tr>\n";
  }
  return out + "</table>\n";
}

// Availability per fault window: the table the availability property's note
// summarises, with the verdict's judgement under it.
std::string availability_section(const HistoryData& h, const std::optional<Verdict>& verdict) {
  std::string out = "<h2 id=\"availability\">Availability per fault window</h2>\n";
  out += "<p class=\"caption\">Client operations by the window in force when they were invoked (an operation "
         "invoked while two faults were in force counts in both; \"quiet\": no fault in force). Whether the "
         "failures were allowed is the availability property's to say: it counts only operations whose key "
         "kept enough reachable replicas for their consistency level.</p>\n";
  out += "<table><tr>" + th("window") + th("from") + th("to") + th("ok") + th("fail") + th("info") + th("ok %") +
         "</tr>\n";
  const double origin = static_cast<double>(h.origin_ns);
  auto at = [&](int64_t ns) { return fmt("%.2fs", (static_cast<double>(ns) - origin) / 1e9); };
  for (const FaultWindow& w : h.windows.windows()) {
    const bool quiet = &w == &h.windows.windows().front();
    const int64_t total = w.counts.total();
    const double ok_percent = total == 0 ? 0 : 100.0 * static_cast<double>(w.counts.ok) / static_cast<double>(total);
    out += "<tr>" + td(w.label) + td(quiet ? "" : at(w.start_ns)) +
           td(quiet ? "" : w.end_ns < 0 ? "not healed" : at(w.end_ns)) + td_num(w.counts.ok) + td_num(w.counts.fail) +
           td_num(w.counts.info) + td(total == 0 ? "-" : fmt("%.1f", ok_percent)) + "</tr>\n";
  }
  out += "</table>\n";
  if (!verdict) return out;
  for (const PropertyResult& p : verdict->properties) {
    if (p.id != "availability") continue;
    out += "<p>availability: <b>" + html_escape(to_string(p.outcome)) + "</b> (" +
           (p.guaranteed ? "guaranteed" : "not guaranteed") + "). " + html_escape(p.note) + "</p>\n";
  }
  return out;
}

struct EventColumn {
  const char* key;
  const char* header;
};
constexpr EventColumn kEventColumns[] = {
    {"hint_stored", "hints stored"},         {"hint_replayed", "hints replayed"},
    {"hint_expired", "hints expired"},       {"read_repair/blocking", "read repairs blocking"},
    {"read_repair/async", "read repairs async"}, {"digest_mismatch", "digest mismatches"},
    {"merkle_exchange", "Merkle exchanges"}, {"merkle_bytes_sent", "Merkle bytes sent"},
    {"merkle_bytes_received", "Merkle bytes received"}, {"tombstone_purged", "tombstones purged"},
    {"peer_up", "peer up"},                  {"peer_down", "peer down"},
    {"node_started", "starts"},              {"store_error", "store errors"},
};

bool is_column(const std::string& key) {
  return std::any_of(std::begin(kEventColumns), std::end(kEventColumns), [&](const EventColumn& c) { return key == c.key; });
}

// Counts one node's events.jsonl; reports the first malformed line.
std::map<std::string, int64_t> count_events(const std::string& path, const std::string& name,
                                            std::vector<std::string>* missing) {
  std::map<std::string, int64_t> counts;
  std::ifstream in(path);
  if (!in) {
    missing->push_back(name + ": missing");
    return counts;
  }
  int64_t line_number = 0, malformed = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    json e = json::parse(line, nullptr, false);
    if (!e.is_object() || !e.contains("event") || !e["event"].is_string()) {
      if (malformed++ == 0) missing->push_back(name + ":" + std::to_string(line_number) + ": not an event object");
      continue;
    }
    const std::string event = e["event"].get<std::string>();
    if (event == "read_repair") {
      ++counts["read_repair/" + e.value("mode", std::string("?"))];
    } else {
      ++counts[event];
    }
    if (event == "merkle_exchange") {
      counts["merkle_bytes_sent"] += e.value("bytes_sent", int64_t{0});
      counts["merkle_bytes_received"] += e.value("bytes_received", int64_t{0});
    }
  }
  if (malformed > 1) missing->push_back(name + ": " + std::to_string(malformed) + " malformed lines in all");
  return counts;
}

std::vector<std::string> node_names(const std::string& run_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(run_dir + "/nodes", ec)) {
    if (e.is_directory()) names.push_back(e.path().filename().string());
  }
  // n2 before n10.
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return names;
}

std::string events_section(const std::string& run_dir, const std::vector<std::string>& nodes,
                           std::vector<std::string>* missing) {
  std::string out = "<h2 id=\"events\">Node events</h2>\n";
  if (nodes.empty()) {
    missing->push_back("nodes/: no node directories");
    return out + "<p class=\"note\">No node directories.</p>\n";
  }
  out += "<p class=\"caption\">Counts of each node's mechanism events (nodes/&lt;id&gt;/events.jsonl), over the "
         "whole run.</p>\n<table><tr>" + th("node");
  for (const EventColumn& c : kEventColumns) out += th(c.header);
  out += th("other") + "</tr>\n";
  std::map<std::string, int64_t> total;
  auto cells = [](const std::map<std::string, int64_t>& counts) {
    std::string row, other_names;
    int64_t other = 0;
    for (const EventColumn& c : kEventColumns) row += td_num(counts.count(c.key) ? counts.at(c.key) : 0);
    for (const auto& [k, n] : counts) {
      if (is_column(k)) continue;
      other += n;
      other_names += k + " " + std::to_string(n) + "\n";
    }
    return row + "<td class=\"n\" title=\"" + html_escape(other_names) + "\">" + std::to_string(other) + "</td>";
  };
  for (const std::string& n : nodes) {
    auto counts = count_events(run_dir + "/nodes/" + n + "/events.jsonl", "nodes/" + n + "/events.jsonl", missing);
    for (const auto& [k, v] : counts) total[k] += v;
    out += "<tr>" + td(n) + cells(counts) + "</tr>\n";
  }
  out += "<tr class=\"total\">" + th("all") + cells(total) + "</tr>\n";
  return out + "</table>\n";
}

std::string final_section(const std::string& run_dir, const std::vector<std::string>& nodes,
                          std::vector<std::string>* missing) {
  std::string out = "<h2 id=\"final\">Final state</h2>\n<table><tr>" + th("node") + th("records") + th("live") +
                    th("tombstones") + th("hints pending") + "</tr>\n";
  for (const std::string& n : nodes) {
    NodeDump dump;
    Status s = read_node_dump_file(run_dir + "/final/" + n + ".json", &dump);
    if (!s) {
      missing->push_back("final/" + n + ".json: " + s.message());
      out += "<tr>" + td(n) + "<td colspan=\"4\">" + html_escape(s.message()) + "</td></tr>\n";
      continue;
    }
    int64_t tombstones = 0;
    for (const Record& r : dump.records) tombstones += r.tombstone ? 1 : 0;
    const std::string hint_cell = std::to_string(dump.hints.size());
    const int64_t records = static_cast<int64_t>(dump.records.size());
    out += "<tr>" + td(n) + td_num(records) + td_num(records - tombstones) + td_num(tombstones) +
           "<td class=\"n\">" + hint_cell + "</td></tr>\n";
  }
  return out + "</table>\n";
}

std::string op_row(const HistoryOp& op, double t_s, bool highlight) {
  std::string value = op.value.value_or(op.type == OpType::kOk && op.f == "read" ? "nil" : "");
  if (op.tombstone) value += " (tombstone)";
  std::string value_title;
  if (op.is_nemesis()) {
    // A short label; the full parameters (a partition's grudge) on hover.
    json v = json::parse(op.fault_json, nullptr, false);
    value = v.is_object() ? v.value("phase", std::string()) + " " + fault_label(op.f, v) : op.fault_json;
    value_title = op.fault_json;
  }
  std::string where = op.node;
  if (op.cl) where += (where.empty() ? "" : " ") + std::string(to_string(*op.cl));
  return std::string(highlight ? "<tr class=\"hit\">" : "<tr>") + td_num(op.index) + td(fmt("%.3fs", t_s)) +
         td(op.is_nemesis() ? "nemesis" : std::to_string(op.process)) + "<td class=\"t-" +
         std::string(to_string(op.type)) + "\">" + std::string(to_string(op.type)) + "</td>" + td(op.f) +
         td(op.key.value_or("")) + "<td title=\"" + html_escape(value_title) + "\"><code>" + html_escape(value) +
         "</code></td>" +
         td(op.version ? op.version->to_string() : "") + td(where) + td(op.error) + "</tr>\n";
}

std::string witness_final_records(const Witness& witness) {
  std::string out;
  for (const WitnessOp& op : witness.ops) {
    if (op.index >= 0) continue;
    out += "<li>final state of " + html_escape(op.node.empty() ? "?" : op.node) + ": " + html_escape(op.key) + " = " +
           html_escape(op.tombstone || op.value.empty() ? "null" : json(op.value).dump()) + " version " +
           html_escape(op.has_version ? op.version.to_string() : "null") + (op.tombstone ? " (tombstone)" : "") +
           "</li>\n";
  }
  return out.empty() ? out : "<ul>" + out + "</ul>\n";
}

std::string witnesses_section(const std::vector<Slice>& slices, const HistoryData& h) {
  if (slices.empty()) return "";
  std::string out = "<h2 id=\"witnesses\">Witnesses</h2>\n<p class=\"caption\">For each witness: the operations on its "
                    "keys and the faults within " + std::to_string(kReportSliceRadius) +
                    " history entries of each witness operation; the witness's own operations are highlighted.</p>\n";
  for (const Slice& s : slices) {
    std::string keys;
    for (const auto& k : s.keys) keys += (keys.empty() ? "" : ", ") + k;
    out += "<h3 id=\"" + html_escape(s.anchor) + "\">" + html_escape(s.property) + " #" + std::to_string(s.number) +
           (keys.empty() ? "" : " (" + html_escape(keys) + ")") + "</h3>\n<p>" +
           html_escape(s.witness.explanation) + "</p>\n" + witness_final_records(s.witness);
    if (s.rows.empty()) {
      out += "<p class=\"note\">No history lines to show" + std::string(h.read ? "" : ": the history could not be read") +
             ".</p>\n";
      continue;
    }
    out += "<table class=\"slice\"><tr>" + th("index") + th("time") + th("process") + th("type") + th("f") + th("key") +
           th("value") + th("version") + th("node / CL") + th("error") + "</tr>\n";
    for (const HistoryOp& op : s.rows) {
      out += op_row(op, static_cast<double>(op.time_ns - h.origin_ns) / 1e9, s.witness_indices.count(op.index) > 0);
    }
    out += "</table>\n";
    if (s.rows_dropped > 0) {
      out += "<p class=\"caption\">" + std::to_string(s.rows_dropped) + " more lines not shown (at most " +
             std::to_string(kReportSliceRowsMax) + " per witness).</p>\n";
    }
  }
  return out;
}

constexpr const char* kReportCss = R"css(
.verdict { font-weight: 600; padding: 1px 8px; border-radius: 3px; }
.v-valid { background: #d5f2dc; } .v-invalid { background: #f8d0d0; } .v-unknown { background: #f3e6b8; }
td.r-held { color: #17692e; } td.r-violated { color: #b3141a; font-weight: 600; } td.r-allowed { color: #9a5b00; }
td.r-unknown, td.r-skipped { color: #6b7280; }
tr.hit td { background: #fff0b3; }
table.verdict-table td:nth-child(-n+4), table.slice td:not(:nth-child(7)) { white-space: nowrap; } tr.total th, tr.total td { font-weight: 600; }
td.t-fail { color: #b3141a; } td.t-info { color: #b06a00; } td.t-ok { color: #17692e; }
:target { outline: 2px solid #f0b400; }
p.big { font-size: 16px; }
.legend { margin: 4px 0; font-size: 12.5px; } .sw { display: inline-block; width: 14px; height: 10px; margin: 0 4px 0 10px; vertical-align: middle; }
.sw.pt-ok { background: #2b7bb9; } .sw.pt-fail { background: #d62728; } .sw.pt-info { background: #f0a000; }
.sw.ln-read { background: #2b7bb9; } .sw.ln-write { background: #2ca02c; } .sw.ln-delete { background: #9467bd; }
.sw.ln-notok { background: #d62728; }
path.pt { fill: none; stroke-width: 3.2; stroke-linecap: round; }
path.pt-ok { stroke: #2b7bb9; stroke-opacity: .55; } path.pt-fail { stroke: #d62728; } path.pt-info { stroke: #f0a000; }
path.ln { fill: none; stroke-width: 1.8; }
path.ln-read { stroke: #2b7bb9; } path.ln-write { stroke: #2ca02c; } path.ln-delete { stroke: #9467bd; }
path.ln-notok { stroke: #d62728; stroke-dasharray: 4 3; }
rect.fault, .sw.band { opacity: .28; }
.fault-partition { fill: #e4572e; background: #e4572e; } .fault-kill { fill: #555; background: #555; }
.fault-pause { fill: #3f88c5; background: #3f88c5; } .fault-delay { fill: #f2a541; background: #f2a541; }
.fault-wipe { fill: #8e44ad; background: #8e44ad; } .fault-clock { fill: #1b998b; background: #1b998b; }
.fault-disk { fill: #6b4f2a; background: #6b4f2a; }
.fault-other { fill: #999; background: #999; }
line.phase { stroke: #39414f; stroke-dasharray: 3 3; }
nav a { margin-right: 12px; }
)css";

// Marks the page as rendered: the Chromium test reads this attribute back.
constexpr const char* kReportScript = "document.documentElement.setAttribute('data-report-ready', 'yes');";

}  // namespace

std::string render_report(const std::string& run_dir, const ReportOptions& options, std::vector<std::string>* missing_out) {
  std::vector<std::string> missing;
  const std::optional<Verdict> verdict = read_verdict(run_dir, &missing);
  std::vector<Slice> slices = slices_of(verdict);
  const HistoryData history = read_history(run_dir, &slices, &missing);
  const std::vector<std::string> nodes = node_names(run_dir);

  std::string body = plan_section(run_dir, options, &missing);
  body += verdict_section(verdict, slices);
  body += latency_section(history);
  body += throughput_section(history);
  body += availability_section(history, verdict);
  body += convergence_section(history);
  body += staleness_section(run_dir, &missing);
  body += events_section(run_dir, nodes, &missing);
  body += final_section(run_dir, nodes, &missing);
  body += witnesses_section(slices, history);

  const std::string name = fs::path(run_dir).lexically_normal().filename().string();
  std::string page = html_page_start("faultline report: " + name, kReportCss);
  page += "<h1>faultline run " + html_escape(name) + "</h1>\n<p class=\"caption\">" + html_escape(run_dir) + "; " +
          std::to_string(history.lines) + " history lines.</p>\n";
  page += "<nav><a href=\"#plan\">plan</a><a href=\"#verdict\">verdict</a><a href=\"#latency\">latency</a><a "
          "href=\"#throughput\">throughput</a><a href=\"#convergence\">convergence</a><a href=\"#staleness\">staleness</a><a href=\"#events\">node "
          "events</a><a href=\"#final\">final state</a>" +
          std::string(slices.empty() ? "" : "<a href=\"#witnesses\">witnesses</a>") + "</nav>\n";
  if (!missing.empty()) {
    page += "<div class=\"note\" id=\"missing\"><b>Missing or malformed inputs</b> (the sections below show what "
            "could be read):<ul>\n";
    for (const auto& m : missing) page += "<li>" + html_escape(m) + "</li>\n";
    page += "</ul></div>\n";
  }
  page += body + html_page_end(kReportScript);
  if (missing_out != nullptr) *missing_out = std::move(missing);
  return page;
}

ReportResult write_report(const std::string& run_dir, const ReportOptions& options) {
  ReportResult r;
  r.path = run_dir + "/report.html";
  const std::string html = render_report(run_dir, options, &r.missing);
  // Atomic, so a reader never sees half a page.
  if (Status s = write_file_atomic(r.path, html); !s) r.error = s.message();
  else r.written = true;
  return r;
}

}  // namespace faultline
