// Timestamp codec for segments: delta-of-delta with short prefix codes, so
// a regular scrape interval costs one bit a sample and a few ms of jitter
// about ten.
//
// Layout (id 1):
//   zigzag varint   first timestamp
//   zigzag varint   first delta (only when count > 1)
//   bit stream, MSB first, one code per further timestamp:
//     0                      dod == 0
//     10    + 7 bits         -63 <= dod <= 64
//     110   + 12 bits        -2047 <= dod <= 2048
//     1110  + 20 bits        -524287 <= dod <= 524288
//     11110 + 32 bits        fits in 32 bits (the same rule)
//     11111 + 64 bits        anything else
//   dod values are two's complement in their field, read back with the
//   "> 2^(n-1) is negative" rule of Prometheus's XOR chunks.
//
// Worked example: 1000, 2000, 3000, 4005 ->
//   d0 0f | d0 0f | 0 | 10 0000101 -> bits 0100 0001 01(00 0000) -> 41 40
//   = d0 0f d0 0f 41 40

#ifndef OVERTONE_STORAGE_CODEC_TIMESTAMP_CODEC_H_
#define OVERTONE_STORAGE_CODEC_TIMESTAMP_CODEC_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"

namespace overtone::storage {

inline constexpr uint8_t kTimestampCodecDod = 1;

// REQUIRES: ts ascending.
void EncodeTimestamps(std::span<const int64_t> ts, std::string* out);
// Decodes exactly `count` timestamps.
Status DecodeTimestamps(std::string_view in, size_t count, std::vector<int64_t>* out);

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_CODEC_TIMESTAMP_CODEC_H_
