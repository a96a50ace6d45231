// Prometheus's XOR chunk encoding (Gorilla, as in prometheus/tsdb/chunkenc
// xor.go), bit-compatible: segments use its value half as their general
// fallback codec and remote read streams whole chunks to Prometheus.
//
// Chunk layout:
//   bytes 0-1   number of samples, big-endian uint16
//   then a bit stream, most significant bit first:
//   sample 0    ts as a zigzag varint (bytes), value as 64 raw bits
//   sample 1    ts delta as a uvarint (bytes), value as an XOR delta
//   sample n>1  delta-of-delta of ts:
//                 0                        dod == 0
//                 10   + 14 bits           -8191   <= dod <= 8192
//                 110  + 17 bits           -65535  <= dod <= 65536
//                 1110 + 20 bits           -524287 <= dod <= 524288
//                 1111 + 64 bits           otherwise
//               then the value as an XOR delta against the previous value:
//                 0                        same bits
//                 10 + meaningful bits     within the previous leading/trailing window
//                 11 + 5 bits leading zeros + 6 bits length (0 means 64) + the bits
//
// Worked example, samples (1000, 1.0), (2000, 1.0):
//   00 02                     two samples
//   d0 0f                     zigzag varint of 1000
//   3f f0 00 00 00 00 00 00   1.0
//   e8 07                     uvarint of the delta 1000
//   0                         value unchanged: one zero bit, padded -> 00
// = 00 02 d0 0f 3f f0 00 00 00 00 00 00 e8 07 00

#ifndef OVERTONE_STORAGE_CODEC_XOR_CHUNK_H_
#define OVERTONE_STORAGE_CODEC_XOR_CHUNK_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"
#include "overtone/types.h"
#include "storage/codec/bit_stream.h"

namespace overtone::storage {

inline constexpr size_t kMaxXorChunkSamples = 65535;

// REQUIRES: samples ascending by ts, at most kMaxXorChunkSamples.
Status EncodeXorChunk(std::span<const Sample> samples, std::string* out);
// Appends the chunk's samples to `out`; Corruption on malformed input.
Status DecodeXorChunk(std::string_view chunk, std::vector<Sample>* out);

// The value half of the encoding, shared with the segment codec.
class XorValueWriter {
 public:
  // The first value is written raw, then XOR deltas.
  void Append(BitWriter* w, double v);

 private:
  uint64_t prev_ = 0;
  uint8_t leading_ = 0xff;  // 0xff: no window yet
  uint8_t trailing_ = 0;
  bool first_ = true;
};

class XorValueReader {
 public:
  bool Read(BitReader* r, double* v);

 private:
  uint64_t prev_ = 0;
  uint8_t leading_ = 0;
  uint8_t trailing_ = 0;
  bool first_ = true;
};

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_CODEC_XOR_CHUNK_H_
