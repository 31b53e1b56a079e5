#include "checker/run_files.h"

#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "checker/check_evidence.h"
#include "checker/final_state.h"
#include "checker/node_events.h"
#include "checker/run_checker.h"
#include "core/history.h"
#include "core/plan.h"

namespace faultline {

namespace {

bool starts_with(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }
bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// final/<name>.json in path order, as FinalState::load lists final/.
Status load_final(const RunFiles& files, const Plan& plan, FinalState* out) {
  std::vector<std::pair<std::string, std::string_view>> dumps;
  for (const auto& [path, text] : files) {
    if (starts_with(path, "final/") && ends_with(path, ".json") && path.find('/', 6) == std::string::npos) {
      dumps.emplace_back(path, text);
    }
  }
  if (dumps.empty()) return Status::not_found("final: missing (no final state was dumped)");
  return FinalState::load_texts("final", dumps, plan, out);
}

// nodes/<node>/events.jsonl split into lines as std::getline splits a file.
NodeEventLines event_lines(const RunFiles& files) {
  NodeEventLines out;
  constexpr std::string_view kPrefix = "nodes/", kSuffix = "/events.jsonl";
  for (const auto& [path, text] : files) {
    if (!starts_with(path, kPrefix) || !ends_with(path, kSuffix) || path.size() <= kPrefix.size() + kSuffix.size()) {
      continue;
    }
    const std::string node = path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
    if (node.find('/') != std::string::npos) continue;
    std::vector<std::string>& lines = out[node];
    for (size_t begin = 0; begin < text.size();) {
      size_t end = text.find('\n', begin);
      if (end == std::string::npos) end = text.size();
      lines.emplace_back(text, begin, end - begin);
      begin = end + 1;
    }
  }
  return out;
}

// history.jsonl into `e`: its ops, and where reading stopped (read_error,
// note) as check_run_dir's reading of the file would.
void read_history(const RunFiles& files, uint64_t seed, std::vector<HistoryOp>* ops, Evidence* e) {
  const std::string path = "history.jsonl";
  auto it = files.find(path);
  if (it == files.end()) {
    e->read_error = "cannot open " + path;
    return;
  }
  std::unique_ptr<HistoryReader> reader;
  if (Status s = HistoryReader::open_text(it->second, path, &reader); !s) {
    e->read_error = s.message();
    return;
  }
  if (reader->header().seed != seed) {
    e->read_error = history_seed_mismatch(path, reader->header().seed, seed);
    return;
  }
  HistoryOp op;
  for (;;) {
    const HistoryReader::Result r = reader->next(&op);
    if (r == HistoryReader::Result::kEnd) break;
    if (r == HistoryReader::Result::kError) {
      e->read_error = reader->error().message();
      return;
    }
    ops->push_back(op);
  }
  if (reader->truncated_tail()) e->note = history_truncated_note(reader->line_number());
}

}  // namespace

Verdict check_run_files(const RunFiles& files, const CheckOptions& opts) {
  Plan plan;
  auto plan_file = files.find("plan.json");
  Status s = plan_file == files.end() ? Status::not_found("cannot open plan plan.json")
                                      : plan_from_json(plan_file->second, &plan);
  if (!s) {
    Verdict v;
    v.value = VerdictValue::kUnknown;
    v.error = plan_file == files.end() ? s.message() : "plan.json: " + s.message();
    return v;
  }
  FinalState final_state;
  const Status final_status = load_final(files, plan, &final_state);
  const NodeEventLines events = event_lines(files);
  std::vector<HistoryOp> ops;
  Evidence e;
  e.plan = &plan;
  e.ops = &ops;
  e.final_state = final_status ? &final_state : nullptr;
  e.final_error = final_status.message();
  e.event_lines = &events;
  read_history(files, plan.seed, &ops, &e);
  return check_evidence(e, opts);
}

}  // namespace faultline
