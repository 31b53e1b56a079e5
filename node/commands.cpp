#include "node/commands.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "core/node_dump.h"

namespace faultline {

namespace {

// Redis caps the argument echo of "unknown command" at this many bytes.
constexpr size_t kUnknownCommandEchoBytesMax = 128;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

RespValue null_array() { return RespValue{RespValue::Type::kNullArray, {}, 0, {}}; }

RespValue version_reply(const Version& v) {
  return RespValue::array({RespValue::integer_value(v.timestamp_us), RespValue::integer_value(v.coordinator_id)});
}

// The echo is escaped (escape_control): a name holding CR LF must not
// inject replies of its own, nor lines into a log.
RespValue unknown_command(const std::vector<std::string>& a) {
  std::string args;
  for (size_t i = 1; i < a.size() && args.size() < kUnknownCommandEchoBytesMax; ++i) {
    args += "'" + escape_control(a[i].substr(0, kUnknownCommandEchoBytesMax - args.size())) + "' ";
  }
  return RespValue::error("ERR unknown command '" + escape_control(a[0].substr(0, kUnknownCommandEchoBytesMax)) +
                          "', with args beginning with: " + args);
}

RespValue too_large(const char* what, size_t bytes, const char* limit, int64_t max) {
  return RespValue::error(std::string("ERR ") + what + " is " + std::to_string(bytes) + " bytes, above limits." + limit +
                          " (" + std::to_string(max) + ")");
}

RespValue wrong_arity(const std::string& name) {
  return RespValue::error("ERR wrong number of arguments for '" + lower(name) + "' command");
}

// The optional arguments from a[i] on: [CL] [PRIMARY]; `fallback` when no CL.
Status request_args(const std::vector<std::string>& a, size_t i, ConsistencyLevel fallback, ConsistencyLevel* out,
                    bool* primary_only) {
  *out = fallback;
  size_t end = a.size();
  *primary_only = end > i && upper(a[end - 1]) == "PRIMARY";
  if (*primary_only) --end;
  if (end > i + 1) return Status::invalid("syntax error");
  return end > i ? parse_consistency_level(a[i], out) : Status::ok();
}

// FL.MERKLE: the roots of every replicated range.
RespValue merkle_reply(const AntiEntropy& ae) {
  if (!ae.enabled()) return RespValue::error("ERR anti-entropy is off (modes.anti_entropy)");
  return RespValue::bulk(ae.roots_json());
}

// FL.REPAIR: starts an anti-entropy round; replies with its number.
RespValue repair_reply(AntiEntropy* ae) {
  if (!ae->enabled()) return RespValue::error("ERR anti-entropy is off (modes.anti_entropy)");
  return RespValue::integer_value(static_cast<int64_t>(ae->request_round()));
}

}  // namespace

RespValue Commands::error_reply(const Status& s) {
  switch (s.code()) {
    case Status::Code::kUnavailable: return RespValue::error("UNAVAILABLE " + s.message());
    case Status::Code::kTimeout: return RespValue::error("TIMEOUT " + s.message());
    case Status::Code::kInvalid: return RespValue::error("ERR " + s.message());
    default:
      // Anything else from a coordinator (I/O on a replica) leaves the outcome
      // unknown, which is what TIMEOUT tells the harness.
      return RespValue::error("TIMEOUT " + s.to_string());
  }
}

bool Commands::execute(const RespValue& command, Reply done) {
  if (command.type != RespValue::Type::kArray) {
    done(RespValue::error("ERR Protocol error: expected an array of bulk strings"));
    return true;
  }
  if (command.elements.empty()) return false;
  Args a;
  a.reserve(command.elements.size());
  for (const auto& e : command.elements) {
    if (e.type != RespValue::Type::kBulk) {
      done(RespValue::error("ERR Protocol error: expected an array of bulk strings"));
      return true;
    }
    a.push_back(e.str);
  }
  struct Entry {
    const char* name;
    size_t args_min;  // including the command name
    size_t args_max;
    bool key = false;    // a[1] is a key: limits.key_bytes_max applies
    bool value = false;  // a[2] is a value: limits.value_bytes_max applies
  };
  static constexpr Entry kTable[] = {
      {"PING", 1, 2},           {"GET", 2, 2, true},        {"SET", 3, 3, true, true},
      {"DEL", 2, 2, true},      {"FL.GET", 2, 4, true},     {"FL.SET", 3, 5, true, true},
      {"FL.DEL", 2, 4, true},   {"FL.STATUS", 1, 1},        {"FL.DUMP", 1, 1},
      {"FL.HINTS", 1, 1},       {"FL.MERKLE", 1, 1},        {"FL.REPAIR", 1, 1},
  };
  const std::string name = upper(a[0]);
  const Entry* e = std::find_if(std::begin(kTable), std::end(kTable), [&](const Entry& x) { return name == x.name; });
  if (e == std::end(kTable)) {
    done(unknown_command(a));
    return true;
  }
  if (a.size() < e->args_min || a.size() > e->args_max) {
    // redis-server says "syntax error" for extra SET options it does not know.
    done(name == "SET" && a.size() > 3 ? RespValue::error("ERR syntax error") : wrong_arity(name));
    return true;
  }
  const NodeLimits& limits = replica_->config().limits;
  if (e->key && static_cast<int64_t>(a[1].size()) > limits.key_bytes_max) {
    done(too_large("key", a[1].size(), "key_bytes_max", limits.key_bytes_max));
    return true;
  }
  if (e->value && static_cast<int64_t>(a[2].size()) > limits.value_bytes_max) {
    done(too_large("value", a[2].size(), "value_bytes_max", limits.value_bytes_max));
    return true;
  }
  if (name == "PING") done(a.size() == 2 ? RespValue::bulk(a[1]) : RespValue::simple("PONG"));
  else if (name == "GET") get(a, done);
  else if (name == "SET") set(a, done);
  else if (name == "DEL") del(a, done);
  else if (name == "FL.GET") fl_get(a, done);
  else if (name == "FL.SET") fl_write(a, false, done);
  else if (name == "FL.DEL") fl_write(a, true, done);
  else if (name == "FL.STATUS") done(fl_status());
  else if (name == "FL.DUMP") done(fl_dump());
  else if (name == "FL.HINTS") done(RespValue::bulk(replica_->hints().hints_json()));
  else if (name == "FL.MERKLE") done(merkle_reply(replica_->anti_entropy()));
  else if (name == "FL.REPAIR") done(repair_reply(&replica_->anti_entropy()));
  return true;
}

void Commands::get(const Args& a, const Reply& done) {
  replica_->coordinate_read(a[1], replica_->config().default_read_cl, [done](const ReadResult& r) {
    if (!r.status) return done(error_reply(r.status));
    done(r.record && !r.record->tombstone ? RespValue::bulk(r.record->value) : RespValue::null());
  });
}

void Commands::set(const Args& a, const Reply& done) {
  replica_->coordinate_write(a[1], a[2], replica_->config().default_write_cl, [done](const WriteResult& r) {
    done(r.status ? RespValue::simple("OK") : error_reply(r.status));
  });
}

void Commands::del(const Args& a, const Reply& done) {
  replica_->coordinate_write(a[1], std::nullopt, replica_->config().default_write_cl, [done](const WriteResult& r) {
    done(r.status ? RespValue::integer_value(1) : error_reply(r.status));
  });
}

void Commands::fl_get(const Args& a, const Reply& done) {
  ConsistencyLevel cl;
  bool primary_only = false;
  if (Status s = request_args(a, 2, replica_->config().default_read_cl, &cl, &primary_only); !s) {
    return done(error_reply(s));
  }
  replica_->coordinate_read(a[1], cl, [done](const ReadResult& r) {
    if (!r.status) return done(error_reply(r.status));
    const bool live = r.record && !r.record->tombstone;
    done(RespValue::array({live ? RespValue::bulk(r.record->value) : RespValue::null(),
                           r.record ? version_reply(r.record->version) : null_array(),
                           RespValue::integer_value(r.record && r.record->tombstone ? 1 : 0)}));
  }, primary_only);
}

void Commands::fl_write(const Args& a, bool tombstone, const Reply& done) {
  const size_t cl_at = tombstone ? 2 : 3;
  ConsistencyLevel cl;
  bool primary_only = false;
  if (Status s = request_args(a, cl_at, replica_->config().default_write_cl, &cl, &primary_only); !s) {
    return done(error_reply(s));
  }
  std::optional<std::string> value;
  if (!tombstone) value = a[2];
  replica_->coordinate_write(a[1], std::move(value), cl, [done](const WriteResult& r) {
    done(r.status ? version_reply(r.version) : error_reply(r.status));
  }, primary_only);
}

RespValue Commands::fl_status() {
  const NodeConfig& c = replica_->config();
  nlohmann::ordered_json j;
  j["node"] = node_name(c.id);
  j["id"] = c.id;
  j["client_port"] = c.client_port;
  j["peer_port"] = c.peer_port;
  j["peers"] = nlohmann::ordered_json::object();
  for (const auto& [id, up] : replica_->peer_states()) j["peers"][node_name(id)] = up ? "up" : "down";
  j["records"] = store_->count();
  j["rf"] = c.rf;
  j["vnodes"] = c.vnodes;
  // Hints and sloppy-quorum handoff records not yet delivered (quiesce waits for 0).
  j["hints_pending"] = replica_->hints().pending();
  j["handoffs_pending"] = replica_->hints().pending_handoffs();
  j["requests_in_flight"] = replica_->requests_in_flight();
  j["ae_enabled"] = replica_->anti_entropy().enabled();
  j["ae_rounds_completed"] = replica_->anti_entropy().rounds_completed();
  return RespValue::bulk(j.dump());
}

RespValue Commands::fl_dump() {
  NodeDump d;
  if (Status s = dump_replica(*replica_, *store_, &d); !s) return RespValue::error("ERR dump failed: " + s.message());
  try {
    return RespValue::bulk(node_dump_to_json(d));
  } catch (const std::exception& e) {
    // JSON strings must be UTF-8; a client may have stored arbitrary bytes.
    return RespValue::error(std::string("ERR dump failed: ") + e.what());
  }
}

}  // namespace faultline
