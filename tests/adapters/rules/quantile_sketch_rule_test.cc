// quantile_sketch_over_time in rules: found as a standing window, served
// from it with the bits of a fresh evaluation, within its stated error of
// quantile_over_time; and a rule unit test that uses it passes.

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

#include "adapters/rules/rule_windows.h"
#include "adapters/rules/unit_test_runner.h"
#include "tests/adapters/rules/windowed_and_fresh_test.h"

namespace overtone::rules {
namespace {

TEST(QuantileSketchRuleTest, IsAStandingWindow) {
  auto specs =
      StandingWindowsOf({"quantile_sketch_over_time(0.99, x[1h]) > 2", "quantile_over_time(0.99, x[1h])"});
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].fn, OverTimeFn::kQuantileSketch);
  EXPECT_EQ(specs[0].range, 3'600'000);
  EXPECT_EQ(specs[1].fn, OverTimeFn::kQuantile);
}

TEST(QuantileSketchRuleTest, UnitTestFilePasses) {
  std::vector<std::string> errs =
      RunUnitTestFile(std::string(RULES_EXTENSIONS) + "/quantile_sketch_test.yml");
  std::string joined;
  for (const std::string& e : errs) joined += e + "\n";
  EXPECT_EQ(joined, "");
}

class QuantileSketchRuleWindowTest : public WindowedAndFreshTest {};

TEST_F(QuantileSketchRuleWindowTest, ServedWithTheFreshBitsWithinOnePercent) {
  const std::string sketch = "quantile_sketch_over_time(0.9, m[5m])";
  const std::string exact = "quantile_over_time(0.9, m[5m])";
  RuleWindows windows(db_.get());
  windows.Replace(StandingWindowsOf({sketch}));
  ASSERT_EQ(windows.size(), 1u);
  std::mt19937_64 rng(18);
  std::lognormal_distribution<double> latency(-3, 1);
  int64_t t = 1'700'000'000'000;
  int compared = 0;
  for (int round = 0; round < 60; ++round) {
    WriteBatch batch;
    for (int s = 0; s < 5; ++s) {
      Labels l{{"__name__", "m"}, {"i", std::to_string(s)}};
      batch.Add(l, t - std::uniform_int_distribution<int64_t>(0, 20'000)(rng), latency(rng));
    }
    ASSERT_TRUE(db_->Write(batch).ok());
    ASSERT_TRUE(fresh_db_->Write(batch).ok());
    auto standing = Query(conn_.get(), sketch, t);
    auto fresh = Query(fresh_conn_.get(), sketch, t);
    auto truth = Query(fresh_conn_.get(), exact, t);
    ASSERT_EQ(standing.size(), fresh.size());
    ASSERT_EQ(truth.size(), fresh.size());
    for (size_t i = 0; i < fresh.size(); ++i) {
      EXPECT_EQ(standing[i].first, fresh[i].first);
      EXPECT_EQ(std::bit_cast<uint64_t>(standing[i].second), std::bit_cast<uint64_t>(fresh[i].second))
          << "round " << round << ": " << standing[i].second << " vs " << fresh[i].second;
      // Positive values: the interpolated answer is within 1% too.
      EXPECT_LE(std::fabs(fresh[i].second - truth[i].second), 0.01 * truth[i].second * (1 + 1e-9));
      ++compared;
    }
    t += 15'000;
  }
  EXPECT_GT(compared, 250);
  EXPECT_EQ(db_->GetStats().standing_evaluations, 60u);
}

}  // namespace
}  // namespace overtone::rules
