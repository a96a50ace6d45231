#include "storage/codec/summary.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

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
  return s;
}

TEST(SummaryTest, RoundTripsAndDropsZeroFields) {
  Summary s = Example();
  std::string enc;
  EncodeSummary(s, &enc);
  Summary back;
  ASSERT_TRUE(DecodeSummary(enc, &back).ok());
  EXPECT_EQ(back, s);
  // sum_c and mean_c are zero: 8 stored fields, all decimals: sum 12345.5
  // and m2 1000.25 in 4 bytes, mean 25.7 in 2, max 99.5 in 3, min -3,
  // first 1, last 2 and m2_c 1e-14 (1 / 10^14) in 1.
  EXPECT_EQ(enc.size(), 2 + 2 + 6 + 4 + 2 + 4 + 3 + 4 + 2 + 4 + 1 + 1 + 3 + 1 + 1 + 4u);
}

// Every double survives bit for bit, as a decimal or as an f64.
TEST(SummaryTest, RandomFieldsRoundTrip) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 2000; ++trial) {
    Summary s = Example();
    double* fields[] = {&s.sum,  &s.sum_c, &s.mean, &s.mean_c, &s.m2,
                        &s.m2_c, &s.min,   &s.max,  &s.first,  &s.last};
    for (double* f : fields) {
      switch (rng() % 5) {
        case 0: *f = std::bit_cast<double>(rng()); break;
        case 1:
          *f = static_cast<double>(static_cast<int64_t>(rng()) >> (rng() % 64)) / std::pow(10, rng() % 17);
          break;
        case 2:
          *f = std::round(std::ldexp(static_cast<double>(rng() % 100000), -static_cast<int>(rng() % 30)) *
                          100) /
               100;
          break;
        case 3: *f = rng() % 2 ? -0.0 : 0.0; break;
        default: *f = std::nextafter(static_cast<double>(rng() % 1000) / 10, 1e9); break;
      }
    }
    std::string enc;
    EncodeSummary(s, &enc);
    Summary back;
    ASSERT_TRUE(DecodeSummary(enc, &back).ok());
    for (size_t i = 0; i < std::size(fields); ++i) {
      double* b[] = {&back.sum,  &back.sum_c, &back.mean, &back.mean_c, &back.m2,
                     &back.m2_c, &back.min,   &back.max,  &back.first,  &back.last};
      ASSERT_EQ(std::bit_cast<uint64_t>(*b[i]), std::bit_cast<uint64_t>(*fields[i])) << trial << " " << i;
    }
  }
}

TEST(SummaryTest, QuantilePointsAreNotStored) {
  Summary s = Example();
  for (int i = 0; i < 101; ++i) s.quantile_points.push_back(-3 + i * 0.5);
  std::string with_points, without;
  EncodeSummary(s, &with_points);
  EncodeSummary(Example(), &without);
  EXPECT_EQ(with_points, without);
}

// Format 2, byte by byte: five samples, a NaN among them, sum_c set.
TEST(SummaryTest, GoldenBytes) {
  Summary s;
  s.count = 5;
  s.has_nan = true;
  s.first_ts = 1700000000000;
  s.last_ts = s.first_ts + 60000;
  s.ts_of_min = s.first_ts + 15000;
  s.ts_of_max = s.first_ts + 45000;
  s.sum = 12.5;
  s.sum_c = 1e-17;
  s.mean = 2.5;
  s.m2 = 3.25;
  s.min = 0.5;
  s.max = 4.5;
  s.first = 1;
  s.last = 2;
  std::string enc;
  EncodeSummary(s, &enc);
  std::string body = testing::FromHex(
      "0201"              // format 2, a NaN among the samples
      "05"                // count
      "80a0abfef962"      // first ts (zigzag varint)
      "e0d403"            // last - first
      "9875"              // ts_of_min - first
      "c8df02"            // ts_of_max - first
      "a6c42a"            // tags: sum_c f64; mean_c, m2_c +0.0; the rest decimal
      "a11f"              // sum 12.5: 125 / 10^1, as zigzag(125) << 4 | 1
      "97d44646f50e673c"  // sum_c 1e-17, f64
      "a106"              // mean 2.5
      "a251"              // m2 3.25: 325 / 10^2
      "a101"              // min 0.5
      "a10b"              // max 4.5
      "20"                // first 1: 1 / 10^0
      "40"                // last 2
  );
  ASSERT_EQ(enc.size(), body.size() + 4);
  EXPECT_EQ(enc.substr(0, body.size()), body);
  uint32_t crc = Crc32c(body);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(static_cast<uint8_t>(enc[body.size() + i]), (crc >> (8 * i)) & 0xff);
  Summary back;
  ASSERT_TRUE(DecodeSummary(enc, &back).ok());
  EXPECT_EQ(back, s);
}

// Format 1 (quantile points stored, coded as a segment's values) is still
// read: these bytes were written by the format 1 encoder.
TEST(SummaryTest, ReadsFormat1WithItsQuantilePoints) {
  std::string v1 = testing::FromHex(
      "01010580a0abfef962e0d4039875c8df02d703000000000000294097d44646f50e673c00000000000004400000000000000a40"
      "000000000000e03f0000000000001240000000000000f03f00000000000000400502117ff8000000000000c26401dff9b02f58"
      "9ed4165658");
  Summary s;
  ASSERT_TRUE(DecodeSummary(v1, &s).ok());
  EXPECT_EQ(s.count, 5u);
  EXPECT_TRUE(s.has_nan);
  EXPECT_EQ(s.ts_of_max, 1700000000000 + 45000);
  EXPECT_EQ(s.sum_c, 1e-17);
  EXPECT_EQ(s.last, 2);
  ASSERT_EQ(s.quantile_points.size(), 5u);
  EXPECT_TRUE(std::isnan(s.quantile_points[0]));
  EXPECT_EQ(std::vector<double>(s.quantile_points.begin() + 1, s.quantile_points.end()),
            (std::vector<double>{0.5, 2, 3.5, 4.5}));
  Summary skipped;
  ASSERT_TRUE(DecodeSummary(v1, &skipped, /*with_points=*/false).ok());
  EXPECT_TRUE(skipped.quantile_points.empty());
  EXPECT_EQ(skipped.m2, 3.25);
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
  s.max = std::nan("");
  std::string enc;
  EncodeSummary(s, &enc);
  Summary back;
  ASSERT_TRUE(DecodeSummary(enc, &back).ok());
  EXPECT_TRUE(back.has_nan);
  EXPECT_TRUE(std::signbit(back.first));
  EXPECT_TRUE(std::isnan(back.max));
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
