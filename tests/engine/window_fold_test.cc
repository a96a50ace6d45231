// FoldWindows against EvalWindow, bit for bit: groups of windows of unequal
// lengths (the interleaved loop's tails), fractional values, huge values
// whose sums overflow, NaN, ±Inf and signed zeros.

#include "engine/window_fold.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace overtone::engine {
namespace {

bool SameBits(double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }

double RandomValue(std::mt19937_64& rng, int kind) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  switch (kind) {
    case 0: return static_cast<double>(static_cast<int64_t>(rng() % 20'001) - 10'000) / 10;
    case 1: return std::uniform_real_distribution<double>(-1e6, 1e6)(rng);
    case 2: {  // now and then something extreme
      constexpr double kOdd[] = {
          std::numeric_limits<double>::quiet_NaN(), kInf, -kInf, -0.0, 0.0, 1.7e308, -1.7e308, 1e-310};
      if (rng() % 8 == 0) return kOdd[rng() % 8];
      return std::uniform_real_distribution<double>(0, 100)(rng);
    }
    default: return 1e16 + static_cast<double>(rng() % 100);  // sums far from exact
  }
}

TEST(WindowFoldTest, InterleavedFoldsGiveEvalWindowsBits) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 400; ++round) {
    int kind = round % 4;
    size_t count = 1 + rng() % 11;  // groups of 4, 2 and single ones
    std::vector<std::vector<Sample>> samples(count);
    for (auto& w : samples) {
      size_t n = 1 + rng() % (round % 5 == 0 ? 3 : 300);
      for (size_t i = 0; i < n; ++i) w.push_back(Sample{static_cast<int64_t>(i), RandomValue(rng, kind)});
    }
    std::vector<std::span<const Sample>> windows(samples.begin(), samples.end());
    for (OverTimeFn fn : {OverTimeFn::kSum, OverTimeFn::kAvg, OverTimeFn::kStddev, OverTimeFn::kStdvar,
                          OverTimeFn::kCount, OverTimeFn::kMax}) {
      std::vector<double> out(windows.size());
      FoldWindows(fn, windows, 0, out);
      for (size_t i = 0; i < windows.size(); ++i) {
        double want = *EvalWindow(fn, windows[i], 0);
        EXPECT_TRUE(SameBits(out[i], want)) << OverTimeFnName(fn) << " round " << round << " window " << i
                                            << ": " << out[i] << " want " << want;
      }
    }
  }
}

}  // namespace
}  // namespace overtone::engine
