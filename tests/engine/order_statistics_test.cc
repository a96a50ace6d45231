#include "engine/order_statistics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>
#include <vector>

#include "engine/prom_math.h"

namespace overtone::engine {
namespace {

TEST(OrderStatisticsTest, KeysOrderAsPrometheusSortsAndRoundTrip) {
  const double ordered[] = {std::nan(""), -INFINITY, -1e308, -1, -1e-300, 0, 1e-300, 2, 1e308, INFINITY};
  for (size_t i = 0; i + 1 < std::size(ordered); ++i) {
    EXPECT_LT(OrderKey(ordered[i]), OrderKey(ordered[i + 1])) << i;
  }
  for (double v : ordered) {
    if (std::isnan(v)) {
      EXPECT_TRUE(std::isnan(FromOrderKey(OrderKey(v))));
    } else {
      EXPECT_EQ(std::bit_cast<uint64_t>(FromOrderKey(OrderKey(v))), std::bit_cast<uint64_t>(v)) << v;
    }
  }
  EXPECT_EQ(OrderKey(-0.0), OrderKey(0.0));
  EXPECT_EQ(OrderKey(-std::nan("")), 0u);
}

// Random runs with duplicates, NaN and infinities: every quantile of their
// union equals Prometheus's quantile() over the values in one vector.
TEST(OrderStatisticsTest, QuantileOfRunsMatchesQuantileOfTheUnion) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<std::vector<uint64_t>> runs(1 + rng() % 6);
    std::vector<double> all;
    for (auto& r : runs) {
      size_t n = rng() % 40;
      for (size_t i = 0; i < n; ++i) {
        double v = static_cast<double>(static_cast<int>(rng() % 21) - 10) / 4;
        switch (rng() % 25) {
          case 0: v = std::nan(""); break;
          case 1: v = INFINITY; break;
          case 2: v = -INFINITY; break;
          default: break;
        }
        all.push_back(v);
        r.push_back(OrderKey(v));
      }
      std::sort(r.begin(), r.end());
    }
    std::vector<std::span<const uint64_t>> spans(runs.begin(), runs.end());
    for (double q : {0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 1.0, -0.5, 1.5}) {
      double got = QuantileOfRuns(q, spans), want = Quantile(q, all);
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got)) << "trial " << trial << " q " << q;
      } else {
        EXPECT_EQ(got, want) << "trial " << trial << " q " << q;
      }
    }
  }
}

}  // namespace
}  // namespace overtone::engine
