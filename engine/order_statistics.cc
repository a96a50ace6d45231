#include "engine/order_statistics.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "engine/sorted_quantile.h"

namespace overtone::engine {
namespace {

constexpr uint64_t kSign = uint64_t{1} << 63;

// How many keys of the runs are <= key.
uint64_t CountAtMost(std::span<const std::span<const uint64_t>> runs, uint64_t key) {
  uint64_t n = 0;
  for (std::span<const uint64_t> r : runs) n += std::upper_bound(r.begin(), r.end(), key) - r.begin();
  return n;
}

}  // namespace

uint64_t OrderKey(double v) {
  if (std::isnan(v)) return 0;
  uint64_t bits = std::bit_cast<uint64_t>(v == 0 ? 0.0 : v);
  // Negative: flipping every bit reverses their order and puts them below
  // the positives; a NaN's all-ones pattern is the only one flipped to 0.
  return bits & kSign ? ~bits : bits | kSign;
}

double FromOrderKey(uint64_t key) {
  if (key == 0) return std::numeric_limits<double>::quiet_NaN();
  return std::bit_cast<double>(key & kSign ? key & ~kSign : ~key);
}

uint64_t KthKey(std::span<const std::span<const uint64_t>> runs, uint64_t k) {
  // The least key with more than k keys at or below it: bisect the key space
  // within the runs' own bounds (64 halvings at most).
  uint64_t lo = std::numeric_limits<uint64_t>::max(), hi = 0;
  for (std::span<const uint64_t> r : runs) {
    if (r.empty()) continue;
    lo = std::min(lo, r.front());
    hi = std::max(hi, r.back());
  }
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (CountAtMost(runs, mid) > k) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

double QuantileOfRuns(double q, std::span<const std::span<const uint64_t>> runs) {
  uint64_t total = 0;
  for (std::span<const uint64_t> r : runs) total += r.size();
  return QuantileAtRanks(q, total, [&](uint64_t rank) { return FromOrderKey(KthKey(runs, rank)); });
}

}  // namespace overtone::engine
