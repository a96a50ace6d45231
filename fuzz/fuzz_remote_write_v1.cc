// POST /api/v1/write with a prometheus.WriteRequest (remote write 1.0) body; see write_target.h.

#include <cstdint>

#include "fuzz/write_target.h"

namespace {
overtone::fuzz::WriteTarget* target;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  target = new overtone::fuzz::WriteTarget();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  target->Run("application/x-protobuf;proto=prometheus.WriteRequest", data, size);
  return 0;
}
