// Databases of older format versions open and answer as they did: a
// version 2 database, whose summaries (format 1) store their quantile
// points, is marked version 3 by a writer, reads its stored points, and
// gives the same approximate quantiles as the version 3 summaries, whose
// points are picked from the segments' values.

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

  // The writer marked it version 3; a version this build does not know is refused.
  EXPECT_EQ(FormatVersion(rocks, storage::kFormatVersion + 1), 3u);
  auto refused = Database::Open(Options(), dir_.path());
  EXPECT_EQ(refused.status().code(), Status::Code::kNotSupported);
}

}  // namespace
}  // namespace overtone
