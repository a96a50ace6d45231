// Timestamp codecs for segments. Two are tried and the smaller kept:
//
// Delta-of-delta (id 1): short prefix codes, so a regular scrape interval
// costs one bit a sample.
//
// FLAC deltas (id 2): the first timestamp as a zigzag varint, then the
// count-1 deltas between timestamps as a FLAC value block (flac_values.h,
// one frame for up to 4096 deltas). Scrape jitter of a few ms makes
// delta-of-delta pay its 9-bit bucket on nearly every sample; FLAC's Rice
// coding pays close to the jitter's entropy instead.
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
inline constexpr uint8_t kTimestampCodecFlac = 2;
// In a segment only: the timestamps are a shared column (timestamp_column.h).
inline constexpr uint8_t kTimestampCodecShared = 3;

// Delta-of-delta alone. REQUIRES: ts ascending.
void EncodeTimestamps(std::span<const int64_t> ts, std::string* out);
// Encodes with the smaller codec; returns its id. REQUIRES: ts ascending.
uint8_t EncodeTimestampsBest(std::span<const int64_t> ts, std::string* out);

// FLAC deltas (id 2) with `block_size` deltas a frame (16..65535), every
// frame decodable alone. False when the deltas do not suit FLAC (a step of
// 2^53 or more, or values FLAC refuses). REQUIRES: ts ascending.
bool EncodeTimestampsFlac(std::span<const int64_t> ts, uint32_t block_size, std::string* out);

// Decodes exactly `count` timestamps of codec `codec`.
Status DecodeTimestamps(std::string_view in, size_t count, std::vector<int64_t>* out);
Status DecodeTimestamps(uint8_t codec, std::string_view in, size_t count, std::vector<int64_t>* out);

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_CODEC_TIMESTAMP_CODEC_H_
