#include "storage/codec/timestamp_codec.h"

#include <algorithm>
#include <cmath>

#include "base/coding.h"
#include "storage/codec/bit_stream.h"
#include "storage/codec/flac_values.h"

namespace overtone::storage {
namespace {

struct Bucket {
  int prefix_bits;
  uint64_t prefix;
  int value_bits;
};
constexpr Bucket kBuckets[] = {{2, 0b10, 7}, {3, 0b110, 12}, {4, 0b1110, 20}, {5, 0b11110, 32}};

bool Fits(int64_t x, int n) { return -((int64_t{1} << (n - 1)) - 1) <= x && x <= (int64_t{1} << (n - 1)); }

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t u) { return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1); }

}  // namespace

// Time arithmetic below wraps modulo 2^64: ascending timestamps further
// apart than int64 reaches still encode, and the decoder's wrapping undoes
// it exactly.

void EncodeTimestamps(std::span<const int64_t> ts, std::string* out) {
  if (ts.empty()) return;
  PutVarint64(out, ZigZag(ts[0]));
  if (ts.size() == 1) return;
  uint64_t delta = static_cast<uint64_t>(ts[1]) - static_cast<uint64_t>(ts[0]);
  PutVarint64(out, ZigZag(static_cast<int64_t>(delta)));
  std::string bits;
  BitWriter w(&bits);
  for (size_t i = 2; i < ts.size(); ++i) {
    uint64_t d = static_cast<uint64_t>(ts[i]) - static_cast<uint64_t>(ts[i - 1]);
    int64_t dod = static_cast<int64_t>(d - delta);
    delta = d;
    if (dod == 0) {
      w.WriteBit(false);
      continue;
    }
    bool written = false;
    for (const Bucket& b : kBuckets) {
      if (Fits(dod, b.value_bits)) {
        w.WriteBits(b.prefix, b.prefix_bits);
        w.WriteBits(static_cast<uint64_t>(dod), b.value_bits);
        written = true;
        break;
      }
    }
    if (!written) {
      w.WriteBits(0b11111, 5);
      w.WriteBits(static_cast<uint64_t>(dod), 64);
    }
  }
  w.Finish();
  out->append(bits);
}

Status DecodeTimestamps(std::string_view in, size_t count, std::vector<int64_t>* out) {
  auto bad = [] { return Status::Corruption("timestamp block is truncated or malformed"); };
  if (count == 0) return Status::OK();
  uint64_t u;
  if (!GetVarint64(&in, &u)) return bad();
  int64_t first = UnZigZag(u);
  out->push_back(first);
  if (count == 1) return Status::OK();
  if (!GetVarint64(&in, &u)) return bad();
  uint64_t delta = static_cast<uint64_t>(UnZigZag(u));
  uint64_t ts = static_cast<uint64_t>(first) + delta;
  // After wrapping, a time before its predecessor can only be corruption.
  auto backwards = [out](uint64_t t) { return static_cast<int64_t>(t) < out->back(); };
  if (backwards(ts)) return bad();
  out->push_back(static_cast<int64_t>(ts));
  BitReader r(in);
  for (size_t i = 2; i < count; ++i) {
    int ones = 0;
    for (; ones < 5; ++ones) {
      bool bit;
      if (!r.ReadBit(&bit)) return bad();
      if (!bit) break;
    }
    uint64_t dod = 0;  // two's complement
    if (ones == 5) {
      if (!r.ReadBits(64, &dod)) return bad();
    } else if (ones > 0) {
      int n = kBuckets[ones - 1].value_bits;
      if (!r.ReadBits(n, &u)) return bad();
      if (u > (uint64_t{1} << (n - 1))) u -= uint64_t{1} << n;
      dod = u;
    }
    delta += dod;
    ts += delta;
    if (backwards(ts)) return bad();
    out->push_back(static_cast<int64_t>(ts));
  }
  return Status::OK();
}

}  // namespace overtone::storage

namespace overtone::storage {

namespace {

// The fewest bytes a FLAC timestamp block takes after its first timestamp:
// a value block (flac_values.h) has 8 bytes of fields at least (scale,
// transform, sample size, block size, base, exception count, frame count,
// a frame's length) and a whole frame of 9 (a 6-byte header, a 1-byte
// subframe, the CRC-16). A delta-of-delta block no longer than that wins
// without running the FLAC encoder: short regular series, most of them.
constexpr size_t kMinFlacBytesAfterFirst = 8 + 9;

size_t VarintLength(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

}  // namespace

bool EncodeTimestampsFlac(std::span<const int64_t> ts, uint32_t block_size, std::string* out) {
  if (ts.size() < 2) return false;
  std::vector<double> deltas;
  deltas.reserve(ts.size() - 1);
  for (size_t i = 1; i < ts.size(); ++i) {
    uint64_t d = static_cast<uint64_t>(ts[i]) - static_cast<uint64_t>(ts[i - 1]);  // ascending: no wrap
    if (d >= (uint64_t{1} << 53)) return false;
    deltas.push_back(static_cast<double>(d));
  }
  std::string flac;
  PutVarint64(&flac, ZigZag(ts[0]));
  FlacParams params;
  params.block_size = block_size;
  if (!EncodeFlacValues(deltas, params, &flac).ok()) return false;
  out->append(flac);
  return true;
}

uint8_t EncodeTimestampsBest(std::span<const int64_t> ts, std::string* out) {
  std::string dod;
  EncodeTimestamps(ts, &dod);
  if (ts.size() > 16 && dod.size() > VarintLength(ZigZag(ts[0])) + kMinFlacBytesAfterFirst) {
    std::string flac;
    const auto block_size = static_cast<uint32_t>(std::clamp<size_t>(ts.size() - 1, 16, 4096));
    if (EncodeTimestampsFlac(ts, block_size, &flac) && flac.size() < dod.size()) {
      out->append(flac);
      return kTimestampCodecFlac;
    }
  }
  out->append(dod);
  return kTimestampCodecDod;
}

Status DecodeTimestamps(uint8_t codec, std::string_view in, size_t count, std::vector<int64_t>* out) {
  if (codec == kTimestampCodecDod) return DecodeTimestamps(in, count, out);
  if (codec != kTimestampCodecFlac)
    return Status::Corruption("unknown timestamp codec " + std::to_string(codec));
  uint64_t u;
  if (count == 0 || !GetVarint64(&in, &u)) return Status::Corruption("timestamp block is truncated");
  std::vector<double> deltas;
  OT_RETURN_IF_ERROR(DecodeFlacValues(in, count - 1, 0, count - 1, &deltas));
  int64_t ts = UnZigZag(u);
  out->push_back(ts);
  for (double d : deltas) {
    // Deltas are whole and below 2^53 when written; a step past the end of
    // int64 is corruption too, not an overflow.
    if (!(d >= 0 && d < 9007199254740992.0) || d != std::trunc(d) ||
        __builtin_add_overflow(ts, static_cast<int64_t>(d), &ts)) {
      return Status::Corruption("timestamp delta out of range");
    }
    out->push_back(ts);
  }
  return Status::OK();
}

}  // namespace overtone::storage
