// promtool's rule unit-test files (`promtool test rules`), read strictly as
// promtool 2.42 reads them: an unknown field is an error.
//
//   rule_files: [rules.yml]          # relative to the test file; globs allowed
//   evaluation_interval: 1m          # default 1m
//   group_eval_order: [g1, g2]       # optional
//   tests:
//     - name: optional
//       interval: 1m                 # input series step; default evaluation_interval
//       input_series:
//         - series: 'up{job="a"}'
//           values: '0+1x10 _ stale'  # series_notation.h
//       external_labels: {region: eu}
//       external_url: http://example
//       alert_rule_test:
//         - eval_time: 5m
//           alertname: InstanceDown
//           exp_alerts:
//             - exp_labels: {job: a}
//               exp_annotations: {summary: "..."}
//       promql_expr_test:
//         - expr: up
//           eval_time: 1m
//           exp_samples:
//             - labels: 'up{job="a"}'
//               value: 1

#ifndef OVERTONE_ADAPTERS_RULES_UNIT_TEST_FILE_H_
#define OVERTONE_ADAPTERS_RULES_UNIT_TEST_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::rules {

struct ExpectedAlert {
  Labels labels;  // without alertname: the test adds it
  Labels annotations;
};

struct AlertTestCase {
  int64_t eval_time_ms = 0;
  std::string alertname;
  std::vector<ExpectedAlert> exp_alerts;
};

struct ExpectedSample {
  std::string labels;  // series notation, parsed when the test runs
  double value = 0;
};

struct PromqlTestCase {
  std::string expr;
  int64_t eval_time_ms = 0;
  std::vector<ExpectedSample> exp_samples;
};

struct InputSeries {
  std::string series;
  std::string values;
};

struct TestGroup {
  std::string name;
  int64_t interval_ms = 0;  // 0: the file's evaluation_interval
  std::vector<InputSeries> input_series;
  std::vector<AlertTestCase> alert_tests;
  std::vector<PromqlTestCase> promql_tests;
  Labels external_labels;
  std::string external_url;
};

struct UnitTestFile {
  std::vector<std::string> rule_files;  // as written
  int64_t evaluation_interval_ms = 60 * 1000;
  std::vector<std::string> group_eval_order;
  std::vector<TestGroup> tests;
};

// InvalidArgument with promtool's wording ("yaml: unmarshal errors: ...").
Result<UnitTestFile> ParseUnitTestFile(std::string_view yaml);

}  // namespace overtone::rules

#endif  // OVERTONE_ADAPTERS_RULES_UNIT_TEST_FILE_H_
