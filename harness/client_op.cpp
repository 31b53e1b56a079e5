#include "harness/client_op.h"

#include "core/assert.h"
#include "harness/resp_client.h"

namespace faultline {

namespace {

using Type = RespValue::Type;

std::string describe(const RespValue& v) {
  std::string text = resp_encode(v);
  constexpr size_t kShownBytesMax = 200;
  if (text.size() > kShownBytesMax) text = text.substr(0, kShownBytesMax) + "...";
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return text;
}

// [:timestamp_us, :coordinator_id], both positive.
bool parse_version(const RespValue& v, Version* out) {
  if (v.type != Type::kArray || v.elements.size() != 2) return false;
  const RespValue& ts = v.elements[0];
  const RespValue& id = v.elements[1];
  if (ts.type != Type::kInteger || id.type != Type::kInteger) return false;
  if (ts.integer <= 0 || id.integer <= 0 || id.integer > UINT32_MAX) return false;
  out->timestamp_us = ts.integer;
  out->coordinator_id = static_cast<NodeId>(id.integer);
  return true;
}

// FL.GET: [value or nil, version or null array, :0|:1].
bool parse_read(const RespValue& r, HistoryOp* op) {
  if (r.type != Type::kArray || r.elements.size() != 3) return false;
  const RespValue& value = r.elements[0];
  const RespValue& version = r.elements[1];
  const RespValue& tombstone = r.elements[2];
  if (tombstone.type != Type::kInteger || (tombstone.integer != 0 && tombstone.integer != 1)) return false;
  op->tombstone = tombstone.integer == 1;
  if (version.type == Type::kNullArray) {
    // Nothing stored anywhere: no value, no version, no tombstone.
    return value.type == Type::kNull && !op->tombstone;
  }
  Version v;
  if (!parse_version(version, &v)) return false;
  op->version = v;
  if (op->tombstone) return value.type == Type::kNull;
  if (value.type != Type::kBulk) return false;
  op->value = value.str;
  return true;
}

void complete_from_reply(const ClientRequest& req, const RespValue& reply, HistoryOp* done) {
  if (reply.type == Type::kError) {
    // The contract: -TIMEOUT means the coordinator does not know whether the
    // write took effect; -UNAVAILABLE and any other error mean it did not.
    bool unknown = reply.str.rfind("TIMEOUT", 0) == 0;
    done->type = unknown ? OpType::kInfo : OpType::kFail;
    done->error = reply.str;
    return;
  }
  bool well_formed = false;
  if (req.f == "read") {
    well_formed = parse_read(reply, done);
  } else {
    Version v;
    well_formed = parse_version(reply, &v);
    if (well_formed) done->version = v;
  }
  if (!well_formed) {
    // We cannot tell what happened, so the outcome is unknown.
    done->value = req.value;
    done->version.reset();
    done->tombstone = false;
    done->type = OpType::kInfo;
    done->error = "malformed reply: " + describe(reply);
    return;
  }
  done->type = OpType::kOk;
}

std::vector<std::string> command_for(const ClientRequest& req) {
  const std::string cl(to_string(req.cl));
  if (req.f == "read") return {"FL.GET", req.key, cl};
  if (req.f == "write") return {"FL.SET", req.key, *req.value, cl};
  return {"FL.DEL", req.key, cl};
}

}  // namespace

HistoryOp execute_client_op(const ClientRequest& req, const std::string& node, RespClient* conn,
                            int64_t timeout_ms, HistoryWriter* history) {
  FL_ASSERT(req.f == "read" || req.f == "write" || req.f == "delete");
  FL_ASSERT(req.value.has_value() == (req.f == "write"));
  history->append(invoke_of(req, node));

  HistoryOp done;
  set_request_fields(req, &done);
  RespValue reply;
  Status s = conn->call(command_for(req), timeout_ms, &reply);
  if (s) {
    complete_from_reply(req, reply, &done);
  } else {
    // kUnavailable: never delivered, so certainly not applied.
    done.type = s.code() == Status::Code::kUnavailable ? OpType::kFail : OpType::kInfo;
    done.error = s.message();
  }
  return history->append(done);
}

}  // namespace faultline
