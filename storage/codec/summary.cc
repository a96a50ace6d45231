#include "storage/codec/summary.h"

#include <bit>
#include <cmath>
#include <iterator>
#include <optional>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/codec/segment.h"

namespace overtone::storage {
namespace {

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t u) { return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1); }

// How a field is stored (format 2): two bits each.
enum FieldTag : uint64_t { kZero = 0, kFloat64 = 1, kDecimal = 2 };
constexpr int kMaxScale = 15;
constexpr double kPow10[kMaxScale + 1] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                          1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

// The decimal form of v, zigzag(n) << 4 | k with v == n / 10^k bit for
// bit, at the smallest k that has one.
std::optional<uint64_t> Decimal(double v) {
  if (!std::isfinite(v)) return std::nullopt;
  for (int k = 0; k <= kMaxScale; ++k) {
    double scaled = v * kPow10[k];
    if (!(std::fabs(scaled) < 9007199254740992.0)) return std::nullopt;  // 2^53
    int64_t n = std::llround(scaled);
    if (std::bit_cast<uint64_t>(static_cast<double>(n) / kPow10[k]) == std::bit_cast<uint64_t>(v)) {
      return ZigZag(n) << 4 | static_cast<uint64_t>(k);
    }
  }
  return std::nullopt;
}

double FromDecimal(uint64_t d) { return static_cast<double>(UnZigZag(d >> 4)) / kPow10[d & 15]; }

}  // namespace

void EncodeSummary(const Summary& s, std::string* out) {
  size_t start = out->size();
  out->push_back(static_cast<char>(kSummaryVersion));
  out->push_back(static_cast<char>(s.has_nan ? 1 : 0));
  PutVarint64(out, s.count);
  if (s.count > 0) {
    PutVarint64(out, ZigZag(s.first_ts));
    // Unsigned: the same bits as the int64 difference, without overflow.
    PutVarint64(out, static_cast<uint64_t>(s.last_ts) - static_cast<uint64_t>(s.first_ts));
    PutVarint64(out, static_cast<uint64_t>(s.ts_of_min) - static_cast<uint64_t>(s.first_ts));
    PutVarint64(out, static_cast<uint64_t>(s.ts_of_max) - static_cast<uint64_t>(s.first_ts));
    const double fields[] = {s.sum, s.sum_c, s.mean, s.mean_c, s.m2, s.m2_c, s.min, s.max, s.first, s.last};
    uint64_t tags = 0;
    std::optional<uint64_t> decimal[std::size(fields)];
    for (size_t i = 0; i < std::size(fields); ++i) {
      if (std::bit_cast<uint64_t>(fields[i]) == 0) continue;  // compensations are mostly zero
      decimal[i] = Decimal(fields[i]);
      tags |= (decimal[i] && *decimal[i] < (uint64_t{1} << 56) ? kDecimal : kFloat64) << (2 * i);
    }
    PutVarint64(out, tags);
    for (size_t i = 0; i < std::size(fields); ++i) {
      uint64_t tag = (tags >> (2 * i)) & 3;
      if (tag == kDecimal) PutVarint64(out, *decimal[i]);
      if (tag == kFloat64) PutDoubleBits(out, fields[i]);
    }
  }
  uint32_t crc = Crc32c(std::string_view(*out).substr(start));
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
}

Status DecodeSummary(std::string_view in, Summary* s, bool with_points) {
  auto bad = [](const char* what) { return Status::Corruption(std::string("summary: ") + what); };
  if (in.size() < 3 + 4) return bad("too short");
  std::string_view body = in.substr(0, in.size() - 4);
  uint32_t stored = 0;
  for (int i = 0; i < 4; ++i)
    stored |= static_cast<uint32_t>(static_cast<uint8_t>(in[body.size() + i])) << (8 * i);
  if (Crc32c(body) != stored) return bad("checksum mismatch");
  const uint8_t version = static_cast<uint8_t>(body[0]);
  if (version != kSummaryVersion && version != kSummaryVersion1) return bad("unknown format version");
  *s = Summary();
  s->has_nan = body[1] & 1;
  body.remove_prefix(2);
  if (!GetVarint64(&body, &s->count)) return bad("truncated");
  if (s->count == 0) return body.empty() ? Status::OK() : bad("trailing bytes");
  uint64_t first, last, tmin, tmax, m;
  if (!GetVarint64(&body, &first) || !GetVarint64(&body, &last) || !GetVarint64(&body, &tmin) ||
      !GetVarint64(&body, &tmax)) {
    return bad("truncated");
  }
  s->first_ts = UnZigZag(first);
  // The times are offsets from first_ts; one that reaches past int64 can
  // only come from corrupt bytes (and would overflow).
  if (__builtin_add_overflow(s->first_ts, static_cast<int64_t>(last), &s->last_ts) ||
      __builtin_add_overflow(s->first_ts, static_cast<int64_t>(tmin), &s->ts_of_min) ||
      __builtin_add_overflow(s->first_ts, static_cast<int64_t>(tmax), &s->ts_of_max)) {
    return bad("time out of range");
  }
  double* fields[] = {&s->sum,  &s->sum_c, &s->mean, &s->mean_c, &s->m2,
                      &s->m2_c, &s->min,   &s->max,  &s->first,  &s->last};
  if (version == kSummaryVersion1) {
    if (body.size() < 2) return bad("truncated");
    uint16_t mask = static_cast<uint8_t>(body[0]) | static_cast<uint16_t>(static_cast<uint8_t>(body[1]) << 8);
    body.remove_prefix(2);
    for (size_t i = 0; i < std::size(fields); ++i) {
      if (!(mask & (1u << i))) continue;
      if (body.size() < 8) return bad("truncated");
      *fields[i] = DecodeDoubleBits(body.data());
      body.remove_prefix(8);
    }
  } else {
    uint64_t tags;
    if (!GetVarint64(&body, &tags) || tags >> (2 * std::size(fields)) != 0) return bad("bad field tags");
    for (size_t i = 0; i < std::size(fields); ++i) {
      uint64_t tag = (tags >> (2 * i)) & 3, d;
      if (tag == kDecimal) {
        if (!GetVarint64(&body, &d)) return bad("truncated");
        *fields[i] = FromDecimal(d);
      } else if (tag == kFloat64) {
        if (body.size() < 8) return bad("truncated");
        *fields[i] = DecodeDoubleBits(body.data());
        body.remove_prefix(8);
      } else if (tag != kZero) {
        return bad("bad field tags");
      }
    }
  }
  if (version != kSummaryVersion1) return body.empty() ? Status::OK() : bad("trailing bytes");
  if (!GetVarint64(&body, &m) || m > kMaxQuantilePoints) return bad("bad quantile points");
  if (m > 0) {
    std::string_view block;
    if (body.empty()) return bad("truncated");
    uint8_t codec = static_cast<uint8_t>(body[0]);
    body.remove_prefix(1);
    if (!GetLengthPrefixed(&body, &block)) return bad("truncated");
    if (with_points) OT_RETURN_IF_ERROR(DecodeValueBlock(codec, block, m, 0, m, &s->quantile_points));
  }
  return body.empty() ? Status::OK() : bad("trailing bytes");
}

}  // namespace overtone::storage
