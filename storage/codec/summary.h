// Summary: what a segment's samples add up to, kept beside the segment so
// that a long `*_over_time` window can merge summaries instead of decoding
// every sample.
//
// Exact part (staleness markers excluded, samples in time order):
//   count; the Kahan-Neumaier sum and its compensation; Prometheus's
//   running mean and M2 (variance numerator) with their compensations;
//   min and max with the timestamps Prometheus's ts_of_min/ts_of_max pick
//   (the last sample holding the extreme); first and last sample.
// Approximate part, a quantile sketch: up to kMaxQuantilePoints values of
//   the sorted samples (NaN first, as Prometheus sorts) at evenly spaced
//   ranks, the smallest and the largest included. A block of n samples and
//   m points places any value's rank within (n - 1) / (m - 1) samples, so
//   merged sketches answer a quantile within 1/(m - 1) of the total rank:
//   1% with m = 101. Format 2 does not store it: the points are picked from
//   the segment's values, which the segment holds anyway (the engine does it
//   on the first approximate query and keeps them in memory). Stored, they
//   were 70% of a summary's bytes, 0.15 bytes a sample.
//
// Layout (summary format 2), floats IEEE-754 little-endian:
//   u8      format version (2; 1 is still read)
//   u8      flags: bit 0 any NaN among the samples
//   varint  count (0: the segment held only staleness markers; then the CRC)
//   zigzag  first ts, then varints last - first, ts_of_min - first, ts_of_max - first
//   varint  tags, two bits for each field i (bits 2i, 2i+1) of: sum, sum_c,
//           mean, mean_c, m2, m2_c, min, max, first, last;
//             0: +0.0, nothing stored
//             1: f64
//             2: decimal, varint zigzag(n) << 4 | k: the value is n / 10^k bit
//                for bit (k <= 15, the smallest that is; |n| < 2^53). Extremes,
//                first and last of one- or two-decimal gauges take 2-3 bytes.
//   ...     the fields with tags 1 and 2, in that order
//   u32     CRC-32C of everything before it, little-endian
//
// Format 1 stores the fields as `u16 mask` (bit i: field i stored, else
// +0.0) and an f64 for each stored one, and then, before the CRC, the
// quantile points:
//   varint  number of quantile points m; when m > 0: u8 value codec id and
//           varint length, then the points as a segment value block (segment.h)

#ifndef OVERTONE_STORAGE_CODEC_SUMMARY_H_
#define OVERTONE_STORAGE_CODEC_SUMMARY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"

namespace overtone::storage {

inline constexpr uint8_t kSummaryVersion = 2;
// The first version, still read: quantile points stored.
inline constexpr uint8_t kSummaryVersion1 = 1;
inline constexpr size_t kMaxQuantilePoints = 101;

struct Summary {
  uint64_t count = 0;
  bool has_nan = false;
  int64_t first_ts = 0, last_ts = 0, ts_of_min = 0, ts_of_max = 0;
  double sum = 0, sum_c = 0;
  double mean = 0, mean_c = 0, m2 = 0, m2_c = 0;
  double min = 0, max = 0, first = 0, last = 0;
  // Ascending (NaN first). Decoded from format 1 only; never encoded.
  std::vector<double> quantile_points;

  bool operator==(const Summary&) const = default;
};

// Encodes format 2: `quantile_points` is not stored.
void EncodeSummary(const Summary& s, std::string* out);
// Reads formats 1 and 2. Without `with_points` a format 1 quantile sketch
// is skipped (left empty): the exact functions do not need it, and it is
// most of the decoding work. Format 2 leaves the points empty.
Status DecodeSummary(std::string_view in, Summary* s, bool with_points = true);

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_CODEC_SUMMARY_H_
