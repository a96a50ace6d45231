// Running promtool's rule unit tests (unit_test_file.h) as `promtool test
// rules` runs them: each test group loads its input series into a fresh
// temporary database, evaluates every rule group at 0, interval, 2*interval,
// ... up to the latest eval_time (input samples appear as evaluation time
// reaches them), compares the firing alerts at each alert test's time and
// the PromQL tests' results at the end, and reports each mismatch in
// promtool's words.
//
//   std::vector<std::string> failures = RunUnitTestFile("tests.yml");
//   // empty: every test passed

#ifndef OVERTONE_ADAPTERS_RULES_UNIT_TEST_RUNNER_H_
#define OVERTONE_ADAPTERS_RULES_UNIT_TEST_RUNNER_H_

#include <string>
#include <vector>

namespace overtone::rules {

// The failures of the test file at `path` (rule files are found relative to
// it), each a block of lines as promtool prints it; empty when all pass.
std::vector<std::string> RunUnitTestFile(const std::string& path);

}  // namespace overtone::rules

#endif  // OVERTONE_ADAPTERS_RULES_UNIT_TEST_RUNNER_H_
