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
          OverTimeFn::kTsOfFirst, OverTimeFn::kL1, OverTimeFn::kQuantile}) {
      q.fn = fn;
      q.param = 0.9;
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
  // The summary path decodes only the edge segment (the first, whose
  // samples start at ts 0 to 4, on the window's open edge), the scan path
  // every sample.
  EXPECT_LE(summarized_reads, 1440u);
  EXPECT_GE(db_->GetStats().samples_scanned - before, 2u * 20160 - 10);
}

// NaN, +Inf, -Inf and staleness markers, dense at the segments' edges (where
// a window's partial segments meet its whole ones), in random mixes: every
// exact function answers as a scan does, window by window.
TEST_F(SummaryEvalTest, SpecialValuesAtSegmentEdgesMatchTheScan) {
  constexpr int64_t kSpan = 6 * kHour;  // Options::segment_span_ms
  for (uint64_t seed = 10; seed < 14; ++seed) {
    db_.reset();
    Options o;
    o.compaction_interval_ms = 0;
    db_ = std::move(*Database::Open(o, dir_.path() + "/seed" + std::to_string(seed)));
    std::mt19937_64 rng(seed);
    WriteBatch b;
    const double specials[] = {std::nan(""), INFINITY, -INFINITY, StaleNaN()};
    for (int s = 0; s < 6; ++s) {
      Labels l = {{"__name__", "m"}, {"s", std::to_string(s)}};
      // Series 0 holds no special value, 1 only NaN, 2 only +Inf, the rest a mix.
      for (int64_t ts = 0; ts < 48 * kHour; ts += 15000) {
        double v = static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000) / 8;
        bool edge = ts % kSpan < 45000 || ts % kSpan >= kSpan - 45000;
        if (s > 0 && rng() % (edge ? 3 : 400) == 0) {
          v = s == 1 ? specials[0] : s == 2 ? specials[1] : specials[rng() % 4];
        }
        b.Add(l, ts, v);
      }
    }
    ASSERT_TRUE(db_->Write(b).ok());
    ASSERT_TRUE(db_->Compact(48 * kHour).ok());
    OverTimeQuery q;
    q.start = 7 * kHour;
    q.end = 48 * kHour;
    q.step = 6 * kHour + 15000 * static_cast<int64_t>(rng() % 7);
    for (int64_t range : {kSpan, 13 * kHour, 24 * kHour, 41 * kHour}) {
      q.range = range;
      for (OverTimeFn fn :
           {OverTimeFn::kAvg, OverTimeFn::kSum, OverTimeFn::kCount, OverTimeFn::kMin, OverTimeFn::kMax,
            OverTimeFn::kStddev, OverTimeFn::kStdvar, OverTimeFn::kLast, OverTimeFn::kFirst,
            OverTimeFn::kPresent, OverTimeFn::kTsOfMin, OverTimeFn::kTsOfMax, OverTimeFn::kTsOfLast,
            OverTimeFn::kTsOfFirst, OverTimeFn::kL1, OverTimeFn::kQuantile}) {
        q.fn = fn;
        q.param = 0.37;
        SCOPED_TRACE(::testing::Message() << "seed " << seed << " range " << range);
        ExpectAgree(fn, Eval(q, false), Eval(q, true));
      }
    }
  }
}

// A series holding a NaN (or an infinity) in every segment is still
// answered from its summaries: only the partial segments at the window's
// edges are decoded.
TEST_F(SummaryEvalTest, NaNAndInfinityInEverySegmentDoNotForceAScan) {
  WriteBatch b;
  for (int64_t i = 0; i < 20160; ++i) {  // a week at 15 s
    double v = static_cast<double>(i % 97);
    if (i % 1000 == 500) v = std::nan("");
    if (i % 1000 == 900) v = i % 2000 == 900 ? INFINITY : -INFINITY;
    b.Add({{"__name__", "m"}}, i * 15000 + 1, v);
  }
  ASSERT_TRUE(db_->Write(b).ok());
  ASSERT_TRUE(db_->Compact(168 * kHour).ok());
  for (OverTimeFn fn : {OverTimeFn::kMin, OverTimeFn::kMax, OverTimeFn::kSum, OverTimeFn::kAvg,
                        OverTimeFn::kStddev, OverTimeFn::kCount}) {
    OverTimeQuery q;
    q.fn = fn;
    q.start = q.end = 168 * kHour - 3 * kHour;
    q.range = 150 * kHour;
    uint64_t before = db_->GetStats().samples_scanned;
    auto fast = Eval(q, false);
    uint64_t decoded = db_->GetStats().samples_scanned - before;
    ExpectAgree(fn, fast, Eval(q, true));
    // The two edge segments (6 hours each) at most, not 150 hours of samples.
    EXPECT_LE(decoded, 2u * 1440) << OverTimeFnName(fn);
  }
}

// An exact quantile keeps each whole segment's sorted values in memory; a
// segment re-sealed with a late sample has a new summary, so the next
// answer counts the late sample rather than the kept values.
TEST_F(SummaryEvalTest, ExactQuantileSeesResealedSegments) {
  Fill(4, 2, 5760, /*specials=*/false);  // a day
  ASSERT_TRUE(db_->Compact(24 * kHour).ok());
  OverTimeQuery q;
  q.fn = OverTimeFn::kQuantile;
  q.param = 0.999;
  q.start = q.end = 24 * kHour;
  q.range = 24 * kHour;
  auto before = Eval(q, false);
  ExpectAgree(q.fn, before, Eval(q, true));
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(db_->Append({{"__name__", "m"}, {"s", "0"}}, 7 * kHour + 2 * i + 1, 1e6).ok());
  }
  ASSERT_TRUE(db_->Compact(24 * kHour).ok());
  auto after = Eval(q, false);
  ExpectAgree(q.fn, after, Eval(q, true));
  EXPECT_EQ(std::get<2>(after[0]), 1e6);
  EXPECT_EQ(std::get<2>(after[1]), std::get<2>(before[1]));
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
