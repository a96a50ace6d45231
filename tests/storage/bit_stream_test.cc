// The bit streams under the XOR and timestamp codecs: what is written reads
// back, in the big-endian bit order of Prometheus's chunks, whatever the
// mix of field widths and however the fields straddle bytes and words.

#include "storage/codec/bit_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace overtone::storage {
namespace {

// The plain definition: one bit at a time, most significant first.
std::string ReferenceBits(const std::vector<std::pair<uint64_t, int>>& fields) {
  std::string out;
  int used = 8;
  for (auto [v, n] : fields) {
    for (int i = n - 1; i >= 0; --i) {
      if (used == 8) out.push_back(0), used = 0;
      if ((v >> i) & 1) out.back() = static_cast<char>(out.back() | (0x80 >> used));
      ++used;
    }
  }
  return out;
}

TEST(BitStream, GoldenBytes) {
  std::string out;
  {
    BitWriter w(&out);
    w.WriteBits(0b101, 3);
    w.WriteBit(true);
    w.WriteBits(0xABCD, 16);
    w.WriteBits(~0ull, 64);
    w.Finish();
  }
  // 1011 1010 1011 1100 1101 + 64 ones + 4 zero bits of padding.
  EXPECT_EQ(out, std::string("\xBA\xBC\xDF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xF0", 11));
}

TEST(BitStream, RandomFieldsMatchTheBitAtATimeDefinitionAndReadBack) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::pair<uint64_t, int>> fields;
    int count = static_cast<int>(rng() % 300);
    for (int i = 0; i < count; ++i) {
      int n = static_cast<int>(rng() % 65);  // 0..64
      uint64_t v = rng();
      if (n < 64) v &= (uint64_t{1} << n) - 1;
      fields.emplace_back(v, n);
    }
    std::string out = "h";  // bytes before the writer stay in front
    {
      BitWriter w(&out);
      // Bits above the low n are ignored.
      for (auto [v, n] : fields) w.WriteBits(n < 64 ? v | (rng() << n) : v, n);
    }
    ASSERT_EQ(out, "h" + ReferenceBits(fields)) << "round " << round;
    BitReader r(std::string_view(out).substr(1));
    for (auto [v, n] : fields) {
      uint64_t got;
      ASSERT_TRUE(r.ReadBits(n, &got));
      ASSERT_EQ(got, v) << "round " << round << ", " << n << " bits";
    }
    EXPECT_LT(r.remaining_bits(), 8u);
    uint64_t extra;
    EXPECT_FALSE(r.ReadBits(8, &extra));
  }
}

// Peek shows the next bits without moving, the stream's first 57 at least,
// zeros past its end; Skip moves past bits the stream holds and refuses,
// without moving, those it does not.
TEST(BitStream, PeekShowsTheNextBitsAndSkipMovesPastThem) {
  std::mt19937_64 rng(9);
  for (int round = 0; round < 200; ++round) {
    std::string bytes(1 + rng() % 24, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const uint64_t total = bytes.size() * 8;
    BitReader r(bytes);
    BitReader bitwise(bytes);
    while (r.remaining_bits() > 0) {
      const uint64_t word = r.Peek();
      const int shown = static_cast<int>(std::min<uint64_t>(57, r.remaining_bits()));
      for (int i = 0; i < shown; ++i) {
        BitReader probe = bitwise;
        uint64_t want;
        ASSERT_TRUE(probe.ReadBits(i + 1, &want));
        ASSERT_EQ(word >> (63 - i), want) << "round " << round << ", bit " << i;
      }
      if (r.remaining_bits() < 57) {  // past the end: zeros
        EXPECT_EQ(word << r.remaining_bits(), 0u) << "round " << round;
      }
      const int n = static_cast<int>(rng() % 58);
      const uint64_t before = r.remaining_bits();
      if (static_cast<uint64_t>(n) > before) {
        EXPECT_FALSE(r.Skip(n));
        EXPECT_EQ(r.remaining_bits(), before);
        ASSERT_TRUE(r.Skip(static_cast<int>(before)));
        ASSERT_TRUE(bitwise.Skip(static_cast<int>(before)));
      } else {
        ASSERT_TRUE(r.Skip(n));
        uint64_t ignored;
        ASSERT_TRUE(bitwise.ReadBits(n, &ignored));
      }
      ASSERT_EQ(r.remaining_bits(), bitwise.remaining_bits());
    }
    EXPECT_EQ(r.Peek(), 0u);
    EXPECT_FALSE(r.Skip(1));
    EXPECT_TRUE(r.Skip(0));
    EXPECT_EQ(total, bytes.size() * 8);
  }
}

}  // namespace
}  // namespace overtone::storage
