// Shared timestamp columns: the timestamps of a segment stored once under a
// key derived from their bytes, so that the series of one scrape target,
// whose samples carry the same timestamps, keep one copy between them. A
// segment refers to its column with timestamp codec 3 (segment.h): its
// timestamp block is then the column's key, 8 bytes big-endian.
//
// Layout of a column (the value stored under its key):
//   u8       timestamp codec (1: delta-of-delta, 2: FLAC deltas; timestamp_codec.h)
//   varint   timestamp count (>= 1)
//   bytes    timestamp block, up to the checksum
//   u32      CRC-32C of every byte before it, little-endian
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

// Checks the checksum, the codec and that the timestamps ascend; appends
// every timestamp of the column.
Status DecodeTimestampColumn(std::string_view column, std::vector<int64_t>* out);

// The inline size of the timestamp block of a column (what a segment would
// hold without sharing it).
size_t TimestampColumnBlockBytes(std::string_view column);

// The codec and the timestamp block of a column (a view into it): what a
// segment holds inline without sharing it. Corruption when the column's
// checksum or header is wrong.
Status TimestampColumnBlock(std::string_view column, uint8_t* codec, std::string_view* block);

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_CODEC_TIMESTAMP_COLUMN_H_
