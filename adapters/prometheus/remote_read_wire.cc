#include "adapters/prometheus/remote_read_wire.h"

#include <bit>
#include <cstring>

#include "adapters/prometheus/chunked_frame.h"
#include "base/coding.h"
#include "base/crc32c.h"

namespace overtone::adapters {
namespace {

constexpr char Tag(int field, int wire_type) { return static_cast<char>((field << 3) | wire_type); }
constexpr int kVarint = 0, kFixed64 = 1, kLen = 2;

}  // namespace

void AppendLenField(int field, std::string_view bytes, std::string* out) {
  out->push_back(Tag(field, kLen));
  PutVarint64(out, bytes.size());
  out->append(bytes);
}

void AppendLabelFields(const Labels& labels, std::string* out) {
  for (const Label& l : labels) {
    size_t body = 0;
    if (!l.name.empty()) body += 1 + VarintLength(l.name.size()) + l.name.size();
    if (!l.value.empty()) body += 1 + VarintLength(l.value.size()) + l.value.size();
    out->push_back(Tag(1, kLen));
    PutVarint64(out, body);
    if (!l.name.empty()) AppendLenField(1, l.name, out);
    if (!l.value.empty()) AppendLenField(2, l.value, out);
  }
}

void AppendSampleFields(std::span<const Sample> samples, std::string* out) {
  // At most 1 + 1 + (1 + 8) + (1 + 10) bytes a sample: written in place.
  static_assert(kMaxSampleWireBytes == 1 + 1 + (1 + 8) + (1 + 10));
  size_t at = out->size();
  out->resize(at + kMaxSampleWireBytes * samples.size());
  char* p = out->data() + at;
  for (const Sample& s : samples) {
    const uint64_t bits = std::bit_cast<uint64_t>(s.value);
    const uint64_t ts = static_cast<uint64_t>(s.ts);
    const size_t len = (bits != 0 ? 9 : 0) + (ts != 0 ? 1 + VarintLength(ts) : 0);  // < 0x80: one byte
    *p++ = Tag(2, kLen);
    *p++ = static_cast<char>(len);
    if (bits != 0) {
      *p++ = Tag(1, kFixed64);
      if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(p, &bits, 8);
      } else {
        for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(bits >> (8 * i));
      }
      p += 8;
    }
    if (ts != 0) {
      *p++ = Tag(2, kVarint);
      p = EncodeVarint64(p, ts);
    }
  }
  out->resize(static_cast<size_t>(p - out->data()));
}

void AppendXorChunkField(int64_t min_time_ms, int64_t max_time_ms, std::string_view data, std::string* out) {
  const uint64_t min_u = static_cast<uint64_t>(min_time_ms), max_u = static_cast<uint64_t>(max_time_ms);
  const size_t body = (min_u != 0 ? 1 + VarintLength(min_u) : 0) +
                      (max_u != 0 ? 1 + VarintLength(max_u) : 0) + 2 +
                      (data.empty() ? 0 : 1 + VarintLength(data.size()) + data.size());
  out->push_back(Tag(2, kLen));
  PutVarint64(out, body);
  if (min_u != 0) {
    out->push_back(Tag(1, kVarint));
    PutVarint64(out, min_u);
  }
  if (max_u != 0) {
    out->push_back(Tag(2, kVarint));
    PutVarint64(out, max_u);
  }
  out->push_back(Tag(3, kVarint));
  out->push_back(1);  // Chunk.Encoding XOR
  if (!data.empty()) AppendLenField(4, data, out);
}

void AppendChunkedSeriesFrame(std::string_view series_fields, int64_t query_index, std::string* out) {
  // The message is `head series_fields tail`; its CRC is taken over the
  // three pieces so that the series' bytes are copied once, into *out.
  char head[11], tail[11];
  head[0] = Tag(1, kLen);
  const size_t head_len = static_cast<size_t>(EncodeVarint64(head + 1, series_fields.size()) - head);
  size_t tail_len = 0;
  if (query_index != 0) {
    tail[0] = Tag(2, kVarint);
    tail_len = static_cast<size_t>(EncodeVarint64(tail + 1, static_cast<uint64_t>(query_index)) - tail);
  }
  const size_t message = head_len + series_fields.size() + tail_len;
  uint32_t crc = Crc32cExtend(0, std::string_view(head, head_len));
  crc = Crc32cExtend(crc, series_fields);
  crc = Crc32cExtend(crc, std::string_view(tail, tail_len));
  PutVarint64(out, message);
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(crc >> shift));
  out->append(head, head_len);
  out->append(series_fields);
  out->append(tail, tail_len);
}

}  // namespace overtone::adapters
