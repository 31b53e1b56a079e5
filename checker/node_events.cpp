#include "checker/node_events.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/identity.h"
#include "core/json_numbers.h"

namespace faultline {

using nlohmann::json;

// An events file larger than this is not kept parsed (a DOM costs about ten
// times the text): each reader streams it again, as before the cache.
constexpr uintmax_t kCachedFileBytesMax = 16u << 20;

struct NodeEvents::Log {
  bool found = false;
  bool streamed = false;  // too large to keep: read again by every for_each
  std::string path;
  std::vector<json> events;
  std::vector<int64_t> lines;  // each event's line number
  std::string error;           // the malformed line that ended the parse, if any
};

namespace {

// Parses one events line for fn(event, line); false (and *error naming
// path:line) when it is not an object with a string "event".
bool parse_event_line(const std::string& line, int64_t line_number, const std::string& path, std::string* error,
                      const std::function<void(json&&, int64_t)>& fn) {
  if (line.empty()) return true;
  json ev = json::parse(line, nullptr, false);
  if (!ev.is_object() || !ev.contains("event") || !ev["event"].is_string()) {
    *error = path + ":" + std::to_string(line_number) + ": not a JSON object with a string \"event\"";
    return false;
  }
  fn(std::move(ev), line_number);
  return true;
}

}  // namespace

NodeEvents::NodeEvents(std::string run_dir) : run_dir_(std::move(run_dir)) {}
NodeEvents::NodeEvents(const NodeEventLines* lines) : lines_(lines) {}
NodeEvents::~NodeEvents() = default;

const NodeEvents::Log& NodeEvents::load(const std::string& node) const {
  std::unique_ptr<Log>& log = logs_[node];
  if (log) return *log;
  log = std::make_unique<Log>();
  Log* l = log.get();
  auto keep = [l](json&& ev, int64_t line_number) {
    l->events.push_back(std::move(ev));
    l->lines.push_back(line_number);
  };
  if (lines_ != nullptr) {
    auto it = lines_->find(node);
    if (it == lines_->end()) return *log;
    log->found = true;
    log->path = "nodes/" + node + "/events.jsonl";
    for (size_t i = 0; i < it->second.size(); ++i) {
      if (!parse_event_line(it->second[i], static_cast<int64_t>(i) + 1, log->path, &log->error, keep)) break;
    }
    return *log;
  }
  if (run_dir_.empty()) return *log;
  log->path = (std::filesystem::path(run_dir_) / "nodes" / node / "events.jsonl").string();
  std::ifstream in(log->path);
  if (!in) return *log;
  log->found = true;
  std::error_code ec;
  const uintmax_t bytes = std::filesystem::file_size(log->path, ec);
  if (!ec && bytes > kCachedFileBytesMax) {
    log->streamed = true;
    return *log;
  }
  std::string line;
  for (int64_t line_number = 1; std::getline(in, line); ++line_number) {
    if (!parse_event_line(line, line_number, log->path, &log->error, keep)) break;
  }
  return *log;
}

bool NodeEvents::for_each(const std::string& node, const NodeEventFn& fn) const {
  const Log& log = load(node);
  if (!log.found) return false;
  if (log.streamed) {
    std::ifstream in(log.path);
    std::string line, error;
    auto call = [&](json&& ev, int64_t line_number) { fn(ev, log.path + ":" + std::to_string(line_number)); };
    for (int64_t line_number = 1; std::getline(in, line); ++line_number) {
      if (!parse_event_line(line, line_number, log.path, &error, call)) throw std::runtime_error(error);
    }
    return true;
  }
  for (size_t i = 0; i < log.events.size(); ++i) fn(log.events[i], log.path + ":" + std::to_string(log.lines[i]));
  if (!log.error.empty()) throw std::runtime_error(log.error);
  return true;
}

std::string event_string(const json& ev, const char* name, const std::string& where) {
  if (!ev.contains(name) || !ev[name].is_string()) {
    throw std::runtime_error(where + ": \"" + name + "\" must be a string");
  }
  return ev[name].get<std::string>();
}

int64_t event_time_ns(const json& ev, const std::string& where) {
  if (!ev.contains("time")) return 0;
  // Range-checked, never narrowed: a wrapped time would turn a late replay
  // into an early one.
  if (!json_integer_fits<int64_t>(ev["time"]) || ev["time"].get<int64_t>() < 0) {
    throw std::runtime_error(where + ": \"time\" must be an integer in 0 to 2^63-1, got " + ev["time"].dump());
  }
  return ev["time"].get<int64_t>();
}

std::string event_plan_node(const json& ev, const char* name, const Plan& plan, const std::string& where) {
  std::string node = event_string(ev, name, where);
  if (Status s = check_plan_node(node, plan); !s) throw std::runtime_error(where + ": " + s.message());
  return node;
}

WitnessOp bare_event_op(const std::string& node, const json& ev, const std::string& where) {
  WitnessOp op;
  op.type = "event";
  op.f = event_string(ev, "event", where);
  op.time_ns = event_time_ns(ev, where);
  op.node = node;
  return op;
}

WitnessOp record_event_op(const std::string& node, const json& ev, const std::string& where) {
  WitnessOp op = bare_event_op(node, ev, where);
  op.key = event_string(ev, "key", where);
  if (!ev.contains("version")) throw std::runtime_error(where + ": \"version\" must be [timestamp_us, coordinator_id]");
  if (Status s = version_from_json(ev["version"], &op.version); !s) throw std::runtime_error(where + ": " + s.message());
  op.has_version = true;
  if (ev.contains("tombstone")) {
    if (!ev["tombstone"].is_boolean()) throw std::runtime_error(where + ": \"tombstone\" must be a boolean");
    op.tombstone = ev["tombstone"].get<bool>();
  }
  return op;
}

const PurgedTombstones& purged_tombstones(const NodeEvents& events, const Plan& plan) {
  if (events.purged_) return *events.purged_;
  PurgedTombstones out;
  for (int i = 1; i <= plan.cluster.nodes; ++i) {
    const std::string node = node_name(static_cast<NodeId>(i));
    events.for_each(node, [&](const json& ev, const std::string& where) {
      if (event_string(ev, "event", where) != "tombstone_purged") return;
      WitnessOp op = record_event_op(node, ev, where);
      Version& newest = out[{node, op.key}];
      if (newest < op.version) newest = op.version;
    });
  }
  events.purged_ = std::make_unique<PurgedTombstones>(std::move(out));
  return *events.purged_;
}

bool holds_or_purged(const FinalState& final_state, const PurgedTombstones& purged, const std::string& node,
                     const std::string& key, const Version& version) {
  if (const KeyFinalState* held = final_state.find(key)) {
    for (const auto& [n, r] : held->holders) {
      if (n == node && r.version >= version) return true;
    }
  }
  auto it = purged.find({node, key});
  return it != purged.end() && it->second >= version;
}

}  // namespace faultline
