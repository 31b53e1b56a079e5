#include "node/jsonl_event_log.h"

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

namespace faultline {

Status JsonlEventLog::open(const std::string& path, NodeId node, Clock* clock, std::unique_ptr<JsonlEventLog>* out) {
  FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return Status::io("cannot open events file " + path + ": " + std::strerror(errno));
  out->reset(new JsonlEventLog(f, node, clock));
  return Status::ok();
}

JsonlEventLog::~JsonlEventLog() { std::fclose(file_); }

std::string event_json_line(int64_t time_ns, NodeId node, std::string_view event, std::vector<EventField> fields) {
  nlohmann::ordered_json j;
  j["time"] = time_ns;
  j["node"] = node_name(node);
  j["event"] = event;
  for (auto& f : fields) {
    std::visit(
        [&](auto& v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, EventJson>) {
            j[f.name] = nlohmann::json::parse(v.text, nullptr, /*allow_exceptions=*/false);
          } else {
            j[f.name] = std::move(v);
          }
        },
        f.value);
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void JsonlEventLog::emit(std::string_view event, std::vector<EventField> fields) {
  const std::string line = event_json_line(clock_->monotonic_ns(), node_, event, std::move(fields)) + "\n";
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace faultline
