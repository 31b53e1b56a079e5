#include "node/commands.h"

#include <algorithm>
#include <cctype>

#include "core/node_dump.h"
#include "core/node_status.h"

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

RespValue anti_entropy_off() { return RespValue::error("ERR anti-entropy is off (modes.anti_entropy)"); }

}  // namespace

RespValue Commands::error_reply(const Status& s) { return RespValue::error(status_error_text(s)); }

// name, arguments min and max (with the name), key, value, the error for
// extra arguments (null: the arity error), handler.
const Commands::Command Commands::kCommands[] = {
    {"PING", 1, 2, false, false, nullptr, &Commands::ping},
    {"GET", 2, 2, true, false, nullptr, &Commands::get},
    // redis-server says "syntax error" for extra SET options it does not know.
    {"SET", 3, 3, true, true, "ERR syntax error", &Commands::set},
    {"DEL", 2, 2, true, false, nullptr, &Commands::del},
    {"FL.GET", 2, 4, true, false, nullptr, &Commands::fl_get},
    {"FL.SET", 3, 5, true, true, nullptr, &Commands::fl_set},
    {"FL.DEL", 2, 4, true, false, nullptr, &Commands::fl_del},
    {"FL.STATUS", 1, 1, false, false, nullptr, &Commands::fl_status},
    {"FL.DUMP", 1, 1, false, false, nullptr, &Commands::fl_dump},
    {"FL.HINTS", 1, 1, false, false, nullptr, &Commands::fl_hints},
    {"FL.MERKLE", 1, 1, false, false, nullptr, &Commands::fl_merkle},
    {"FL.REPAIR", 1, 1, false, false, nullptr, &Commands::fl_repair},
    {"FL.FAULT", 3, 3, false, false, nullptr, &Commands::fl_fault},
};

bool Commands::execute(const RespValue& command, Reply done) {
  if (command.type == RespValue::Type::kArray && command.elements.empty()) return false;
  Args a;
  if (!arguments(command, done, &a)) return true;
  const std::string name = upper(a[0]);
  const Command* c =
      std::find_if(std::begin(kCommands), std::end(kCommands), [&](const Command& x) { return name == x.name; });
  if (c == std::end(kCommands)) {
    done(unknown_command(a));
    return true;
  }
  if (admissible(*c, a, done)) (this->*(c->run))(a, done);
  return true;
}

bool Commands::arguments(const RespValue& command, const Reply& done, Args* a) {
  const RespValue protocol_error = RespValue::error("ERR Protocol error: expected an array of bulk strings");
  if (command.type != RespValue::Type::kArray) {
    done(protocol_error);
    return false;
  }
  a->reserve(command.elements.size());
  for (const auto& e : command.elements) {
    if (e.type != RespValue::Type::kBulk) {
      done(protocol_error);
      return false;
    }
    a->push_back(e.str);
  }
  return true;
}

bool Commands::admissible(const Command& c, const Args& a, const Reply& done) {
  if (a.size() < c.args_min || a.size() > c.args_max) {
    done(a.size() > c.args_max && c.extra_args ? RespValue::error(c.extra_args) : wrong_arity(c.name));
    return false;
  }
  const NodeLimits& limits = replica_->config().limits;
  if (c.key && static_cast<int64_t>(a[1].size()) > limits.key_bytes_max) {
    done(too_large("key", a[1].size(), "key_bytes_max", limits.key_bytes_max));
    return false;
  }
  if (c.value && static_cast<int64_t>(a[2].size()) > limits.value_bytes_max) {
    done(too_large("value", a[2].size(), "value_bytes_max", limits.value_bytes_max));
    return false;
  }
  return true;
}

void Commands::ping(const Args& a, const Reply& done) {
  done(a.size() == 2 ? RespValue::bulk(a[1]) : RespValue::simple("PONG"));
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

void Commands::fl_set(const Args& a, const Reply& done) { fl_write(a, /*tombstone=*/false, done); }

void Commands::fl_del(const Args& a, const Reply& done) { fl_write(a, /*tombstone=*/true, done); }

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

void Commands::fl_status(const Args&, const Reply& done) {
  const NodeConfig& c = replica_->config();
  NodeStatus st;
  st.node = node_name(c.id);
  st.id = c.id;
  st.client_port = c.client_port;
  st.peer_port = c.peer_port;
  for (const auto& [id, up] : replica_->peer_states()) st.peers_up[node_name(id)] = up;
  st.records = static_cast<int64_t>(store_->count());
  st.rf = c.rf;
  st.vnodes = c.vnodes;
  // Hints and sloppy-quorum handoff records not yet delivered (quiesce waits for 0).
  st.hints_pending = static_cast<int64_t>(replica_->hints().pending());
  st.handoffs_pending = static_cast<int64_t>(replica_->hints().pending_handoffs());
  st.requests_in_flight = static_cast<int64_t>(replica_->requests_in_flight());
  st.ae_enabled = replica_->anti_entropy().enabled();
  st.ae_rounds_completed = static_cast<int64_t>(replica_->anti_entropy().rounds_completed());
  done(RespValue::bulk(node_status_to_json(st)));
}

void Commands::fl_dump(const Args&, const Reply& done) {
  NodeDump d;
  if (Status s = dump_replica(*replica_, *store_, &d); !s) return done(RespValue::error("ERR dump failed: " + s.message()));
  RespValue reply;
  try {
    reply = RespValue::bulk(node_dump_to_json(d));
  } catch (const std::exception& e) {
    // JSON strings must be UTF-8; a client may have stored arbitrary bytes.
    reply = RespValue::error(std::string("ERR dump failed: ") + e.what());
  }
  done(std::move(reply));
}

void Commands::fl_hints(const Args&, const Reply& done) { done(RespValue::bulk(replica_->hints().hints_json())); }

// The roots of every replicated range.
void Commands::fl_merkle(const Args&, const Reply& done) {
  const AntiEntropy& ae = replica_->anti_entropy();
  if (!ae.enabled()) return done(anti_entropy_off());
  done(RespValue::bulk(ae.roots_json()));
}

// Starts an anti-entropy round; replies with its number.
void Commands::fl_repair(const Args&, const Reply& done) {
  AntiEntropy& ae = replica_->anti_entropy();
  if (!ae.enabled()) return done(anti_entropy_off());
  done(RespValue::integer_value(static_cast<int64_t>(ae.request_round())));
}

// FL.FAULT DISK ERROR|OK: the harness's disk fault (faults/fault_kinds.h),
// only where the config enabled it: a store someone runs never takes it.
void Commands::fl_fault(const Args& a, const Reply& done) {
  if (!disk_) return done(RespValue::error("ERR fault hooks are off (config fault_hooks)"));
  const std::string what = upper(a[1]), state = upper(a[2]);
  if (what != "DISK" || (state != "ERROR" && state != "OK")) {
    return done(RespValue::error("ERR syntax error: FL.FAULT DISK ERROR|OK"));
  }
  disk_->set_failing(state == "ERROR");
  done(RespValue::simple("OK"));
}

}  // namespace faultline
