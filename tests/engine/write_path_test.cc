// The write path at cardinality: many series in one batch, batches in
// parallel, duplicate series within a batch, out-of-order samples, a series
// first seen in a failing batch, samples of known series named by id; and
// the series index's hash-keyed lookup.
// Nothing lost, nothing doubled.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "engine/series_index.h"
#include "overtone/database.h"
#include "storage/store.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

Labels Series(int s) {
  return {{"__name__", "m"}, {"instance", "host-" + std::to_string(s)}, {"job", "node"}};
}

class WritePathTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    db_.reset();
    Options o;
    o.compaction_interval_ms = 0;
    auto r = Database::Open(o, dir_.path());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    db_ = std::move(*r);
  }
  std::vector<Sample> Read(const Labels& l) {
    auto id = db_->FindSeries(l);
    EXPECT_TRUE(id.ok()) << LabelsToString(l) << ": " << id.status().ToString();
    return id.ok() ? testing::ScanAll(db_.get(), *id) : std::vector<Sample>{};
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(WritePathTest, ManySeriesInOneBatchEachGetTheirOwnSamples) {
  constexpr int kSeries = 20000;
  WriteBatch b;
  for (int s = 0; s < kSeries; ++s) b.Add(Series(s), 1000, s);
  ASSERT_TRUE(db_->Write(b).ok());
  EXPECT_EQ(db_->GetStats().series, uint64_t{kSeries});
  Reopen();  // the index is rebuilt from the catalog
  for (int s = 0; s < kSeries; s += 997) {
    auto got = Read(Series(s));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], (Sample{1000, double(s)}));
  }
  EXPECT_EQ(db_->GetStats().series, uint64_t{kSeries});
}

TEST_F(WritePathTest, DuplicateSeriesWithinABatchAreOneSeriesLastWriteWins) {
  WriteBatch b;
  b.Add(Series(1), 10, 1);
  b.Add(Series(2), 10, 2);
  b.Add(Series(1), 20, 3);  // the same series again, not adjacent
  b.Add({{"job", "node"}, {"instance", "host-1"}, {"__name__", "m"}}, 10, 4);  // unsorted: the same
  b.Add(Series(1), 5, 5);                                                      // out of order
  ASSERT_TRUE(db_->Write(b).ok());
  EXPECT_EQ(db_->GetStats().series, 2u);
  EXPECT_EQ(Read(Series(1)), (std::vector<Sample>{{5, 5}, {10, 4}, {20, 3}}));
  EXPECT_EQ(Read(Series(2)), (std::vector<Sample>{{10, 2}}));
}

TEST_F(WritePathTest, ASeriesFirstSeenInAFailingBatchIsNotCreated) {
  WriteBatch bad;
  bad.Add(Series(7), 10, 1);
  bad.Add({{"__name__", "m"}, {"bad-name", "x"}}, 10, 1);
  EXPECT_TRUE(db_->Write(bad).IsInvalidArgument());
  EXPECT_TRUE(db_->FindSeries(Series(7)).status().IsNotFound());
  EXPECT_EQ(db_->GetStats().series, 0u);
  WriteBatch good;
  good.Add(Series(7), 10, 2);
  ASSERT_TRUE(db_->Write(good).ok());
  EXPECT_EQ(Read(Series(7)), (std::vector<Sample>{{10, 2}}));
  EXPECT_EQ(db_->GetStats().series, 1u);
}

TEST_F(WritePathTest, AFailingBatchOfKnownAndNewSeriesWritesNothing) {
  WriteBatch first;
  first.Add(Series(1), 10, 1);
  ASSERT_TRUE(db_->Write(first).ok());
  WriteBatch bad;
  bad.Add(Series(1), 20, 2);                                        // known
  bad.Add(Series(2), 20, 2);                                        // new
  bad.Add({{"job", "x"}, {"__name__", "m"}, {"job", "y"}}, 20, 2);  // a name twice: invalid
  bad.Add(Series(3), 20, 2);
  EXPECT_TRUE(db_->Write(bad).IsInvalidArgument());
  EXPECT_EQ(db_->GetStats().series, 1u);
  EXPECT_EQ(Read(Series(1)), (std::vector<Sample>{{10, 1}}));
  EXPECT_TRUE(db_->FindSeries(Series(2)).status().IsNotFound());
  Reopen();  // nothing of it reached the log either
  EXPECT_EQ(db_->GetStats().series, 1u);
  EXPECT_EQ(Read(Series(1)), (std::vector<Sample>{{10, 1}}));
}

TEST_F(WritePathTest, SamplesNamedByIdLandUnderTheirSeriesAndAStaleIdWritesNothing) {
  // More series than the id lookups fetch ahead, so that every lookup is
  // one whose slot and entry were asked for before it.
  constexpr int kSeries = 3000;
  WriteBatch first;
  for (int s = 0; s < kSeries; ++s) first.Add(Series(s), 1000, s);
  std::vector<SeriesId> ids, stale;
  ASSERT_TRUE(db_->WriteWithIds(first, {}, &ids, &stale).ok());
  ASSERT_EQ(ids.size(), size_t{kSeries});
  EXPECT_TRUE(stale.empty());
  for (int s = 0; s < kSeries; s += 299) EXPECT_EQ(*db_->FindSeries(Series(s)), ids[s]);

  // Known samples, two per series, in the batch's order, with a new series
  // by label set beside them.
  std::vector<Database::KnownSample> known;
  for (int s = kSeries - 1; s >= 0; --s) {
    known.push_back({ids[s], {2000, s + 0.5}});
    known.push_back({ids[s], {3000, s + 0.25}});
  }
  WriteBatch with_new;
  with_new.Add(Series(kSeries), 2000, -1);
  std::vector<SeriesId> new_ids;
  ASSERT_TRUE(db_->WriteWithIds(with_new, known, &new_ids, &stale).ok());
  ASSERT_EQ(new_ids.size(), 1u);
  EXPECT_EQ(*db_->FindSeries(Series(kSeries)), new_ids[0]);
  for (int s = 0; s < kSeries; s += 299) {
    EXPECT_EQ(Read(Series(s)), (std::vector<Sample>{{1000, double(s)}, {2000, s + 0.5}, {3000, s + 0.25}}));
  }

  // A deleted series and an id never given out: nothing of the call is
  // written, neither its known samples nor its new series, and both ids
  // come back once each, ascending.
  ASSERT_TRUE(db_->DeleteSeries(ids[17]).ok());
  const SeriesId never = 1u << 30;
  // The deleted one first, the other among hundreds of live ones.
  known = {{ids[17], {4000, 3}}, {ids[17], {5000, 4}}};
  for (int s = 0; s < 500; ++s) {
    known.push_back({ids[s == 17 ? 18 : s], {4000, 1}});
    if (s == 250) known.push_back({never, {4000, 2}});
  }
  known.push_back({never, {4000, 5}});
  WriteBatch another;
  another.Add(Series(kSeries + 1), 4000, 6);
  EXPECT_TRUE(db_->WriteWithIds(another, known, &new_ids, &stale).IsNotFound());
  EXPECT_EQ(stale, (std::vector<SeriesId>{ids[17], never}));
  EXPECT_EQ(Read(Series(5)), (std::vector<Sample>{{1000, 5}, {2000, 5.5}, {3000, 5.25}}));
  EXPECT_TRUE(db_->FindSeries(Series(kSeries + 1)).status().IsNotFound());

  // Sent again by label set, as a writer does with the ids it got back.
  WriteBatch again;
  again.Add(Series(17), 4000, 3);
  known = {{ids[5], {4000, 1}}};
  ASSERT_TRUE(db_->WriteWithIds(again, known, &new_ids, &stale).ok());
  ASSERT_EQ(new_ids.size(), 1u);
  EXPECT_NE(new_ids[0], ids[17]);  // a new series: the deleted one stays deleted
  EXPECT_EQ(Read(Series(17)), (std::vector<Sample>{{4000, 3}}));
  EXPECT_EQ(Read(Series(5)), (std::vector<Sample>{{1000, 5}, {2000, 5.5}, {3000, 5.25}, {4000, 1}}));
}

TEST_F(WritePathTest, ParallelBatchesOverlappingSeriesLoseAndDoubleNothing) {
  constexpr int kThreads = 4, kSeries = 3000, kRounds = 5;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Every thread writes every series (creating them races), at its own timestamps.
      for (int r = 0; r < kRounds; ++r) {
        WriteBatch b;
        for (int s = 0; s < kSeries; ++s) b.Add(Series(s), int64_t(r) * kThreads + t, s);
        ASSERT_TRUE(db_->Write(b).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(db_->GetStats().series, uint64_t{kSeries});
  auto all = db_->Select({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), size_t{kSeries});
  for (int s = 0; s < kSeries; s += 101) {
    auto got = Read(Series(s));
    ASSERT_EQ(got.size(), size_t{kThreads * kRounds}) << s;
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], (Sample{int64_t(i), double(s)}));
  }
}

TEST_F(WritePathTest, AClearedBatchRefilledWithOtherLabelSetsWritesOnlyThose) {
  // Clear() keeps the label sets' memory and the next Add()s copy over it:
  // a shorter, a longer and a moved-in label set must each come out whole.
  WriteBatch b;
  b.Add(Series(1), 10, 1);
  b.Add({{"__name__", "m"}, {"a", "1"}, {"b", "2"}, {"c", "3"}}, 10, 2);
  ASSERT_TRUE(db_->Write(b).ok());
  b.Clear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.num_series(), 0u);
  const Labels shorter = {{"__name__", "n"}};
  const Labels longer = {{"__name__", "m"}, {"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}};
  b.Add(shorter, 20, 3);
  std::vector<Sample> two = {{20, 4}, {30, 5}};
  b.Add(longer, two);
  b.Add(Labels(Series(3)), std::vector<Sample>{{20, 6}});
  EXPECT_EQ(b.num_series(), 3u);
  EXPECT_EQ(b.num_samples(), 4u);
  ASSERT_TRUE(db_->Write(b).ok());
  EXPECT_EQ(db_->GetStats().series, 5u);
  EXPECT_EQ(Read(Series(1)), (std::vector<Sample>{{10, 1}}));  // not written again
  EXPECT_EQ(Read(shorter), (std::vector<Sample>{{20, 3}}));
  EXPECT_EQ(Read(longer), two);
  EXPECT_EQ(Read(Series(3)), (std::vector<Sample>{{20, 6}}));
  auto all = db_->Select({});
  ASSERT_TRUE(all.ok());
  std::set<Labels> names;
  for (const SeriesInfo& s : *all) names.insert(s.labels);
  EXPECT_EQ(
      names,
      (std::set<Labels>{
          Series(1), Series(3), shorter, longer, {{"__name__", "m"}, {"a", "1"}, {"b", "2"}, {"c", "3"}}}));
}

TEST_F(WritePathTest, AddEachWritesWhatAddWritesPairByPair) {
  // Names and values of every length up to 40 bytes (copied in pieces of
  // 1-3, 4-7, 8-16 and more), label sets out of order (names that share
  // their first byte among them) and with empty values, and a label set
  // twice: AddEach must give each pair what Add gives it.
  constexpr int kSeries = 300;
  std::vector<Labels> sets;
  std::vector<Labels> normalized;
  for (int i = 0; i < kSeries; ++i) {
    Labels l = {
        {"__name__", "m"},
        {"ka", std::to_string(i % 3)},
        {"k" + std::string(size_t(i % 20 + 1), 'x'), std::string(size_t(i % 40), 'v') + std::to_string(i)}};
    Labels n = l;
    NormalizeLabels(&n);
    if (i % 7 == 0) std::reverse(l.begin(), l.end());  // "kx..." before "ka": only their second bytes differ
    if (i % 5 == 0) std::swap(l[0], l[1]);             // a first byte out of order, the rest in order
    if (i % 11 == 0) l.push_back({"zz", ""});
    sets.push_back(l);
    normalized.push_back(n);
  }
  sets.push_back(sets[5]);  // the same series again, later in the batch
  std::vector<Sample> each;
  for (int i = 0; i <= kSeries; ++i) each.push_back({i == kSeries ? 1500 : 1000, double(i)});

  WriteBatch by_each, by_add;
  ASSERT_TRUE(by_each.AddEach(sets, each).ok());
  for (int i = 0; i <= kSeries; ++i) by_add.Add(sets[i], each[i].ts + 1000, each[i].value);
  EXPECT_EQ(by_each.num_samples(), by_add.num_samples());
  EXPECT_EQ(by_each.num_series(), by_add.num_series());
  ASSERT_TRUE(db_->Write(by_each).ok());
  ASSERT_TRUE(db_->Write(by_add).ok());
  EXPECT_EQ(db_->GetStats().series, uint64_t{kSeries});
  for (int i = 0; i < kSeries; ++i) {
    std::vector<Sample> want = {{1000, double(i)}, {2000, double(i)}};
    if (i == 5) want = {{1000, 5}, {1500, kSeries}, {2000, 5}, {2500, kSeries}};
    EXPECT_EQ(Read(normalized[i]), want) << LabelsToString(normalized[i]);
  }

  // Spans of different sizes add nothing.
  const size_t before = by_each.num_samples();
  EXPECT_TRUE(by_each.AddEach(sets, std::span<const Sample>(each).first(3)).IsInvalidArgument());
  EXPECT_EQ(by_each.num_samples(), before);
}

TEST_F(WritePathTest, ALabelSetAddedInAnyOrderOrWithEmptyValuesIsOneSeries) {
  // Label sets are normalized when written (sorted, empty values dropped):
  // every spelling of one set, next to each other or apart, resolves to
  // the one series.
  const Labels sorted = {{"__name__", "m"}, {"a", "1"}, {"b", "2"}};
  WriteBatch b;
  b.Add(sorted, 10, 1);
  b.Add({{"b", "2"}, {"__name__", "m"}, {"a", "1"}}, 20, 2);
  b.Add({{"a", "1"}, {"c", ""}, {"__name__", "m"}, {"b", "2"}}, std::vector<Sample>{{30, 3}});
  Labels moved = {{"b", "2"}, {"a", "1"}, {"__name__", "m"}};
  b.Add(std::move(moved), std::vector<Sample>{{40, 4}});
  b.Add(Series(7), 10, 5);
  b.Add({{"__name__", "m"}, {"a", "1"}, {"b", "2"}, {"z", ""}}, 50, 6);  // again, after another series
  ASSERT_TRUE(db_->Write(b).ok());
  EXPECT_EQ(db_->GetStats().series, 2u);
  EXPECT_EQ(Read(sorted), (std::vector<Sample>{{10, 1}, {20, 2}, {30, 3}, {40, 4}, {50, 6}}));
  EXPECT_EQ(Read(Series(7)), (std::vector<Sample>{{10, 5}}));
}

TEST_F(WritePathTest, LabelValuesOfEveryLengthComeBackWhole) {
  // Values past 127 bytes take a two-byte length in the catalog's
  // encoding; multi-byte characters are kept as they are.
  std::vector<Labels> sets;
  for (size_t len : {0u, 1u, 15u, 16u, 127u, 128u, 300u, 20000u}) {
    std::string v(len, 'x');
    if (len > 2) v[1] = '\xc3', v[2] = '\xa9';
    sets.push_back({{"__name__", "m"}, {"len", std::to_string(len)}, {"v", v}});
  }
  WriteBatch b;
  for (size_t i = 0; i < sets.size(); ++i) b.Add(sets[i], 10, double(i));
  ASSERT_TRUE(db_->Write(b).ok());
  for (int round = 0; round < 2; ++round) {  // created, then known
    for (size_t i = 0; i < sets.size(); ++i) {
      auto id = db_->FindSeries(sets[i]);
      ASSERT_TRUE(id.ok()) << i;
      auto info = db_->GetSeries(*id);
      ASSERT_TRUE(info.ok());
      Labels want = sets[i];
      NormalizeLabels(&want);
      EXPECT_EQ(info->labels, want) << i;
    }
    b.Clear();
    for (size_t i = 0; i < sets.size(); ++i) b.Add(sets[i], 20, double(i));
    ASSERT_TRUE(db_->Write(b).ok());
  }
  EXPECT_EQ(db_->GetStats().series, sets.size());
  for (size_t i = 0; i < sets.size(); ++i) {
    EXPECT_EQ(Read(sets[i]), (std::vector<Sample>{{10, double(i)}, {20, double(i)}})) << i;
  }
}

TEST(SeriesIndexHashTest, HashAndEncodedComparisonsFollowTheLabelSet) {
  Labels a = {{"__name__", "m"}, {"a", "bc"}};
  Labels b = {{"__name__", "m"}, {"ab", "c"}};  // the same bytes, cut elsewhere
  EXPECT_EQ(engine::HashLabels(a), engine::HashLabels(Labels(a)));
  EXPECT_NE(engine::HashLabels(a), engine::HashLabels(b));
  // The write path hashes the encoding it builds; lookups by labels agree.
  EXPECT_EQ(engine::HashLabels(a), engine::HashLabelKey(storage::EncodeLabels(a)));
  EXPECT_NE(engine::HashLabelKey(storage::EncodeLabels(a)), engine::HashLabelKey(storage::EncodeLabels(b)));
  std::string ea = storage::EncodeLabels(a);
  EXPECT_TRUE(engine::EncodedEquals(ea, a));
  EXPECT_FALSE(engine::EncodedEquals(ea, b));
  EXPECT_FALSE(engine::EncodedEquals(ea, Labels{{"__name__", "m"}}));  // a prefix is not equal
  Labels longer = a;
  longer.push_back({"z", "1"});
  EXPECT_FALSE(engine::EncodedEquals(ea, longer));
  EXPECT_EQ(engine::EncodedLabel(ea, "a"), "bc");
  EXPECT_EQ(engine::EncodedLabel(ea, "__name__"), "m");
  EXPECT_EQ(engine::EncodedLabel(ea, "ab"), "");
}

}  // namespace
}  // namespace overtone
