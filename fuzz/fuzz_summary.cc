// Segment summaries (storage/codec/summary.h) from arbitrary bytes. With
// kAppendCrc the target supplies the checksum; kSkipPoints decodes without
// the quantile sketch, as the exact *_over_time functions do.
// A summary that decodes is re-encoded: that must decode, and encode again
// to the same bytes (decode and encode agree on every field).

#include <cstdint>
#include <string>

#include "fuzz/fuzz_input.h"
#include "storage/codec/summary.h"

using namespace overtone;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::InputReader in(data, size);
  uint8_t flags = in.U8();
  std::string bytes(in.Rest());
  if (flags & fuzz::kAppendCrc) fuzz::AppendCrc(&bytes);
  storage::Summary s;
  if (!storage::DecodeSummary(bytes, &s, !(flags & fuzz::kSkipPoints)).ok()) return 0;
  FUZZ_CHECK(s.quantile_points.size() <= storage::kMaxQuantilePoints);

  std::string once;
  storage::EncodeSummary(s, &once);
  storage::Summary back;
  FUZZ_CHECK(storage::DecodeSummary(once, &back).ok());
  std::string twice;
  storage::EncodeSummary(back, &twice);
  FUZZ_CHECK(once == twice);
  return 0;
}
