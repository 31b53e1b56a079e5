#include "core/client_request.h"

namespace faultline {

void set_request_fields(const ClientRequest& req, HistoryOp* op) {
  op->process = req.process;
  op->f = req.f;
  op->key = req.key;
  if (req.f == "write") op->value = req.value;
}

HistoryOp invoke_of(const ClientRequest& req, const std::string& node) {
  HistoryOp invoke;
  set_request_fields(req, &invoke);
  invoke.type = OpType::kInvoke;
  invoke.cl = req.cl;
  invoke.node = node;
  return invoke;
}

}  // namespace faultline
