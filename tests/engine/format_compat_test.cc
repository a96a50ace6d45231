// Databases of older format versions open and answer as they did: a
// version 2 database, whose summaries (format 1) store their quantile
// points, is marked version 3 by a writer, reads its stored points, and
// gives the same approximate quantiles as the version 3 summaries, whose
// points are picked from the segments' values. A version 3 database,
// whose shared timestamp columns have no frame index, reads alike too.

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <bit>
#include <cmath>
#include <map>
#include <memory>
#include <vector>

#include "base/coding.h"
#include "base/crc32c.h"
#include "engine/window_accumulator.h"
#include "overtone/database.h"
#include "overtone/over_time.h"
#include "storage/codec/segment.h"
#include "storage/codec/summary.h"
#include "storage/codec/timestamp_codec.h"
#include "storage/codec/timestamp_column.h"
#include "storage/store.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kSpan = 2 * kHour;

// A summary record of format 1 (summary.h): the fields as a mask and f64s,
// then the quantile points coded as a segment's values.
std::string SummaryFormat1(std::string_view format2, const std::vector<double>& points) {
  storage::Summary s;
  EXPECT_TRUE(storage::DecodeSummary(format2, &s).ok());
  std::string out;
  out.push_back(static_cast<char>(storage::kSummaryVersion1));
  out.push_back(static_cast<char>(s.has_nan ? 1 : 0));
  PutVarint64(&out, s.count);
  if (s.count > 0) {
    PutVarint64(&out, (static_cast<uint64_t>(s.first_ts) << 1) ^ static_cast<uint64_t>(s.first_ts >> 63));
    for (int64_t t : {s.last_ts, s.ts_of_min, s.ts_of_max})
      PutVarint64(&out, static_cast<uint64_t>(t - s.first_ts));
    const double fields[] = {s.sum, s.sum_c, s.mean, s.mean_c, s.m2, s.m2_c, s.min, s.max, s.first, s.last};
    uint16_t mask = 0;
    for (size_t i = 0; i < std::size(fields); ++i)
      mask |= std::bit_cast<uint64_t>(fields[i]) != 0 ? 1u << i : 0;
    out.push_back(static_cast<char>(mask & 0xff));
    out.push_back(static_cast<char>(mask >> 8));
    for (size_t i = 0; i < std::size(fields); ++i) {
      if (mask & (1u << i)) PutDoubleBits(&out, fields[i]);
    }
    PutVarint64(&out, points.size());
    std::string block;
    out.push_back(static_cast<char>(storage::EncodeValuesBest(points, storage::SegmentOptions{}, &block)));
    PutLengthPrefixed(&out, block);
  }
  uint32_t crc = Crc32c(out);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return out;
}

// Reads the database's format_version record, below the store, and sets it
// to `set` unless that is 0.
uint64_t FormatVersion(const std::string& path, uint64_t set = 0) {
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const std::string& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(rocksdb::DBOptions(), path, cfs, &handles, &raw).ok()) return 0;
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string v;
  EXPECT_TRUE(db->Get(rocksdb::ReadOptions(), "format_version", &v).ok());
  uint64_t version = v.size() == 8 ? DecodeBE64(v.data()) : 0;
  if (set != 0) {
    v.clear();
    PutBE64(&v, set);
    EXPECT_TRUE(db->Put(rocksdb::WriteOptions(), "format_version", v).ok());
  }
  for (auto* h : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  EXPECT_TRUE(db->Close().ok());
  return version;
}

class FormatCompatTest : public ::testing::Test {
 protected:
  void Open() {
    db_.reset();
    Options o;
    o.compaction_interval_ms = 0;
    o.segment_span_ms = kSpan;
    auto r = Database::Open(o, dir_.path());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    db_ = std::move(*r);
  }
  // Two series of 15 s gauges at two decimals over a day, one with NaNs and
  // staleness markers, sealed into 2-hour segments.
  void Fill() {
    WriteBatch b;
    for (int64_t t = 7500, i = 0; t < 24 * kHour; t += 15000, ++i) {
      b.Add({{"__name__", "g"}, {"s", "a"}}, t,
            std::round(50 + 40 * std::sin(i * 0.01) + (i * 37 % 11)) / 100);
      double v = i % 97 == 0 ? std::nan("") : static_cast<double>(i * 13 % 1000) / 10;
      if (i % 331 == 0) v = std::bit_cast<double>(kStaleNaNBits);
      b.Add({{"__name__", "g"}, {"s", "b"}}, t, v);
    }
    ASSERT_TRUE(db_->Write(b).ok());
    ASSERT_TRUE(db_->Compact(24 * kHour + kSpan).ok());
  }
  std::map<std::pair<SeriesId, int64_t>, uint64_t> Evaluate(OverTimeFn fn, double param, bool approximate) {
    OverTimeQuery q;
    q.fn = fn;
    q.param = param;
    q.start = 12 * kHour + 1000;
    q.end = 24 * kHour;
    q.step = kHour;
    q.range = 11 * kHour;
    q.approximate = approximate;
    std::map<std::pair<SeriesId, int64_t>, uint64_t> out;
    Status s = db_->EvaluateOverTime({}, q, [&](const SeriesInfo& series, int64_t ts, double v) {
      out[{series.id, ts}] = std::bit_cast<uint64_t>(v);
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(FormatCompatTest, Version2DatabaseWithFormat1SummariesOpensAndAnswersAlike) {
  Open();
  Fill();
  auto approx = Evaluate(OverTimeFn::kQuantile, 0.9, true);
  auto exact = Evaluate(OverTimeFn::kQuantile, 0.9, false);
  auto stddev = Evaluate(OverTimeFn::kStddev, 0, false);
  ASSERT_FALSE(approx.empty());
  db_.reset();

  // Rewrite every summary as format 1 with the points format 1 stored.
  const std::string rocks = dir_.path() + "/rocksdb";
  {
    auto store = storage::Store::Open(storage::StoreOptions{}, rocks);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    storage::Batch batch(store->get());
    size_t rewritten = 0;
    for (auto c = (*store)->NewAllSummariesCursor(); c->Valid(); c->Next()) {
      auto segment = (*store)->GetSegment(c->series(), c->max_ts());
      ASSERT_TRUE(segment.ok());
      storage::SegmentView view;
      ASSERT_TRUE(storage::ParseSegment(*segment, &view).ok());
      std::vector<double> values;
      ASSERT_TRUE(
          storage::DecodeValueBlock(view.value_codec, view.values, view.count, 0, view.count, &values).ok());
      std::erase_if(values, [](double v) { return IsStaleNaN(v); });
      batch.PutSummary(c->series(), c->max_ts(), SummaryFormat1(c->bytes(), engine::QuantilePoints(values)));
      ++rewritten;
    }
    EXPECT_EQ(rewritten, 24u);
    ASSERT_TRUE((*store)->Commit(&batch).ok());
  }
  EXPECT_EQ(FormatVersion(rocks, 2), storage::kFormatVersion);

  Open();
  auto check = db_->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok()) << check->problems.front();
  std::vector<uint32_t> points;
  ASSERT_TRUE(db_->ForEachSegment(0,
                                  [&](const SegmentInfo& s) {
                                    points.push_back(s.quantile_points);
                                    return Status::OK();
                                  })
                  .ok());
  EXPECT_EQ(points, std::vector<uint32_t>(24, storage::kMaxQuantilePoints));
  EXPECT_EQ(Evaluate(OverTimeFn::kQuantile, 0.9, true), approx);
  EXPECT_EQ(Evaluate(OverTimeFn::kQuantile, 0.9, false), exact);
  EXPECT_EQ(Evaluate(OverTimeFn::kStddev, 0, false), stddev);
  db_.reset();

  // The writer marked it with this build's version; a version this build
  // does not know is refused.
  EXPECT_EQ(FormatVersion(rocks, storage::kFormatVersion + 1), storage::kFormatVersion);
  auto refused = Database::Open(Options(), dir_.path());
  EXPECT_EQ(refused.status().code(), Status::Code::kNotSupported);
}

// What a series answers: its samples, and its samples as XOR chunks over
// the whole day, over an hour inside a window and over the last hour
// (reads of part of a window, each the first after opening).
struct SeriesAnswers {
  std::vector<Sample> samples;
  std::vector<std::string> chunks;
};

TEST_F(FormatCompatTest, Version3DatabaseWithColumnsWithoutAFrameIndexReadsAlike) {
  Open();
  Fill();
  const std::vector<std::pair<int64_t, int64_t>> ranges = {
      {kMinTime, kMaxTime}, {12 * kHour + 500, 13 * kHour}, {23 * kHour, 24 * kHour}};
  std::vector<SeriesId> ids;
  for (const char* s : {"a", "b"}) ids.push_back(*db_->FindSeries({{"__name__", "g"}, {"s", s}}));
  auto answers = [&] {
    std::vector<SeriesAnswers> out;
    for (SeriesId id : ids) {
      SeriesAnswers a;
      {
        auto it = db_->Scan(id, kMinTime, kMaxTime);
        EXPECT_TRUE(it.ok());
        (*it)->NextBatch(1 << 30, &a.samples);
      }
      for (const auto& [lo, hi] : ranges) {
        Open();
        EXPECT_TRUE(db_->ScanXorChunks(id, lo, hi,
                                       [&](const XorChunkView& c) {
                                         a.chunks.emplace_back(c.data);
                                         return Status::OK();
                                       })
                        .ok());
      }
      out.push_back(std::move(a));
    }
    return out;
  };
  const std::vector<SeriesAnswers> before = answers();
  ASSERT_EQ(before[0].samples.size(), 24u * 240);
  db_.reset();

  // Every column rewritten as a build of version 3 wrote it (the smaller of
  // codecs 1 and 2, no index), and every segment referring to it anew.
  const std::string rocks = dir_.path() + "/rocksdb";
  {
    auto store = storage::Store::Open(storage::StoreOptions{}, rocks);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    storage::Batch batch(store->get());
    size_t indexed = 0, rewritten = 0;
    ASSERT_TRUE((*store)
                    ->ForEachTimestampColumn(nullptr,
                                             [&](uint64_t key, std::string_view column) {
                                               indexed += storage::HasTimestampColumnIndex(column);
                                               batch.DeleteTimestampColumn(key);
                                               return Status::OK();
                                             })
                    .ok());
    EXPECT_GT(indexed, 0u);
    for (auto c = (*store)->NewAllSegmentsCursor(); c->Valid(); c->Next()) {
      if (c->series() == storage::kTimestampColumnSeries) continue;
      storage::SegmentView view;
      ASSERT_TRUE(storage::ParseSegment(c->bytes(), &view).ok());
      if (!view.shared_timestamps()) continue;
      std::vector<Sample> samples;
      ASSERT_TRUE((*store)->DecodeStoredSegment(view, kMinTime, kMaxTime, nullptr, &samples).ok());
      std::vector<int64_t> ts;
      for (const Sample& x : samples) ts.push_back(x.ts);
      std::string block;
      std::string column(1, static_cast<char>(storage::EncodeTimestampsBest(ts, &block)));
      PutVarint64(&column, ts.size());
      column += block;
      const uint32_t crc = Crc32c(column);
      for (int i = 0; i < 4; ++i) column.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
      ASSERT_FALSE(storage::HasTimestampColumnIndex(column));
      const uint64_t key = storage::TimestampColumnKey(column);
      batch.PutTimestampColumn(key, column);
      std::string segment;
      ASSERT_TRUE(storage::EncodeSegmentWithColumn(samples, storage::SegmentOptions{}, key, &segment).ok());
      batch.PutSegment(c->series(), c->max_ts(), segment);
      ++rewritten;
    }
    EXPECT_EQ(rewritten, 2u * 12);
    ASSERT_TRUE((*store)->Commit(&batch).ok());
  }
  EXPECT_EQ(FormatVersion(rocks, 3), storage::kFormatVersion);

  Open();
  auto check = db_->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok()) << check->problems.front();
  const std::vector<SeriesAnswers> after = answers();
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(after[i].samples, before[i].samples);
    EXPECT_EQ(after[i].chunks, before[i].chunks);
  }
  db_.reset();
  EXPECT_EQ(FormatVersion(rocks), storage::kFormatVersion);  // marked version 4 by the writer
}

}  // namespace
}  // namespace overtone
