// FLAC value codec: a segment's float64 values as 32-bit-or-less PCM,
// compressed by libFLAC's linear prediction and Rice coding, losslessly.
//
// Mapping: every value v with v == n / 10^k exactly (bit for bit, n an
// integer, one decimal scale k per segment) becomes the integer n; FLAC then
// codes either n - base ("direct", when the range of n fits 32 bits) or the
// steps n_i - n_(i-1) ("delta": large counters, and series that mostly go
// up whose steps need fewer bits than their values). A direct base lies on
// the grid of the largest power of two dividing every n - min(n), so that
// FLAC's wasted-bits shift takes those zero bits out. Values that do not map
// (NaN, ±Inf, the stale marker, -0.0, values with more precision than k, or
// steps too large) are exceptions stored verbatim; the PCM stream carries a
// neutral sample in their place so the prediction is not disturbed.
//
// Layout (value codec id 3):
//   u8       scale k (value = n / 10^k)
//   u8       transform: 0 direct, 1 delta
//   u8       bits per sample of the PCM (4..32)
//   varint   block size (samples per FLAC frame; the last frame may be shorter)
//   zigzag   base: direct -> n = base + pcm; delta -> running n before sample 0
//   varint   exception count, then per exception:
//              varint index gap (from the previous exception, or from 0)
//              8 bytes IEEE-754 bits, little-endian
//   varint   frame count, then per frame:
//              varint frame length in bytes
//              zigzag (delta only) running n before the frame's first sample, minus base
//   bytes    the FLAC frames, back to back (without the "fLaC" marker and
//            STREAMINFO block, which the decoder synthesizes from the fields above)
//
// Value codec id 4 is the same layout with bare frames: each FLAC frame
// without its header (sync code, block size, frame number, CRC-8) and
// without its CRC-16 footer, 8 to 10 bytes a frame that say nothing the
// block's fields and frame table do not (the segment's CRC-32C guards the
// bytes). The decoder writes a header for frame f of n samples (n-1 as an
// explicit 16-bit block size, f as FLAC's UTF-8-style number, sample rate and
// sample size "from STREAMINFO") and the CRC-16 in front of and after the
// frame before libFLAC reads it. Frame lengths in the frame table are the
// bare lengths.
//
// Delta decoding: for each sample, an exception sets the value; if that
// value maps to an integer n at scale k, the running n becomes n. Otherwise
// running n += pcm. The frame table makes every frame decodable alone, so a
// query over part of a segment decodes only the frames it needs.

#ifndef OVERTONE_STORAGE_CODEC_FLAC_VALUES_H_
#define OVERTONE_STORAGE_CODEC_FLAC_VALUES_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"

namespace overtone::storage {

struct FlacParams {
  uint32_t block_size = 256;       // samples per frame: the unit of partial decoding
  uint32_t compression_level = 8;  // libFLAC's 0..8
};

// How the FLAC frames are stored: whole (value codec 3, FLAC timestamps)
// or bare (value codec 4).
enum class FlacFrames { kWhole, kBare };

// How the frames are encoded: by the encoders the thread keeps
// (flac_frame_encoder.h; whole frames then get their frame numbers written
// anew), or by a fresh libFLAC encoder for the block. Both write the same
// bytes.
enum class FlacEncoderUse { kKept, kFresh };

// NotSupported when the values do not suit FLAC (too few map to integers).
Status EncodeFlacValues(std::span<const double> values, const FlacParams& params, std::string* out,
                        FlacFrames frames = FlacFrames::kWhole, FlacEncoderUse use = FlacEncoderUse::kKept);

// Decodes values [begin, end) of a block of `count` values, appending them
// to `out`. Decodes only the frames that hold them.
Status DecodeFlacValues(std::string_view in, size_t count, size_t begin, size_t end, std::vector<double>* out,
                        FlacFrames frames = FlacFrames::kWhole);

// The samples a frame of the block holds (its last frame may hold fewer):
// the unit that DecodeFlacValues decodes, read from the block's header.
Result<uint32_t> FlacBlockSize(std::string_view in);

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_CODEC_FLAC_VALUES_H_
