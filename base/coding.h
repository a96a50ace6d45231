// Byte-level encodings shared by the key layouts (see docs/FORMAT.md).
//
// Integers in keys are big-endian so that RocksDB's bytewise comparator sorts
// them numerically; signed timestamps have their sign bit flipped so that
// negative times sort before positive ones. Decoders consume their input
// (as LevelDB's Get*(Slice*)) and return false on truncated data.

#ifndef OVERTONE_BASE_CODING_H_
#define OVERTONE_BASE_CODING_H_

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

namespace overtone {

inline void PutBE64(std::string* dst, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i, v >>= 8) b[i] = static_cast<char>(v & 0xff);
  dst->append(b, 8);
}

inline uint64_t DecodeBE64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

inline bool GetBE64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  *v = DecodeBE64(in->data());
  in->remove_prefix(8);
  return true;
}

inline uint64_t TimestampToKey(int64_t ts) { return static_cast<uint64_t>(ts) ^ (1ull << 63); }
inline int64_t KeyToTimestamp(uint64_t k) { return static_cast<int64_t>(k ^ (1ull << 63)); }

inline void PutTimestamp(std::string* dst, int64_t ts) { PutBE64(dst, TimestampToKey(ts)); }

// Doubles are stored as their IEEE-754 bits, little-endian, so every NaN
// payload survives.
// Writes the 8 bytes at p; returns the end.
inline char* EncodeDoubleBits(char* p, double v) {
  uint64_t bits = std::bit_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i, bits >>= 8) *p++ = static_cast<char>(bits & 0xff);
  return p;
}

inline void PutDoubleBits(std::string* dst, double v) {
  char b[8];
  dst->append(b, EncodeDoubleBits(b, v));
}

inline double DecodeDoubleBits(const char* p) {
  uint64_t bits = 0;
  for (int i = 7; i >= 0; --i) bits = (bits << 8) | static_cast<uint8_t>(p[i]);
  return std::bit_cast<double>(bits);
}

// Writes v as a varint (7 bits a byte, low first; at most 10 bytes) at p;
// returns the end. A value below 2^32 is also its varint32.
inline char* EncodeVarint64(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

inline void PutVarint64(std::string* dst, uint64_t v) {
  char b[10];
  dst->append(b, EncodeVarint64(b, v));
}

// The bytes EncodeVarint64 writes for v.
inline size_t VarintLength(uint64_t v) { return static_cast<size_t>(std::bit_width(v | 1) + 6) / 7; }

// Reads a varint at the front of *in and advances past it. False, with *in
// unchanged, when the input ends inside it or it holds more than 64 bits.
inline bool GetVarint64(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (size_t i = 0; i < in->size() && i < 10; ++i) {
    const uint64_t byte = static_cast<uint8_t>((*in)[i]);
    if (i == 9 && byte > 1) return false;  // bits beyond the 64th
    result |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *v = result;
      in->remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

inline void PutLengthPrefixed(std::string* dst, std::string_view s) {
  PutVarint64(dst, s.size());
  dst->append(s);
}

inline bool GetLengthPrefixed(std::string_view* in, std::string_view* out) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  *out = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

}  // namespace overtone

#endif  // OVERTONE_BASE_CODING_H_
