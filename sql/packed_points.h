// The points of one series packed in a BLOB, as vector_series()
// (sql/vector_series_vtab.cc) returns them: the whole series in one SQL
// value, so that a query's result does not pass through SQLite point by
// point.
//
// Layout: 16 bytes a point, in the order given (vector_series() gives them
// by time), nothing before or after:
//
//   bytes 0..7    ts     int64, ms since the epoch, little-endian
//   bytes 8..15   value  IEEE 754 binary64, little-endian; NaN as any NaN
//                        (a staleness marker's bits included)
//
// A BLOB whose size is not a multiple of 16 was not made here.

#ifndef OVERTONE_SQL_PACKED_POINTS_H_
#define OVERTONE_SQL_PACKED_POINTS_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace overtone::sql {

inline constexpr size_t kPackedPointBytes = 16;

namespace packed_points_internal {

inline uint64_t ToLittle(uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) return v;
  return __builtin_bswap64(v);
}

}  // namespace packed_points_internal

// Appends one point to `out`.
inline void AppendPackedPoint(std::string* out, int64_t ts, double value) {
  using packed_points_internal::ToLittle;
  uint64_t words[2] = {ToLittle(static_cast<uint64_t>(ts)), ToLittle(std::bit_cast<uint64_t>(value))};
  out->append(reinterpret_cast<const char*>(words), sizeof words);
}

// The number of points in `bytes`; false when its size is no multiple of 16.
inline bool PackedPointCount(std::string_view bytes, size_t* count) {
  if (bytes.size() % kPackedPointBytes != 0) return false;
  *count = bytes.size() / kPackedPointBytes;
  return true;
}

// Point i of `bytes`. REQUIRES: i < PackedPointCount.
inline void PackedPointAt(std::string_view bytes, size_t i, int64_t* ts, double* value) {
  using packed_points_internal::ToLittle;
  uint64_t words[2];
  std::memcpy(words, bytes.data() + i * kPackedPointBytes, sizeof words);
  *ts = static_cast<int64_t>(ToLittle(words[0]));
  *value = std::bit_cast<double>(ToLittle(words[1]));
}

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_PACKED_POINTS_H_
