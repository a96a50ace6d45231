#include "storage/codec/timestamp_column.h"

#include <gtest/gtest.h>

#include <random>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/codec/timestamp_codec.h"

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

// Codec 4: the header, the frame index (B = 256, two frames ending at
// ts[256] - ts[0] and ts[299] - ts[0]) and a codec 2 block of 256 deltas a
// frame.
TEST(TimestampColumnTest, GoldenBytesOfAColumnWithAFrameIndex) {
  std::vector<int64_t> ts;
  for (int64_t i = 0; i < 300; ++i) ts.push_back(1000 + i * 15000 + (i * 7) % 5);
  std::string column;
  EncodeTimestampColumn(ts, &column);
  // 4, 300, 256, 3840002, 4485003
  const std::string header("\x04\xac\x02\x80\x02\x82\xb0\xea\x01\x8b\xdf\x91\x02", 13);
  ASSERT_GT(column.size(), header.size() + 4);
  EXPECT_EQ(column.substr(0, header.size()), header);
  std::string block;
  ASSERT_TRUE(EncodeTimestampsFlac(ts, 256, &block));
  EXPECT_EQ(column.substr(header.size(), column.size() - 4 - header.size()), block);
  std::string dod;
  EncodeTimestamps(ts, &dod);
  EXPECT_LT(column.size(), dod.size());
  const uint32_t crc = Crc32c(std::string_view(column).substr(0, column.size() - 4));
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(static_cast<uint8_t>(column[column.size() - 4 + i]), (crc >> (8 * i)) & 0xff);
  EXPECT_TRUE(HasTimestampColumnIndex(column));
  std::vector<int64_t> back;
  ASSERT_TRUE(DecodeTimestampColumn(column, &back).ok());
  EXPECT_EQ(back, ts);
  // Inline, a segment holds the block as codec 2, which decodes alone.
  uint8_t codec = 0;
  std::string_view inline_block;
  ASSERT_TRUE(TimestampColumnBlock(column, &codec, &inline_block).ok());
  EXPECT_EQ(codec, kTimestampCodecFlac);
  EXPECT_EQ(inline_block, block);
  EXPECT_EQ(TimestampColumnBlockBytes(column), block.size());
  back.clear();
  ASSERT_TRUE(DecodeTimestamps(codec, inline_block, ts.size(), &back).ok());
  EXPECT_EQ(back, ts);
}

// Short columns, and those delta-of-delta codes smaller, have no index.
TEST(TimestampColumnTest, ShortOrDodSmallerColumnsHaveNoIndex) {
  std::vector<int64_t> ts;
  for (int64_t i = 0; i < 257; ++i) ts.push_back(i * 15000 + (i * 7) % 5);  // 256 deltas: one frame
  std::string column;
  EncodeTimestampColumn(ts, &column);
  EXPECT_FALSE(HasTimestampColumnIndex(column));
  EXPECT_EQ(static_cast<uint8_t>(column[0]), kTimestampCodecFlac);
  ts.push_back(ts.back() + 15000);
  EncodeTimestampColumn(ts, &column);
  EXPECT_TRUE(HasTimestampColumnIndex(column));
}

// Columns of every shape: a few timestamps (one frame, no index), a few
// frames, a last frame of one delta, regular and jittered steps, gaps.
std::vector<std::vector<int64_t>> VariedColumns() {
  std::mt19937_64 rng(11);
  std::vector<std::vector<int64_t>> out;
  for (size_t n : {size_t{1}, size_t{2}, size_t{100}, size_t{257}, size_t{258}, size_t{513}, size_t{600},
                   size_t{1440}, size_t{3000}}) {
    for (int shape = 0; shape < 3; ++shape) {
      std::vector<int64_t> ts;
      int64_t t = 1714500000000 - static_cast<int64_t>(rng() % 1000000);
      for (size_t i = 0; i < n; ++i) {
        ts.push_back(t);
        if (shape == 0) t += 15000;                                                      // regular
        if (shape == 1) t += 15000 + static_cast<int64_t>(rng() % 5);                    // jittered
        if (shape == 2) t += rng() % 40 == 0 ? 1 + rng() % 9000000 : 1 + rng() % 30000;  // irregular, gaps
      }
      out.push_back(ts);
    }
  }
  // Steps close to 2^53 from the bottom of int64: a span past what an index
  // entry holds.
  std::vector<int64_t> wide;
  for (int64_t i = 0, t = INT64_MIN + 5; i < 1100; ++i, t += (int64_t{1} << 53) - 1 - i % 3)
    wide.push_back(t);
  out.push_back(wide);
  return out;
}

// A range read frame by frame is the slice of the whole decode: positions
// of times before, on, between and after the timestamps (a frame's first
// and last among them), and the timestamps of index ranges starting and
// ending inside frames, on frame edges, in the first and the last frame.
TEST(TimestampColumnTest, ARangeReadEqualsTheSliceOfTheWholeDecode) {
  std::mt19937_64 rng(5);
  int indexed = 0;
  for (const std::vector<int64_t>& ts : VariedColumns()) {
    SCOPED_TRACE(std::to_string(ts.size()) + " timestamps");
    std::string column;
    EncodeTimestampColumn(ts, &column);
    TimestampColumnReader reader;
    ASSERT_TRUE(reader.Open(column).ok());
    indexed += reader.indexed();
    ASSERT_EQ(reader.size(), ts.size());
    EXPECT_EQ(reader.front(), ts.front());
    EXPECT_EQ(reader.back(), ts.back());
    std::vector<int64_t> probes = {INT64_MIN, INT64_MAX, ts.front() - 1, ts.back() + 1};
    for (size_t i = 0; i < ts.size(); i += (i % 256 == 0 || i % 256 == 255 || i + 1 == ts.size()) ? 1 : 37) {
      probes.insert(probes.end(), {ts[i] - 1, ts[i], ts[i] + 1});
    }
    for (int64_t t : probes) {
      TimestampColumnReader fresh;  // finding a position from the index alone
      ASSERT_TRUE(fresh.Open(column).ok());
      Result<size_t> lower = fresh.LowerBound(t);
      ASSERT_TRUE(lower.ok());
      EXPECT_EQ(*lower, std::lower_bound(ts.begin(), ts.end(), t) - ts.begin()) << t;
      Result<size_t> upper = reader.UpperBound(t);
      ASSERT_TRUE(upper.ok());
      EXPECT_EQ(*upper, std::upper_bound(ts.begin(), ts.end(), t) - ts.begin()) << t;
    }
    std::vector<std::pair<size_t, size_t>> ranges = {{0, ts.size()}, {0, 1}, {ts.size() - 1, ts.size()}};
    for (size_t edge = 256; edge < ts.size(); edge += 256) {
      ranges.insert(ranges.end(), {{edge, std::min(edge + 256, ts.size())},
                                   {edge - 1, edge + 1},
                                   {edge - 10, std::min(edge + 300, ts.size())},
                                   {edge, edge}});
    }
    for (int i = 0; i < 20; ++i) {
      size_t a = rng() % (ts.size() + 1), b = rng() % (ts.size() + 1);
      ranges.emplace_back(std::min(a, b), std::max(a, b));
    }
    for (const auto& [begin, end] : ranges) {
      TimestampColumnReader fresh;
      ASSERT_TRUE(fresh.Open(column).ok());
      std::vector<int64_t> got = {42};  // appended to
      ASSERT_TRUE(fresh.Append(begin, end, &got).ok());
      std::vector<int64_t> want = {42};
      want.insert(want.end(), ts.begin() + begin, ts.begin() + end);
      EXPECT_EQ(got, want) << begin << ".." << end;
      got.resize(1);
      ASSERT_TRUE(reader.Append(begin, end, &got).ok());  // frames decoded before, reused
      EXPECT_EQ(got, want) << begin << ".." << end;
    }
    std::vector<int64_t> out;
    EXPECT_EQ(reader.Append(1, ts.size() + 1, &out).code(), Status::Code::kInvalidArgument);
  }
  EXPECT_GE(indexed, 12);
}

// Only the frames holding what is read are decoded.
TEST(TimestampColumnTest, ARangeReadDecodesOnlyTheFramesItNeeds) {
  std::vector<int64_t> ts;
  for (int64_t i = 0; i < 1440; ++i) ts.push_back(i * 15000 + (i * 7) % 5);
  std::string column;
  EncodeTimestampColumn(ts, &column);
  TimestampColumnReader reader;
  ASSERT_TRUE(reader.Open(column).ok());
  ASSERT_TRUE(reader.indexed());
  EXPECT_EQ(reader.frames_decoded(), 0u);
  Result<size_t> at = reader.LowerBound(ts[1300]);  // frame 5: ts[1280..1439]
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(*at, 1300u);
  EXPECT_EQ(reader.frames_decoded(), 1u);
  std::vector<int64_t> out;
  ASSERT_TRUE(reader.Append(1200, 1440, &out).ok());  // frames 4 and 5
  EXPECT_EQ(reader.frames_decoded(), 2u);
  ASSERT_TRUE(reader.LowerBound(ts[0] - 5).ok());   // before the first: no frame
  ASSERT_TRUE(reader.Append(256, 257, &out).ok());  // frame 1's first, frame 0's last
  EXPECT_EQ(reader.frames_decoded(), 3u);
  EXPECT_EQ(out.back(), ts[256]);
}

// A frame index that disagrees with the block (its checksum made right) is
// corruption, for the whole decode and for either frame the entry bounds.
TEST(TimestampColumnTest, AFrameIndexDisagreeingWithTheBlockIsCorruption) {
  std::vector<int64_t> ts;
  for (int64_t i = 0; i < 600; ++i) ts.push_back(i * 15000 + (i * 7) % 5);
  std::string column;
  EncodeTimestampColumn(ts, &column);
  ASSERT_TRUE(HasTimestampColumnIndex(column));
  // The first entry (where frame 0 ends and frame 1 starts), after codec,
  // count (2 bytes) and B (2 bytes), one more.
  std::string bad = column.substr(0, column.size() - 4);
  bad[5] = static_cast<char>(bad[5] ^ 0x01);
  const uint32_t crc = Crc32c(bad);
  for (int i = 0; i < 4; ++i) bad.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  std::vector<int64_t> back;
  EXPECT_EQ(DecodeTimestampColumn(bad, &back).code(), Status::Code::kCorruption);
  TimestampColumnReader reader;
  ASSERT_TRUE(reader.Open(bad).ok());  // the index alone looks sound
  EXPECT_EQ(reader.LowerBound(ts[100]).status().code(), Status::Code::kCorruption);  // frame 0 ends off it
  std::vector<int64_t> out;
  EXPECT_EQ(reader.Append(300, 310, &out).code(), Status::Code::kCorruption);  // frame 1 starts off it
  std::vector<int64_t> last;
  EXPECT_TRUE(reader.Append(550, 600, &last).ok());  // frame 2 is bounded by sound entries
  EXPECT_EQ(last, std::vector<int64_t>(ts.begin() + 550, ts.end()));
  // Every flipped byte of a sound column is caught when it is opened.
  for (size_t i = 0; i < column.size(); ++i) {
    std::string flipped = column;
    flipped[i] ^= 0x10;
    EXPECT_EQ(reader.Open(flipped).code(), Status::Code::kCorruption) << i;
  }
}

}  // namespace
}  // namespace overtone::storage
