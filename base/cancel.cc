#include "overtone/cancel.h"

namespace overtone {

const char* CancelReasonName(CancelReason reason) {
  switch (reason) {
    case CancelReason::kNone: return "";
    case CancelReason::kDeadline: return "timeout";
    case CancelReason::kClientGone: return "client_gone";
    case CancelReason::kShutdown: return "shutdown";
  }
  return "";
}

Status CancelToken::status() const {
  switch (reason()) {
    case CancelReason::kNone: return Status::OK();
    case CancelReason::kDeadline: return Status::Busy("query timed out");
    case CancelReason::kClientGone: return Status::Aborted("query cancelled: the client went away");
    case CancelReason::kShutdown: return Status::Aborted("query cancelled: the server is stopping");
  }
  return Status::OK();
}

}  // namespace overtone
