// FoldWindows: `sum avg stddev stdvar _over_time` of many windows at once,
// the bits EvalWindow gives for each.
//
// Why: a standing window whose answer depends on the order of Prometheus's
// fold (avg of fractional values, stddev, stdvar; standing_windows.h)
// folds its samples at every evaluation. One fold is a chain of dependent
// floating-point operations: each step waits for the previous sum (an add,
// ~4 cycles) or, in Welford's variance, for a division (~15 cycles), while
// the core could start several such operations at once. Folding four
// windows in one loop gives it four independent chains, each with exactly
// the operations of Prometheus's fold in the same order: the same bits,
// several times the throughput.
//
// A window whose sum overflows (avg and sum switch to other folds there)
// is folded again by EvalWindow itself.

#ifndef OVERTONE_ENGINE_WINDOW_FOLD_H_
#define OVERTONE_ENGINE_WINDOW_FOLD_H_

#include <span>

#include "overtone/over_time.h"

namespace overtone::engine {

// Whether FoldWindows interleaves fn (else it calls EvalWindow per window).
bool FoldsInterleaved(OverTimeFn fn);

// out[i] = *EvalWindow(fn, windows[i], param), bit for bit.
// REQUIRES: every window non-empty; out.size() == windows.size().
void FoldWindows(OverTimeFn fn, std::span<const std::span<const Sample>> windows, double param,
                 std::span<double> out);

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_WINDOW_FOLD_H_
