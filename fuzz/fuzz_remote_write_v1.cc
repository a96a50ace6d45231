// POST /api/v1/write with a prometheus.WriteRequest (remote write 1.0) body; see write_target.h.

#include <cstdint>

#include "fuzz/write_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto* target = new overtone::fuzz::WriteTarget();  // one database for every input
  target->Run("application/x-protobuf;proto=prometheus.WriteRequest", data, size);
  return 0;
}
