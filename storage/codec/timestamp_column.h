// Shared timestamp columns: the timestamps of a segment stored once under a
// key derived from their bytes, so that the series of one scrape target,
// whose samples carry the same timestamps, keep one copy between them. A
// segment refers to its column with timestamp codec 3 (segment.h): its
// timestamp block is then the column's key, 8 bytes big-endian.
//
// Layout of a column (the value stored under its key):
//   u8       column codec: 1 delta-of-delta, 2 FLAC deltas (timestamp_codec.h),
//            4 FLAC deltas with a frame index (below)
//   varint   timestamp count (>= 1)
//   (codec 4 only) the frame index:
//     varint   B, the deltas a FLAC frame holds (16..65535; the block's own)
//     varint   F times, F = ceil((count-1) / B) frames: ts[min(f*B, count-1)] - ts[0]
//              for f = 1..F (ascending, > 0): where frame f-1 ends and frame f
//              starts (the timestamp before its first delta), the last the last
//   bytes    timestamp block, up to the checksum (codec 4: a FLAC deltas block,
//            id 2, of B deltas a frame)
//   u32      CRC-32C of every byte before it, little-endian
//
// The frame index lets a read of a short range decode only the frames that
// hold it (TimestampColumnReader): frame f's deltas give ts[f*B+1 ..
// f*B+B] from the indexed ts[f*B], and must end on the next entry, so a
// frame disagreeing with the index is found whichever frame is read. A column of more than B+1 timestamps
// whose framed FLAC block is smaller than delta-of-delta is written with codec 4; any other with the smaller
// of codecs 1 and 2, as before codec 4 existed. A segment holding the timestamps of a codec 4 column inline
// holds its FLAC block with codec 2 (TimestampColumnBlock), which needs no index.
//
// Key: XXH3-64 of every byte of the column, checksum included. Equal
// timestamps give equal columns and so equal keys. Two different columns
// with one key are told apart by comparing bytes before sharing (the
// compactor stores the second one inline), so a collision costs space,
// never a wrong answer.
//
// Worked example: timestamps 1000, 2000, 3000 (delta-of-delta) ->
//   01          codec 1
//   03          3 timestamps
//   d0 0f d0 0f 00      first 1000, delta 1000, then one 0 bit
//   xx xx xx xx         CRC-32C

#ifndef OVERTONE_STORAGE_CODEC_TIMESTAMP_COLUMN_H_
#define OVERTONE_STORAGE_CODEC_TIMESTAMP_COLUMN_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"

namespace overtone::storage {

// REQUIRES: ts strictly ascending, not empty.
void EncodeTimestampColumn(std::span<const int64_t> ts, std::string* out);

// The key a column is stored under.
uint64_t TimestampColumnKey(std::string_view column);

// Deltas a FLAC frame holds in a codec 4 column: a read of the last hour of
// a 6-hour window of 15 s scrapes (1440 timestamps) decodes 2 frames of 6.
inline constexpr uint32_t kTimestampColumnFrameDeltas = 256;
inline constexpr uint8_t kTimestampColumnFramedFlac = 4;

// Checks the checksum, the codec and that the timestamps ascend; appends
// every timestamp of the column.
Status DecodeTimestampColumn(std::string_view column, std::vector<int64_t>* out);

// Whether the column has a frame index (codec 4), read from its first
// byte alone: TimestampColumnReader then decodes it a frame at a time.
bool HasTimestampColumnIndex(std::string_view column);

// The inline size of the timestamp block of a column (what a segment would
// hold without sharing it).
size_t TimestampColumnBlockBytes(std::string_view column);

// The codec and the timestamp block of a column (a view into it): what a
// segment holds inline without sharing it. Corruption when the column's
// checksum or header is wrong.
Status TimestampColumnBlock(std::string_view column, uint8_t* codec, std::string_view* block);

// A column's timestamps decoded a frame at a time: the positions of a
// range and the timestamps around them cost only the frames that hold them.
// A column without a frame index (codecs 1 and 2) is one frame, decoded
// whole at Open. Every frame decoded is checked as DecodeTimestampColumn
// checks the whole (ascending, and ending on the next frame's indexed
// timestamp); a range read this way equals the same slice of the whole
// decode.
class TimestampColumnReader {
 public:
  // Checks the checksum, the header and the frame index. `column` must
  // outlive the reader.
  Status Open(std::string_view column);

  bool indexed() const { return indexed_; }
  size_t size() const { return count_; }
  int64_t front() const { return anchors_.front(); }
  int64_t back() const { return anchors_.back(); }
  // Frames decoded so far (a column without an index: its one frame, at Open).
  size_t frames_decoded() const { return frames_decoded_; }

  // The position of the first timestamp at or after `t` (size() if none).
  Result<size_t> LowerBound(int64_t t);
  // The position of the first timestamp after `t` (size() if none).
  Result<size_t> UpperBound(int64_t t);
  // Appends timestamps [begin, end). REQUIRES: begin <= end <= size().
  Status Append(size_t begin, size_t end, std::vector<int64_t>* out);

 private:
  // Frame f holds ts[f*step_ .. min((f+1)*step_, count_-1)], both ends in.
  Result<const std::vector<int64_t>*> Frame(size_t f);
  Result<size_t> Bound(int64_t t, bool upper);

  bool indexed_ = false;
  size_t count_ = 0;
  size_t step_ = 1;
  std::string_view flac_;                     // the FLAC deltas block (indexed columns)
  std::vector<int64_t> anchors_;              // ts[min(f*step_, count_-1)], f = 0..frames: each frame's ends
  std::vector<std::vector<int64_t>> frames_;  // decoded frames, empty until read
  size_t frames_decoded_ = 0;
};

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_CODEC_TIMESTAMP_COLUMN_H_
