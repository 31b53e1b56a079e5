// One client operation against one node, recorded in the history as an
// invoke and its completion (Jepsen's model, DESIGN.md "History").
//
// The completion type follows what is known about the request:
// - ok: the node answered with a well-formed reply (reads carry value,
//   version and tombstone; writes and deletes carry the version stamped).
// - fail: certainly not applied: the request never reached the node, or the
//   node answered -UNAVAILABLE or another error that is not -TIMEOUT.
// - info: unknown: the node answered -TIMEOUT, the request was sent and no
//   reply came in time, the connection broke, or the reply was malformed.
// The shared workers and the final reads both go through here, so both map
// replies the same way.
#pragma once

#include <cstdint>
#include <string>

#include "core/client_request.h"
#include "core/history.h"

namespace faultline {

class RespClient;

// Appends the invoke, sends the request on `conn` (a connection to node
// `node`, "n2") with a deadline of timeout_ms, appends the completion and
// returns it. Thread-safe as far as HistoryWriter is; conn is the caller's.
HistoryOp execute_client_op(const ClientRequest& req, const std::string& node, RespClient* conn,
                            int64_t timeout_ms, HistoryWriter* history);

}  // namespace faultline
