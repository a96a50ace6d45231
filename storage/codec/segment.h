// Segment: one series' samples over a closed time range, compressed.
//
// Layout (all of it covered by the trailing checksum):
//   u8       format version (1)
//   u8       timestamp codec id (1: delta-of-delta, 2: FLAC deltas; timestamp_codec.h)
//   u8       value codec id (1: raw, 2: XOR, 3: FLAC)
//   varint   sample count (>= 1)
//   zigzag   min ts
//   varint   max ts - min ts
//   varint   timestamp block length, then the timestamp block
//   bytes    value block, up to the checksum:
//              raw   8 bytes IEEE-754 little-endian per value
//              XOR   Gorilla XOR deltas, the value half of Prometheus's XOR chunks
//              FLAC  flac_values.h
//   u32      CRC-32C of every byte before it, little-endian
//
// The value codec is chosen per segment: each candidate encodes, the
// result is decoded and compared bit for bit, and the smallest one that
// round-trips is kept. Raw always round-trips, so a segment always encodes.
//
// Worked example: samples (1000, 1.0), (2000, 1.0) with the XOR codec:
//   01 01 02            version 1, dod timestamps, XOR values
//   02                  2 samples
//   d0 0f               min ts 1000 (zigzag varint)
//   e8 07               max - min = 1000
//   04 d0 0f d0 0f      4 bytes of timestamps: first 1000, delta 1000
//   3f f0 00 00 00 00 00 00 00     1.0, then "same" (one 0 bit)
//   xx xx xx xx         CRC-32C

#ifndef OVERTONE_STORAGE_CODEC_SEGMENT_H_
#define OVERTONE_STORAGE_CODEC_SEGMENT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"
#include "overtone/types.h"
#include "storage/codec/flac_values.h"

namespace overtone::storage {

inline constexpr uint8_t kSegmentVersion = 1;

enum ValueCodecId : uint8_t { kValueCodecRaw = 1, kValueCodecXor = 2, kValueCodecFlac = 3 };
const char* ValueCodecName(uint8_t id);

struct SegmentOptions {
  FlacParams flac;
  bool allow_flac = true;
  bool allow_xor = true;
};

// The parsed header of a segment; views point into the segment's bytes.
struct SegmentView {
  uint8_t timestamp_codec = 0;
  uint8_t value_codec = 0;
  uint32_t count = 0;
  int64_t min_ts = 0;
  int64_t max_ts = 0;
  std::string_view timestamps;
  std::string_view values;
  size_t total_bytes = 0;
};

// Encodes values with the smallest value codec that round-trips (the same
// choice a segment makes); returns the codec id.
uint8_t EncodeValuesBest(std::span<const double> values, const SegmentOptions& options, std::string* out);
// Decodes values [begin, end) of a block of `count` values of codec `codec`.
Status DecodeValueBlock(uint8_t codec, std::string_view in, size_t count, size_t begin, size_t end,
                        std::vector<double>* out);

// REQUIRES: samples ascending by ts, without duplicate timestamps, not empty.
Status EncodeSegment(std::span<const Sample> samples, const SegmentOptions& options, std::string* out);

// Checks the checksum and header; Corruption when they are wrong.
Status ParseSegment(std::string_view bytes, SegmentView* view);

// Appends the samples with min_ts <= ts <= max_ts, decoding only the values
// (for FLAC, only the frames) that hold them.
Status DecodeSegment(const SegmentView& view, int64_t min_ts, int64_t max_ts, std::vector<Sample>* out);

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_CODEC_SEGMENT_H_
