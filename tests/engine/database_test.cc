#include "overtone/database.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <thread>

#include "tests/support/test_util.h"

namespace overtone {
namespace {

using testing::kMax;
using testing::kMin;

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen(Options options = {}) {
    db_.reset();
    auto r = Database::Open(options, dir_.path());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    db_ = std::move(*r);
  }
  std::vector<Sample> ReadAll(SeriesId id, int64_t lo = kMin, int64_t hi = kMax) {
    return testing::ScanAll(db_.get(), id, lo, hi);
  }
  SeriesId IdOf(const Labels& l) {
    auto r = db_->FindSeries(l);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : 0;
  }
  std::vector<std::string> Select(std::string_view selector) {
    auto ms = ParseSelector(selector);
    EXPECT_TRUE(ms.ok()) << ms.status().ToString();
    auto r = db_->Select(*ms);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> out;
    if (r.ok())
      for (const auto& s : *r) out.push_back(LabelsToString(s.labels));
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(DatabaseTest, SpecialValuesRoundTripBitExactlyAcrossReopen) {
  const std::vector<uint64_t> bits = {std::bit_cast<uint64_t>(1.5),
                                      std::bit_cast<uint64_t>(-0.0),
                                      0x7ff8000000000000ull,  // quiet NaN
                                      0x7ff8deadbeef0001ull,  // NaN with a payload
                                      kStaleNaNBits,          // Prometheus staleness marker
                                      0x7ff0000000000000ull,  // +Inf
                                      0xfff0000000000000ull,  // -Inf
                                      std::bit_cast<uint64_t>(std::numeric_limits<double>::denorm_min()),
                                      std::bit_cast<uint64_t>(std::numeric_limits<double>::max())};
  Labels l = {{"__name__", "special"}};
  WriteBatch b;
  for (size_t i = 0; i < bits.size(); ++i)
    b.Add(l, static_cast<int64_t>(i) * 1000, std::bit_cast<double>(bits[i]));
  ASSERT_TRUE(db_->Write(b).ok());
  Reopen();
  auto got = ReadAll(IdOf(l));
  ASSERT_EQ(got.size(), bits.size());
  for (size_t i = 0; i < bits.size(); ++i) {
    EXPECT_EQ(got[i].ts, static_cast<int64_t>(i) * 1000);
    EXPECT_EQ(std::bit_cast<uint64_t>(got[i].value), bits[i]) << i;
  }
  EXPECT_TRUE(IsStaleNaN(got[4].value));
}

TEST_F(DatabaseTest, SameTimestampLastWriteWinsAndOutOfOrderIsAccepted) {
  Labels l = {{"__name__", "m"}, {"job", "a"}};
  ASSERT_TRUE(db_->Append(l, 3000, 3).ok());
  ASSERT_TRUE(db_->Append(l, 1000, 1).ok());  // older: backfill
  ASSERT_TRUE(db_->Append(l, 2000, 2).ok());
  ASSERT_TRUE(db_->Append(l, 2000, 20).ok());  // replaces
  WriteBatch b;
  b.Add(l, 1000, 10);
  b.Add(l, 1000, 100);  // later in the same batch wins
  ASSERT_TRUE(db_->Write(b).ok());
  auto got = ReadAll(IdOf(l));
  EXPECT_EQ(got, (std::vector<Sample>{{1000, 100}, {2000, 20}, {3000, 3}}));
}

TEST_F(DatabaseTest, LabelOrderAndEmptyLabelsDoNotMakeNewSeries) {
  ASSERT_TRUE(db_->Append({{"__name__", "m"}, {"b", "2"}, {"a", "1"}}, 1, 1).ok());
  ASSERT_TRUE(db_->Append({{"a", "1"}, {"__name__", "m"}, {"b", "2"}, {"c", ""}}, 2, 2).ok());
  auto all = db_->Select({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(ReadAll((*all)[0].id).size(), 2u);
}

TEST_F(DatabaseTest, InvalidLabelsFailTheWholeBatch) {
  WriteBatch b;
  b.Add({{"__name__", "good"}}, 1, 1);
  b.Add({{"__name__", "bad"}, {"no-dash", "x"}}, 1, 1);
  Status s = db_->Write(b);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(db_->GetStats().series, 0u);
  EXPECT_TRUE(db_->FindSeries({{"__name__", "good"}}).status().IsNotFound());
}

TEST_F(DatabaseTest, MatchersFollowPrometheusSemantics) {
  ASSERT_TRUE(db_->Append({{"__name__", "up"}, {"job", "api"}, {"env", "prod"}}, 1, 1).ok());
  ASSERT_TRUE(db_->Append({{"__name__", "up"}, {"job", "api2"}}, 1, 1).ok());
  ASSERT_TRUE(db_->Append({{"__name__", "up"}, {"job", "db"}, {"env", "dev"}}, 1, 1).ok());
  ASSERT_TRUE(db_->Append({{"__name__", "down"}, {"job", "api"}}, 1, 1).ok());

  EXPECT_EQ(Select("up").size(), 3u);
  EXPECT_EQ(Select(R"(up{job="api"})"), (std::vector<std::string>{R"(up{env="prod", job="api"})"}));
  // Regexes are fully anchored: "api" does not match "api2".
  EXPECT_EQ(Select(R"(up{job=~"api"})").size(), 1u);
  EXPECT_EQ(Select(R"(up{job=~"api.*"})").size(), 2u);
  EXPECT_EQ(Select(R"(up{job=~"a.i|db"})").size(), 2u);
  EXPECT_EQ(Select(R"(up{job!~"api.*"})"), (std::vector<std::string>{R"(up{env="dev", job="db"})"}));
  // An empty-matching matcher also selects series without the label.
  EXPECT_EQ(Select(R"(up{env=""})"), (std::vector<std::string>{R"(up{job="api2"})"}));
  EXPECT_EQ(Select(R"(up{env!="prod"})").size(), 2u);
  EXPECT_EQ(Select(R"(up{env=~"|dev"})").size(), 2u);
  EXPECT_EQ(Select(R"({env!=""})").size(), 2u);
  EXPECT_EQ(Select(R"({job="api"})").size(), 2u);
  EXPECT_EQ(Select(R"({__name__=~"up|down", job="api"})").size(), 2u);
  EXPECT_TRUE(Select(R"(up{job="nope"})").empty());
  EXPECT_TRUE(Select(R"(nothing)").empty());
}

TEST_F(DatabaseTest, BadRegexIsInvalidArgument) {
  std::vector<LabelMatcher> ms = {{MatchType::kRegexMatch, "job", "(unclosed"}};
  auto r = db_->Select(ms);
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(r.status().message().find("job"), std::string::npos);
}

TEST_F(DatabaseTest, LabelNamesAndValues) {
  ASSERT_TRUE(db_->Append({{"__name__", "up"}, {"job", "b"}}, 1, 1).ok());
  ASSERT_TRUE(db_->Append({{"__name__", "up"}, {"job", "a"}, {"zone", "z1"}}, 1, 1).ok());
  auto names = db_->LabelNames();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"__name__", "job", "zone"}));
  auto values = db_->LabelValues("job");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(db_->LabelValues("missing")->empty());
}

TEST_F(DatabaseTest, ScanReadsOnlyTheRequestedRange) {
  Labels a = {{"__name__", "m"}, {"s", "a"}}, b = {{"__name__", "m"}, {"s", "b"}};
  WriteBatch batch;
  for (int64_t t = 0; t < 100000; t += 10) {
    batch.Add(a, t, 1);
    batch.Add(b, t, 2);
  }
  ASSERT_TRUE(db_->Write(batch).ok());
  ASSERT_TRUE(db_->Flush().ok());
  uint64_t before = db_->GetStats().samples_scanned;
  auto got = ReadAll(IdOf(a), 5000, 5990);
  EXPECT_EQ(got.size(), 100u);
  EXPECT_EQ(got.front().ts, 5000);
  EXPECT_EQ(got.back().ts, 5990);
  EXPECT_EQ(db_->GetStats().samples_scanned - before, 100u);
}

TEST_F(DatabaseTest, DeleteRangeAndSeries) {
  Labels l = {{"__name__", "m"}};
  WriteBatch b;
  for (int t = 0; t < 10; ++t) b.Add(l, t, t);
  ASSERT_TRUE(db_->Write(b).ok());
  SeriesId id = IdOf(l);
  ASSERT_TRUE(db_->DeleteRange(id, 2, 7).ok());
  EXPECT_EQ(ReadAll(id).size(), 4u);
  ASSERT_TRUE(db_->DeleteSeries(id).ok());
  EXPECT_TRUE(db_->Scan(id, kMin, kMax).status().IsNotFound());
  EXPECT_TRUE(db_->DeleteSeries(id).IsNotFound());
  EXPECT_TRUE(Select("m").empty());
  // The id is never reused, even after a reopen.
  Reopen();
  ASSERT_TRUE(db_->Append(l, 1, 1).ok());
  EXPECT_GT(IdOf(l), id);
  EXPECT_EQ(ReadAll(IdOf(l)).size(), 1u);
}

TEST_F(DatabaseTest, SeriesIdsAreStableAcrossReopen) {
  ASSERT_TRUE(db_->Append({{"__name__", "a"}}, 1, 1).ok());
  ASSERT_TRUE(db_->Append({{"__name__", "b"}}, 1, 1).ok());
  SeriesId a = IdOf({{"__name__", "a"}}), b = IdOf({{"__name__", "b"}});
  EXPECT_NE(a, b);
  Reopen();
  EXPECT_EQ(IdOf({{"__name__", "a"}}), a);
  EXPECT_EQ(IdOf({{"__name__", "b"}}), b);
  auto info = db_->GetSeries(b);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->labels, (Labels{{"__name__", "b"}}));
  EXPECT_TRUE(db_->GetSeries(999).status().IsNotFound());
}

TEST_F(DatabaseTest, ConcurrentWritersAndReaders) {
  constexpr int kThreads = 8, kBatches = 50, kPerBatch = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kBatches; ++i) {
        WriteBatch b;
        for (int k = 0; k < kPerBatch; ++k) {
          // Every thread writes to shared series too, creating them concurrently.
          b.Add({{"__name__", "shared"}, {"k", std::to_string(k % 10)}}, t * 1000000 + i * kPerBatch + k, 1);
          b.Add({{"__name__", "own"}, {"t", std::to_string(t)}}, i * kPerBatch + k, t);
        }
        ASSERT_TRUE(db_->Write(b).ok());
        if (i % 10 == 0) {
          ASSERT_TRUE(db_->Select(std::vector<LabelMatcher>{}).ok());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(Select("shared").size(), 10u);
  EXPECT_EQ(Select("own").size(), static_cast<size_t>(kThreads));
  size_t total = 0;
  auto all = db_->Select({});
  ASSERT_TRUE(all.ok());
  for (const auto& s : *all) total += ReadAll(s.id).size();
  EXPECT_EQ(total, static_cast<size_t>(kThreads * kBatches * kPerBatch * 2));
  EXPECT_EQ(db_->GetStats().samples_written, total);
}

TEST_F(DatabaseTest, ReadOnlyOpenSeesDataAndRefusesWrites) {
  ASSERT_TRUE(db_->Append({{"__name__", "m"}}, 1, 1).ok());
  db_.reset();
  Options ro;
  ro.read_only = true;
  Reopen(ro);
  EXPECT_EQ(Select("m").size(), 1u);
  EXPECT_EQ(db_->Append({{"__name__", "m"}}, 2, 2).code(), Status::Code::kNotSupported);
}

TEST(DatabaseOpenTest, ClearErrorsForBadDirectories) {
  testing::TempDir dir;
  std::string file = dir.path() + "/plain";
  FILE* f = fopen(file.c_str(), "w");
  fclose(f);
  auto r = Database::Open(Options{}, file);
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  Options no_create;
  no_create.create_if_missing = false;
  EXPECT_TRUE(Database::Open(no_create, dir.path() + "/missing").status().IsNotFound());
  EXPECT_TRUE(Database::Open(Options{}, "").status().IsInvalidArgument());
  Options tiny_buffer;
  tiny_buffer.write_buffer_bytes = 512 << 10;  // RocksDB would abort the process
  EXPECT_TRUE(Database::Open(tiny_buffer, dir.path() + "/tiny").status().IsInvalidArgument());
  auto first = Database::Open(Options{}, dir.path() + "/db");
  ASSERT_TRUE(first.ok());
  auto second = Database::Open(Options{}, dir.path() + "/db");
  EXPECT_EQ(second.status().code(), Status::Code::kBusy) << second.status().ToString();
}

}  // namespace
}  // namespace overtone
