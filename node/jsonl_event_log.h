// JsonlEventLog: the EventLog of a running node, events.jsonl. One JSON
// object per line, flushed per line, so a killed node leaves every event it
// emitted: {"time":<CLOCK_MONOTONIC ns>,"node":"n1","event":"peer_up",...}.
//
// Thread-safety: none; one event loop.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "node/env.h"

namespace faultline {

// One line of events.jsonl, without the newline: {"time":time_ns,"node":
// "n<node>","event":event, then the fields in order}. Invalid UTF-8 in a
// string (keys may hold any bytes) is replaced, never thrown. The simulator
// (sim/) writes its nodes' events with it too.
std::string event_json_line(int64_t time_ns, NodeId node, std::string_view event, std::vector<EventField> fields);

class JsonlEventLog final : public EventLog {
 public:
  // Opens `path` for appending: a restarted node continues the same file.
  static Status open(const std::string& path, NodeId node, Clock* clock, std::unique_ptr<JsonlEventLog>* out);
  ~JsonlEventLog() override;
  JsonlEventLog(const JsonlEventLog&) = delete;
  JsonlEventLog& operator=(const JsonlEventLog&) = delete;

  void emit(std::string_view event, std::vector<EventField> fields = {}) override;

 private:
  JsonlEventLog(FILE* f, NodeId node, Clock* clock) : file_(f), node_(node), clock_(clock) {}
  FILE* file_;    // owned
  NodeId node_;
  Clock* clock_;  // not owned
};

}  // namespace faultline
