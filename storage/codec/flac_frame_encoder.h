// libFLAC frames encoded by encoders a thread keeps initialized.
//
// Why: libFLAC probes the processor (several CPUID instructions) every time
// an encoder is initialized, and under a hypervisor each CPUID traps to it.
// On a virtual machine that made initializing an encoder cost about 25 us,
// more than encoding a frame of a few hundred samples; sealing initialized
// one for every segment and it was most of sealing a short series.
//
// How: FLAC frames are independent. The bytes libFLAC writes for a frame
// follow from its samples, their sample size, the frame's length and the
// encoder's settings (compression level, and the LPC coefficient precision
// that libFLAC derives from the stream's nominal block size), never from the
// frames before it; only the frame number in its header does. A thread keeps
// one initialized encoder per (sample size, frame length, precision, level)
// and encodes each frame as the next frame of that encoder's stream.
// libFLAC writes a frame only once it holds one sample past it (so that it
// knows the frame is not the last), so every frame is followed by a zero
// sample, which starts the encoder's next frame; the next use first fills
// that frame up with zeros and drops it. The frame's header therefore
// differs from a fresh encoder's (its frame number), the rest does not:
// callers keep only what follows the header. tests/storage/flac_values_test
// compares both ways on random blocks.

#ifndef OVERTONE_STORAGE_CODEC_FLAC_FRAME_ENCODER_H_
#define OVERTONE_STORAGE_CODEC_FLAC_FRAME_ENCODER_H_

#include <cstdint>
#include <span>
#include <string>

#include "overtone/status.h"

namespace overtone::storage {

// Frame lengths a thread keeps encoders for. Shorter frames cannot be a
// libFLAC stream's block size; longer ones would keep large buffers.
inline constexpr uint32_t kMinKeptFrame = 16;
inline constexpr uint32_t kMaxKeptFrame = 4096;

// The LPC coefficient precision libFLAC chooses for a stream of `bps`-bit
// samples with `block_size` samples a frame when left to choose (as every
// compression level leaves it): the frames of one stream, its last shorter
// one too, use the precision of its nominal block size.
uint32_t FlacQlpCoeffPrecision(int bps, uint32_t block_size);

// Replaces *frame with the frame libFLAC writes for the mono PCM `pcm` of
// `bps` bits at `compression_level` with LPC coefficient precision
// `qlp_precision`, header (of some frame number) and CRC-16 included.
// NotSupported when pcm.size() is outside [kMinKeptFrame, kMaxKeptFrame];
// Internal when libFLAC fails (the encoder is then dropped).
Status EncodeFlacFrameKept(std::span<const int32_t> pcm, int bps, uint32_t qlp_precision,
                           uint32_t compression_level, std::string* frame);

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_CODEC_FLAC_FRAME_ENCODER_H_
