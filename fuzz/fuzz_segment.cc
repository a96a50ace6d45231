// Segments (storage/codec/segment.h) from arbitrary bytes: what a read or
// `overtone check` gets back from disk. With kAppendCrc the target supplies
// the checksum, so the header and the value codecs behind it are reached.
//
// Checks, when the whole segment decodes:
//   - timestamps strictly ascending, the first and last the header's;
//   - a time range decodes to exactly the samples of the whole that fall
//     in it (the range comes from the flags byte's upper bits);
//   - the samples, re-encoded, decode back bit for bit.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "overtone/database.h"
#include "storage/codec/segment.h"

using namespace overtone;

namespace {

std::vector<Sample> Decode(std::string_view bytes, int64_t lo, int64_t hi) {
  storage::SegmentView view;
  FUZZ_CHECK(storage::ParseSegment(bytes, &view).ok());
  std::vector<Sample> out;
  FUZZ_CHECK(storage::DecodeSegment(view, lo, hi, &out).ok());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::InputReader in(data, size);
  uint8_t flags = in.U8();
  std::string bytes(in.Rest());
  if (flags & fuzz::kAppendCrc) fuzz::AppendCrc(&bytes);

  storage::SegmentView view;
  if (!storage::ParseSegment(bytes, &view).ok()) return 0;
  std::vector<Sample> all;
  if (!storage::DecodeSegment(view, kMinTime, kMaxTime, &all).ok()) return 0;
  FUZZ_CHECK(all.size() == view.count);
  FUZZ_CHECK(all.front().ts == view.min_ts && all.back().ts == view.max_ts);
  for (size_t i = 1; i < all.size(); ++i) FUZZ_CHECK(all[i - 1].ts < all[i].ts);

  // A range from one sample's time to another's, each picked by 3 bits.
  size_t i = ((flags >> 2) & 7) * (all.size() - 1) / 7;
  size_t j = ((flags >> 5) & 7) * (all.size() - 1) / 7;
  int64_t lo = all[std::min(i, j)].ts + ((flags & 2) ? 1 : 0), hi = all[std::max(i, j)].ts;
  std::vector<Sample> expected;
  for (const Sample& s : all) {
    if (s.ts >= lo && s.ts <= hi) expected.push_back(s);
  }
  std::vector<Sample> part;
  FUZZ_CHECK(storage::DecodeSegment(view, lo, hi, &part).ok());
  FUZZ_CHECK(fuzz::SameSamples(part, expected));

  std::string again;
  FUZZ_CHECK(storage::EncodeSegment(all, storage::SegmentOptions{}, &again).ok());
  FUZZ_CHECK(fuzz::SameSamples(Decode(again, kMinTime, kMaxTime), all));
  return 0;
}
