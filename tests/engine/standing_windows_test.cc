// Standing windows against a fresh evaluation, bit for bit: randomized
// streams with out-of-order and late samples, overwrites, staleness markers,
// NaN, ±Inf and signed zeros, compaction in between and a restart.

#include "engine/standing_windows.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "overtone/over_time.h"
#include "tests/engine/over_time_points.h"
#include "tests/support/test_database.h"

namespace overtone {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

constexpr OverTimeFn kServed[] = {
    OverTimeFn::kAvg,   OverTimeFn::kSum,     OverTimeFn::kCount,    OverTimeFn::kMin,
    OverTimeFn::kMax,   OverTimeFn::kStddev,  OverTimeFn::kStdvar,   OverTimeFn::kLast,
    OverTimeFn::kFirst, OverTimeFn::kPresent, OverTimeFn::kQuantile,
};

using Points = testing::OverTimePoints;

bool SameBits(double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }

double RandomValue(std::mt19937_64& rng) {
  switch (std::uniform_int_distribution<int>(0, 19)(rng)) {
    case 0: return kNaN;
    case 1: return kInf;
    case 2: return -kInf;
    case 3: return 0.0;
    case 4: return -0.0;
    case 5: return 1e300;
    case 6: return std::ldexp(1.0, -1070);
    case 7: return 0.1;
    case 8: return 1e16;
    default: return std::uniform_real_distribution<double>(-100, 100)(rng);
  }
}

class StandingWindowsTest : public testing::DatabaseTest {
 protected:
  Points Evaluate(OverTimeFn fn, int64_t range, int64_t t, double q, bool scan) {
    return testing::EvaluateOverTimeAt(db_.get(), matchers_, fn, range, t, q, scan);
  }

  void ExpectSame(OverTimeFn fn, int64_t range, int64_t t, double q, const std::string& where) {
    Points standing = Evaluate(fn, range, t, q, false);
    Points fresh = Evaluate(fn, range, t, q, true);
    ASSERT_EQ(standing.size(), fresh.size()) << OverTimeFnName(fn) << " " << where;
    for (auto& [k, v] : fresh) {
      ASSERT_TRUE(standing.contains(k));
      EXPECT_TRUE(SameBits(standing[k], v)) << OverTimeFnName(fn) << " " << where << " series " << k.first
                                            << " t " << t << ": standing " << standing[k] << " fresh " << v;
    }
  }

  void Register(int64_t range) {
    for (OverTimeFn fn : kServed) {
      auto h = db_->AddStandingWindow(StandingWindowSpec{matchers_, fn, range});
      ASSERT_TRUE(h.ok()) << h.status().ToString();
    }
  }

  std::vector<LabelMatcher> matchers_ = {{MatchType::kEqual, "__name__", "m"}};
};

TEST_F(StandingWindowsTest, RandomizedStreamsMatchAFreshScan) {
  std::mt19937_64 rng(42);
  const int64_t range = 60'000;
  Register(range);
  auto write = [&](int64_t now) {
    WriteBatch batch;
    for (int s = 0; s < 4; ++s) {
      Labels l{{"__name__", "m"}, {"s", std::to_string(s)}};
      int n = std::uniform_int_distribution<int>(0, 3)(rng);
      for (int i = 0; i < n; ++i) {
        int64_t ts = now - std::uniform_int_distribution<int64_t>(0, 2000)(rng);
        int kind = std::uniform_int_distribution<int>(0, 19)(rng);
        if (kind == 0) ts = now - std::uniform_int_distribution<int64_t>(0, 2 * range)(rng);  // late
        if (kind == 1) ts = now + 10'000;                                                     // ahead
        double v = kind == 2 ? StaleNaN() : RandomValue(rng);
        batch.Add(l, ts, v);
      }
    }
    if (!batch.empty()) {
      ASSERT_TRUE(db_->Write(batch).ok());
    }
  };
  int64_t t = 1'000'000;
  for (int round = 0; round < 400; ++round) {
    write(t);
    if (round % 97 == 50) {
      ASSERT_TRUE(db_->Compact(t - range / 2).ok());
    }
    if (round == 200) {  // restart: the state is in memory, built again
      db_.reset();
      OpenDatabase();
      Register(range);
    }
    double q = std::uniform_real_distribution<double>(0, 1)(rng);
    for (OverTimeFn fn : kServed) ExpectSame(fn, range, t, q, "round " + std::to_string(round));
    t += std::uniform_int_distribution<int64_t>(0, 3)(rng) * 1000;  // sometimes the same time again
  }
  DatabaseStats stats = db_->GetStats();
  EXPECT_GT(stats.standing_evaluations, 0u) << stats.standing_builds;
  EXPECT_EQ(stats.standing_windows, 1u);  // one selector and range, eleven functions
}

// Few distinct values, so that ties (-0 and +0), NaN-only windows and
// equal extremes leaving the window are frequent.
TEST_F(StandingWindowsTest, TiesAndNaNsMatchAFreshScan) {
  std::mt19937_64 rng(3);
  const int64_t range = 5000;
  Register(range);
  constexpr double kValues[] = {0.0, -0.0, kNaN, -kNaN, 1.0, -1.0, kInf, -kInf};
  Labels l{{"__name__", "m"}};
  for (int64_t t = 1000; t < 200'000; t += 1000) {
    double v = kValues[std::uniform_int_distribution<int>(0, 7)(rng)];
    if (std::uniform_int_distribution<int>(0, 3)(rng) != 0)
      v = kValues[std::uniform_int_distribution<int>(0, 3)(rng)];
    ASSERT_TRUE(db_->Append(l, t, v).ok());
    for (OverTimeFn fn : kServed) ExpectSame(fn, range, t, 0.5, "t " + std::to_string(t));
  }
}

// Whole numbers and halves, where the window's sum comes from its exact
// sum, and magnitudes near 2^53, where it must fall back to the fold.
TEST_F(StandingWindowsTest, DyadicValuesMatchAFreshScan) {
  std::mt19937_64 rng(9);
  const int64_t range = 20'000;
  Register(range);
  Labels l{{"__name__", "m"}};
  for (int64_t t = 1000; t < 400'000; t += 1000) {
    double v = 0;
    switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
      case 0: v = std::ldexp(1.0, 52) + static_cast<double>(rng() % 7); break;
      case 1: v = -0.0; break;
      case 2: v = static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000) / 2; break;
      default: v = static_cast<double>(static_cast<int64_t>(rng() % 2'000'001) - 1'000'000); break;
    }
    if (t > 200'000 && v > 1e15) v = 3;  // later: only small values, exact again
    ASSERT_TRUE(db_->Append(l, t, v).ok());
    for (OverTimeFn fn : {OverTimeFn::kSum, OverTimeFn::kAvg})
      ExpectSame(fn, range, t, 0, "t " + std::to_string(t));
  }
}

// One-decimal values, whose sums are not exact: the window answers `sum`
// with its exactly rounded sum where that is provably the fold's result.
// Huge values that cancel out leave the fold's compensation with a naive
// sum of the small ones, which is not the rounded sum: those it folds.
TEST_F(StandingWindowsTest, FractionalSumsMatchAFreshScan) {
  std::mt19937_64 rng(17);
  const int64_t range = 20'000;
  Register(range);
  Labels l{{"__name__", "m"}};
  constexpr double kHuge[] = {3e17, -3e17, 7.1e17, -7.1e17};
  for (int64_t t = 1000; t < 600'000; t += 1000) {
    double v = static_cast<double>(static_cast<int64_t>(rng() % 20'001) - 10'000) / 10;
    if (t > 300'000 && rng() % 6 == 0) v = kHuge[rng() % 4];
    ASSERT_TRUE(db_->Append(l, t, v).ok());
    for (OverTimeFn fn : {OverTimeFn::kSum, OverTimeFn::kAvg})
      ExpectSame(fn, range, t, 0, "t " + std::to_string(t));
  }
}

// Constant stretches (a gauge that does not move, -0 and +0 mixed), whose
// variance the window answers without a fold, between moving ones.
TEST_F(StandingWindowsTest, ConstantWindowsMatchAFreshScan) {
  std::mt19937_64 rng(23);
  const int64_t range = 10'000;
  Register(range);
  Labels l{{"__name__", "m"}};
  constexpr double kLevels[] = {0.0, -0.0, 1.5, -3e300, 0.1, 1e-310};
  double level = 0;
  for (int64_t t = 1000; t < 400'000; t += 1000) {
    if (rng() % 40 == 0) level = kLevels[rng() % 6];
    double v = level;
    if (level == 0) v = rng() % 2 == 0 ? 0.0 : -0.0;
    if (rng() % 50 == 0) v = RandomValue(rng);  // a spike: no longer constant
    ASSERT_TRUE(db_->Append(l, t, v).ok());
    for (OverTimeFn fn : {OverTimeFn::kStddev, OverTimeFn::kStdvar})
      ExpectSame(fn, range, t, 0, "t " + std::to_string(t));
  }
}

// Rules asking the same call at the same time get the answer kept from the
// first, until a write (here a late sample inside the window) changes it.
TEST_F(StandingWindowsTest, TheSameCallAtTheSameTimeIsAnsweredAgainUntilAWrite) {
  Register(10'000);
  Labels l{{"__name__", "m"}};
  for (int64_t ts = 1000; ts <= 30'000; ts += 1000) ASSERT_TRUE(db_->Append(l, ts, 0.1 * ts).ok());
  Points first = Evaluate(OverTimeFn::kStddev, 10'000, 30'000, 0, false);
  Points again = Evaluate(OverTimeFn::kStddev, 10'000, 30'000, 0, false);
  EXPECT_EQ(first, again);
  ASSERT_TRUE(db_->Append(l, 29'500, 1e6).ok());
  ExpectSame(OverTimeFn::kStddev, 10'000, 30'000, 0, "after a late sample");
  EXPECT_NE(Evaluate(OverTimeFn::kStddev, 10'000, 30'000, 0, false), first);
  ExpectSame(OverTimeFn::kQuantile, 10'000, 30'000, 0.25, "one quantile");
  ExpectSame(OverTimeFn::kQuantile, 10'000, 30'000, 0.75, "another at the same time");
}

TEST_F(StandingWindowsTest, DeletesAndEarlierTimesFallBackOrRebuild) {
  Register(10'000);
  Labels l{{"__name__", "m"}};
  for (int64_t ts = 1000; ts <= 30'000; ts += 1000)
    ASSERT_TRUE(db_->Append(l, ts, static_cast<double>(ts)).ok());
  ExpectSame(OverTimeFn::kSum, 10'000, 30'000, 0, "first");
  uint64_t served = db_->GetStats().standing_evaluations;
  ExpectSame(OverTimeFn::kSum, 10'000, 20'000, 0, "earlier time");  // answered afresh
  EXPECT_EQ(db_->GetStats().standing_evaluations, served);          // not from the window
  auto id = db_->FindSeries(l);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(db_->DeleteRange(*id, 25'000, 28'000).ok());
  ExpectSame(OverTimeFn::kSum, 10'000, 31'000, 0, "after delete");
  ExpectSame(OverTimeFn::kMax, 10'000, 31'000, 0, "after delete");
}

// A window keeps the series it selected between evaluations: series
// created since (a few, matched one by one, or many, selected again) join
// it, deleted ones leave it, others are never in it.
TEST_F(StandingWindowsTest, SeriesCreatedAndDeletedBetweenEvaluations) {
  matchers_ = {{MatchType::kEqual, "__name__", "m"}, {MatchType::kRegexNoMatch, "s", "odd.*"}};
  Register(10'000);
  int64_t t = 1000;
  int next = 0;
  auto add_series = [&](int n) {
    WriteBatch batch;
    for (int i = 0; i < n; ++i, ++next) {
      std::string s = (next % 3 == 0 ? "odd" : "even") + std::to_string(next);
      batch.Add({{"__name__", next % 5 == 0 ? "other" : "m"}, {"s", s}}, t, next);
    }
    ASSERT_TRUE(db_->Write(batch).ok());
  };
  auto expect_same = [&](const std::string& where) {
    uint64_t served = db_->GetStats().standing_evaluations;
    for (OverTimeFn fn : {OverTimeFn::kSum, OverTimeFn::kCount, OverTimeFn::kMax})
      ExpectSame(fn, 10'000, t, 0, where);
    EXPECT_EQ(db_->GetStats().standing_evaluations, served + 3) << where << ": answered from the window";
  };
  add_series(4);
  expect_same("first");
  for (int round = 0; round < 6; ++round) {
    t += 1000;
    add_series(round == 3 ? 3000 : 2);
    expect_same("after new series, round " + std::to_string(round));
  }
  auto id = db_->FindSeries({{"__name__", "m"}, {"s", "even1"}});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(db_->DeleteSeries(*id).ok());
  t += 1000;
  add_series(1);
  expect_same("after a deletion");
  EXPECT_EQ(Evaluate(OverTimeFn::kCount, 10'000, t, 0, false).size(),
            Evaluate(OverTimeFn::kCount, 10'000, t, 0, true).size());
}

TEST_F(StandingWindowsTest, OnlyWritersKeepThemAndUnknownFunctionsAreRefused) {
  auto bad = db_->AddStandingWindow(StandingWindowSpec{matchers_, OverTimeFn::kMad, 1000});
  EXPECT_TRUE(bad.status().IsInvalidArgument());
  auto h = db_->AddStandingWindow(StandingWindowSpec{matchers_, OverTimeFn::kSum, 1000});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(db_->GetStats().standing_windows, 1u);
  db_->RemoveStandingWindow(*h);
  EXPECT_EQ(db_->GetStats().standing_windows, 0u);
}

}  // namespace
}  // namespace overtone
