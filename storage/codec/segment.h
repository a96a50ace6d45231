// Segment: one series' samples over a closed time range, compressed.
//
// Layout (all of it covered by the trailing checksum):
//   u8       format version (2; version 1 is read too)
//   u8       timestamp codec id (1: delta-of-delta, 2: FLAC deltas; timestamp_codec.h;
//            3: a shared column, timestamp_column.h, version 2 only)
//   u8       value codec id (1: raw, 2: XOR, 3: FLAC, 4: FLAC with bare frames,
//            database format version 3 only)
//   varint   sample count (>= 1)
//   zigzag   min ts
//   varint   max ts - min ts
//   varint   timestamp block length, then the timestamp block (codec 3:
//            8 bytes, the shared column's key, big-endian)
//   bytes    value block, up to the checksum:
//              raw   8 bytes IEEE-754 little-endian per value
//              XOR   Gorilla XOR deltas, the value half of Prometheus's XOR chunks
//              FLAC  flac_values.h (codec 4: its frames without header and footer)
//   u32      CRC-32C of every byte before it, little-endian
//
// The value codec is chosen per segment: each candidate encodes, the
// result is decoded and compared bit for bit, and the smallest one that
// round-trips is kept. Raw always round-trips, so a segment always encodes.
//
// Version 1 differs only in its first byte and in knowing no codec 3.
//
// Worked example: samples (1000, 1.0), (2000, 1.0) with the XOR codec:
//   02 01 02            version 2, dod timestamps, XOR values
//   02                  2 samples
//   d0 0f               min ts 1000 (zigzag varint)
//   e8 07               max - min = 1000
//   04 d0 0f d0 0f      4 bytes of timestamps: first 1000, delta 1000
//   3f f0 00 00 00 00 00 00 00     1.0, then "same" (one 0 bit)
//   xx xx xx xx         CRC-32C
// The same samples with their timestamps in the shared column of key K:
//   02 03 02 02 d0 0f e8 07
//   08 K(8 bytes, big-endian)
//   3f f0 00 00 00 00 00 00 00
//   xx xx xx xx

#ifndef OVERTONE_STORAGE_CODEC_SEGMENT_H_
#define OVERTONE_STORAGE_CODEC_SEGMENT_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"
#include "overtone/types.h"
#include "storage/codec/flac_values.h"

namespace overtone::storage {

inline constexpr uint8_t kSegmentVersion = 2;
// The first version, still read: no shared timestamp columns.
inline constexpr uint8_t kSegmentVersion1 = 1;

// Sealing writes raw, XOR or FLAC with bare frames (4); 3, FLAC frames with
// their headers, is still read.
enum ValueCodecId : uint8_t {
  kValueCodecRaw = 1,
  kValueCodecXor = 2,
  kValueCodecFlac = 3,
  kValueCodecFlacBare = 4
};
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
  // Timestamp codec 3: the key of the shared column holding the timestamps
  // (then `timestamps` is the reference's 8 bytes).
  uint64_t column_key = 0;
  bool shared_timestamps() const;
};

// Encodes values with the smallest value codec that round-trips (the same
// choice a segment makes); returns the codec id.
uint8_t EncodeValuesBest(std::span<const double> values, const SegmentOptions& options, std::string* out);
// Decodes values [begin, end) of a block of `count` values of codec `codec`.
Status DecodeValueBlock(uint8_t codec, std::string_view in, size_t count, size_t begin, size_t end,
                        std::vector<double>* out);

// REQUIRES: samples ascending by ts, without duplicate timestamps, not empty.
Status EncodeSegment(std::span<const Sample> samples, const SegmentOptions& options, std::string* out);

// The same with the timestamp block encoded already: `ts_codec` and
// `ts_block` as EncodeTimestampsBest returned them for the samples'
// timestamps (a timestamp column holds them: TimestampColumnBlock).
Status EncodeSegmentWithTimestampBlock(std::span<const Sample> samples, const SegmentOptions& options,
                                       uint8_t ts_codec, std::string_view ts_block, std::string* out);

// The same with the timestamps in the shared column of key `column_key`
// (the caller stores the column, timestamp_column.h).
Status EncodeSegmentWithColumn(std::span<const Sample> samples, const SegmentOptions& options,
                               uint64_t column_key, std::string* out);

// Checks the checksum and header; Corruption when they are wrong.
Status ParseSegment(std::string_view bytes, SegmentView* view);
// The two halves of ParseSegment: the header alone (every field checked
// against the bytes, so that reading it cannot go out of bounds), and the
// checksum alone. For a reader that knows these bytes passed the check
// before (the same record: key, size and stored checksum).
Status ParseSegmentHeader(std::string_view bytes, SegmentView* view);
Status VerifySegmentChecksum(std::string_view bytes);

// Decodes values [begin, end) of the segment's value block, appending them
// (DecodeValueBlock by default): a reader may supply values it decoded
// before.
using ValueBlockDecoder =
    std::function<Status(const SegmentView& view, size_t begin, size_t end, std::vector<double>* out)>;

// Appends the samples with min_ts <= ts <= max_ts, decoding only the values
// (for FLAC, only the frames) that hold them. A segment with a shared
// timestamp column is InvalidArgument here: use DecodeSegmentWithTimestamps.
Status DecodeSegment(const SegmentView& view, int64_t min_ts, int64_t max_ts, std::vector<Sample>* out,
                     const ValueBlockDecoder* values = nullptr);

// The same with the segment's timestamps decoded already (its shared
// column, or its own block); Corruption when they disagree with the header.
Status DecodeSegmentWithTimestamps(const SegmentView& view, std::span<const int64_t> ts, int64_t min_ts,
                                   int64_t max_ts, std::vector<Sample>* out,
                                   const ValueBlockDecoder* values = nullptr);

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_CODEC_SEGMENT_H_
