#include "storage/codec/segment.h"

#include <algorithm>
#include <bit>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/codec/bit_stream.h"
#include "storage/codec/timestamp_codec.h"
#include "storage/codec/xor_chunk.h"

namespace overtone::storage {
namespace {

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t u) { return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1); }

void EncodeRaw(std::span<const double> values, std::string* out) {
  for (double v : values) PutDoubleBits(out, v);
}

void EncodeXor(std::span<const double> values, std::string* out) {
  BitWriter w(out);
  XorValueWriter x;
  for (double v : values) x.Append(&w, v);
  w.Finish();
}

}  // namespace

Status DecodeValueBlock(uint8_t codec, std::string_view in, size_t count, size_t begin, size_t end,
                        std::vector<double>* out) {
  switch (codec) {
    case kValueCodecRaw:
      if (in.size() != count * 8) return Status::Corruption("raw value block has the wrong size");
      for (size_t i = begin; i < end; ++i) out->push_back(DecodeDoubleBits(in.data() + 8 * i));
      return Status::OK();
    case kValueCodecXor: {
      BitReader r(in);
      XorValueReader x;
      for (size_t i = 0; i < end; ++i) {
        double v;
        if (!x.Read(&r, &v)) return Status::Corruption("XOR value block is truncated");
        if (i >= begin) out->push_back(v);
      }
      return Status::OK();
    }
    case kValueCodecFlac: return DecodeFlacValues(in, count, begin, end, out);
    case kValueCodecFlacBare: return DecodeFlacValues(in, count, begin, end, out, FlacFrames::kBare);
  }
  return Status::Corruption("unknown value codec " + std::to_string(codec));
}

namespace {

bool SameBits(std::span<const double> a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::bit_cast<uint64_t>(a[i]) != std::bit_cast<uint64_t>(b[i])) return false;
  }
  return true;
}

}  // namespace

const char* ValueCodecName(uint8_t id) {
  switch (id) {
    case kValueCodecRaw: return "raw";
    case kValueCodecXor: return "xor";
    case kValueCodecFlac:
    case kValueCodecFlacBare: return "flac";
  }
  return "unknown";
}

uint8_t EncodeValuesBest(std::span<const double> values, const SegmentOptions& options, std::string* out) {
  // The smallest candidate that decodes to the same bits wins; raw always
  // does and is the fallback. All are encoded first and checked from the
  // smallest up, so only the winner and any smaller one that failed are
  // decoded (a candidate no smaller than raw never is). Equal sizes keep
  // the order XOR, FLAC, as when each in turn had to be strictly smaller.
  struct Candidate {
    uint8_t codec;
    std::string bytes;
  };
  Candidate candidates[2];
  size_t n = 0;
  if (options.allow_xor) {
    candidates[n].codec = kValueCodecXor;
    EncodeXor(values, &candidates[n++].bytes);
  }
  if (options.allow_flac && values.size() >= 16) {
    candidates[n].codec = kValueCodecFlacBare;
    if (EncodeFlacValues(values, options.flac, &candidates[n].bytes, FlacFrames::kBare).ok()) ++n;
  }
  if (n == 2 && candidates[1].bytes.size() < candidates[0].bytes.size())
    std::swap(candidates[0], candidates[1]);
  const size_t raw_bytes = 8 * values.size();
  std::vector<double> back;
  for (size_t i = 0; i < n && candidates[i].bytes.size() < raw_bytes; ++i) {
    const Candidate& c = candidates[i];
    back.clear();
    if (!DecodeValueBlock(c.codec, c.bytes, values.size(), 0, values.size(), &back).ok()) continue;
    if (!SameBits(values, back)) continue;
    out->append(c.bytes);
    return c.codec;
  }
  EncodeRaw(values, out);
  return kValueCodecRaw;
}

namespace {

Status SplitSamples(std::span<const Sample> samples, std::vector<int64_t>* ts, std::vector<double>* values) {
  if (samples.empty()) return Status::InvalidArgument("a segment needs at least one sample");
  ts->resize(samples.size());
  values->resize(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    (*ts)[i] = samples[i].ts;
    (*values)[i] = samples[i].value;
    if (i > 0 && (*ts)[i] <= (*ts)[i - 1])
      return Status::InvalidArgument("segment timestamps must be strictly ascending");
  }
  return Status::OK();
}

void AssembleSegment(uint8_t ts_codec, std::string_view ts_block, std::span<const int64_t> ts,
                     std::span<const double> values, const SegmentOptions& options, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(kSegmentVersion));
  out->push_back(static_cast<char>(ts_codec));
  out->push_back(0);  // the value codec, once chosen
  PutVarint64(out, ts.size());
  PutVarint64(out, ZigZag(ts.front()));
  PutVarint64(out, static_cast<uint64_t>(ts.back() - ts.front()));
  PutLengthPrefixed(out, ts_block);
  (*out)[2] = static_cast<char>(EncodeValuesBest(values, options, out));
  uint32_t crc = Crc32c(*out);
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
}

}  // namespace

Status EncodeSegment(std::span<const Sample> samples, const SegmentOptions& options, std::string* out) {
  std::vector<int64_t> ts;
  std::vector<double> values;
  OT_RETURN_IF_ERROR(SplitSamples(samples, &ts, &values));
  std::string ts_block;
  uint8_t ts_codec = EncodeTimestampsBest(ts, &ts_block);
  AssembleSegment(ts_codec, ts_block, ts, values, options, out);
  return Status::OK();
}

Status EncodeSegmentWithTimestampBlock(std::span<const Sample> samples, const SegmentOptions& options,
                                       uint8_t ts_codec, std::string_view ts_block, std::string* out) {
  std::vector<int64_t> ts;
  std::vector<double> values;
  OT_RETURN_IF_ERROR(SplitSamples(samples, &ts, &values));
  if (ts_codec != kTimestampCodecDod && ts_codec != kTimestampCodecFlac) {
    return Status::InvalidArgument("not a timestamp codec of a segment's own block");
  }
  AssembleSegment(ts_codec, ts_block, ts, values, options, out);
  return Status::OK();
}

Status EncodeSegmentWithColumn(std::span<const Sample> samples, const SegmentOptions& options,
                               uint64_t column_key, std::string* out) {
  std::vector<int64_t> ts;
  std::vector<double> values;
  OT_RETURN_IF_ERROR(SplitSamples(samples, &ts, &values));
  std::string ref;
  PutBE64(&ref, column_key);
  AssembleSegment(kTimestampCodecShared, ref, ts, values, options, out);
  return Status::OK();
}

bool SegmentView::shared_timestamps() const { return timestamp_codec == kTimestampCodecShared; }

Status VerifySegmentChecksum(std::string_view bytes) {
  if (bytes.size() < 3 + 4) return Status::Corruption("segment: too short");
  std::string_view body = bytes.substr(0, bytes.size() - 4);
  uint32_t stored = 0;
  for (int i = 0; i < 4; ++i)
    stored |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[body.size() + i])) << (8 * i);
  if (Crc32c(body) != stored) return Status::Corruption("segment: checksum mismatch");
  return Status::OK();
}

Status ParseSegment(std::string_view bytes, SegmentView* view) {
  OT_RETURN_IF_ERROR(VerifySegmentChecksum(bytes));
  return ParseSegmentHeader(bytes, view);
}

Status ParseSegmentHeader(std::string_view bytes, SegmentView* view) {
  auto bad = [](const char* what) { return Status::Corruption(std::string("segment: ") + what); };
  if (bytes.size() < 3 + 4) return bad("too short");
  std::string_view body = bytes.substr(0, bytes.size() - 4);
  const uint8_t version = static_cast<uint8_t>(body[0]);
  if (version != kSegmentVersion && version != kSegmentVersion1) return bad("unknown format version");
  view->timestamp_codec = static_cast<uint8_t>(body[1]);
  if (view->timestamp_codec != kTimestampCodecDod && view->timestamp_codec != kTimestampCodecFlac &&
      !(view->timestamp_codec == kTimestampCodecShared && version >= kSegmentVersion)) {
    return bad("unknown timestamp codec");
  }
  view->value_codec = static_cast<uint8_t>(body[2]);
  body.remove_prefix(3);
  uint64_t count, min_u, span;
  std::string_view ts;
  if (!GetVarint64(&body, &count) || !GetVarint64(&body, &min_u) || !GetVarint64(&body, &span) ||
      !GetLengthPrefixed(&body, &ts)) {
    return bad("truncated header");
  }
  if (count == 0 || count > (uint64_t{1} << 31)) return bad("bad sample count");
  view->count = static_cast<uint32_t>(count);
  view->min_ts = UnZigZag(min_u);
  view->max_ts = static_cast<int64_t>(static_cast<uint64_t>(view->min_ts) + span);
  view->timestamps = ts;
  view->column_key = 0;
  if (view->shared_timestamps()) {
    if (ts.size() != 8) return bad("shared timestamp column reference is not 8 bytes");
    view->column_key = DecodeBE64(ts.data());
  }
  view->values = body;
  view->total_bytes = bytes.size();
  return Status::OK();
}

Status DecodeSegment(const SegmentView& view, int64_t min_ts, int64_t max_ts, std::vector<Sample>* out,
                     const ValueBlockDecoder* values) {
  if (min_ts > view.max_ts || max_ts < view.min_ts || min_ts > max_ts) return Status::OK();
  if (view.shared_timestamps()) {
    return Status::InvalidArgument("segment: its timestamps are in a shared column");
  }
  std::vector<int64_t> ts;
  // The count comes from the bytes: reserve no more than a delta-of-delta
  // block of this size can hold (a bit a timestamp), so a corrupt count
  // cannot make a huge allocation; FLAC blocks may hold more and grow.
  ts.reserve(std::min<uint64_t>(view.count, 8 * uint64_t{view.timestamps.size()} + 2));
  OT_RETURN_IF_ERROR(DecodeTimestamps(view.timestamp_codec, view.timestamps, view.count, &ts));
  // The range search below and every reader after it rely on this.
  for (size_t i = 1; i < ts.size(); ++i) {
    if (ts[i] <= ts[i - 1]) return Status::Corruption("segment: timestamps do not ascend");
  }
  return DecodeSegmentWithTimestamps(view, ts, min_ts, max_ts, out, values);
}

// REQUIRES (callers check it): ts ascending.
Status DecodeSegmentWithTimestamps(const SegmentView& view, std::span<const int64_t> ts, int64_t min_ts,
                                   int64_t max_ts, std::vector<Sample>* out,
                                   const ValueBlockDecoder* decoder) {
  if (min_ts > view.max_ts || max_ts < view.min_ts || min_ts > max_ts) return Status::OK();
  if (ts.size() != view.count || ts.front() != view.min_ts || ts.back() != view.max_ts) {
    return Status::Corruption("segment: timestamps disagree with the header");
  }
  size_t begin = std::lower_bound(ts.begin(), ts.end(), min_ts) - ts.begin();
  size_t end = std::upper_bound(ts.begin(), ts.end(), max_ts) - ts.begin();
  if (begin >= end) return Status::OK();
  // The values go through a buffer the thread keeps: a short read decodes
  // a frame or two per segment, and a new vector each time was a
  // noticeable part of it. A buffer grown by a long read is let go.
  thread_local std::vector<double> values;
  values.clear();
  if (values.capacity() > (size_t{1} << 17)) std::vector<double>().swap(values);
  if (decoder != nullptr) {
    OT_RETURN_IF_ERROR((*decoder)(view, begin, end, &values));
  } else {
    OT_RETURN_IF_ERROR(DecodeValueBlock(view.value_codec, view.values, view.count, begin, end, &values));
  }
  if (values.size() != end - begin) return Status::Corruption("segment: value count mismatch");
  // Room for them all at once, growing geometrically still when a caller
  // appends segment after segment.
  if (out->capacity() - out->size() < end - begin) {
    out->reserve(std::max(out->size() + (end - begin), 2 * out->capacity()));
  }
  const size_t at = out->size();
  out->resize(at + (end - begin));
  Sample* dst = out->data() + at;
  for (size_t i = begin; i < end; ++i) dst[i - begin] = Sample{ts[i], values[i - begin]};
  return Status::OK();
}

}  // namespace overtone::storage
