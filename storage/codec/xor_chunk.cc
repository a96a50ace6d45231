#include "storage/codec/xor_chunk.h"

#include <algorithm>
#include <bit>

namespace overtone::storage {
namespace {

void WriteUvarintBits(BitWriter* w, uint64_t v) {
  while (v >= 0x80) {
    w->WriteByte(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  w->WriteByte(static_cast<uint8_t>(v));
}

bool ReadUvarintBits(BitReader* r, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint64_t byte;
    if (!r->ReadBits(8, &byte)) return false;
    result |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool FitsBits(int64_t x, int n) {
  return -((int64_t{1} << (n - 1)) - 1) <= x && x <= (int64_t{1} << (n - 1));
}

}  // namespace

void XorValueWriter::Append(BitWriter* w, double v) {
  uint64_t bits = std::bit_cast<uint64_t>(v);
  if (first_) {
    w->WriteBits(bits, 64);
    prev_ = bits;
    first_ = false;
    return;
  }
  uint64_t delta = bits ^ prev_;
  prev_ = bits;
  if (delta == 0) {
    w->WriteBit(false);
    return;
  }
  // The control bits go out with the first value bits, in as few writes as
  // fit 64 bits: remote read encodes every sample it sends.
  uint8_t leading = static_cast<uint8_t>(std::countl_zero(delta));
  uint8_t trailing = static_cast<uint8_t>(std::countr_zero(delta));
  if (leading >= 32) leading = 31;  // 5 bits hold at most 31
  if (leading_ != 0xff && leading >= leading_ && trailing >= trailing_) {
    const int sigbits = 64 - leading_ - trailing_;
    const uint64_t meaningful = delta >> trailing_;
    if (sigbits <= 62) {
      w->WriteBits((uint64_t{0b10} << sigbits) | meaningful, 2 + sigbits);  // '10' and the bits
    } else {
      w->WriteBits(0b10, 2);
      w->WriteBits(meaningful, sigbits);
    }
    return;
  }
  leading_ = leading;
  trailing_ = trailing;
  const int sigbits = 64 - leading - trailing;
  // '11', 5 bits of leading zeros, 6 bits of length (64 written as 0).
  const uint64_t head =
      (uint64_t{0b11} << 11) | (uint64_t{leading} << 6) | (static_cast<uint64_t>(sigbits) & 63);
  if (sigbits <= 64 - 13) {
    w->WriteBits((head << sigbits) | (delta >> trailing), 13 + sigbits);
  } else {
    w->WriteBits(head, 13);
    w->WriteBits(delta >> trailing, sigbits);
  }
}

bool XorValueReader::Read(BitReader* r, double* v) {
  if (first_) {
    if (!r->ReadBits(64, &prev_)) return false;
    first_ = false;
    *v = std::bit_cast<double>(prev_);
    return true;
  }
  // The control bits and, when they fit in the word, the XOR's meaningful
  // bits come from one Peek (most deltas are well under 44 bits).
  const uint64_t word = r->Peek();
  if ((word >> 63) == 0) {  // '0': the value repeats
    if (!r->Skip(1)) return false;
    *v = std::bit_cast<double>(prev_);
    return true;
  }
  // The control bits before the meaningful ones: '10' reuses the previous
  // window; '11' is followed by 5 bits of leading zeros and 6 of length
  // (0 meaning 64).
  int head;
  if (((word >> 62) & 1) == 0) {
    if (leading_ + trailing_ >= 64) return false;  // a window reused before any was set
    head = 2;
  } else {
    const uint64_t leading = (word >> 57) & 31;
    uint64_t sigbits = (word >> 51) & 63;
    if (sigbits == 0) sigbits = 64;
    if (leading + sigbits > 64) return false;
    leading_ = static_cast<uint8_t>(leading);
    trailing_ = static_cast<uint8_t>(64 - leading - sigbits);
    head = 13;
  }
  const int sigbits = 64 - leading_ - trailing_;
  uint64_t delta;
  if (head + sigbits <= 57) {
    delta = (word << head) >> (64 - sigbits);
    if (!r->Skip(head + sigbits)) return false;
  } else if (!r->Skip(head) || !r->ReadBits(sigbits, &delta)) {
    return false;
  }
  prev_ ^= delta << trailing_;
  *v = std::bit_cast<double>(prev_);
  return true;
}

Status EncodeXorChunk(std::span<const Sample> samples, std::string* out) {
  if (samples.size() > kMaxXorChunkSamples)
    return Status::InvalidArgument("too many samples for one XOR chunk");
  out->clear();
  out->reserve(2 + 10 + 2 * samples.size());  // two bytes a sample or so, typically less
  out->push_back(static_cast<char>(samples.size() >> 8));
  out->push_back(static_cast<char>(samples.size() & 0xff));
  BitWriter w(out);
  XorValueWriter values;
  // Time arithmetic wraps modulo 2^64, as Go's int64 does in Prometheus's
  // chunkenc: a gap wider than int64 (say from -2^62 to 2^62) is still
  // ascending and must encode, and the decoder's wrapping undoes it exactly.
  uint64_t prev_ts = 0, prev_delta = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    int64_t ts = samples[i].ts;
    if (i > 0 && ts < samples[i - 1].ts) {
      return Status::InvalidArgument("XOR chunk samples must be in ascending time order");
    }
    if (i == 0) {
      WriteUvarintBits(&w, (static_cast<uint64_t>(ts) << 1) ^ static_cast<uint64_t>(ts >> 63));
    } else if (i == 1) {
      prev_delta = static_cast<uint64_t>(ts) - prev_ts;
      WriteUvarintBits(&w, prev_delta);
    } else {
      uint64_t delta = static_cast<uint64_t>(ts) - prev_ts;
      int64_t dod = static_cast<int64_t>(delta - prev_delta);
      prev_delta = delta;
      if (dod == 0) {
        w.WriteBit(false);
      } else if (FitsBits(dod, 14)) {  // the prefix and the bits in one write each
        w.WriteBits((uint64_t{0b10} << 14) | (static_cast<uint64_t>(dod) & 0x3fff), 2 + 14);
      } else if (FitsBits(dod, 17)) {
        w.WriteBits((uint64_t{0b110} << 17) | (static_cast<uint64_t>(dod) & 0x1ffff), 3 + 17);
      } else if (FitsBits(dod, 20)) {
        w.WriteBits((uint64_t{0b1110} << 20) | (static_cast<uint64_t>(dod) & 0xfffff), 4 + 20);
      } else {
        w.WriteBits(0b1111, 4);
        w.WriteBits(static_cast<uint64_t>(dod), 64);
      }
    }
    prev_ts = static_cast<uint64_t>(ts);
    values.Append(&w, samples[i].value);
  }
  w.Finish();
  return Status::OK();
}

Status DecodeXorChunk(std::string_view chunk, std::vector<Sample>* out) {
  if (chunk.size() < 2) return Status::Corruption("XOR chunk shorter than its header");
  size_t n = (static_cast<uint8_t>(chunk[0]) << 8) | static_cast<uint8_t>(chunk[1]);
  BitReader r(chunk.substr(2));
  XorValueReader values;
  // Wrapping, as the encoder; a time that then lands before the one before
  // it can only come from corrupt bytes.
  uint64_t ts = 0, delta = 0;
  auto bad = [] { return Status::Corruption("XOR chunk is truncated or malformed"); };
  // Room for the samples the header announces, as far as the bytes can
  // hold them (two bits a sample at least, past the first two): a corrupt
  // header reserves no more than its chunk could decode to.
  out->reserve(out->size() + std::min<uint64_t>(n, 2 + r.remaining_bits() / 2));
  for (size_t i = 0; i < n; ++i) {
    uint64_t u;
    if (i == 0) {
      if (!ReadUvarintBits(&r, &u)) return bad();
      ts = (u >> 1) ^ (0 - (u & 1));
    } else if (i == 1) {
      if (!ReadUvarintBits(&r, &u)) return bad();
      delta = u;
      ts += delta;
    } else {
      // '0', '10', '110', '1110' or '1111': the prefix and the bits of the
      // delta of deltas from one Peek.
      const uint64_t word = r.Peek();
      const int prefix = std::min(std::countl_one(word), 4);
      uint64_t dod = 0;  // two's complement
      static constexpr int kSizes[] = {0, 14, 17, 20};
      if (prefix == 0) {
        if (!r.Skip(1)) return bad();
      } else if (prefix < 4) {
        const int size = kSizes[prefix];
        u = (word << (prefix + 1)) >> (64 - size);
        if (!r.Skip(prefix + 1 + size)) return bad();
        if (u > (uint64_t{1} << (size - 1))) u -= uint64_t{1} << size;
        dod = u;
      } else {
        if (!r.Skip(4) || !r.ReadBits(64, &u)) return bad();
        dod = u;
      }
      delta += dod;
      ts += delta;
    }
    if (i > 0 && static_cast<int64_t>(ts) < out->back().ts) {
      return Status::Corruption("XOR chunk timestamps go backwards");
    }
    double v;
    if (!values.Read(&r, &v)) return bad();
    out->push_back(Sample{static_cast<int64_t>(ts), v});
  }
  return Status::OK();
}

}  // namespace overtone::storage
