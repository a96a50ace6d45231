// Big-endian bit streams (most significant bit first), the order of
// Gorilla / Prometheus XOR chunks.

#ifndef OVERTONE_STORAGE_CODEC_BIT_STREAM_H_
#define OVERTONE_STORAGE_CODEC_BIT_STREAM_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace overtone::storage {

class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}

  void WriteBit(bool bit) { WriteBits(bit ? 1 : 0, 1); }
  // Writes the low `n` bits of `v`, most significant first. REQUIRES: n <= 64.
  void WriteBits(uint64_t v, int n) {
    while (n > 0) {
      if (free_ == 0) {
        out_->push_back(0);
        free_ = 8;
      }
      int take = n < free_ ? n : free_;
      uint64_t chunk = (v >> (n - take)) & ((take == 64) ? ~0ull : ((1ull << take) - 1));
      out_->back() = static_cast<char>(static_cast<uint8_t>(out_->back()) | (chunk << (free_ - take)));
      free_ -= take;
      n -= take;
    }
  }
  void WriteByte(uint8_t b) { WriteBits(b, 8); }

 private:
  std::string* out_;
  int free_ = 0;  // unused low bits of out_->back()
};

class BitReader {
 public:
  explicit BitReader(std::string_view in) : in_(in) {}

  // False when the stream ends first.
  bool ReadBit(bool* bit) {
    uint64_t v;
    if (!ReadBits(1, &v)) return false;
    *bit = v != 0;
    return true;
  }
  bool ReadBits(int n, uint64_t* v) {
    if (static_cast<uint64_t>(n) > remaining_bits()) return false;
    uint64_t r = 0;
    while (n > 0) {
      uint8_t byte = static_cast<uint8_t>(in_[pos_ >> 3]);
      int avail = 8 - static_cast<int>(pos_ & 7);
      int take = n < avail ? n : avail;
      uint64_t bits = (byte >> (avail - take)) & ((1u << take) - 1);
      r = (r << take) | bits;
      pos_ += take;
      n -= take;
    }
    *v = r;
    return true;
  }
  uint64_t remaining_bits() const { return in_.size() * 8 - pos_; }
  size_t byte_position() const { return (pos_ + 7) >> 3; }  // bytes touched so far

 private:
  std::string_view in_;
  uint64_t pos_ = 0;
};

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_CODEC_BIT_STREAM_H_
