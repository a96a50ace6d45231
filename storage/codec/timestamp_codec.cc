#include "storage/codec/timestamp_codec.h"

#include <algorithm>

#include "storage/codec/bit_stream.h"
#include "storage/codec/flac_values.h"
#include "storage/coding.h"

namespace overtone::storage {
namespace {

struct Bucket {
  int prefix_bits;
  uint64_t prefix;
  int value_bits;
};
constexpr Bucket kBuckets[] = {{2, 0b10, 7}, {3, 0b110, 12}, {4, 0b1110, 20}, {5, 0b11110, 32}};

bool Fits(int64_t x, int n) {
  return -((int64_t{1} << (n - 1)) - 1) <= x && x <= (int64_t{1} << (n - 1));
}

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t u) { return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1); }

}  // namespace

void EncodeTimestamps(std::span<const int64_t> ts, std::string* out) {
  if (ts.empty()) return;
  PutVarint64(out, ZigZag(ts[0]));
  if (ts.size() == 1) return;
  int64_t delta = ts[1] - ts[0];
  PutVarint64(out, ZigZag(delta));
  std::string bits;
  BitWriter w(&bits);
  for (size_t i = 2; i < ts.size(); ++i) {
    int64_t d = ts[i] - ts[i - 1];
    int64_t dod = d - delta;
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
  out->append(bits);
}

Status DecodeTimestamps(std::string_view in, size_t count, std::vector<int64_t>* out) {
  auto bad = [] { return Status::Corruption("timestamp block is truncated or malformed"); };
  if (count == 0) return Status::OK();
  uint64_t u;
  if (!GetVarint64(&in, &u)) return bad();
  int64_t ts = UnZigZag(u);
  out->push_back(ts);
  if (count == 1) return Status::OK();
  if (!GetVarint64(&in, &u)) return bad();
  int64_t delta = UnZigZag(u);
  ts += delta;
  out->push_back(ts);
  BitReader r(in);
  for (size_t i = 2; i < count; ++i) {
    int ones = 0;
    for (; ones < 5; ++ones) {
      bool bit;
      if (!r.ReadBit(&bit)) return bad();
      if (!bit) break;
    }
    int64_t dod = 0;
    if (ones == 5) {
      if (!r.ReadBits(64, &u)) return bad();
      dod = static_cast<int64_t>(u);
    } else if (ones > 0) {
      int n = kBuckets[ones - 1].value_bits;
      if (!r.ReadBits(n, &u)) return bad();
      if (u > (uint64_t{1} << (n - 1))) u -= uint64_t{1} << n;
      dod = static_cast<int64_t>(u);
    }
    delta += dod;
    ts += delta;
    out->push_back(ts);
  }
  return Status::OK();
}

}  // namespace overtone::storage

namespace overtone::storage {

uint8_t EncodeTimestampsBest(std::span<const int64_t> ts, std::string* out) {
  std::string dod;
  EncodeTimestamps(ts, &dod);
  if (ts.size() > 16) {
    std::vector<double> deltas;
    deltas.reserve(ts.size() - 1);
    bool exact = true;
    for (size_t i = 1; i < ts.size(); ++i) {
      int64_t d = ts[i] - ts[i - 1];
      exact &= d < (int64_t{1} << 53);
      deltas.push_back(static_cast<double>(d));
    }
    std::string flac;
    PutVarint64(&flac, ZigZag(ts[0]));
    FlacParams params;
    params.block_size = static_cast<uint32_t>(std::clamp<size_t>(deltas.size(), 16, 4096));
    if (exact && EncodeFlacValues(deltas, params, &flac).ok() && flac.size() < dod.size()) {
      out->append(flac);
      return kTimestampCodecFlac;
    }
  }
  out->append(dod);
  return kTimestampCodecDod;
}

Status DecodeTimestamps(uint8_t codec, std::string_view in, size_t count, std::vector<int64_t>* out) {
  if (codec == kTimestampCodecDod) return DecodeTimestamps(in, count, out);
  if (codec != kTimestampCodecFlac) return Status::Corruption("unknown timestamp codec " + std::to_string(codec));
  uint64_t u;
  if (count == 0 || !GetVarint64(&in, &u)) return Status::Corruption("timestamp block is truncated");
  std::vector<double> deltas;
  OT_RETURN_IF_ERROR(DecodeFlacValues(in, count - 1, 0, count - 1, &deltas));
  int64_t ts = UnZigZag(u);
  out->push_back(ts);
  for (double d : deltas) {
    if (!(d >= 0 && d < 9.2e18)) return Status::Corruption("timestamp delta out of range");
    ts += static_cast<int64_t>(d);
    out->push_back(ts);
  }
  return Status::OK();
}

}  // namespace overtone::storage
