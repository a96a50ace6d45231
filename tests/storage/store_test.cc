#include "storage/store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "tests/support/test_util.h"

namespace overtone::storage {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen(StoreOptions options = {}) {
    store_.reset();
    auto s = Store::Open(options, dir_.path() + "/rocksdb");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  std::vector<Sample> ReadAll(SeriesId id, int64_t lo, int64_t hi) {
    std::vector<Sample> out;
    auto c = store_->NewSampleCursor(id, lo, hi);
    for (; c->Valid(); c->Next()) out.push_back(c->sample());
    EXPECT_TRUE(c->status().ok());
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, LabelEncodingRoundTrips) {
  Labels labels = {{"__name__", "up"}, {"job", std::string("a\0b", 3)}, {"x", "ü"}};
  Labels back;
  ASSERT_TRUE(DecodeLabels(EncodeLabels(labels), &back));
  EXPECT_EQ(back, labels);
  EXPECT_FALSE(
      DecodeLabels("\x05"
                   "ab",
                   &back));
}

TEST_F(StoreTest, CursorHonoursInclusiveBoundsAndSeriesLimits) {
  Batch b(store_.get());
  for (int64_t ts : {-5, 0, 10, 20, 30}) b.PutSample(1, ts, static_cast<double>(ts));
  b.PutSample(2, 15, 1.5);
  b.PutSample(0, 15, 0.5);
  ASSERT_TRUE(store_->Commit(&b).ok());

  auto all = ReadAll(1, kMin, kMax);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all.front().ts, -5);
  EXPECT_EQ(all.back().ts, 30);

  auto mid = ReadAll(1, 0, 20);
  ASSERT_EQ(mid.size(), 3u);
  EXPECT_EQ(mid[0].ts, 0);
  EXPECT_EQ(mid[2].ts, 20);

  EXPECT_TRUE(ReadAll(1, 21, 29).empty());
  EXPECT_TRUE(ReadAll(1, 30, 10).empty());
  EXPECT_EQ(ReadAll(2, kMin, kMax).size(), 1u);
  EXPECT_TRUE(ReadAll(3, kMin, kMax).empty());
}

TEST_F(StoreTest, CursorCountsOnlyTheSamplesInRange) {
  Batch b(store_.get());
  for (int64_t ts = 0; ts < 10000; ++ts) b.PutSample(7, ts, 1.0);
  ASSERT_TRUE(store_->Commit(&b).ok());
  uint64_t before = store_->samples_scanned();
  EXPECT_EQ(ReadAll(7, 100, 199).size(), 100u);
  EXPECT_EQ(store_->samples_scanned() - before, 100u);
}

TEST_F(StoreTest, DeleteSamplesRemovesInclusiveRange) {
  Batch b(store_.get());
  for (int64_t ts = 0; ts < 10; ++ts) b.PutSample(1, ts, 1.0);
  ASSERT_TRUE(store_->Commit(&b).ok());
  Batch d(store_.get());
  d.DeleteSamples(1, 3, 5);
  ASSERT_TRUE(store_->Commit(&d).ok());
  auto rest = ReadAll(1, kMin, kMax);
  ASSERT_EQ(rest.size(), 7u);
  EXPECT_EQ(rest[2].ts, 2);
  EXPECT_EQ(rest[3].ts, 6);
  Batch d2(store_.get());
  d2.DeleteSamples(1, 8, kMax);
  ASSERT_TRUE(store_->Commit(&d2).ok());
  EXPECT_EQ(ReadAll(1, kMin, kMax).back().ts, 7);
}

TEST_F(StoreTest, DeleteSampleRemovesOnlyThatSample) {
  Batch b(store_.get());
  for (int64_t ts = 0; ts < 5; ++ts) {
    b.PutSample(1, ts, 1.0);
    b.PutSample(2, ts, 2.0);
  }
  ASSERT_TRUE(store_->Commit(&b).ok());
  Batch d(store_.get());
  d.DeleteSample(1, 2);
  d.DeleteSample(1, 99);  // no such sample: nothing happens
  ASSERT_TRUE(store_->Commit(&d).ok());
  auto one = ReadAll(1, kMin, kMax);
  ASSERT_EQ(one.size(), 4u);
  EXPECT_EQ(one[2].ts, 3);
  EXPECT_EQ(ReadAll(2, kMin, kMax).size(), 5u);
  // A sample written again after its deletion is back.
  Batch again(store_.get());
  again.PutSample(1, 2, 7.0);
  ASSERT_TRUE(store_->Commit(&again).ok());
  EXPECT_EQ(ReadAll(1, 2, 2).at(0).value, 7.0);
}

TEST_F(StoreTest, PostingsLabelValuesAndNames) {
  Batch b(store_.get());
  b.PutSeries(1, {{"__name__", "up"}, {"job", "a"}});
  b.PutSeries(2, {{"__name__", "up"}, {"job", "b"}});
  b.PutSeries(3, {{"__name__", "up"}, {"job", std::string("a\0z", 3)}});
  b.PutSeries(4, {{"__name__", "down"}, {"job2", "a"}});
  b.SetNextSeriesId(5);
  ASSERT_TRUE(store_->Commit(&b).ok());

  std::vector<SeriesId> ids;
  ASSERT_TRUE(store_->ForEachPosting("job", "a", [&](SeriesId id) { ids.push_back(id); }).ok());
  EXPECT_EQ(ids, std::vector<SeriesId>{1});  // not 3, whose value only starts with "a"
  ids.clear();
  ASSERT_TRUE(store_->ForEachPosting("__name__", "up", [&](SeriesId id) { ids.push_back(id); }).ok());
  EXPECT_EQ(ids, (std::vector<SeriesId>{1, 2, 3}));

  std::vector<std::string> values;
  ASSERT_TRUE(store_->ForEachLabelValue("job", [&](std::string_view v) { values.emplace_back(v); }).ok());
  EXPECT_EQ(values, (std::vector<std::string>{"a", std::string("a\0z", 3), "b"}));

  std::vector<std::string> names;
  ASSERT_TRUE(store_->ForEachLabelName([&](std::string_view n) { names.emplace_back(n); }).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"__name__", "job", "job2"}));

  auto next = store_->ReadNextSeriesId();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 5u);
}

TEST_F(StoreTest, DeleteSeriesRemovesCatalogPostingsAndSamples) {
  Labels labels = {{"__name__", "up"}, {"job", "a"}};
  Batch b(store_.get());
  b.PutSeries(1, labels);
  b.PutSample(1, 10, 1.0);
  ASSERT_TRUE(store_->Commit(&b).ok());
  Batch d(store_.get());
  d.DeleteSeries(1, labels);
  ASSERT_TRUE(store_->Commit(&d).ok());
  int n = 0;
  ASSERT_TRUE(store_
                  ->ForEachSeries([&](SeriesId, const Labels&) {
                    ++n;
                    return Status::OK();
                  })
                  .ok());
  EXPECT_EQ(n, 0);
  ASSERT_TRUE(store_->ForEachPosting("job", "a", [&](SeriesId) { ++n; }).ok());
  EXPECT_EQ(n, 0);
  EXPECT_TRUE(ReadAll(1, kMin, kMax).empty());
}

TEST_F(StoreTest, DataSurvivesReopen) {
  Batch b(store_.get());
  b.PutSeries(9, {{"__name__", "m"}});
  b.PutSample(9, 1, 2.5);
  ASSERT_TRUE(store_->Commit(&b).ok());
  Reopen();
  auto s = ReadAll(9, kMin, kMax);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].value, 2.5);
}

// PutSample encodes its records apart from the batch's other operations
// and moves them in before the next one: a batch still applies everything
// in the order it was given.
TEST_F(StoreTest, SamplesKeepTheirPlaceAmongOtherOperations) {
  Batch b(store_.get());
  for (int64_t ts = 0; ts < 10; ++ts) b.PutSample(1, ts, double(ts));
  b.DeleteSamples(1, 3, 5);
  b.PutSample(1, 4, 44.0);
  b.PutSeries(1, {{"__name__", "m"}});
  b.PutSample(2, 7, 7.5);
  b.DeleteSample(2, 7);
  b.PutSample(2, 8, 8.5);
  EXPECT_EQ(b.Count(), 17u);  // 13 samples, two deletions, a series and its posting
  ASSERT_TRUE(store_->Commit(&b).ok());

  std::vector<Sample> one = ReadAll(1, kMin, kMax);
  std::vector<int64_t> ts;
  for (const Sample& s : one) ts.push_back(s.ts);
  EXPECT_EQ(ts, (std::vector<int64_t>{0, 1, 2, 4, 6, 7, 8, 9}));
  ASSERT_EQ(one.size(), 8u);
  EXPECT_EQ(one[3].value, 44.0);
  EXPECT_EQ(one[7].value, 9.0);
  std::vector<Sample> two = ReadAll(2, kMin, kMax);
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0].ts, 8);
  EXPECT_EQ(two[0].value, 8.5);
}

// Samples alone, many series, and a batch emptied before its commit: what
// was committed is replayed from the write-ahead log on reopen (nothing is
// flushed before), bit for bit.
TEST_F(StoreTest, SampleBatchesReplayFromTheLogOnReopen) {
  Batch b(store_.get());
  b.ReserveSamples(3000);
  for (SeriesId id = 1; id <= 300; ++id) {
    for (int64_t ts = 0; ts < 10; ++ts) b.PutSample(id, ts * 15000 - 30000, double(id) + double(ts) / 3);
  }
  EXPECT_EQ(b.Count(), 3000u);
  ASSERT_TRUE(store_->Commit(&b).ok());
  Batch dropped(store_.get());
  dropped.PutSample(5, 999999, 1.0);
  dropped.PutSeries(5, {{"__name__", "x"}});
  dropped.Clear();
  EXPECT_EQ(dropped.Count(), 0u);
  dropped.PutSample(6, 999999, -0.0);
  ASSERT_TRUE(store_->Commit(&dropped).ok());
  Reopen();
  for (SeriesId id = 1; id <= 300; ++id) {
    std::vector<Sample> got = ReadAll(id, kMin, kMax);
    ASSERT_EQ(got.size(), id == 6 ? 11u : 10u) << id;
    for (int64_t ts = 0; ts < 10; ++ts) {
      EXPECT_EQ(got[ts].ts, ts * 15000 - 30000);
      EXPECT_EQ(got[ts].value, double(id) + double(ts) / 3);
    }
  }
  EXPECT_TRUE(std::signbit(ReadAll(6, 999999, 999999).at(0).value));
  EXPECT_TRUE(ReadAll(5, 999999, 999999).empty());
  int n = 0;
  ASSERT_TRUE(store_->ForEachPosting("__name__", "x", [&](SeriesId) { ++n; }).ok());
  EXPECT_EQ(n, 0);
}

TEST_F(StoreTest, SecondOpenOfTheSameDirectoryIsBusy) {
  auto second = Store::Open(StoreOptions{}, dir_.path() + "/rocksdb");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kBusy) << second.status().ToString();
}

TEST_F(StoreTest, ReadOnlyRejectsWrites) {
  StoreOptions ro;
  ro.read_only = true;
  auto reader = Store::Open(ro, dir_.path() + "/rocksdb");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Batch b(reader->get());
  b.PutSample(1, 1, 1);
  EXPECT_EQ((*reader)->Commit(&b).code(), Status::Code::kNotSupported);
}

}  // namespace
}  // namespace overtone::storage
