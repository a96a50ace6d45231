// Segment timestamp blocks (storage/codec/timestamp_codec.h) from arbitrary
// bytes, with the codec id and count a segment header would give. A block
// that decodes to ascending timestamps is re-encoded with the codec the
// encoder picks, and must decode to the same timestamps.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "storage/codec/timestamp_codec.h"

using namespace overtone;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::InputReader in(data, size);
  uint8_t codec = in.U8();
  size_t count = in.U16();
  std::vector<int64_t> ts;
  if (!storage::DecodeTimestamps(codec, in.Rest(), count, &ts).ok()) return 0;
  FUZZ_CHECK(ts.size() == count);

  if (!std::is_sorted(ts.begin(), ts.end())) return 0;  // the encoder's precondition
  std::string again;
  uint8_t chosen = storage::EncodeTimestampsBest(ts, &again);
  std::vector<int64_t> back;
  FUZZ_CHECK(storage::DecodeTimestamps(chosen, again, count, &back).ok());
  FUZZ_CHECK(back == ts);
  return 0;
}
