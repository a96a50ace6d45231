#include "storage/codec/xor_chunk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>

#include "base/hex.h"
#include "tests/support/test_util.h"

namespace overtone::storage {
namespace {

std::string Hex(const std::string& s) {
  std::string out;
  AppendHex(s, HexCase::kLower, &out);
  return out;
}

TEST(XorChunkTest, GoldenBytesFromTheHeaderExample) {
  std::vector<Sample> in = {{1000, 1.0}, {2000, 1.0}};
  std::string chunk;
  ASSERT_TRUE(EncodeXorChunk(in, &chunk).ok());
  EXPECT_EQ(Hex(chunk), "0002d00f3ff0000000000000e80700");
}

TEST(XorChunkTest, GoldenBytesWithDodAndNewWindow) {
  // Third sample: dod 0 -> "0"; value 2.0 ^ 1.0 = 0x7ff0000000000000
  // (leading 1, trailing 52): "11" + 00001 + 001011 + 11 bits of ones.
  std::vector<Sample> in = {{0, 1.0}, {10, 1.0}, {20, 2.0}};
  std::string chunk;
  ASSERT_TRUE(EncodeXorChunk(in, &chunk).ok());
  // 0003 | 00 | 3ff0000000000000 | 0a | bits: 0 (v same) 0 (dod) 11 00001 001011 11111111111
  // = 0011 0000 | 1001 0111 | 1111 1111 | 11(00 0000) -> 30 97 ff c0
  EXPECT_EQ(Hex(chunk), "0003003ff00000000000000a3097ffc0");
}

TEST(XorChunkTest, RoundTripsRandomSeriesBitExactly) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<Sample> in;
    int64_t ts = static_cast<int64_t>(rng() % 2000000) - 1000000;
    size_t n = 1 + rng() % 300;
    double v = 0;
    for (size_t i = 0; i < n; ++i) {
      switch (rng() % 6) {
        case 0: v = std::bit_cast<double>(rng()); break;  // any bits, NaNs included
        case 1: v += 1; break;
        case 2: v = std::round(v * 100 + (rng() % 7)) / 100; break;
        case 3: v = std::bit_cast<double>(uint64_t{0x7ff0000000000002}); break;
        default: break;  // repeat
      }
      in.push_back({ts, v});
      uint64_t step = rng() % 4 == 0 ? rng() % (uint64_t{1} << 40) : 15000 + rng() % 10;
      ts += static_cast<int64_t>(step);
    }
    std::string chunk;
    ASSERT_TRUE(EncodeXorChunk(in, &chunk).ok());
    std::vector<Sample> out;
    ASSERT_TRUE(DecodeXorChunk(chunk, &out).ok());
    ASSERT_EQ(out, in) << "trial " << trial;
    // Appends after what the vector held.
    std::vector<Sample> after = {{-7, 1.5}};
    ASSERT_TRUE(DecodeXorChunk(chunk, &after).ok());
    ASSERT_EQ(after.size(), in.size() + 1);
    EXPECT_EQ(after.front(), (Sample{-7, 1.5}));
    EXPECT_TRUE(std::equal(in.begin(), in.end(), after.begin() + 1)) << "trial " << trial;
    // Every cut of a chunk is refused: its last byte holds bits of its last
    // sample, so the decoder runs out of them before it is done.
    if (trial < 20) {
      for (size_t cut = 0; cut < chunk.size(); ++cut) {
        std::vector<Sample> partial;
        ASSERT_FALSE(DecodeXorChunk(chunk.substr(0, cut), &partial).ok())
            << "trial " << trial << ", cut " << cut;
      }
    }
  }
}

TEST(XorChunkTest, RejectsTruncationAndDisorder) {
  std::vector<Sample> in = {{1, 1.5}, {2, 2.5}, {3, 7.25}};
  std::string chunk;
  ASSERT_TRUE(EncodeXorChunk(in, &chunk).ok());
  for (size_t cut = 0; cut < chunk.size(); ++cut) {
    std::vector<Sample> out;
    EXPECT_FALSE(DecodeXorChunk(chunk.substr(0, cut), &out).ok()) << cut;
  }
  std::vector<Sample> backwards = {{2, 1}, {1, 1}};
  EXPECT_FALSE(EncodeXorChunk(backwards, &chunk).ok());
}

// Found by fuzz_xor_chunk (fuzz/corpus/xor_chunk/crash-timestamp-overflow):
// the delta-of-delta sum overflowed int64, undefined behaviour. Times now
// wrap as Go's int64 does in Prometheus, and one that then lands before its
// predecessor is corruption.
TEST(XorChunkTest, FuzzTimestampOverflowIsCorruption) {
  const unsigned char kChunk[] = {
      0x00, 0x7b, 0x00, 0xff, 0x00, 0x03, 0xff, 0xff, 0x0d, 0x00, 0x00,
      0x2f, 0x7b, 0x00, 0xff, 0x00, 0x03, 0xff, 0x30, 0x0d, 0x60,
  };
  std::vector<Sample> out;
  Status s = DecodeXorChunk(std::string_view(reinterpret_cast<const char*>(kChunk), sizeof kChunk), &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
}

// Ascending times further apart than int64 reaches (the encoder's wrapping
// arithmetic) still round-trip.
TEST(XorChunkTest, RoundTripsTheWholeTimeRange) {
  std::vector<Sample> in = {{kMin, 1}, {-1, 2}, {0, 3}, {kMax - 1, 4}, {kMax, 5}, {kMax, 6}};
  std::string chunk;
  ASSERT_TRUE(EncodeXorChunk(in, &chunk).ok());
  std::vector<Sample> out;
  ASSERT_TRUE(DecodeXorChunk(chunk, &out).ok());
  EXPECT_EQ(out, in);
}

}  // namespace
}  // namespace overtone::storage
