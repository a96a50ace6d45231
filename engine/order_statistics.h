// Order statistics across sorted runs: the exact k-th smallest value of a
// window whose values come as several sorted runs (one per segment, kept
// sorted in memory, plus the window's loose edge values), without merging
// or re-sorting them.
//
// Values are compared as order keys: a uint64 per double whose unsigned
// order is Prometheus's quantile order (NaN first, then -Inf ... +Inf);
// every NaN has key 0, and -0 and +0 share the key of +0 (they compare
// equal in Prometheus's sort too, which leaves their order unspecified).

#ifndef OVERTONE_ENGINE_ORDER_STATISTICS_H_
#define OVERTONE_ENGINE_ORDER_STATISTICS_H_

#include <cstdint>
#include <span>
#include <vector>

namespace overtone::engine {

uint64_t OrderKey(double v);
double FromOrderKey(uint64_t key);

// The k-th smallest key (0-based) of the union of `runs`, each ascending.
// REQUIRES: k < the total size.
uint64_t KthKey(std::span<const std::span<const uint64_t>> runs, uint64_t k);

// Prometheus's quantile() (linear interpolation at q * (n - 1)) of the union
// of `runs`, each ascending; NaN for no values.
double QuantileOfRuns(double q, std::span<const std::span<const uint64_t>> runs);

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_ORDER_STATISTICS_H_
