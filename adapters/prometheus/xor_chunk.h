// Prometheus XOR chunks for remote read: the codec is storage's
// (storage/codec/xor_chunk.h, bit-compatible with prometheus/tsdb/chunkenc,
// shared with the segment format); this header gives adapters code the
// names it uses and the chunk size remote read cuts at.
//
// Worked example (checked byte for byte by GoldenBytesThreeSamples in
// tests/adapters/prometheus/codec_test.cc):
// (1000, 1.0), (2000, 1.0), (3000, 2.0) encode to
//   00 03  d0 0f  3f f0 00 00 00 00 00 00  e8 07  30 97 ff c0
//   count  t0     v0 = 1.0                 Δt=1000 then the bits
//   0 (v1 unchanged)  0 (same Δt)  11 00001 001011 11111111111 (v2: XOR
//   0x7ff0000000000000, new window: 1 leading zero, 11 meaningful bits)
//   and 6 zero bits of padding.

#ifndef OVERTONE_ADAPTERS_PROMETHEUS_XOR_CHUNK_H_
#define OVERTONE_ADAPTERS_PROMETHEUS_XOR_CHUNK_H_

#include "overtone/database.h"
#include "storage/codec/xor_chunk.h"

namespace overtone::adapters {

// The chunk size remote read cuts at (Database::ScanXorChunks).
inline constexpr size_t kXorChunkSamples = kXorChunkMaxSamples;

using storage::DecodeXorChunk;
using storage::EncodeXorChunk;

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_PROMETHEUS_XOR_CHUNK_H_
