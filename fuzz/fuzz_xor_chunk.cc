// Prometheus XOR chunks (storage/codec/xor_chunk.h) from arbitrary bytes:
// remote read clients and segments trust this decoder with what they read.
// A chunk that decodes has ascending timestamps (anything else is corrupt),
// and re-encoded it decodes to the same samples bit for bit.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "storage/codec/xor_chunk.h"

using namespace overtone;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view chunk(reinterpret_cast<const char*>(data), size);
  std::vector<Sample> samples;
  if (!storage::DecodeXorChunk(chunk, &samples).ok()) return 0;
  FUZZ_CHECK(samples.size() == (size_t{data[0]} << 8 | data[1]));

  auto by_ts = [](const Sample& a, const Sample& b) { return a.ts < b.ts; };
  FUZZ_CHECK(std::is_sorted(samples.begin(), samples.end(), by_ts));
  std::string again;
  FUZZ_CHECK(storage::EncodeXorChunk(samples, &again).ok());
  std::vector<Sample> back;
  FUZZ_CHECK(storage::DecodeXorChunk(again, &back).ok());
  FUZZ_CHECK(fuzz::SameSamples(samples, back));
  return 0;
}
