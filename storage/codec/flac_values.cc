#include "storage/codec/flac_values.h"

#include <FLAC/stream_decoder.h>
#include <FLAC/stream_encoder.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>

#include "base/coding.h"
#include "storage/codec/flac_frame_encoder.h"

namespace overtone::storage {
namespace {

constexpr int kMaxScale = 12;
constexpr double kPow10[kMaxScale + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12};
constexpr int64_t kMaxExact = int64_t{1} << 53;  // integers a double holds exactly
constexpr int64_t kPcmLimit = (int64_t{1} << 31) - 1;

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t u) { return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1); }

// n with v == n / 10^k bit for bit, if there is one.
std::optional<int64_t> MapToInteger(double v, int k) {
  if (!std::isfinite(v)) return std::nullopt;
  double scaled = v * kPow10[k];
  if (!(std::fabs(scaled) < static_cast<double>(kMaxExact))) return std::nullopt;
  int64_t n = std::llround(scaled);
  double back = static_cast<double>(n) / kPow10[k];
  if (std::bit_cast<uint64_t>(back) != std::bit_cast<uint64_t>(v)) return std::nullopt;
  return n;
}

double FromInteger(int64_t n, int k) { return static_cast<double>(n) / kPow10[k]; }

// The decoder's sums wrap instead of overflowing: a valid block stays far
// inside int64 (|n| < 2^53), a corrupt one decodes to wrong values rather
// than undefined behaviour.
int64_t WrappingAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

// The smallest scale at which the most values map; ties go to the smaller k.
int ChooseScale(std::span<const double> values, size_t* mapped) {
  int best_k = 0;
  size_t best = 0;
  for (int k = 0; k <= kMaxScale; ++k) {
    size_t n = 0;
    for (double v : values) n += MapToInteger(v, k).has_value();
    if (n > best) {
      best = n;
      best_k = k;
    }
    if (best == values.size()) break;
  }
  *mapped = best;
  return best_k;
}

int BitsForSigned(int64_t lo, int64_t hi) {
  int bits = 4;  // FLAC's minimum
  while (bits < 32 && (lo < -(int64_t{1} << (bits - 1)) || hi > (int64_t{1} << (bits - 1)) - 1)) ++bits;
  return bits;
}

struct Plan {
  int k = 0;
  bool delta = false;
  int64_t base = 0;
  std::vector<int32_t> pcm;
  std::vector<std::pair<size_t, double>> exceptions;
  std::vector<int64_t> running_before;  // delta: running n before each sample
};

bool BuildDirect(std::span<const double> values, int k, Plan* plan) {
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  std::vector<std::optional<int64_t>> mapped(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    mapped[i] = MapToInteger(values[i], k);
    if (mapped[i]) {
      lo = std::min(lo, *mapped[i]);
      hi = std::max(hi, *mapped[i]);
    }
  }
  if (lo > hi) return false;
  if (static_cast<uint64_t>(hi - lo) > static_cast<uint64_t>(2 * kPcmLimit)) return false;
  plan->k = k;
  plan->delta = false;
  plan->base = lo + (hi - lo) / 2;  // centre the range on zero
  // FLAC shifts out the low zero bits all of a frame's samples share (its
  // "wasted bits"). The middle of a range of an odd number of steps is off
  // that grid by half a step, which costs every sample a bit: memory in
  // whole pages of 4096 bytes.
  uint64_t offsets = 0;
  for (const auto& n : mapped) {
    if (n) offsets |= static_cast<uint64_t>(*n - lo);
  }
  if (offsets != 0) {
    const int64_t unit = int64_t{1} << std::countr_zero(offsets);
    const int64_t aligned = lo + (plan->base - lo) / unit * unit;
    if (hi - aligned <= kPcmLimit) plan->base = aligned;
  }
  int32_t last = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (mapped[i]) {
      last = static_cast<int32_t>(*mapped[i] - plan->base);
    } else {
      plan->exceptions.emplace_back(i, values[i]);
    }
    plan->pcm.push_back(last);  // an exception repeats its neighbour: cheap to predict
  }
  return true;
}

void BuildDelta(std::span<const double> values, int k, Plan* plan) {
  plan->k = k;
  plan->delta = true;
  plan->base = 0;
  for (double v : values) {
    if (auto n = MapToInteger(v, k)) {
      plan->base = *n;
      break;
    }
  }
  int64_t running = plan->base;
  for (size_t i = 0; i < values.size(); ++i) {
    plan->running_before.push_back(running);
    auto n = MapToInteger(values[i], k);
    if (n && *n - running >= -kPcmLimit && *n - running <= kPcmLimit) {
      plan->pcm.push_back(static_cast<int32_t>(*n - running));
      running = *n;
      continue;
    }
    plan->exceptions.emplace_back(i, values[i]);
    plan->pcm.push_back(0);
    if (n) running = *n;  // the decoder re-bases on a mappable exception too
  }
}

struct EncodeState {
  std::vector<std::string> frames;
};

FLAC__StreamEncoderWriteStatus WriteFrame(const FLAC__StreamEncoder*, const FLAC__byte buffer[], size_t bytes,
                                          uint32_t samples, uint32_t current_frame, void* data) {
  auto* state = static_cast<EncodeState*>(data);
  if (samples == 0) return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;  // the header: dropped
  if (state->frames.size() <= current_frame) state->frames.resize(current_frame + 1);
  state->frames[current_frame].append(reinterpret_cast<const char*>(buffer), bytes);
  return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
}

struct EncoderDeleter {
  void operator()(FLAC__StreamEncoder* e) const { FLAC__stream_encoder_delete(e); }
};
struct DecoderDeleter {
  void operator()(FLAC__StreamDecoder* d) const { FLAC__stream_decoder_delete(d); }
};

// FLAC's CRC-8 (polynomial 0x07) of a frame header and CRC-16 (0x8005) of
// a whole frame, both MSB first with a zero start.
uint8_t Crc8(std::string_view bytes) {
  uint8_t crc = 0;
  for (char c : bytes) {
    crc ^= static_cast<uint8_t>(c);
    for (int i = 0; i < 8; ++i) crc = static_cast<uint8_t>(crc & 0x80 ? (crc << 1) ^ 0x07 : crc << 1);
  }
  return crc;
}

// The CRC-16 is taken eight bytes at a time ("slicing by 8"): every frame a
// read decodes gets one, and a byte at a time it was half of what this file
// spent outside libFLAC. kCrc16Tables[k][x] is the CRC of byte x followed
// by k zero bytes, so eight bytes fold in with eight independent lookups;
// the first two of them carry the CRC so far.
constexpr std::array<std::array<uint16_t, 256>, 8> kCrc16Tables = [] {
  std::array<std::array<uint16_t, 256>, 8> t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint16_t crc = static_cast<uint16_t>(b << 8);
    for (int i = 0; i < 8; ++i) crc = static_cast<uint16_t>(crc & 0x8000 ? (crc << 1) ^ 0x8005 : crc << 1);
    t[0][b] = crc;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (uint32_t b = 0; b < 256; ++b) {
      const uint16_t prev = t[k - 1][b];
      t[k][b] = static_cast<uint16_t>(((prev & 0xff) << 8) ^ t[0][prev >> 8]);
    }
  }
  return t;
}();

uint16_t Crc16(std::string_view bytes) {
  const auto& t = kCrc16Tables;
  auto byte = [&bytes](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  uint16_t crc = 0;
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    crc = static_cast<uint16_t>(t[7][(crc >> 8) ^ byte(i)] ^ t[6][(crc & 0xff) ^ byte(i + 1)] ^
                                t[5][byte(i + 2)] ^ t[4][byte(i + 3)] ^ t[3][byte(i + 4)] ^
                                t[2][byte(i + 5)] ^ t[1][byte(i + 6)] ^ t[0][byte(i + 7)]);
  }
  for (; i < bytes.size(); ++i) crc = static_cast<uint16_t>((crc << 8) ^ t[0][(crc >> 8) ^ byte(i)]);
  return crc;
}

// The length of the header libFLAC wrote in front of a frame (up to and
// including its CRC-8), or 0 when the bytes are not one.
size_t FrameHeaderLength(std::string_view frame) {
  if (frame.size() < 6 || static_cast<uint8_t>(frame[0]) != 0xff ||
      (static_cast<uint8_t>(frame[1]) & 0xfe) != 0xf8)
    return 0;
  const uint8_t first = static_cast<uint8_t>(frame[4]);
  size_t number_bytes = first < 0x80 ? 1 : static_cast<size_t>(std::countl_one(first));
  if ((number_bytes == 1 && first >= 0x80) || number_bytes > 7) return 0;
  const int block_code = static_cast<uint8_t>(frame[2]) >> 4, rate_code = static_cast<uint8_t>(frame[2]) & 15;
  size_t n = 4 + number_bytes +
             (block_code == 6   ? 1
              : block_code == 7 ? 2
                                : 0) +
             (rate_code == 12                      ? 1
              : rate_code == 13 || rate_code == 14 ? 2
                                                   : 0) +
             1;
  return n <= frame.size() && Crc8(frame.substr(0, n - 1)) == static_cast<uint8_t>(frame[n - 1]) ? n : 0;
}

// A frame number as FLAC writes it (UTF-8 style).
void AppendFrameNumber(uint64_t number, std::string* out) {
  if (number < 0x80) {
    out->push_back(static_cast<char>(number));
    return;
  }
  int extra = 1;  // continuation bytes of 6 bits each
  while (extra < 6 && number >= (uint64_t{1} << (6 - extra + 6 * extra))) ++extra;
  out->push_back(static_cast<char>((0xff00 >> (extra + 1)) | (number >> (6 * extra))));
  for (int i = extra - 1; i >= 0; --i) out->push_back(static_cast<char>(0x80 | ((number >> (6 * i)) & 0x3f)));
}

// A header for frame `number` of `samples` samples: mono, sample rate and
// sample size from STREAMINFO, the block size explicit.
void AppendFrameHeader(uint64_t number, size_t samples, std::string* out) {
  size_t start = out->size();
  out->push_back(static_cast<char>(0xff));
  out->push_back(static_cast<char>(0xf8));  // fixed block size
  out->push_back(static_cast<char>(0x70));  // block size: 16 bits at the end; rate from STREAMINFO
  out->push_back(0);                        // mono, sample size from STREAMINFO
  AppendFrameNumber(number, out);
  out->push_back(static_cast<char>((samples - 1) >> 8));
  out->push_back(static_cast<char>((samples - 1) & 0xff));
  out->push_back(static_cast<char>(Crc8(std::string_view(*out).substr(start))));
}

Status RunFlacEncoder(const std::vector<int32_t>& pcm, int bps, const FlacParams& params,
                      std::vector<std::string>* frames) {
  std::unique_ptr<FLAC__StreamEncoder, EncoderDeleter> enc(FLAC__stream_encoder_new());
  if (!enc) return Status::ResourceExhausted("cannot allocate a FLAC encoder");
  FLAC__stream_encoder_set_verify(enc.get(), false);
  FLAC__stream_encoder_set_streamable_subset(enc.get(), false);
  FLAC__stream_encoder_set_channels(enc.get(), 1);
  FLAC__stream_encoder_set_bits_per_sample(enc.get(), bps);
  FLAC__stream_encoder_set_sample_rate(enc.get(), 48000);
  FLAC__stream_encoder_set_compression_level(enc.get(), params.compression_level);
  FLAC__stream_encoder_set_blocksize(enc.get(), params.block_size);
  FLAC__stream_encoder_set_total_samples_estimate(enc.get(), pcm.size());
  EncodeState state;
  if (FLAC__stream_encoder_init_stream(enc.get(), WriteFrame, nullptr, nullptr, nullptr, &state) !=
      FLAC__STREAM_ENCODER_INIT_STATUS_OK) {
    return Status::Internal(std::string("FLAC encoder init: ") +
                            FLAC__StreamEncoderStateString[FLAC__stream_encoder_get_state(enc.get())]);
  }
  static_assert(sizeof(FLAC__int32) == sizeof(int32_t));
  bool ok = FLAC__stream_encoder_process_interleaved(
      enc.get(), reinterpret_cast<const FLAC__int32*>(pcm.data()), static_cast<uint32_t>(pcm.size()));
  ok = FLAC__stream_encoder_finish(enc.get()) && ok;
  if (!ok) return Status::Internal("FLAC encoding failed");
  *frames = std::move(state.frames);
  return Status::OK();
}

// Gives a whole frame from a kept encoder (flac_frame_encoder.h) the frame
// number `number`, with its header's CRC-8 and its CRC-16 written anew:
// the frame a fresh encoder writes as frame `number` of its stream. False
// when the bytes are not a frame.
bool RenumberFrame(uint64_t number, std::string* frame) {
  const size_t header = FrameHeaderLength(*frame);
  if (header == 0 || frame->size() < header + 2) return false;
  const uint8_t first = static_cast<uint8_t>((*frame)[4]);
  const size_t old_number_bytes = first < 0x80 ? 1 : static_cast<size_t>(std::countl_one(first));
  std::string out = frame->substr(0, 4);
  AppendFrameNumber(number, &out);
  out.append(*frame, 4 + old_number_bytes, header - 1 - 4 - old_number_bytes);  // block size and rate bytes
  out.push_back(static_cast<char>(Crc8(out)));
  out.append(*frame, header, frame->size() - header - 2);
  const uint16_t crc = Crc16(out);
  out.push_back(static_cast<char>(crc >> 8));
  out.push_back(static_cast<char>(crc & 0xff));
  frame->swap(out);
  return true;
}

// The whole frames of `pcm`: one by one from the thread's kept encoders
// when every frame's length suits them, else (and on any failure there)
// from a fresh encoder.
Status EncodeFrames(const std::vector<int32_t>& pcm, int bps, const FlacParams& params, FlacFrames framing,
                    FlacEncoderUse use, std::vector<std::string>* frames) {
  const size_t last = pcm.size() % params.block_size;
  if (use == FlacEncoderUse::kKept && params.block_size <= kMaxKeptFrame &&
      (last == 0 || last >= kMinKeptFrame)) {
    const uint32_t precision = FlacQlpCoeffPrecision(bps, params.block_size);
    frames->clear();
    bool kept = true;
    for (size_t at = 0, f = 0; kept && at < pcm.size(); at += params.block_size, ++f) {
      const size_t n = std::min<size_t>(params.block_size, pcm.size() - at);
      std::string& frame = frames->emplace_back();
      kept = EncodeFlacFrameKept(std::span<const int32_t>(pcm).subspan(at, n), bps, precision,
                                 params.compression_level, &frame)
                 .ok();
      // Bare frames lose their header anyway.
      if (kept && framing == FlacFrames::kWhole) kept = RenumberFrame(f, &frame);
    }
    if (kept) return Status::OK();
  }
  return RunFlacEncoder(pcm, bps, params, frames);
}

// Whether at least 3 in 4 steps between neighbours do not go down: a
// counter, a histogram bucket, a gauge that rarely moves. A noisy gauge's
// steps are wider than its values and predict worse.
bool MostlyAscending(std::span<const double> values) {
  size_t up = 0;
  for (size_t i = 1; i < values.size(); ++i) up += values[i] >= values[i - 1];
  return 4 * up >= 3 * (values.size() - 1);
}

// The width of the plan's PCM samples. REQUIRES: a PCM sample at least.
int PcmBits(const Plan& plan) {
  auto [lo, hi] = std::minmax_element(plan.pcm.begin(), plan.pcm.end());
  return BitsForSigned(*lo, *hi);
}

// Appends the value block of `plan`, whose PCM holds `count` samples.
Status EncodePlan(const Plan& plan, size_t count, const FlacParams& params, FlacFrames framing,
                  FlacEncoderUse use, std::string* out) {
  const int bps = PcmBits(plan);

  std::vector<std::string> frames;
  OT_RETURN_IF_ERROR(EncodeFrames(plan.pcm, bps, params, framing, use, &frames));
  size_t expected_frames = (count + params.block_size - 1) / params.block_size;
  if (frames.size() != expected_frames) return Status::Internal("FLAC produced an unexpected frame count");
  if (framing == FlacFrames::kBare) {
    for (std::string& frame : frames) {
      size_t header = FrameHeaderLength(frame);
      if (header == 0 || frame.size() < header + 2) return Status::Internal("FLAC wrote an unexpected frame");
      frame = frame.substr(header, frame.size() - header - 2);
    }
  }

  out->push_back(static_cast<char>(plan.k));
  out->push_back(static_cast<char>(plan.delta ? 1 : 0));
  out->push_back(static_cast<char>(bps));
  PutVarint64(out, params.block_size);
  PutVarint64(out, ZigZag(plan.base));
  PutVarint64(out, plan.exceptions.size());
  size_t prev = 0;
  for (auto [index, v] : plan.exceptions) {
    PutVarint64(out, index - prev);
    prev = index;
    PutDoubleBits(out, v);
  }
  PutVarint64(out, frames.size());
  for (size_t f = 0; f < frames.size(); ++f) {
    PutVarint64(out, frames[f].size());
    if (plan.delta) PutVarint64(out, ZigZag(plan.running_before[f * params.block_size] - plan.base));
  }
  for (const std::string& frame : frames) out->append(frame);
  return Status::OK();
}

}  // namespace

Status EncodeFlacValues(std::span<const double> values, const FlacParams& params, std::string* out,
                        FlacFrames framing, FlacEncoderUse use) {
  if (values.empty()) return Status::NotSupported("no values");
  if (params.block_size < 16 || params.block_size > 65535) {
    return Status::InvalidArgument("FLAC block size must be in [16, 65535]");
  }
  size_t mapped = 0;
  int k = ChooseScale(values, &mapped);
  // Below half, exceptions would cost more than FLAC saves.
  if (mapped * 2 < values.size()) return Status::NotSupported("values do not map to integers");

  // Direct values when their range fits 32 bits, else steps. Steps can
  // code smaller even then: FLAC stores each frame's first samples (its
  // predictor's warm-up) verbatim at the PCM's width, which for a counter
  // is the width of its range, for its steps only that of a step. So a
  // series that mostly goes up is coded as steps when they are narrower.
  // (Running FLAC on both and keeping the smaller found 0.001 bytes a
  // sample more on the emulated fleet, for 40% more encoding work.)
  Plan direct, delta;
  bool steps = true;
  if (BuildDirect(values, k, &direct)) {
    steps = MostlyAscending(values);
    if (steps) {
      BuildDelta(values, k, &delta);
      steps = PcmBits(delta) < PcmBits(direct);
    }
  } else {
    BuildDelta(values, k, &delta);
  }
  return EncodePlan(steps ? delta : direct, values.size(), params, framing, use, out);
}

namespace {

struct DecodeState {
  std::string_view input;  // synthesized header, then the frames
  size_t pos = 0;
  size_t block_size = 0;
  size_t want = 0;                   // samples the frames decoded must hold
  std::vector<uint64_t> frame_ends;  // where in `input` each frame must end
  std::vector<int32_t> pcm;
  bool error = false;
};

FLAC__StreamDecoderReadStatus ReadInput(const FLAC__StreamDecoder*, FLAC__byte buffer[], size_t* bytes,
                                        void* data) {
  auto* s = static_cast<DecodeState*>(data);
  size_t n = std::min(*bytes, s->input.size() - s->pos);
  std::copy_n(s->input.data() + s->pos, n, reinterpret_cast<char*>(buffer));
  s->pos += n;
  *bytes = n;
  return n == 0 ? FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM : FLAC__STREAM_DECODER_READ_STATUS_CONTINUE;
}

FLAC__StreamDecoderTellStatus TellInput(const FLAC__StreamDecoder*, FLAC__uint64* offset, void* data) {
  *offset = static_cast<DecodeState*>(data)->pos;
  return FLAC__STREAM_DECODER_TELL_STATUS_OK;
}

FLAC__StreamDecoderWriteStatus WritePcm(const FLAC__StreamDecoder* decoder, const FLAC__Frame* frame,
                                        const FLAC__int32* const buffer[], void* data) {
  auto* s = static_cast<DecodeState*>(data);
  // libFLAC finds frames by their sync codes and takes each one's size from
  // its own header. Unless each frame ends where the frame table says and
  // holds block_size samples (the last: what is left), decoding a range
  // would disagree with decoding the whole block, though the totals match.
  size_t done = s->pcm.size() / s->block_size;
  FLAC__uint64 end;
  if (done >= s->frame_ends.size() || !FLAC__stream_decoder_get_decode_position(decoder, &end) ||
      end != s->frame_ends[done] ||
      frame->header.blocksize != std::min(s->block_size, s->want - s->pcm.size())) {
    s->error = true;
    return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
  }
  s->pcm.insert(s->pcm.end(), buffer[0], buffer[0] + frame->header.blocksize);
  return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE;
}

void OnError(const FLAC__StreamDecoder*, FLAC__StreamDecoderErrorStatus, void* data) {
  static_cast<DecodeState*>(data)->error = true;
}

// "fLaC" and a STREAMINFO block describing mono PCM of `bps` bits.
void AssignStreamHeader(uint32_t block_size, int bps, std::string* out) {
  std::string& h = *out;
  h.assign("fLaC");
  h += '\x80';                          // last metadata block, type 0 (STREAMINFO)
  h += std::string("\x00\x00\x22", 3);  // 34 bytes
  auto put = [&h](uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) h.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put(block_size, 2);  // min block size (the last frame may be shorter: decoders allow it)
  put(block_size, 2);  // max block size
  put(0, 3);           // min frame size: unknown
  put(0, 3);           // max frame size: unknown
  // 20 bits sample rate, 3 bits channels-1, 5 bits bps-1, 36 bits total samples (0: unknown)
  uint64_t packed = (uint64_t{48000} << 44) | (uint64_t{0} << 41) | (static_cast<uint64_t>(bps - 1) << 36);
  put(packed, 8);
  h.append(16, '\0');  // MD5: unknown, not checked
}

// One libFLAC decoder a thread, kept initialized between calls and rewound
// (FLAC__stream_decoder_reset) for each: creating, initializing and
// finishing one per call allocated and freed its ~40 KB of bit-reader and
// output buffers each time, a third of decoding a frame or two. The
// callbacks read `state`, which each call refills; `stream` keeps its
// capacity too.
class ThreadDecoder {
 public:
  static ThreadDecoder& Get() {
    thread_local ThreadDecoder td;
    return td;
  }

  // `state` emptied for a block of `block_size` samples a frame.
  DecodeState& Start(size_t block_size) {
    // A huge segment's buffers are not kept for the thread's lifetime.
    constexpr size_t kKeepBytes = size_t{1} << 20;
    if (stream.capacity() > kKeepBytes) std::string().swap(stream);
    if (state.pcm.capacity() * sizeof(int32_t) > kKeepBytes) std::vector<int32_t>().swap(state.pcm);
    state.input = {};
    state.pos = 0;
    state.block_size = block_size;
    state.want = 0;
    state.frame_ends.clear();
    state.pcm.clear();
    state.error = false;
    return state;
  }

  // The decoder, rewound to read `stream` from its start; null when libFLAC
  // cannot allocate one.
  FLAC__StreamDecoder* Ready() {
    if (dec_ && FLAC__stream_decoder_reset(dec_.get())) return dec_.get();
    dec_.reset(FLAC__stream_decoder_new());
    if (!dec_) return nullptr;
    FLAC__stream_decoder_set_md5_checking(dec_.get(), false);
    if (FLAC__stream_decoder_init_stream(dec_.get(), ReadInput, nullptr, TellInput, nullptr, nullptr,
                                         WritePcm, nullptr, OnError,
                                         &state) != FLAC__STREAM_DECODER_INIT_STATUS_OK) {
      dec_.reset();
    }
    return dec_.get();
  }
  void Discard() { dec_.reset(); }
  // A huge block's exceptions and frame table are not kept for the
  // thread's lifetime either.
  void TrimTables() {
    constexpr size_t kKeepEntries = size_t{1} << 14;
    if (exceptions.capacity() > kKeepEntries) std::vector<std::pair<size_t, double>>().swap(exceptions);
    if (frame_len.capacity() > kKeepEntries) {
      std::vector<uint64_t>().swap(frame_len);
      std::vector<uint64_t>().swap(frame_start);
      std::vector<int64_t>().swap(frame_running);
    }
  }

  DecodeState state;
  std::string stream;
  // The block's exceptions and frame table, kept like `stream`.
  std::vector<std::pair<size_t, double>> exceptions;
  std::vector<uint64_t> frame_len, frame_start;
  std::vector<int64_t> frame_running;

 private:
  ThreadDecoder() = default;

  std::unique_ptr<FLAC__StreamDecoder, DecoderDeleter> dec_;
};

}  // namespace

Result<uint32_t> FlacBlockSize(std::string_view in) {
  uint64_t block_size;
  if (in.size() < 3) return Status::Corruption("FLAC value block: truncated header");
  in.remove_prefix(3);
  if (!GetVarint64(&in, &block_size)) return Status::Corruption("FLAC value block: truncated header");
  if (block_size < 16 || block_size > 65535) return Status::Corruption("FLAC value block: bad parameters");
  return static_cast<uint32_t>(block_size);
}

Status DecodeFlacValues(std::string_view in, size_t count, size_t begin, size_t end, std::vector<double>* out,
                        FlacFrames framing) {
  auto bad = [](const char* what) { return Status::Corruption(std::string("FLAC value block: ") + what); };
  if (begin > end || end > count) return Status::InvalidArgument("value range outside the block");
  if (in.size() < 3) return bad("truncated header");
  int k = static_cast<uint8_t>(in[0]);
  bool delta = in[1] != 0;
  int bps = static_cast<uint8_t>(in[2]);
  in.remove_prefix(3);
  uint64_t block_size, base_u, n_exc, n_frames;
  if (k > kMaxScale || bps < 4 || bps > 32) return bad("bad parameters");
  if (!GetVarint64(&in, &block_size) || !GetVarint64(&in, &base_u) || !GetVarint64(&in, &n_exc)) {
    return bad("truncated header");
  }
  if (block_size < 16 || block_size > 65535 || n_exc > count) return bad("bad parameters");
  int64_t base = UnZigZag(base_u);

  // The thread's decoder keeps the vectors below between calls: a short
  // read of a few frames allocated each of them afresh, per segment.
  ThreadDecoder& td = ThreadDecoder::Get();
  td.TrimTables();
  std::vector<std::pair<size_t, double>>& exceptions = td.exceptions;
  exceptions.clear();
  size_t index = 0;
  for (uint64_t i = 0; i < n_exc; ++i) {
    uint64_t gap;
    if (!GetVarint64(&in, &gap) || in.size() < 8) return bad("truncated exceptions");
    // Compared before adding, so a huge gap cannot wrap the index around;
    // indices strictly ascend, as the decoding loop below walks them in order.
    if (gap >= count - index || (i > 0 && gap == 0)) return bad("exception index out of range");
    index += gap;
    exceptions.emplace_back(index, DecodeDoubleBits(in.data()));
    in.remove_prefix(8);
  }
  if (!GetVarint64(&in, &n_frames) || n_frames != (count + block_size - 1) / block_size) {
    return bad("frame count does not match the sample count");
  }
  // Each frame takes a byte of the table at least; checked before the
  // table is allocated, as `count` may be corrupt and huge.
  if (n_frames > in.size()) return bad("truncated frame table");
  std::vector<uint64_t>& frame_len = td.frame_len;
  std::vector<uint64_t>& frame_start = td.frame_start;
  std::vector<int64_t>& frame_running = td.frame_running;
  frame_len.assign(n_frames, 0);
  frame_start.assign(n_frames, 0);
  frame_running.assign(n_frames, base);
  uint64_t offset = 0;
  for (uint64_t f = 0; f < n_frames; ++f) {
    uint64_t r;
    // No frame is longer than the bytes left, so `offset` cannot wrap around.
    if (!GetVarint64(&in, &frame_len[f]) || frame_len[f] > in.size()) return bad("truncated frame table");
    if (delta) {
      if (!GetVarint64(&in, &r)) return bad("truncated frame table");
      frame_running[f] = WrappingAdd(base, UnZigZag(r));
    }
    frame_start[f] = offset;
    offset += frame_len[f];
  }
  if (offset != in.size()) return bad("frame table does not match the frame bytes");
  if (begin == end) return Status::OK();

  size_t f0 = begin / block_size, f1 = (end - 1) / block_size;
  DecodeState& state = td.Start(block_size);
  std::string& stream = td.stream;
  AssignStreamHeader(static_cast<uint32_t>(block_size), bps, &stream);  // keeps the buffer's capacity
  std::vector<uint64_t>& frame_ends = state.frame_ends;                 // where in `stream` each frame ends
  for (size_t f = f0; f <= f1; ++f) {
    size_t frame_begin = stream.size();
    if (framing == FlacFrames::kBare) {
      AppendFrameHeader(f, std::min<size_t>(block_size, count - f * block_size), &stream);
    }
    stream.append(in.substr(frame_start[f], frame_len[f]));
    if (framing == FlacFrames::kBare) {
      uint16_t crc = Crc16(std::string_view(stream).substr(frame_begin));
      stream.push_back(static_cast<char>(crc >> 8));
      stream.push_back(static_cast<char>(crc & 0xff));
    }
    frame_ends.push_back(stream.size());
  }

  size_t first = f0 * block_size;
  size_t want = std::min<size_t>((f1 + 1) * block_size, count) - first;
  state.input = stream;
  state.want = want;
  state.pcm.reserve(want);
  FLAC__StreamDecoder* dec = td.Ready();
  if (dec == nullptr) return Status::ResourceExhausted("cannot allocate a FLAC decoder");
  bool ok = FLAC__stream_decoder_process_until_end_of_stream(dec);
  if (!ok || state.error || state.pcm.size() != want) {
    td.Discard();  // whatever state libFLAC was left in, the next call starts afresh
    return bad("FLAC frames do not decode");
  }

  auto exc = std::lower_bound(exceptions.begin(), exceptions.end(), std::make_pair(first, -HUGE_VAL),
                              [](const auto& a, const auto& b) { return a.first < b.first; });
  int64_t running = frame_running[f0];
  const size_t out_at = out->size();
  out->resize(out_at + (end - begin));
  double* dst = out->data() + out_at;
  for (size_t i = first; i < first + want; ++i) {
    double v;
    if (exc != exceptions.end() && exc->first == i) {
      v = exc->second;
      ++exc;
      if (delta) {
        if (auto n = MapToInteger(v, k)) running = *n;
      }
    } else if (delta) {
      running = WrappingAdd(running, state.pcm[i - first]);
      v = FromInteger(running, k);
    } else {
      v = FromInteger(WrappingAdd(base, state.pcm[i - first]), k);
    }
    if (i >= begin && i < end) dst[i - begin] = v;
  }
  return Status::OK();
}

}  // namespace overtone::storage
