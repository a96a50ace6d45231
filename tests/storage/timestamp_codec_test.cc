#include "storage/codec/timestamp_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "base/coding.h"
#include "storage/codec/flac_values.h"
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
// EncodeTimestampsBest skips the FLAC encoder when delta-of-delta is no
// longer than the smallest FLAC block could be: it chooses exactly as when
// it always tried both (as the reference below does).
TEST(TimestampCodecTest, BestChoosesAsIfItAlwaysTriedFlac) {
  auto reference = [](std::span<const int64_t> ts, std::string* out) -> uint8_t {
    std::string dod;
    EncodeTimestamps(ts, &dod);
    if (ts.size() > 16) {
      std::vector<double> deltas;
      bool exact = true;
      for (size_t i = 1; i < ts.size(); ++i) {
        uint64_t d = static_cast<uint64_t>(ts[i]) - static_cast<uint64_t>(ts[i - 1]);
        exact &= d < (uint64_t{1} << 53);
        deltas.push_back(static_cast<double>(d));
      }
      std::string flac;
      PutVarint64(&flac, (static_cast<uint64_t>(ts[0]) << 1) ^ static_cast<uint64_t>(ts[0] >> 63));
      FlacParams params;
      params.block_size = static_cast<uint32_t>(std::clamp<size_t>(deltas.size(), 16, 4096));
      if (exact && EncodeFlacValues(deltas, params, &flac).ok() && flac.size() < dod.size()) {
        *out = flac;
        return kTimestampCodecFlac;
      }
    }
    *out = dod;
    return kTimestampCodecDod;
  };
  std::mt19937_64 rng(17);
  int flac = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const size_t n = 1 + rng() % (trial % 10 == 0 ? 2000 : 150);
    const int64_t step = 1 + static_cast<int64_t>(rng() % 60000);
    const int jitter = trial % 4 == 0 ? 0 : static_cast<int>(rng() % (trial % 4 == 1 ? 3 : 2000));
    int64_t t = static_cast<int64_t>(rng() % (uint64_t{1} << 42)) - (trial % 3 == 0 ? int64_t{1} << 41 : 0);
    std::vector<int64_t> ts;
    for (size_t i = 0; i < n; ++i) {
      ts.push_back(t);
      t += step + (jitter > 0 ? static_cast<int64_t>(rng() % jitter) : 0);
    }
    std::string got, want;
    const uint8_t codec = EncodeTimestampsBest(ts, &got);
    ASSERT_EQ(codec, reference(ts, &want)) << trial;
    ASSERT_EQ(got, want) << trial;
    flac += codec == kTimestampCodecFlac;
  }
  EXPECT_GT(flac, 500);  // both choices were made often
  EXPECT_LT(flac, 2500);
}

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
