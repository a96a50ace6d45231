#include "base/coding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace overtone::storage {
namespace {

TEST(CodingTest, BigEndianGoldenBytes) {
  std::string s;
  PutBE64(&s, 0x0102030405060708ull);
  EXPECT_EQ(s, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  std::string_view in = s;
  uint64_t v;
  ASSERT_TRUE(GetBE64(&in, &v));
  EXPECT_EQ(v, 0x0102030405060708ull);
  EXPECT_TRUE(in.empty());
  EXPECT_FALSE(GetBE64(&in, &v));
}

TEST(CodingTest, TimestampKeysSortLikeSignedIntegers) {
  std::vector<int64_t> ts = {std::numeric_limits<int64_t>::min(), -1000, -1, 0, 1, 1000,
                             std::numeric_limits<int64_t>::max()};
  for (size_t i = 1; i < ts.size(); ++i) {
    std::string a, b;
    PutTimestamp(&a, ts[i - 1]);
    PutTimestamp(&b, ts[i]);
    EXPECT_LT(a, b) << ts[i - 1] << " vs " << ts[i];
    EXPECT_EQ(KeyToTimestamp(DecodeBE64(b.data())), ts[i]);
  }
  std::string zero;
  PutTimestamp(&zero, 0);
  EXPECT_EQ(zero, std::string("\x80\0\0\0\0\0\0\0", 8));
}

TEST(CodingTest, DoubleBitsRoundTripEveryPattern) {
  std::mt19937_64 rng(42);
  std::vector<uint64_t> patterns = {0,
                                    0x8000000000000000ull,
                                    0x7ff0000000000000ull,
                                    0xfff0000000000000ull,
                                    0x7ff8000000000001ull,
                                    0x7ff0000000000002ull,
                                    0xffffffffffffffffull};
  for (int i = 0; i < 1000; ++i) patterns.push_back(rng());
  for (uint64_t bits : patterns) {
    std::string s;
    PutDoubleBits(&s, std::bit_cast<double>(bits));
    ASSERT_EQ(s.size(), 8u);
    EXPECT_EQ(std::bit_cast<uint64_t>(DecodeDoubleBits(s.data())), bits);
  }
  std::string one;
  PutDoubleBits(&one, 1.0);  // 0x3ff0000000000000, little-endian
  EXPECT_EQ(one, std::string("\0\0\0\0\0\0\xf0\x3f", 8));
}

TEST(CodingTest, VarintRoundTripAndTruncation) {
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 300ull, 1ull << 35, ~0ull}) {
    std::string s;
    PutVarint64(&s, v);
    std::string_view in = s;
    uint64_t out;
    ASSERT_TRUE(GetVarint64(&in, &out));
    EXPECT_EQ(out, v);
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(VarintLength(v), s.size()) << v;
    std::string_view cut(s.data(), s.size() - 1);
    EXPECT_FALSE(GetVarint64(&cut, &out)) << v;
    EXPECT_EQ(cut.size(), s.size() - 1) << "a failed read consumes nothing";
  }
  std::string s;
  PutVarint64(&s, 300);
  EXPECT_EQ(s, "\xac\x02");
}

TEST(CodingTest, VarintOfMoreThan64BitsIsRefused) {
  uint64_t out = 0;
  std::string_view max = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";  // 2^64 - 1
  ASSERT_TRUE(GetVarint64(&max, &out));
  EXPECT_EQ(out, ~0ull);
  std::string_view over = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02";  // 2^64 + ...
  EXPECT_FALSE(GetVarint64(&over, &out));
  EXPECT_EQ(over.size(), 10u);
  std::string_view eleven = "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00";
  EXPECT_FALSE(GetVarint64(&eleven, &out));
}

TEST(CodingTest, LengthPrefixedRejectsOverlongLength) {
  std::string s;
  PutLengthPrefixed(&s, "abc");
  EXPECT_EQ(s,
            "\x03"
            "abc");
  std::string_view bad =
      "\x05"
      "abc";
  std::string_view out;
  EXPECT_FALSE(GetLengthPrefixed(&bad, &out));
}

}  // namespace
}  // namespace overtone::storage
