#include "adapters/http/http_status.h"

namespace overtone::adapters {

int HttpStatusFor(const Status& s, int overload_status) {
  using Code = Status::Code;
  switch (s.code()) {
    case Code::kOk: return kHttpOk;
    case Code::kInvalidArgument:
    case Code::kNotSupported: return kHttpBadRequest;
    case Code::kNotFound: return kHttpNotFound;
    case Code::kResourceExhausted: return overload_status;
    case Code::kIOError:
    case Code::kNoSpace:
    case Code::kBusy:
    case Code::kAborted: return kHttpServiceUnavailable;
    case Code::kCorruption:
    case Code::kInternal: return kHttpInternalServerError;
  }
  return kHttpInternalServerError;
}

}  // namespace overtone::adapters
