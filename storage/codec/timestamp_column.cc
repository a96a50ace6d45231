#include "storage/codec/timestamp_column.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/codec/flac_values.h"
#include "storage/codec/timestamp_codec.h"

namespace overtone::storage {

namespace {

int64_t UnZigZag(uint64_t u) { return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1); }

void AppendChecksum(std::string* out) {
  uint32_t crc = Crc32c(*out);
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
}

// The frame index of a codec 4 column: B, then where each frame ends, from
// the first timestamp: every frame is checked against two entries.
std::string FrameIndex(std::span<const int64_t> ts, uint32_t step) {
  std::string index;
  PutVarint64(&index, step);
  for (size_t end = step;; end += step) {
    end = std::min(end, ts.size() - 1);
    PutVarint64(&index, static_cast<uint64_t>(ts[end]) - static_cast<uint64_t>(ts[0]));
    if (end == ts.size() - 1) return index;
  }
}

}  // namespace

void EncodeTimestampColumn(std::span<const int64_t> ts, std::string* out) {
  out->clear();
  std::string block;
  // An index entry is a time from the first, within int64.
  if (ts.size() - 1 > kTimestampColumnFrameDeltas &&
      static_cast<uint64_t>(ts.back()) - static_cast<uint64_t>(ts.front()) <= uint64_t{INT64_MAX}) {
    std::string dod;
    EncodeTimestamps(ts, &dod);
    const std::string index = FrameIndex(ts, kTimestampColumnFrameDeltas);
    if (EncodeTimestampsFlac(ts, kTimestampColumnFrameDeltas, &block) &&
        index.size() + block.size() < dod.size()) {
      out->push_back(static_cast<char>(kTimestampColumnFramedFlac));
      PutVarint64(out, ts.size());
      out->append(index);
      out->append(block);
      AppendChecksum(out);
      return;
    }
    block.clear();
  }
  uint8_t codec = EncodeTimestampsBest(ts, &block);
  out->push_back(static_cast<char>(codec));
  PutVarint64(out, ts.size());
  out->append(block);
  AppendChecksum(out);
}

uint64_t TimestampColumnKey(std::string_view column) { return XXH3_64bits(column.data(), column.size()); }

namespace {

struct ColumnParts {
  uint8_t codec = 0;  // of the block: 1 or 2
  uint64_t count = 0;
  uint64_t step = 0;  // codec 4: deltas a frame
  // codec 4: ts[min(f*step, count-1)] for f = 0..frames: where each frame
  // starts, and the last timestamp
  std::vector<int64_t> anchors;
  std::string_view block;
  std::string_view flac;  // codec 4: the block's FLAC deltas, after its first timestamp
};

Status ParseColumn(std::string_view column, ColumnParts* parts) {
  auto bad = [](const char* what) { return Status::Corruption(std::string("timestamp column: ") + what); };
  if (column.size() < 2 + 4) return bad("too short");
  std::string_view body = column.substr(0, column.size() - 4);
  uint32_t stored = 0;
  for (int i = 0; i < 4; ++i)
    stored |= static_cast<uint32_t>(static_cast<uint8_t>(column[body.size() + i])) << (8 * i);
  if (Crc32c(body) != stored) return bad("checksum mismatch");
  const auto codec = static_cast<uint8_t>(body[0]);
  if (codec != kTimestampCodecDod && codec != kTimestampCodecFlac && codec != kTimestampColumnFramedFlac) {
    return bad("unknown codec");
  }
  body.remove_prefix(1);
  if (!GetVarint64(&body, &parts->count)) return bad("truncated header");
  if (parts->count == 0 || parts->count > (uint64_t{1} << 31)) return bad("bad timestamp count");
  parts->codec = codec;
  if (codec == kTimestampColumnFramedFlac) {
    parts->codec = kTimestampCodecFlac;
    if (!GetVarint64(&body, &parts->step)) return bad("truncated frame index");
    if (parts->step < 16 || parts->step > 65535 || parts->count < 2) return bad("bad frame index");
    const uint64_t frames = (parts->count - 1 + parts->step - 1) / parts->step;
    // Each entry takes a byte at least: checked before allocating, as the
    // count may be corrupt and huge.
    if (frames > body.size()) return bad("truncated frame index");
    std::vector<uint64_t> ends(frames);
    for (uint64_t& end : ends) {
      if (!GetVarint64(&body, &end)) return bad("truncated frame index");
    }
    std::string_view flac = body;
    uint64_t first;
    if (!GetVarint64(&flac, &first)) return bad("truncated timestamp block");
    Result<uint32_t> block_size = FlacBlockSize(flac);
    if (!block_size.ok() || *block_size != parts->step) return bad("frame index does not match the block");
    parts->flac = flac;
    parts->anchors.assign(1, UnZigZag(first));
    uint64_t previous = 0;
    for (uint64_t end : ends) {
      int64_t at;
      if (end <= previous || end > static_cast<uint64_t>(INT64_MAX) ||
          __builtin_add_overflow(parts->anchors.front(), static_cast<int64_t>(end), &at)) {
        return bad("frame index out of range");
      }
      previous = end;
      parts->anchors.push_back(at);
    }
  }
  parts->block = body;
  return Status::OK();
}

}  // namespace

Status DecodeTimestampColumn(std::string_view column, std::vector<int64_t>* out) {
  ColumnParts parts;
  OT_RETURN_IF_ERROR(ParseColumn(column, &parts));
  std::vector<int64_t> ts;
  // As in DecodeSegment: no allocation beyond what the bytes can hold.
  ts.reserve(std::min<uint64_t>(parts.count, 8 * uint64_t{parts.block.size()} + 2));
  OT_RETURN_IF_ERROR(DecodeTimestamps(parts.codec, parts.block, parts.count, &ts));
  for (size_t i = 1; i < ts.size(); ++i) {
    if (ts[i] <= ts[i - 1]) return Status::Corruption("timestamp column: timestamps do not ascend");
  }
  for (size_t f = 0; f < parts.anchors.size(); ++f) {
    if (ts[std::min<size_t>(f * parts.step, ts.size() - 1)] != parts.anchors[f])
      return Status::Corruption("timestamp column: frame index disagrees with the timestamps");
  }
  out->insert(out->end(), ts.begin(), ts.end());
  return Status::OK();
}

Status TimestampColumnBlock(std::string_view column, uint8_t* codec, std::string_view* block) {
  ColumnParts parts;
  OT_RETURN_IF_ERROR(ParseColumn(column, &parts));
  *codec = parts.codec;
  *block = parts.block;
  return Status::OK();
}

size_t TimestampColumnBlockBytes(std::string_view column) {
  ColumnParts parts;
  if (!ParseColumn(column, &parts).ok()) return column.size();
  return parts.block.size();
}

bool HasTimestampColumnIndex(std::string_view column) {
  return !column.empty() && static_cast<uint8_t>(column[0]) == kTimestampColumnFramedFlac;
}

Status TimestampColumnReader::Open(std::string_view column) {
  ColumnParts parts;
  OT_RETURN_IF_ERROR(ParseColumn(column, &parts));
  count_ = parts.count;
  frames_.clear();
  frames_decoded_ = 0;
  indexed_ = !parts.anchors.empty();
  if (!indexed_) {
    // One frame: the whole column.
    step_ = count_;
    frames_.emplace_back();
    OT_RETURN_IF_ERROR(DecodeTimestampColumn(column, &frames_[0]));
    anchors_ = {frames_[0].front(), frames_[0].back()};
    frames_decoded_ = 1;
    return Status::OK();
  }
  step_ = parts.step;
  flac_ = parts.flac;
  anchors_ = std::move(parts.anchors);
  frames_.resize(anchors_.size() - 1);
  return Status::OK();
}

Result<const std::vector<int64_t>*> TimestampColumnReader::Frame(size_t f) {
  std::vector<int64_t>& frame = frames_[f];
  if (!frame.empty()) return &frame;
  ++frames_decoded_;
  auto bad = [](const char* what) { return Status::Corruption(std::string("timestamp column: ") + what); };
  const size_t begin = f * step_, end = std::min(begin + step_, count_ - 1);  // deltas [begin, end)
  thread_local std::vector<double> deltas;
  deltas.clear();
  OT_RETURN_IF_ERROR(DecodeFlacValues(flac_, count_ - 1, begin, end, &deltas));
  if (deltas.size() != end - begin) return bad("delta count mismatch");
  frame.reserve(deltas.size() + 1);
  int64_t ts = anchors_[f];
  frame.push_back(ts);
  for (double d : deltas) {
    // As DecodeTimestamps: whole deltas below 2^53, no step past int64;
    // and as DecodeTimestampColumn: ascending.
    if (!(d >= 1 && d < 9007199254740992.0) || d != std::trunc(d) ||
        __builtin_add_overflow(ts, static_cast<int64_t>(d), &ts)) {
      frame.clear();
      return bad("timestamps do not ascend");
    }
    frame.push_back(ts);
  }
  if (frame.back() != anchors_[f + 1]) {
    frame.clear();
    return bad("frame index disagrees with the timestamps");
  }
  return &frame;
}

Result<size_t> TimestampColumnReader::Bound(int64_t t, bool upper) {
  auto before = [&](int64_t x) { return upper ? x <= t : x < t; };
  // The last frame whose first timestamp is before the bound holds it
  // (the next frame's first is its last), unless the last timestamp is.
  const size_t passing = std::partition_point(anchors_.begin(), anchors_.end(), before) - anchors_.begin();
  if (passing == 0) return size_t{0};
  if (passing == anchors_.size()) return count_;
  const size_t f = passing - 1;
  OT_ASSIGN_OR_RETURN(const std::vector<int64_t>* frame, Frame(f));
  return f * step_ + (std::partition_point(frame->begin(), frame->end(), before) - frame->begin());
}

Result<size_t> TimestampColumnReader::LowerBound(int64_t t) { return Bound(t, false); }
Result<size_t> TimestampColumnReader::UpperBound(int64_t t) { return Bound(t, true); }

Status TimestampColumnReader::Append(size_t begin, size_t end, std::vector<int64_t>* out) {
  if (begin > end || end > count_) return Status::InvalidArgument("timestamp range outside the column");
  out->reserve(out->size() + (end - begin));
  while (begin < end) {
    const size_t f = std::min(begin / step_, frames_.size() - 1);
    OT_ASSIGN_OR_RETURN(const std::vector<int64_t>* frame, Frame(f));
    const size_t frame_end = f * step_ + frame->size();
    const size_t stop = std::min(end, frame_end);
    out->insert(out->end(), frame->begin() + (begin - f * step_), frame->begin() + (stop - f * step_));
    begin = stop;
  }
  return Status::OK();
}

}  // namespace overtone::storage
