// *_over_time against straightforward reference implementations.

#include "overtone/over_time.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <random>

#include "engine/prom_math.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// References: the definitions, computed the plain way in long double.
std::optional<double> Reference(OverTimeFn fn, const std::vector<Sample>& w, double q) {
  if (w.empty()) return std::nullopt;
  std::vector<double> v;
  for (auto& s : w) v.push_back(s.value);
  long double sum = 0;
  for (double x : v) sum += x;
  auto nonnan = [&] {
    std::vector<double> out;
    for (double x : v)
      if (!std::isnan(x)) out.push_back(x);
    return out;
  };
  auto quantile = [](std::vector<double> xs, double q) -> double {
    std::stable_partition(xs.begin(), xs.end(), [](double x) { return std::isnan(x); });
    auto mid = std::find_if(xs.begin(), xs.end(), [](double x) { return !std::isnan(x); });
    std::sort(mid, xs.end());
    if (q < 0) return -kInf;
    if (q > 1) return kInf;
    double rank = q * (xs.size() - 1);
    size_t lo = static_cast<size_t>(std::floor(rank));
    size_t hi = std::min(xs.size() - 1, lo + 1);
    double wgt = rank - std::floor(rank);
    return xs[lo] * (1 - wgt) + xs[hi] * wgt;
  };
  switch (fn) {
    case OverTimeFn::kSum: return static_cast<double>(sum);
    case OverTimeFn::kAvg: return static_cast<double>(sum / v.size());
    case OverTimeFn::kCount:
    case OverTimeFn::kL1: return static_cast<double>(v.size());
    case OverTimeFn::kMin: {
      auto n = nonnan();
      return n.empty() ? kNaN : *std::min_element(n.begin(), n.end());
    }
    case OverTimeFn::kMax: {
      auto n = nonnan();
      return n.empty() ? kNaN : *std::max_element(n.begin(), n.end());
    }
    case OverTimeFn::kStdvar:
    case OverTimeFn::kStddev: {
      long double mean = sum / v.size(), acc = 0;
      for (double x : v) acc += (x - mean) * (x - mean);
      double var = static_cast<double>(acc / v.size());
      return fn == OverTimeFn::kStdvar ? var : std::sqrt(var);
    }
    case OverTimeFn::kLast: return v.back();
    case OverTimeFn::kFirst: return v.front();
    case OverTimeFn::kPresent: return 1.0;
    case OverTimeFn::kQuantile: return quantile(v, q);
    case OverTimeFn::kMad: {
      if (!nonnan().size() || nonnan().size() != v.size()) return kNaN;
      double m = quantile(v, 0.5);
      std::vector<double> d;
      for (double x : v) d.push_back(std::fabs(x - m));
      return quantile(d, 0.5);
    }
    case OverTimeFn::kTsOfMin:
    case OverTimeFn::kTsOfMax: {
      // The last sample holding the extreme; the last sample if all are NaN.
      auto n = nonnan();
      if (n.empty()) return w.back().ts / 1000.0;
      double best = fn == OverTimeFn::kTsOfMin ? *std::min_element(n.begin(), n.end())
                                               : *std::max_element(n.begin(), n.end());
      for (size_t i = w.size(); i-- > 0;)
        if (w[i].value == best) return w[i].ts / 1000.0;
      return kNaN;
    }
    case OverTimeFn::kTsOfLast: return w.back().ts / 1000.0;
    case OverTimeFn::kTsOfFirst: return w.front().ts / 1000.0;
    case OverTimeFn::kDistinct:
    case OverTimeFn::kEntropy:
    case OverTimeFn::kL2: {
      std::map<uint64_t, int> f;
      for (double x : v) f[std::bit_cast<uint64_t>(x)]++;
      if (fn == OverTimeFn::kDistinct) return static_cast<double>(f.size());
      double acc = 0;
      for (auto& [k, c] : f)
        acc +=
            fn == OverTimeFn::kL2 ? double(c) * c : -(double(c) / v.size()) * std::log2(double(c) / v.size());
      return fn == OverTimeFn::kL2 ? std::sqrt(acc) : acc;
    }
    case OverTimeFn::kQuantileSketch: break;  // approximate: quantile_sketch_test.cc
  }
  return std::nullopt;
}

bool Close(double got, double want) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::fabs(got - want) <= 1e-12 * std::max(1.0, std::fabs(want)) + 1e-300;
}

TEST(OverTimeTest, EveryFunctionMatchesItsReferenceOnRandomWindows) {
  std::mt19937_64 rng(2024);
  const OverTimeFn fns[] = {
      OverTimeFn::kAvg,     OverTimeFn::kSum,      OverTimeFn::kCount,    OverTimeFn::kMin,
      OverTimeFn::kMax,     OverTimeFn::kStddev,   OverTimeFn::kStdvar,   OverTimeFn::kLast,
      OverTimeFn::kFirst,   OverTimeFn::kPresent,  OverTimeFn::kQuantile, OverTimeFn::kMad,
      OverTimeFn::kTsOfMin, OverTimeFn::kTsOfMax,  OverTimeFn::kTsOfLast, OverTimeFn::kTsOfFirst,
      OverTimeFn::kEntropy, OverTimeFn::kDistinct, OverTimeFn::kL1,       OverTimeFn::kL2};
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<Sample> w;
    size_t n = 1 + rng() % 200;
    bool with_nan = trial % 5 == 0, with_inf = trial % 7 == 0;
    for (size_t i = 0; i < n; ++i) {
      double v = static_cast<double>(static_cast<int64_t>(rng() % 2000) - 1000) / 8;
      if (with_nan && rng() % 10 == 0) v = kNaN;
      if (with_inf && rng() % 20 == 0) v = rng() % 2 ? kInf : -kInf;
      w.push_back({static_cast<int64_t>(i) * 15000 + 1, v});
    }
    double q = static_cast<double>(rng() % 101) / 100;
    for (OverTimeFn fn : fns) {
      auto got = EvalWindow(fn, w, q);
      auto want = Reference(fn, w, q);
      ASSERT_TRUE(got && want);
      bool nan_sensitive = with_nan || with_inf;
      if (nan_sensitive && (fn == OverTimeFn::kStddev || fn == OverTimeFn::kStdvar ||
                            fn == OverTimeFn::kMad || fn == OverTimeFn::kAvg || fn == OverTimeFn::kSum)) {
        // NaN/Inf propagate: both must agree that the result is not finite.
        EXPECT_EQ(std::isfinite(*got), std::isfinite(*want)) << OverTimeFnName(fn) << " trial " << trial;
        continue;
      }
      EXPECT_TRUE(Close(*got, *want))
          << OverTimeFnName(fn) << " trial " << trial << ": " << *got << " vs " << *want;
    }
  }
}

TEST(OverTimeTest, PrometheusEdgeCases) {
  std::vector<Sample> w = {{1000, kNaN}, {2000, 3}, {3000, kNaN}, {4000, 3}, {5000, 1}};
  EXPECT_EQ(*EvalWindow(OverTimeFn::kMin, w), 1);
  EXPECT_EQ(*EvalWindow(OverTimeFn::kMax, w), 3);
  EXPECT_EQ(*EvalWindow(OverTimeFn::kTsOfMax, w), 4.0);  // ties go to the later sample
  EXPECT_EQ(*EvalWindow(OverTimeFn::kTsOfMin, w), 5.0);
  EXPECT_TRUE(std::isnan(*EvalWindow(OverTimeFn::kSum, w)));
  std::vector<Sample> nans = {{1000, kNaN}, {2000, kNaN}};
  EXPECT_TRUE(std::isnan(*EvalWindow(OverTimeFn::kMin, nans)));
  EXPECT_EQ(*EvalWindow(OverTimeFn::kTsOfMin, nans), 2.0);
  std::vector<Sample> q = {{1, 1}, {2, 2}, {3, 3}, {4, 4}};
  EXPECT_EQ(*EvalWindow(OverTimeFn::kQuantile, q, 0.5), 2.5);
  EXPECT_EQ(*EvalWindow(OverTimeFn::kQuantile, q, -1), -kInf);
  EXPECT_EQ(*EvalWindow(OverTimeFn::kQuantile, q, 2), kInf);
  EXPECT_TRUE(std::isnan(*EvalWindow(OverTimeFn::kQuantile, q, kNaN)));
  EXPECT_EQ(*EvalWindow(OverTimeFn::kStdvar, q), 1.25);  // population variance
  EXPECT_FALSE(EvalWindow(OverTimeFn::kAvg, {}).has_value());
  // Kahan: 1e100 + 1 - 1e100 is 1, not 0.
  std::vector<Sample> k = {{1, 1e100}, {2, 1}, {3, -1e100}};
  EXPECT_EQ(*EvalWindow(OverTimeFn::kSum, k), 1);
  // avg stays finite where the plain sum would overflow.
  std::vector<Sample> big = {{1, 1e308}, {2, 1e308}, {3, 1e308}};
  EXPECT_DOUBLE_EQ(*EvalWindow(OverTimeFn::kAvg, big), 1e308);
  std::vector<Sample> e = {{1, 1}, {2, 1}, {3, 2}, {4, 3}};
  EXPECT_DOUBLE_EQ(*EvalWindow(OverTimeFn::kEntropy, e), 1.5);
  EXPECT_DOUBLE_EQ(*EvalWindow(OverTimeFn::kL2, e), std::sqrt(6.0));
}

// sum_over_time and avg_over_time give the bits of Prometheus's fold, one
// KahanInc per sample (engine/prom_math.h), on windows of ordinary, huge,
// infinite and NaN values.
TEST(OverTimeTest, SumAndAvgAreTheKahanFoldBitForBit) {
  auto sum_of = [](const std::vector<Sample>& w) {
    double sum = 0, c = 0;
    for (const Sample& s : w) engine::KahanInc(s.value, &sum, &c);
    return std::isinf(sum) ? sum : sum + c;
  };
  auto avg_of = [](const std::vector<Sample>& w) {
    double sum = w[0].value, count = 1, mean = 0, c = 0;
    bool incremental = false;
    for (size_t i = 1; i < w.size(); ++i) {
      count = static_cast<double>(i + 1);
      if (!incremental) {
        double new_sum = sum, new_c = c;
        engine::KahanInc(w[i].value, &new_sum, &new_c);
        if (!std::isinf(new_sum)) {
          sum = new_sum;
          c = new_c;
          continue;
        }
        incremental = true;
        mean = sum / (count - 1);
        c /= (count - 1);
      }
      double q = (count - 1) / count;
      mean = q * mean;
      c = q * c;
      engine::KahanInc(w[i].value / count, &mean, &c);
    }
    return incremental ? mean + c : sum / count + c / count;
  };
  std::mt19937_64 rng(20261205);
  const double special[] = {kInf, -kInf, kNaN, 1.7e308, -1.7e308, 1e100, -1e100, 0.1, 3, -0.0};
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<Sample> w(1 + rng() % 40);
    for (size_t i = 0; i < w.size(); ++i) {
      double v =
          rng() % 8 == 0 ? special[rng() % 10] : std::ldexp(static_cast<double>(rng() % 100000) - 50000, -7);
      w[i] = Sample{static_cast<int64_t>(i), v};
    }
    auto same = [](double a, double b) {
      return (std::isnan(a) && std::isnan(b)) || std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
    };
    EXPECT_TRUE(same(*EvalWindow(OverTimeFn::kSum, w), sum_of(w))) << trial;
    EXPECT_TRUE(same(*EvalWindow(OverTimeFn::kAvg, w), avg_of(w))) << trial;
  }
}

TEST(OverTimeTest, NamesParse) {
  EXPECT_EQ(*ParseOverTimeFn("avg_over_time"), OverTimeFn::kAvg);
  EXPECT_EQ(*ParseOverTimeFn("quantile"), OverTimeFn::kQuantile);
  EXPECT_EQ(*ParseOverTimeFn("ts_of_min_over_time"), OverTimeFn::kTsOfMin);
  auto bad = ParseOverTimeFn("median");
  EXPECT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_NE(bad.status().message().find("quantile_over_time"), std::string::npos);
}

class OverTimeDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.compaction_interval_ms = 0;
    db_ = std::move(*Database::Open(o, dir_.path()));
  }
  std::vector<std::tuple<std::string, int64_t, double>> Eval(std::string_view sel, OverTimeQuery q) {
    std::vector<std::tuple<std::string, int64_t, double>> out;
    auto ms = ParseSelector(sel);
    Status s = EvaluateOverTime(db_.get(), *ms, q, [&](const SeriesInfo& si, int64_t ts, double v) {
      out.emplace_back(LabelsToString(si.labels), ts, v);
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(OverTimeDbTest, WindowsAreLeftOpenRightClosedAndSkipStaleMarkers) {
  WriteBatch b;
  for (int i = 0; i <= 10; ++i) b.Add({{"__name__", "m"}}, i * 10000, i);  // 0s..100s
  b.Add({{"__name__", "m"}}, 55000, StaleNaN());
  ASSERT_TRUE(db_->Write(b).ok());
  OverTimeQuery q;
  q.fn = OverTimeFn::kCount;
  q.start = 50000;
  q.end = 100000;
  q.step = 50000;
  q.range = 30000;
  // (20s, 50s] holds 30, 40, 50; (70s, 100s] holds 80, 90, 100.
  auto got = Eval("m", q);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(std::get<2>(got[0]), 3);
  EXPECT_EQ(std::get<2>(got[1]), 3);
  q.fn = OverTimeFn::kSum;
  q.start = q.end = 60000;
  q.range = 10000;  // (50s, 60s]: the stale marker at 55s is not a sample
  got = Eval("m", q);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::get<2>(got[0]), 6);
  q.start = q.end = 1000000;  // no samples in range: no point
  EXPECT_TRUE(Eval("m", q).empty());
}

TEST_F(OverTimeDbTest, SameAnswersAfterSealing) {
  std::mt19937_64 rng(5);
  WriteBatch b;
  for (int s = 0; s < 3; ++s) {
    for (int i = 0; i < 3000; ++i) {
      b.Add({{"__name__", "x"}, {"s", std::to_string(s)}}, i * 15000 + static_cast<int64_t>(rng() % 5),
            std::round(static_cast<double>(rng() % 10000)) / 100);
    }
  }
  ASSERT_TRUE(db_->Write(b).ok());
  OverTimeQuery q;
  q.start = 3600000;
  q.end = 40000000;
  q.step = 600000;
  q.range = 3600000;
  for (OverTimeFn fn : {OverTimeFn::kAvg, OverTimeFn::kMax, OverTimeFn::kStddev, OverTimeFn::kQuantile}) {
    q.fn = fn;
    q.param = 0.9;
    auto before = Eval("x", q);
    ASSERT_TRUE(db_->Compact(kMaxTime).ok());
    auto after = Eval("x", q);
    ASSERT_EQ(before.size(), after.size());
    for (size_t i = 0; i < before.size(); ++i) {
      EXPECT_EQ(std::bit_cast<uint64_t>(std::get<2>(before[i])),
                std::bit_cast<uint64_t>(std::get<2>(after[i])));
    }
  }
}

TEST_F(OverTimeDbTest, RejectsBadQueries) {
  OverTimeQuery q;
  q.step = 0;
  q.range = 1;
  auto ms = ParseSelector("m");
  auto noop = [](const SeriesInfo&, int64_t, double) { return Status::OK(); };
  EXPECT_TRUE(EvaluateOverTime(db_.get(), *ms, q, noop).IsInvalidArgument());
  q.step = 1;
  q.range = 0;
  EXPECT_TRUE(EvaluateOverTime(db_.get(), *ms, q, noop).IsInvalidArgument());
  q.range = 1;
  q.end = 1000000;  // a million steps
  EXPECT_TRUE(EvaluateOverTime(db_.get(), *ms, q, noop).IsInvalidArgument());
}

}  // namespace
}  // namespace overtone

namespace overtone {
namespace {

// Found by Prometheus's functions.test: values near the largest double.
TEST_F(OverTimeDbTest, AvgNearOverflowUsesARunningMeanWithSummariesToo) {
  WriteBatch b;
  for (int i = 0; i < 600; ++i) b.Add({{"__name__", "big"}}, i * 60000, 9.988465674311579e+307);
  ASSERT_TRUE(db_->Write(b).ok());
  ASSERT_TRUE(db_->Compact(kMaxTime).ok());
  OverTimeQuery q;
  q.fn = OverTimeFn::kAvg;
  q.start = q.end = 599 * 60000;
  q.range = 600 * 60000;
  for (bool summaries : {true, false}) {
    q.use_summaries = summaries;
    auto got = Eval("big", q);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_DOUBLE_EQ(std::get<2>(got[0]), 9.988465674311579e+307) << summaries;
  }
}

TEST(OverTimeTest, MadIsNaNWhenAnySampleIs) {
  std::vector<Sample> w = {{1, 1}, {2, 2}, {3, kNaN}, {4, 4}};
  EXPECT_TRUE(std::isnan(*EvalWindow(OverTimeFn::kMad, w)));
  std::vector<Sample> fine = {{1, 4}, {2, 6}, {3, 2}, {4, 1}, {5, 999}, {6, 1}, {7, 2}};
  EXPECT_EQ(*EvalWindow(OverTimeFn::kMad, fine), 1);
}

}  // namespace
}  // namespace overtone
