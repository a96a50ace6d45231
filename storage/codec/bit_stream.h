// Big-endian bit streams (most significant bit first), the order of
// Gorilla / Prometheus XOR chunks.

#ifndef OVERTONE_STORAGE_CODEC_BIT_STREAM_H_
#define OVERTONE_STORAGE_CODEC_BIT_STREAM_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace overtone::storage {

// Bits gather in a 64-bit word and go out eight bytes at a time, and
// reads take up to 56 bits with one unaligned 8-byte load: a byte-at-a-time
// loop cost several times more per sample (remote read re-encodes every
// sample it sends as XOR chunks).
class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}
  ~BitWriter() { Finish(); }
  BitWriter(const BitWriter&) = delete;
  BitWriter& operator=(const BitWriter&) = delete;

  void WriteBit(bool bit) { WriteBits(bit ? 1 : 0, 1); }
  // Writes the low `n` bits of `v`, most significant first. REQUIRES: n <= 64.
  void WriteBits(uint64_t v, int n) {
    if (n < 64) v &= (uint64_t{1} << n) - 1;
    if (n < 64 - pending_) {  // the common case: it fits the word (n == 0 included)
      acc_ = (acc_ << n) | v;
      pending_ += n;
      return;
    }
    FillAndPut(v, n);
  }
  void WriteByte(uint8_t b) { WriteBits(b, 8); }

  // Writes out the bits still gathered, the last byte padded with zero bits.
  // The output is complete only after Finish() (or the destructor); writing
  // more afterwards continues at a byte boundary.
  void Finish() {
    PutWords();
    while (pending_ >= 8) {
      pending_ -= 8;
      out_->push_back(static_cast<char>(acc_ >> pending_));
    }
    if (pending_ > 0) out_->push_back(static_cast<char>(acc_ << (8 - pending_)));
    acc_ = 0;
    pending_ = 0;
  }

 private:
  // Completes the word with the high bits of `v`, sends it, keeps the rest.
  [[gnu::noinline]] void FillAndPut(uint64_t v, int n) {
    const int room = 64 - pending_;
    const int rest = n - room;
    uint64_t word = room == 64 ? v >> rest : (acc_ << room) | (v >> rest);
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
    std::memcpy(words_ + 8 * n_words_, &word, 8);
    if (++n_words_ == kWords) PutWords();
    acc_ = rest == 0 ? 0 : v & ((uint64_t{1} << rest) - 1);
    pending_ = rest;
  }

  // Full words wait here and go to the string a few hundred bytes at a
  // time: one append of 8 bytes per word cost more than the bits.
  void PutWords() {
    out_->append(words_, 8 * n_words_);
    n_words_ = 0;
  }

  static constexpr int kWords = 32;
  std::string* out_;
  char words_[8 * kWords];
  int n_words_ = 0;
  uint64_t acc_ = 0;  // the low pending_ bits are written, oldest highest
  int pending_ = 0;
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
    if (n == 0) {
      *v = 0;
      return true;
    }
    if (n <= 57) {  // one word holds them (Peek)
      *v = Peek() >> (64 - n);
      pos_ += static_cast<uint64_t>(n);
      return true;
    }
    // 58 to 64 bits: the first 32, then the rest.
    const uint64_t high = Peek() >> 32;
    pos_ += 32;
    const int rest = n - 32;
    *v = (high << rest) | (Peek() >> (64 - rest));
    pos_ += static_cast<uint64_t>(rest);
    return true;
  }
  // The next 64 bits of the stream, its next bit highest, without moving
  // past them: a decoder reads a field's prefix and its bits from one
  // word, then Skips them. Bits past the end read as 0, and only the top 57
  // are sure to be the stream's, so that a field read this way is at most
  // 57 bits long, and Skip, not Peek, says whether the stream held it.
  uint64_t Peek() const {
    const size_t byte = pos_ >> 3;
    uint64_t word = 0;
    if (byte + 8 <= in_.size()) {
      std::memcpy(&word, in_.data() + byte, 8);
      if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
    } else {
      for (size_t i = byte; i < in_.size(); ++i) {
        word |= uint64_t{static_cast<uint8_t>(in_[i])} << (56 - 8 * (i - byte));
      }
    }
    return word << (pos_ & 7);
  }
  // Moves past n bits; false, without moving, when fewer are left.
  bool Skip(int n) {
    if (static_cast<uint64_t>(n) > remaining_bits()) return false;
    pos_ += static_cast<uint64_t>(n);
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
