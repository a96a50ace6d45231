#include "storage/codec/timestamp_codec.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/support/test_util.h"

namespace overtone::storage {
namespace {

TEST(TimestampCodecTest, GoldenBytes) {
  std::vector<int64_t> ts = {1000, 2000, 3000, 4005};
  std::string out;
  EncodeTimestamps(ts, &out);
  EXPECT_EQ(out, std::string("\xd0\x0f\xd0\x0f\x41\x40", 6));
}

TEST(TimestampCodecTest, RegularIntervalCostsOneBitPerSample) {
  std::vector<int64_t> ts;
  for (int i = 0; i < 8002; ++i) ts.push_back(1700000000000 + i * 15000);
  std::string out;
  EncodeTimestamps(ts, &out);
  EXPECT_LE(out.size(), 6u + 3u + 1000u);
}

TEST(TimestampCodecTest, RoundTripsEveryBucketAndExtremes) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<int64_t> ts;
    int64_t t = static_cast<int64_t>(rng() % 1000) - (trial % 2 ? 0 : (int64_t{1} << 62));
    size_t n = 1 + rng() % 200;
    for (size_t i = 0; i < n; ++i) {
      ts.push_back(t);
      static const int64_t kSteps[] = {15000, 1, 64, 2048, 524288, int64_t{1} << 33, int64_t{1} << 50};
      t += kSteps[rng() % 7] + static_cast<int64_t>(rng() % 3);
    }
    std::string out;
    EncodeTimestamps(ts, &out);
    std::vector<int64_t> back;
    ASSERT_TRUE(DecodeTimestamps(out, ts.size(), &back).ok());
    ASSERT_EQ(back, ts) << trial;
    if (!out.empty()) {
      std::vector<int64_t> cut;
      EXPECT_FALSE(DecodeTimestamps(out.substr(0, out.size() - 1), ts.size() + 8, &cut).ok());
    }
  }
}

}  // namespace
}  // namespace overtone::storage

namespace overtone::storage {
namespace {

TEST(TimestampCodecTest, BestPicksFlacForJitterAndRoundTrips) {
  std::mt19937_64 rng(8);
  std::vector<int64_t> ts;
  for (int i = 0; i < 480; ++i) ts.push_back(1700000000000 + i * 15000 + static_cast<int64_t>(rng() % 5));
  std::string dod, best;
  EncodeTimestamps(ts, &dod);
  uint8_t codec = EncodeTimestampsBest(ts, &best);
  EXPECT_EQ(codec, kTimestampCodecFlac);
  EXPECT_LT(best.size(), dod.size() * 2 / 3);
  std::vector<int64_t> back;
  ASSERT_TRUE(DecodeTimestamps(codec, best, ts.size(), &back).ok());
  EXPECT_EQ(back, ts);
  std::vector<int64_t> cut;
  EXPECT_FALSE(DecodeTimestamps(codec, best.substr(0, best.size() / 2), ts.size(), &cut).ok());
  EXPECT_FALSE(DecodeTimestamps(9, best, ts.size(), &cut).ok());
}

TEST(TimestampCodecTest, BestIsNeverLargerThanDodAndRegularIntervalsCostAlmostNothing) {
  std::vector<int64_t> ts;
  for (int i = 0; i < 480; ++i) ts.push_back(i * 15000);
  std::string dod, best;
  EncodeTimestamps(ts, &dod);
  uint8_t codec = EncodeTimestampsBest(ts, &best);
  EXPECT_LE(best.size(), dod.size());
  EXPECT_LE(best.size(), 24u);  // a FLAC constant subframe and its frame header
  std::vector<int64_t> back;
  ASSERT_TRUE(DecodeTimestamps(codec, best, ts.size(), &back).ok());
  EXPECT_EQ(back, ts);
  // Short runs stay delta-of-delta.
  std::vector<int64_t> few = {1, 2, 3};
  std::string small;
  EXPECT_EQ(EncodeTimestampsBest(few, &small), kTimestampCodecDod);
}

// Found by fuzz_timestamp_codec (fuzz/corpus/timestamp_codec/crash-dod-overflow):
// a delta-of-delta block whose sums overflow int64 was undefined behaviour.
// Sums now wrap, and a time that then lands before its predecessor is
// corruption.
TEST(TimestampCodecTest, FuzzDodOverflowIsCorruption) {
  const unsigned char kBlock[] = {
      0x00, 0x01, 0xfe, 0x01, 0x06, 0x01, 0x06, 0x01, 0x06, 0x16, 0x00, 0x00,
  };
  std::vector<int64_t> out;
  Status s = DecodeTimestamps(1, std::string_view(reinterpret_cast<const char*>(kBlock), sizeof kBlock),
                              52835, &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
}

// Ascending times further apart than int64 reaches still round-trip, with
// either codec.
TEST(TimestampCodecTest, RoundTripsTheWholeTimeRange) {
  std::vector<int64_t> wide = {kMin, kMin + 1, -1, 0, kMax - 1, kMax, kMax};
  std::string enc;
  EncodeTimestamps(wide, &enc);
  std::vector<int64_t> out;
  ASSERT_TRUE(DecodeTimestamps(enc, wide.size(), &out).ok());
  EXPECT_EQ(out, wide);

  std::vector<int64_t> near_end;
  for (int i = 0; i < 100; ++i) near_end.push_back(kMax - 100000 + i * 1000 + i % 3);
  enc.clear();
  uint8_t codec = EncodeTimestampsBest(near_end, &enc);
  out.clear();
  ASSERT_TRUE(DecodeTimestamps(codec, enc, near_end.size(), &out).ok());
  EXPECT_EQ(out, near_end);
}

}  // namespace
}  // namespace overtone::storage
