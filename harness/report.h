// report.html: one run, for people (DESIGN.md lifecycle step 7). Written by `faultline run` at the end and by `faultline report
// RUN_DIR`, from the run directory alone:
//   plan.json           the plan summary and the replay command
//   history.jsonl       latency over time per operation type (ok / fail / info,
//                       log scale) with the fault windows shaded, throughput
//                       over time, the phase markers (heal, quiesce: the time
//                       to converge) and the history slices around witnesses
//   verdict.json        the verdict table; each witness links to its slice
//   staleness.json      P(consistent) versus t and the distribution of k
//                       (harness/report_staleness.h)
//   nodes/*/events.jsonl  mechanism event counts per node
//   final/*.json        records, tombstones and pending hints per node
// One self-contained file: inline CSS and SVG (harness/html.h), a one-line
// script that marks the page as loaded, no network references.
//
// Bounded: the plots keep at most kReportPointsPerPanelMax dots per panel
// (past that every k-th ok operation and, up to half the cap, every fail and
// info; the caption says so), the throughput at
// most kReportBucketsMax buckets, a witness slice kReportSliceRowsMax rows.
// Memory is O(client operations) for the plots, 16 bytes each.
//
// Bad or missing inputs never stop the report: each section renders what it
// has and the page lists what was missing or malformed, naming the file and
// line (a crashed run leaves a prefix of the history and no verdict).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace faultline {

inline constexpr size_t kReportPointsPerPanelMax = 6000;
inline constexpr size_t kReportBucketsMax = 240;
inline constexpr size_t kReportSliceRowsMax = 120;
// A witness slice shows the ops of the witness's keys this many history
// entries before and after each witness operation.
inline constexpr int64_t kReportSliceRadius = 25;

struct ReportOptions {
  std::string self = "faultline";  // how to invoke faultline, for the replay command
};

struct ReportResult {
  bool written = false;
  std::string path;                  // <run_dir>/report.html
  std::string error;                 // why it was not written
  std::vector<std::string> missing;  // inputs missing or malformed, as the page lists them
};

// The page's HTML; `missing` (may be null) receives what the page lists as
// missing or malformed.
std::string render_report(const std::string& run_dir, const ReportOptions& options,
                          std::vector<std::string>* missing);

// Renders and writes <run_dir>/report.html.
ReportResult write_report(const std::string& run_dir, const ReportOptions& options);

}  // namespace faultline
