// Prometheus's PromQL test scripts (promql/promqltest/testdata/*.test), as
// data: load, clear and eval commands with their expected results.
//
//   load 5m
//     http_requests{job="api"}  0+10x10
//   eval instant at 50m rate(http_requests[5m])
//     {job="api"} 0.03333
//   eval range from 0 to 10m step 5m http_requests
//     http_requests{job="api"} 0 10 20
//
// Series values: `1 2 3`, `a+bxn` (n+1 values from a in steps of b), `axn`,
// `_` (no sample), `_xn`, `stale`, NaN, Inf; `{{...}}` (native histograms)
// is recorded as such and its samples skipped.

#ifndef OVERTONE_TESTS_CONFORMANCE_TEST_SCRIPT_H_
#define OVERTONE_TESTS_CONFORMANCE_TEST_SCRIPT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::conformance {

struct SequenceValue {
  bool omitted = false;
  bool histogram = false;
  double value = 0;
};

struct SeriesValues {
  Labels labels;  // sorted, __name__ included
  std::vector<SequenceValue> values;
};

struct LoadCommand {
  int64_t interval_ms = 0;
  // load_with_nhcb: the classic `_bucket` series are also loaded as native
  // histograms with custom buckets under the family's own name.
  bool with_nhcb = false;
  std::vector<SeriesValues> series;
};

struct EvalCommand {
  int line = 0;  // 1-based
  std::string expr;
  bool range = false;
  int64_t start = 0, end = 0, step = 0;  // instant: start == end
  bool fail = false;
  bool ordered = false;
  std::optional<std::string> fail_message;  // exact
  std::optional<std::string> fail_regex;
  bool expect_scalar = false;
  std::optional<std::string> expect_string;
  bool expect_range_vector = false;  // an instant query returning a matrix
  int64_t rv_start = 0, rv_step = 0;
  std::vector<SeriesValues> expected;  // expect_scalar: one with no labels
  bool expected_histograms = false;
};

struct Command {
  enum class Kind { kLoad, kClear, kEval } kind;
  LoadCommand load;
  EvalCommand eval;
};

Result<std::vector<Command>> ParseTestScript(const std::string& text);

// Prometheus's almost.Equal with its test epsilon (1e-6, relative).
bool AlmostEqual(double a, double b);

}  // namespace overtone::conformance

#endif  // OVERTONE_TESTS_CONFORMANCE_TEST_SCRIPT_H_
