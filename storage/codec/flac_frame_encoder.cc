#include "storage/codec/flac_frame_encoder.h"

#include <FLAC/format.h>
#include <FLAC/stream_encoder.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace overtone::storage {
namespace {

// Encoders a thread keeps: a few shapes repeat (a scrape interval and a
// window make the same segment length again and again); more would only
// hold memory. libFLAC 1.4 allocates about 70 KB for an encoder of
// 256-sample frames and 330 KB for 4096, so a thread that seals keeps
// 0.5 to 2.6 MB.
constexpr size_t kKeptEncoders = 8;
// Frame numbers grow with every use; a fresh encoder long before they need
// more than the 31 bits of a fixed-block-size stream.
constexpr uint64_t kUsesPerEncoder = uint64_t{1} << 24;

struct EncoderDeleter {
  void operator()(FLAC__StreamEncoder* e) const { FLAC__stream_encoder_delete(e); }
};

struct KeptEncoder {
  int bps = 0;
  uint32_t frame_samples = 0, precision = 0, level = 0;
  std::unique_ptr<FLAC__StreamEncoder, EncoderDeleter> encoder;
  // Whether the encoder holds the zero sample that followed its last frame.
  bool holds_one = false;
  uint64_t uses = 0;
  // Written by the callback: the last frame and how many frames came.
  std::string frame;
  size_t frames_written = 0;
};

FLAC__StreamEncoderWriteStatus KeepFrame(const FLAC__StreamEncoder*, const FLAC__byte buffer[], size_t bytes,
                                         uint32_t samples, uint32_t, void* data) {
  auto* kept = static_cast<KeptEncoder*>(data);
  if (samples == 0) return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;  // the stream header
  kept->frame.assign(reinterpret_cast<const char*>(buffer), bytes);
  ++kept->frames_written;
  return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
}

// Set up as flac_values.cc's RunFlacEncoder sets up its fresh encoders, but
// with the frame length as block size and the precision stated.
std::unique_ptr<KeptEncoder> NewKeptEncoder(int bps, uint32_t frame_samples, uint32_t precision,
                                            uint32_t level) {
  auto kept = std::make_unique<KeptEncoder>();
  kept->bps = bps;
  kept->frame_samples = frame_samples;
  kept->precision = precision;
  kept->level = level;
  kept->encoder.reset(FLAC__stream_encoder_new());
  FLAC__StreamEncoder* enc = kept->encoder.get();
  if (enc == nullptr) return nullptr;
  FLAC__stream_encoder_set_verify(enc, false);
  FLAC__stream_encoder_set_streamable_subset(enc, false);
  FLAC__stream_encoder_set_channels(enc, 1);
  FLAC__stream_encoder_set_bits_per_sample(enc, bps);
  FLAC__stream_encoder_set_sample_rate(enc, 48000);
  FLAC__stream_encoder_set_compression_level(enc, level);
  FLAC__stream_encoder_set_qlp_coeff_precision(enc, precision);
  FLAC__stream_encoder_set_blocksize(enc, frame_samples);
  if (FLAC__stream_encoder_init_stream(enc, KeepFrame, nullptr, nullptr, nullptr, kept.get()) !=
      FLAC__STREAM_ENCODER_INIT_STATUS_OK) {
    return nullptr;
  }
  return kept;
}

class KeptEncoders {
 public:
  static KeptEncoders& Get() {
    thread_local KeptEncoders kept;
    return kept;
  }

  // The encoder of this shape, made when missing; null when libFLAC cannot
  // make one. The most recently used stay.
  KeptEncoder* Find(int bps, uint32_t frame_samples, uint32_t precision, uint32_t level) {
    auto it = std::find_if(encoders_.begin(), encoders_.end(), [&](const std::unique_ptr<KeptEncoder>& e) {
      return e->bps == bps && e->frame_samples == frame_samples && e->precision == precision &&
             e->level == level;
    });
    if (it == encoders_.end()) {
      std::unique_ptr<KeptEncoder> made = NewKeptEncoder(bps, frame_samples, precision, level);
      if (!made) return nullptr;
      if (encoders_.size() >= kKeptEncoders) encoders_.erase(encoders_.begin());
      encoders_.push_back(std::move(made));
      return encoders_.back().get();
    }
    std::rotate(it, it + 1, encoders_.end());
    return encoders_.back().get();
  }

  void Drop(KeptEncoder* kept) {
    std::erase_if(encoders_, [kept](const std::unique_ptr<KeptEncoder>& e) { return e.get() == kept; });
  }

  std::vector<int32_t> input;  // reused between calls

 private:
  KeptEncoders() = default;
  std::vector<std::unique_ptr<KeptEncoder>> encoders_;
};

}  // namespace

// libFLAC 1.4's rule (stream_encoder.c, init_stream_internal_).
uint32_t FlacQlpCoeffPrecision(int bps, uint32_t block_size) {
  if (bps < 16) return std::max<uint32_t>(FLAC__MIN_QLP_COEFF_PRECISION, 2 + static_cast<uint32_t>(bps) / 2);
  if (bps == 16) {
    if (block_size <= 192) return 7;
    if (block_size <= 384) return 8;
    if (block_size <= 576) return 9;
    if (block_size <= 1152) return 10;
    if (block_size <= 2304) return 11;
    if (block_size <= 4608) return 12;
    return 13;
  }
  if (block_size <= 384) return FLAC__MAX_QLP_COEFF_PRECISION - 2;
  if (block_size <= 1152) return FLAC__MAX_QLP_COEFF_PRECISION - 1;
  return FLAC__MAX_QLP_COEFF_PRECISION;
}

Status EncodeFlacFrameKept(std::span<const int32_t> pcm, int bps, uint32_t qlp_precision,
                           uint32_t compression_level, std::string* frame) {
  if (pcm.size() < kMinKeptFrame || pcm.size() > kMaxKeptFrame) {
    return Status::NotSupported("frame length outside the kept encoders' range");
  }
  KeptEncoders& all = KeptEncoders::Get();
  const auto n = static_cast<uint32_t>(pcm.size());
  KeptEncoder* kept = all.Find(bps, n, qlp_precision, compression_level);
  if (kept == nullptr) return Status::Internal("cannot initialize a FLAC encoder");
  // [zeros completing the frame the last use began,] the frame, and one
  // zero sample that makes libFLAC write it.
  std::vector<int32_t>& input = all.input;
  input.clear();
  if (kept->holds_one) input.resize(n - 1, 0);
  input.insert(input.end(), pcm.begin(), pcm.end());
  input.push_back(0);
  kept->frames_written = 0;
  static_assert(sizeof(FLAC__int32) == sizeof(int32_t));
  const bool ok = FLAC__stream_encoder_process_interleaved(kept->encoder.get(),
                                                           reinterpret_cast<const FLAC__int32*>(input.data()),
                                                           static_cast<uint32_t>(input.size()));
  if (!ok || kept->frames_written != (kept->holds_one ? 2u : 1u)) {
    all.Drop(kept);
    return Status::Internal("FLAC encoding failed");
  }
  kept->holds_one = true;
  frame->swap(kept->frame);
  if (++kept->uses >= kUsesPerEncoder) all.Drop(kept);
  return Status::OK();
}

}  // namespace overtone::storage
