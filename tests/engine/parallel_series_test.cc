// Evaluating series on every core (engine/parallel_series.h): results come
// back in series order, exactly as one thread gives them, and the first
// failure stops the rest. Then the range functions, instant vectors and
// *_over_time evaluated that way against each window computed on its own
// from the series' samples, on random data over more series than a batch.

#include "engine/parallel_series.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/range_functions.h"
#include "overtone/over_time.h"
#include "tests/support/test_database.h"

namespace overtone {
namespace {

TEST(ParallelSeriesTest, EmitsInOrderWhateverTheCount) {
  for (size_t n : {0u, 1u, 15u, 16u, 17u, 255u, 256u, 257u, 1000u}) {
    std::vector<size_t> emitted;
    Status s = engine::EvaluateInParallel<std::vector<size_t>>(
        n, nullptr,
        [](size_t i, std::vector<size_t>* out) {
          for (size_t k = 0; k < i % 5; ++k) out->push_back(i * 10 + k);
          return Status::OK();
        },
        [&](size_t i, const std::vector<size_t>& out) {
          EXPECT_EQ(out.size(), i % 5);
          for (size_t k = 0; k < out.size(); ++k) EXPECT_EQ(out[k], i * 10 + k);
          emitted.push_back(i);
          return Status::OK();
        });
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(emitted.size(), n);
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(emitted[i], i);
  }
}

TEST(ParallelSeriesTest, FirstFailureStopsAndEarlierResultsAreEmitted) {
  for (size_t fail_at : {0u, 5u, 300u, 999u}) {
    size_t emitted = 0;
    Status s = engine::EvaluateInParallel<int>(
        1000, nullptr,
        [&](size_t i, int*) { return i >= fail_at ? Status::Corruption(std::to_string(i)) : Status::OK(); },
        [&](size_t i, const int&) {
          EXPECT_EQ(i, emitted);
          ++emitted;
          return Status::OK();
        });
    EXPECT_EQ(s.ToString(), Status::Corruption(std::to_string(fail_at)).ToString());
    EXPECT_EQ(emitted, fail_at);
  }
  // An emit error stops as well.
  size_t emitted = 0;
  Status s = engine::EvaluateInParallel<int>(
      600, nullptr, [](size_t, int*) { return Status::OK(); },
      [&](size_t i, const int&) {
        ++emitted;
        return i == 270 ? Status::Aborted("stop") : Status::OK();
      });
  EXPECT_EQ(s.code(), Status::Code::kAborted);
  EXPECT_EQ(emitted, 271u);
}

class ParallelEvaluationTest : public testing::DatabaseTest {
 protected:
  // 300 series (more than a batch) of random counters and gauges with gaps,
  // jitter, resets, NaN and staleness markers.
  void SetUp() override {
    DatabaseTest::SetUp();
    std::mt19937_64 rng(42);
    WriteBatch b;
    for (int s = 0; s < kSeries; ++s) {
      Labels labels{{"__name__", "m"}, {"i", std::to_string(s)}};
      double v = 0;
      int64_t t = static_cast<int64_t>(rng() % 15000);
      while (t < kEnd) {
        double r = std::uniform_real_distribution<double>(0, 1)(rng);
        if (r < 0.01) {
          v = 0;  // a reset
        } else {
          v += std::uniform_real_distribution<double>(0, 10)(rng);
        }
        double value = r > 0.995 ? std::nan("") : r > 0.99 ? StaleNaN() : v;
        b.Add(labels, t, value);
        t += 15000 + static_cast<int64_t>(rng() % 3) + (r > 0.98 ? 600000 : 0);  // now and then a gap
      }
    }
    ASSERT_TRUE(db_->Write(b).ok());
    ASSERT_TRUE(db_->Compact(kEnd / 2).ok());  // half in segments, half raw
  }

  // Every sample of series i, staleness markers included.
  std::vector<Sample> SamplesOf(const SeriesInfo& s) {
    std::vector<Sample> out;
    auto it = db_->Scan(s.id, kMinTime, kMaxTime);
    EXPECT_TRUE(it.ok());
    for (; (*it)->Valid(); (*it)->Next()) out.push_back((*it)->sample());
    return out;
  }

  static std::vector<Sample> Window(const std::vector<Sample>& all, int64_t left, int64_t right) {
    std::vector<Sample> w;
    for (const Sample& x : all) {
      if (x.ts > left && x.ts <= right && !IsStaleNaN(x.value)) w.push_back(x);
    }
    return w;
  }

  static bool Same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

  static constexpr int kSeries = 300;
  static constexpr int64_t kEnd = 6 * 3600 * 1000;
  std::vector<LabelMatcher> matchers_{{MatchType::kEqual, "__name__", "m"}};
};

TEST_F(ParallelEvaluationTest, RangeFunctionsAgreeWithEachWindowAlone) {
  auto series = db_->Select(matchers_);
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), static_cast<size_t>(kSeries));
  for (RangeFn fn : {RangeFn::kRate, RangeFn::kIrate, RangeFn::kIncrease, RangeFn::kDeriv}) {
    RangeFunctionQuery q;
    q.fn = fn;
    q.start = 600000;
    q.end = kEnd;
    q.step = 60000;
    q.range = 300000;
    size_t next_series = 0, points = 0;
    int64_t last_id = -1;
    std::vector<Sample> all;
    Status s =
        EvaluateRangeFunction(db_.get(), matchers_, q, [&](const SeriesInfo& info, int64_t t, double v) {
          if (static_cast<int64_t>(info.id) != last_id) {  // series by series, in Select's order
            while (next_series < series->size() && (*series)[next_series].id != info.id) ++next_series;
            EXPECT_LT(next_series, series->size());
            last_id = static_cast<int64_t>(info.id);
            all = SamplesOf(info);
          }
          auto want = EvalRangeWindow(fn, Window(all, t - q.range, t), t, 0, q.range);
          EXPECT_TRUE(want.has_value());
          if (want) {
            EXPECT_TRUE(Same(*want, v)) << RangeFnName(fn) << " at " << t << ": " << *want << " vs " << v;
          }
          ++points;
          return Status::OK();
        });
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_GT(points, static_cast<size_t>(kSeries) * 200);
  }
}

TEST_F(ParallelEvaluationTest, InstantVectorsAgreeWithEachStepAlone) {
  InstantVectorQuery q;
  q.start = 0;
  q.end = kEnd;
  q.step = 30000;
  size_t points = 0;
  int64_t last_id = -1;
  std::vector<Sample> all;
  Status s = EvaluateInstantVector(
      db_.get(), matchers_, q, [&](const SeriesInfo& info, int64_t t, int64_t ts, double v) {
        if (static_cast<int64_t>(info.id) != last_id) {
          EXPECT_GT(static_cast<int64_t>(info.id), last_id);
          last_id = static_cast<int64_t>(info.id);
          all = SamplesOf(info);
        }
        const Sample* latest = nullptr;
        for (const Sample& x : all) {
          if (x.ts <= t) latest = &x;
        }
        EXPECT_TRUE(latest != nullptr && latest->ts == ts && latest->ts > t - q.lookback &&
                    !IsStaleNaN(latest->value) && Same(latest->value, v));
        ++points;
        return Status::OK();
      });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GT(points, static_cast<size_t>(kSeries) * 400);  // gaps leave some steps empty
}

TEST_F(ParallelEvaluationTest, OverTimeAgreesWithEachWindowAlone) {
  for (OverTimeFn fn : {OverTimeFn::kAvg, OverTimeFn::kQuantile, OverTimeFn::kMax, OverTimeFn::kCount}) {
    for (int64_t range : {60000, 3600000}) {
      OverTimeQuery q;
      q.fn = fn;
      q.param = 0.9;
      q.start = 0;
      q.end = kEnd;
      q.step = 60000;
      q.range = range;
      size_t points = 0;
      int64_t last_id = -1;
      std::vector<Sample> all;
      Status s = EvaluateOverTime(db_.get(), matchers_, q, [&](const SeriesInfo& info, int64_t t, double v) {
        if (static_cast<int64_t>(info.id) != last_id) {
          EXPECT_GT(static_cast<int64_t>(info.id), last_id);
          last_id = static_cast<int64_t>(info.id);
          all = SamplesOf(info);
        }
        auto want = EvalWindow(fn, Window(all, t - range, t), q.param);
        EXPECT_TRUE(want.has_value());
        if (want) {
          EXPECT_TRUE(Same(*want, v)) << OverTimeFnName(fn) << " at " << t << ": " << *want << " vs " << v;
        }
        ++points;
        return Status::OK();
      });
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_GT(points, static_cast<size_t>(kSeries) * 150);
    }
  }
}

}  // namespace
}  // namespace overtone
