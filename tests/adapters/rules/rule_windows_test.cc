// The windows rules register, and rule queries answered from them: the same
// bits as the same queries evaluated afresh.

#include "adapters/rules/rule_windows.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

#include "tests/adapters/rules/windowed_and_fresh_test.h"

namespace overtone::rules {
namespace {

TEST(StandingWindowsOfTest, FindsServedOverTimeCallsOnce) {
  auto specs = StandingWindowsOf({
      "avg_over_time(x{job=\"a\"}[1h]) > 2 * stddev_over_time(x{job=\"a\"}[1h])",
      "sum by (job) (max_over_time(x[5m]))",
      "quantile_over_time(0.9, y[24h])",
      "avg_over_time(x{job=\"a\"}[1h])",  // repeated
      "mad_over_time(x[5m])",             // not served
      "avg_over_time(x[5m] @ 1000)",      // fixed window
      "rate(x[5m])",
      "not valid ((",
  });
  ASSERT_EQ(specs.size(), 4u);
  EXPECT_EQ(specs[0].fn, OverTimeFn::kAvg);
  EXPECT_EQ(specs[0].range, 3'600'000);
  EXPECT_EQ(specs[1].fn, OverTimeFn::kStddev);
  EXPECT_EQ(specs[2].fn, OverTimeFn::kMax);
  EXPECT_EQ(specs[2].range, 300'000);
  EXPECT_EQ(specs[3].fn, OverTimeFn::kQuantile);
  EXPECT_EQ(specs[3].matchers, (std::vector<LabelMatcher>{{MatchType::kEqual, "__name__", "y"}}));
}

// db_ gets the windows; fresh_db_, with the same samples and no windows, is
// the fresh side.
class RuleWindowsTest : public WindowedAndFreshTest {};

TEST_F(RuleWindowsTest, RuleQueriesGiveTheSameBitsWithAndWithoutWindows) {
  const std::vector<std::string> exprs = {"avg_over_time(m[1m])",
                                          "sum by (job) (sum_over_time(m{job=~\"a|b\"}[5m]))",
                                          "stddev_over_time(m[5m]) > 0",
                                          "quantile_over_time(0.75, m[5m])",
                                          "min_over_time(m[1m] offset 30s)",
                                          "max_over_time(m[5m]) - min_over_time(m[5m])",
                                          "count_over_time(m[5m])",
                                          "last_over_time(m[1m])"};
  RuleWindows windows(db_.get());
  windows.Replace(StandingWindowsOf(exprs));
  ASSERT_EQ(windows.size(), 9u);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> value(-1e3, 1e3);
  int64_t t = 1'700'000'000'000;
  for (int round = 0; round < 60; ++round) {
    WriteBatch batch;
    for (int s = 0; s < 6; ++s) {
      Labels l{{"__name__", "m"}, {"job", s % 2 ? "a" : "b"}, {"i", std::to_string(s)}};
      batch.Add(l, t - std::uniform_int_distribution<int64_t>(0, 20'000)(rng), value(rng));
    }
    ASSERT_TRUE(db_->Write(batch).ok());
    ASSERT_TRUE(fresh_db_->Write(batch).ok());
    for (const std::string& e : exprs) {
      auto standing = Query(conn_.get(), e, t);
      auto fresh = Query(fresh_conn_.get(), e, t);
      ASSERT_EQ(standing.size(), fresh.size()) << e;
      for (size_t i = 0; i < fresh.size(); ++i) {
        EXPECT_EQ(standing[i].first, fresh[i].first) << e;
        EXPECT_EQ(std::bit_cast<uint64_t>(standing[i].second), std::bit_cast<uint64_t>(fresh[i].second))
            << e << " at round " << round << ": " << standing[i].second << " vs " << fresh[i].second;
      }
    }
    t += 15'000;
  }
  // Served from the windows, each series' state built once; all but the
  // offset one, which asks m[1m] for a time before avg's and last's.
  EXPECT_EQ(db_->GetStats().standing_evaluations, 60u * 8);
  EXPECT_LE(db_->GetStats().standing_builds, 9u * 6);
}

}  // namespace
}  // namespace overtone::rules
