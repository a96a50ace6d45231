// quantile_sketch_over_time: a standing window gives the bits of a fresh
// evaluation (the sketch of the same samples), through out-of-order and
// late samples, overwrites, staleness markers, compaction and a restart;
// and both are within the stated relative error of quantile_over_time.

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "engine/sorted_quantile.h"
#include "overtone/over_time.h"
#include "tests/engine/over_time_points.h"
#include "tests/support/test_database.h"

namespace overtone {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

using Points = testing::OverTimePoints;

double RandomValue(std::mt19937_64& rng) {
  switch (std::uniform_int_distribution<int>(0, 24)(rng)) {
    case 0: return kNaN;
    case 1: return kInf;
    case 2: return -kInf;
    case 3: return 0.0;
    case 4: return -0.0;
    case 5: return 1e300;
    case 6: return std::ldexp(1.0, -1070);
    case 7: return -0.1;
    default: return std::exp(std::normal_distribution<double>(0, 4)(rng));  // many magnitudes
  }
}

class StandingSketchTest : public testing::DatabaseTest {
 protected:
  Points Evaluate(OverTimeFn fn, int64_t range, int64_t t, double q, bool scan) {
    return testing::EvaluateOverTimeAt(db_.get(), matchers_, fn, range, t, q, scan);
  }

  // The window's values, sorted as the exact quantile sorts them.
  std::vector<double> WindowValues(SeriesId id, int64_t range, int64_t t) {
    auto it = db_->Scan(id, t - range + 1, t);
    EXPECT_TRUE(it.ok());
    std::vector<double> v;
    for (; (*it)->Valid(); (*it)->Next()) {
      if (!IsStaleNaN((*it)->sample().value)) v.push_back((*it)->sample().value);
    }
    std::sort(v.begin(), v.end(), engine::QuantileOrderLess);
    return v;
  }

  void Check(int64_t range, int64_t t, double q, const std::string& where) {
    Points standing = Evaluate(OverTimeFn::kQuantileSketch, range, t, q, false);
    Points fresh = Evaluate(OverTimeFn::kQuantileSketch, range, t, q, true);
    Points exact = Evaluate(OverTimeFn::kQuantile, range, t, q, true);
    ASSERT_EQ(standing.size(), fresh.size()) << where;
    ASSERT_EQ(exact.size(), fresh.size()) << where;
    for (auto& [k, v] : fresh) {
      ASSERT_TRUE(standing.contains(k));
      EXPECT_EQ(std::bit_cast<uint64_t>(standing[k]), std::bit_cast<uint64_t>(v))
          << where << " series " << k.first << ": standing " << standing[k] << " fresh " << v;
      double e = exact[k];
      if (!std::isfinite(e)) {
        EXPECT_TRUE(std::isnan(e) ? std::isnan(v) : v == e) << where << ": exact " << e << " sketch " << v;
        continue;
      }
      // The stated bound: each order statistic within α·|x|.
      std::vector<double> values = WindowValues(k.first, range, t);
      double n = static_cast<double>(values.size());
      double rank = q * (n - 1);
      size_t lo = static_cast<size_t>(std::floor(rank));
      size_t hi = std::min(values.size() - 1, lo + 1);
      double w = rank - std::floor(rank);
      double bound =
          kQuantileSketchRelativeError * ((1 - w) * std::fabs(values[lo]) + w * std::fabs(values[hi]));
      EXPECT_LE(std::fabs(v - e), bound * (1 + 1e-9) + 1e-300) << where << ": exact " << e << " sketch " << v;
      ++checked_;
    }
  }

  std::vector<LabelMatcher> matchers_ = {{MatchType::kEqual, "__name__", "m"}};
  int checked_ = 0;
};

TEST_F(StandingSketchTest, RandomizedStreamsMatchAFreshScanWithinTheStatedError) {
  std::mt19937_64 rng(14);
  const int64_t range = 60'000;
  auto add = [&] {
    auto h = db_->AddStandingWindow(StandingWindowSpec{matchers_, OverTimeFn::kQuantileSketch, range});
    ASSERT_TRUE(h.ok()) << h.status().ToString();
  };
  add();
  int64_t t = 1'000'000;
  for (int round = 0; round < 300; ++round) {
    WriteBatch batch;
    for (int s = 0; s < 4; ++s) {
      Labels l{{"__name__", "m"}, {"s", std::to_string(s)}};
      int n = std::uniform_int_distribution<int>(0, 4)(rng);
      for (int i = 0; i < n; ++i) {
        int64_t ts = t - std::uniform_int_distribution<int64_t>(0, 2000)(rng);
        int kind = std::uniform_int_distribution<int>(0, 19)(rng);
        if (kind == 0) ts = t - std::uniform_int_distribution<int64_t>(0, 2 * range)(rng);  // late
        if (kind == 1) ts = t + 10'000;                                                     // ahead
        batch.Add(l, ts, kind == 2 ? StaleNaN() : RandomValue(rng));
      }
    }
    if (!batch.empty()) {
      ASSERT_TRUE(db_->Write(batch).ok());
    }
    if (round % 97 == 50) {
      ASSERT_TRUE(db_->Compact(t - range / 2).ok());
    }
    if (round == 150) {  // restart: the state is in memory, built again
      db_.reset();
      OpenDatabase();
      add();
    }
    double q = round % 5 == 0 ? 0.99 : std::uniform_real_distribution<double>(0, 1)(rng);
    Check(range, t, q, "round " + std::to_string(round));
    t += std::uniform_int_distribution<int64_t>(0, 3)(rng) * 1000;
  }
  EXPECT_GT(checked_, 500);
  EXPECT_GT(db_->GetStats().standing_evaluations, 120u);  // since the restart
}

// A window that slides over values of steadily growing magnitude: the
// sketch holds only what is inside it, with no error from the window's edges.
TEST_F(StandingSketchTest, SlidingOverDriftingValues) {
  const int64_t range = 30'000;
  ASSERT_TRUE(db_->AddStandingWindow(StandingWindowSpec{matchers_, OverTimeFn::kQuantileSketch, range}).ok());
  Labels l{{"__name__", "m"}};
  for (int64_t t = 1000; t <= 600'000; t += 1000) {
    ASSERT_TRUE(db_->Append(l, t, std::exp(static_cast<double>(t) / 20'000)).ok());
    if (t % 7000 == 0) Check(range, t, t % 3 == 0 ? 0.5 : 0.9, "t " + std::to_string(t));
  }
  EXPECT_GT(checked_, 80);
}

}  // namespace
}  // namespace overtone
