#include "storage/codec/timestamp_column.h"

#include <gtest/gtest.h>

#include <random>

#include "base/crc32c.h"

namespace overtone::storage {
namespace {

TEST(TimestampColumnTest, GoldenBytesForTheHeaderExample) {
  std::vector<int64_t> ts = {1000, 2000, 3000};
  std::string column;
  EncodeTimestampColumn(ts, &column);
  std::string body("\x01\x03\xd0\x0f\xd0\x0f\x00", 7);
  ASSERT_EQ(column.size(), body.size() + 4);
  EXPECT_EQ(column.substr(0, body.size()), body);
  uint32_t crc = Crc32c(body);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(static_cast<uint8_t>(column[body.size() + i]), (crc >> (8 * i)) & 0xff);
  std::vector<int64_t> back;
  ASSERT_TRUE(DecodeTimestampColumn(column, &back).ok());
  EXPECT_EQ(back, ts);
  EXPECT_EQ(TimestampColumnBlockBytes(column), 5u);
}

TEST(TimestampColumnTest, EqualTimestampsGiveEqualKeysAndOthersDiffer) {
  std::vector<int64_t> a = {1000, 2000, 3000, 4005}, b = a, c = {1000, 2000, 3000, 4006};
  std::string ca, cb, cc;
  EncodeTimestampColumn(a, &ca);
  EncodeTimestampColumn(b, &cb);
  EncodeTimestampColumn(c, &cc);
  EXPECT_EQ(ca, cb);
  EXPECT_EQ(TimestampColumnKey(ca), TimestampColumnKey(cb));
  EXPECT_NE(TimestampColumnKey(ca), TimestampColumnKey(cc));
}

TEST(TimestampColumnTest, RandomRoundTripsWithJitterAndGaps) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<int64_t> ts;
    int64_t t = static_cast<int64_t>(rng() % 2000000000000) - 1000000000000;
    size_t n = 1 + rng() % 3000;
    for (size_t i = 0; i < n; ++i) {
      ts.push_back(t);
      t += (rng() % 50 == 0) ? 1 + static_cast<int64_t>(rng() % 10000000)
                             : 15000 + static_cast<int64_t>(rng() % 9) - 4;
    }
    std::string column;
    EncodeTimestampColumn(ts, &column);
    std::vector<int64_t> back;
    ASSERT_TRUE(DecodeTimestampColumn(column, &back).ok()) << trial;
    ASSERT_EQ(back, ts) << trial;
  }
}

TEST(TimestampColumnTest, EveryCorruptedByteIsDetected) {
  std::vector<int64_t> ts;
  for (int i = 0; i < 100; ++i) ts.push_back(i * 15000 + (i * 7) % 5);
  std::string column;
  EncodeTimestampColumn(ts, &column);
  for (size_t i = 0; i < column.size(); ++i) {
    std::string bad = column;
    bad[i] ^= 0x10;
    std::vector<int64_t> back;
    EXPECT_EQ(DecodeTimestampColumn(bad, &back).code(), Status::Code::kCorruption) << i;
    EXPECT_TRUE(back.empty());
  }
  std::vector<int64_t> back;
  EXPECT_FALSE(DecodeTimestampColumn(column.substr(0, 5), &back).ok());
  EXPECT_FALSE(DecodeTimestampColumn("", &back).ok());
}

}  // namespace
}  // namespace overtone::storage
