// Over-time answers from summaries agree with a scan of every sample.

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

#include "overtone/over_time.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

constexpr int64_t kHour = 3600 * 1000;

class SummaryEvalTest : public ::testing::Test {
 public:
  using Points = std::vector<std::tuple<SeriesId, int64_t, double>>;

 protected:
  void SetUp() override {
    Options o;
    o.compaction_interval_ms = 0;
    db_ = std::move(*Database::Open(o, dir_.path()));
  }
  Points Eval(OverTimeQuery q, bool scan) {
    Points out;
    auto ms = *ParseSelector("{__name__=~\".+\"}");
    auto cb = [&](const SeriesInfo& s, int64_t ts, double v) {
      out.emplace_back(s.id, ts, v);
      return Status::OK();
    };
    Status st = scan ? EvaluateOverTimeByScan(db_.get(), ms, q, cb) : EvaluateOverTime(db_.get(), ms, q, cb);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }
  void Fill(uint64_t seed, int series, int samples, bool specials) {
    std::mt19937_64 rng(seed);
    WriteBatch b;
    for (int s = 0; s < series; ++s) {
      Labels l = {{"__name__", "m"}, {"s", std::to_string(s)}};
      double level = 50;
      for (int i = 0; i < samples; ++i) {
        level += static_cast<double>(static_cast<int>(rng() % 21) - 10) / 10;
        double v = std::round(level * 100) / 100;
        if (specials && rng() % 300 == 0) v = std::nan("");
        if (specials && rng() % 500 == 0) v = StaleNaN();
        if (specials && rng() % 900 == 0) v = INFINITY;
        b.Add(l, i * 15000 + static_cast<int64_t>(rng() % 5), v);
      }
    }
    ASSERT_TRUE(db_->Write(b).ok());
  }
  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

void ExpectAgree(OverTimeFn fn, const SummaryEvalTest::Points& got, const SummaryEvalTest::Points& want) {
  ASSERT_EQ(got.size(), want.size()) << OverTimeFnName(fn);
  for (size_t i = 0; i < got.size(); ++i) {
    double g = std::get<2>(got[i]), w = std::get<2>(want[i]);
    ASSERT_EQ(std::get<1>(got[i]), std::get<1>(want[i]));
    if (std::isnan(w)) {
      EXPECT_TRUE(std::isnan(g)) << OverTimeFnName(fn) << " at " << i;
    } else if (std::isinf(w)) {
      EXPECT_EQ(g, w) << OverTimeFnName(fn) << " at " << i;
    } else if (fn == OverTimeFn::kAvg || fn == OverTimeFn::kSum || fn == OverTimeFn::kStddev ||
               fn == OverTimeFn::kStdvar) {
      EXPECT_NEAR(g, w, 1e-12 * std::max(1.0, std::fabs(w))) << OverTimeFnName(fn) << " at " << i;
    } else {
      EXPECT_EQ(std::bit_cast<uint64_t>(g), std::bit_cast<uint64_t>(w)) << OverTimeFnName(fn) << " at " << i;
    }
  }
}

TEST_F(SummaryEvalTest, ExactFunctionsMatchTheScanWithLateDataAndSpecials) {
  Fill(1, 4, 3000, /*specials=*/true);  // 12.5 hours
  ASSERT_TRUE(db_->Compact(10 * kHour).ok());
  // Late samples into sealed windows: their summaries must not be used.
  ASSERT_TRUE(db_->Append({{"__name__", "m"}, {"s", "1"}}, 3 * kHour + 7, 1e6).ok());
  ASSERT_TRUE(db_->Append({{"__name__", "m"}, {"s", "2"}}, 5 * 15000, -1e6).ok());
  OverTimeQuery q;
  q.start = 2 * kHour;
  q.end = 12 * kHour;
  q.step = 7 * 60000;
  for (int64_t range : {int64_t{5 * 60000}, 3 * kHour, 11 * kHour}) {
    q.range = range;
    for (OverTimeFn fn :
         {OverTimeFn::kAvg, OverTimeFn::kSum, OverTimeFn::kCount, OverTimeFn::kMin, OverTimeFn::kMax,
          OverTimeFn::kStddev, OverTimeFn::kStdvar, OverTimeFn::kLast, OverTimeFn::kFirst,
          OverTimeFn::kPresent, OverTimeFn::kTsOfMin, OverTimeFn::kTsOfMax, OverTimeFn::kTsOfLast,
          OverTimeFn::kTsOfFirst, OverTimeFn::kL1}) {
      q.fn = fn;
      ExpectAgree(fn, Eval(q, false), Eval(q, true));
    }
  }
}

TEST_F(SummaryEvalTest, LongWindowsReadSummariesNotSamples) {
  Fill(2, 2, 20160, /*specials=*/false);  // a week at 15 s
  ASSERT_TRUE(db_->Compact(168 * kHour).ok());
  OverTimeQuery q;
  q.fn = OverTimeFn::kAvg;
  q.start = q.end = 168 * kHour;
  q.range = 168 * kHour;
  uint64_t before = db_->GetStats().samples_scanned;
  auto fast = Eval(q, false);
  uint64_t summarized_reads = db_->GetStats().samples_scanned - before;
  auto slow = Eval(q, true);
  ExpectAgree(q.fn, fast, slow);
  // The summary path decodes only edge segments (it does not go through the
  // sample iterators at all), the scan path every sample.
  EXPECT_EQ(summarized_reads, 0u);
  EXPECT_GE(db_->GetStats().samples_scanned - before, 2u * 20160 - 10);
}

TEST_F(SummaryEvalTest, ApproximateQuantileStaysWithinTheStatedRankError) {
  Fill(3, 3, 20160, /*specials=*/false);
  ASSERT_TRUE(db_->Compact(168 * kHour).ok());
  for (double quantile : {0.01, 0.5, 0.9, 0.99}) {
    OverTimeQuery q;
    q.fn = OverTimeFn::kQuantile;
    q.param = quantile;
    q.start = q.end = 168 * kHour;
    q.range = 160 * kHour;
    q.approximate = true;
    double bound = OverTimeRankErrorBound(q);
    EXPECT_NEAR(bound, 0.01, 1e-12);
    auto approx = Eval(q, false);
    // The approximate value's true rank among the window's samples.
    auto ms = *ParseSelector("{__name__=~\".+\"}");
    auto series = db_->Select(ms);
    ASSERT_EQ(approx.size(), series->size());
    for (size_t i = 0; i < approx.size(); ++i) {
      std::vector<double> values;
      auto it = db_->Scan(std::get<0>(approx[i]), q.end - q.range + 1, q.end);
      for (; (*it)->Valid(); (*it)->Next()) values.push_back((*it)->sample().value);
      std::sort(values.begin(), values.end());
      double v = std::get<2>(approx[i]);
      double lo = std::lower_bound(values.begin(), values.end(), v) - values.begin();
      double hi = std::upper_bound(values.begin(), values.end(), v) - values.begin();
      double target = quantile * (values.size() - 1);
      double err = target < lo ? lo - target : target > hi ? target - hi : 0;
      EXPECT_LE(err / values.size(), bound) << "q=" << quantile;
    }
  }
}

}  // namespace
}  // namespace overtone
