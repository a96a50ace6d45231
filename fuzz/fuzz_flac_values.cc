// FLAC value blocks (storage/codec/flac_values.h) from arbitrary bytes,
// with the count and the range [begin, end) a segment read would ask for,
// read as whole frames (value codec 3) and as bare ones (codec 4).
//
// Checks, when the whole block decodes:
//   - the range decodes too, to the same values as that part of the whole
//     (partial decoding reads only some frames, and must agree);
//   - the values, re-encoded with the codec a segment would pick, decode
//     back bit for bit.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "storage/codec/flac_values.h"
#include "storage/codec/segment.h"

using namespace overtone;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::InputReader in(data, size);
  size_t count = in.U16();
  size_t begin = in.U16() % (count + 1);
  size_t end = in.U16() % (count + 1);
  if (begin > end) std::swap(begin, end);
  std::string_view block = in.Rest();

  for (auto framing : {storage::FlacFrames::kWhole, storage::FlacFrames::kBare}) {
    std::vector<double> part;
    Status part_status = storage::DecodeFlacValues(block, count, begin, end, &part, framing);
    std::vector<double> all;
    if (!storage::DecodeFlacValues(block, count, 0, count, &all, framing).ok()) continue;
    FUZZ_CHECK(all.size() == count);
    if (!part_status.ok())
      std::fprintf(stderr, "[%zu, %zu): %s\n", begin, end, part_status.ToString().c_str());
    FUZZ_CHECK(part_status.ok());
    FUZZ_CHECK(fuzz::SameValues(part, std::span(all).subspan(begin, end - begin)));

    std::string again;
    uint8_t codec = storage::EncodeValuesBest(all, storage::SegmentOptions{}, &again);
    std::vector<double> back;
    FUZZ_CHECK(storage::DecodeValueBlock(codec, again, count, 0, count, &back).ok());
    FUZZ_CHECK(fuzz::SameValues(all, back));
  }
  return 0;
}
