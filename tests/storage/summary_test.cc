#include "storage/codec/summary.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/crc32c.h"
#include "tests/support/test_util.h"

namespace overtone::storage {
namespace {

Summary Example() {
  Summary s;
  s.count = 480;
  s.first_ts = 1700000000000;
  s.last_ts = s.first_ts + 479 * 15000;
  s.ts_of_min = s.first_ts + 15000;
  s.ts_of_max = s.last_ts;
  s.sum = 12345.5;
  s.mean = 25.7;
  s.m2 = 1000.25;
  s.m2_c = 1e-14;
  s.min = -3;
  s.max = 99.5;
  s.first = 1;
  s.last = 2;
  for (int i = 0; i < 101; ++i) s.quantile_points.push_back(-3 + i * 0.5);
  return s;
}

TEST(SummaryTest, RoundTripsAndDropsZeroFields) {
  Summary s = Example();
  std::string enc;
  EncodeSummary(s, &enc);
  Summary back;
  ASSERT_TRUE(DecodeSummary(enc, &back).ok());
  EXPECT_EQ(back, s);
  // sum_c and mean_c are zero: 8 stored fields, and 101 smooth points compress well.
  EXPECT_LT(enc.size(), 2 + 3 + 4 * 3 + 2 + 8 * 8 + 2 + 101 * 2 + 4u);
}

TEST(SummaryTest, EmptySummaryIsTiny) {
  Summary s;
  std::string enc;
  EncodeSummary(s, &enc);
  EXPECT_EQ(enc.size(), 3u + 4u);
  Summary back;
  back.count = 9;
  ASSERT_TRUE(DecodeSummary(enc, &back).ok());
  EXPECT_EQ(back.count, 0u);
}

TEST(SummaryTest, KeepsNaNAndNegativeZeroBits) {
  Summary s = Example();
  s.has_nan = true;
  s.first = -0.0;
  s.quantile_points = {std::nan(""), 1, 2};
  std::string enc;
  EncodeSummary(s, &enc);
  Summary back;
  ASSERT_TRUE(DecodeSummary(enc, &back).ok());
  EXPECT_TRUE(back.has_nan);
  EXPECT_TRUE(std::signbit(back.first));
  EXPECT_TRUE(std::isnan(back.quantile_points[0]));
}

TEST(SummaryTest, CorruptionIsDetected) {
  std::string enc;
  EncodeSummary(Example(), &enc);
  for (size_t i = 0; i < enc.size(); ++i) {
    std::string bad = enc;
    bad[i] ^= 0x01;
    Summary back;
    EXPECT_EQ(DecodeSummary(bad, &back).code(), Status::Code::kCorruption) << i;
  }
  Summary back;
  EXPECT_FALSE(DecodeSummary(enc.substr(0, 4), &back).ok());
}

// Found by fuzz_summary (fuzz/corpus/summary/crash-time-offset-overflow,
// there without the checksum, which the target appends): a time offset
// that reaches past int64 from first_ts overflowed, undefined behaviour.
TEST(SummaryTest, FuzzTimeOffsetOverflowIsCorruption) {
  std::string bytes = testing::FromHex(
      "0100ff0032ffffffffffffffffff160001ffffffffffffffffffff160000000000000000f6000000007a000000000000"
      "000000000000ff");
  uint32_t crc = Crc32c(bytes);
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  Summary back;
  Status s = DecodeSummary(bytes, &back);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
}

}  // namespace
}  // namespace overtone::storage
