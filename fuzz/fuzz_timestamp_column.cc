// Shared timestamp columns (storage/codec/timestamp_column.h) from arbitrary
// bytes: what a read gets back from disk under a column key. With
// kAppendCrc the target supplies the checksum, so the header, the frame
// index and the FLAC frames behind it are reached.
//
// Checks:
//   - a column that decodes whole opens in TimestampColumnReader, which
//     then finds every position and reads every range exactly as the whole
//     decode has them, and it re-encodes to a column that decodes back;
//   - a column that does not decode whole may still open (the reader checks
//     a frame only when it reads it), but what it reads then still ascends
//     and stays within the column's first and last timestamps.
// The probed times come from the flags byte's upper bits.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "storage/codec/timestamp_column.h"

using namespace overtone;

namespace {

bool Ascending(const std::vector<int64_t>& ts) {
  for (size_t i = 1; i < ts.size(); ++i) {
    if (ts[i - 1] >= ts[i]) return false;
  }
  return true;
}

// A time k/7 of the way from first to last (k of 0..7), one past it when
// odd (but never past the largest time).
int64_t Probe(int64_t first, int64_t last, int k) {
  const __int128 t = first + (static_cast<__int128>(last) - first) * k / 7 + (k & 1);
  return static_cast<int64_t>(std::min<__int128>(t, INT64_MAX));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::InputReader in(data, size);
  uint8_t flags = in.U8();
  std::string column(in.Rest());
  if (flags & fuzz::kAppendCrc) fuzz::AppendCrc(&column);

  std::vector<int64_t> all;
  const bool whole = storage::DecodeTimestampColumn(column, &all).ok();
  if (whole) FUZZ_CHECK(!all.empty() && Ascending(all));

  storage::TimestampColumnReader reader;
  if (!reader.Open(column).ok()) {
    FUZZ_CHECK(!whole);
    return 0;
  }
  FUZZ_CHECK(reader.size() >= 1 && reader.front() <= reader.back());
  if (whole)
    FUZZ_CHECK(reader.size() == all.size() && reader.front() == all.front() && reader.back() == all.back());

  int64_t from = Probe(reader.front(), reader.back(), (flags >> 2) & 7);
  int64_t to = Probe(reader.front(), reader.back(), (flags >> 5) & 7);
  if (from > to) std::swap(from, to);
  Result<size_t> lo = reader.LowerBound(from);
  Result<size_t> hi = reader.UpperBound(to);
  if (whole) {
    FUZZ_CHECK(lo.ok() && hi.ok());
    FUZZ_CHECK(*lo == static_cast<size_t>(std::lower_bound(all.begin(), all.end(), from) - all.begin()));
    FUZZ_CHECK(*hi == static_cast<size_t>(std::upper_bound(all.begin(), all.end(), to) - all.begin()));
  }
  if (!lo.ok() || !hi.ok()) return 0;
  FUZZ_CHECK(*lo <= *hi && *hi <= reader.size());
  std::vector<int64_t> part;
  Status read = reader.Append(*lo, *hi, &part);
  if (whole) {
    FUZZ_CHECK(read.ok());
    FUZZ_CHECK(std::equal(part.begin(), part.end(), all.begin() + *lo, all.begin() + *hi));
  }
  if (!read.ok()) return 0;
  FUZZ_CHECK(part.size() == *hi - *lo && Ascending(part));
  for (int64_t t : part) FUZZ_CHECK(t >= from && t <= to);

  if (whole) {
    std::string again;
    storage::EncodeTimestampColumn(all, &again);
    std::vector<int64_t> back;
    FUZZ_CHECK(storage::DecodeTimestampColumn(again, &back).ok() && back == all);
  }
  return 0;
}
