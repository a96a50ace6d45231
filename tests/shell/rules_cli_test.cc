// `overtone rules check` and `overtone rules test` through the real binary:
// promtool's output and exit statuses, and usage errors.

#include <gtest/gtest.h>

#include "tests/support/overtone_binary.h"

namespace overtone::testing {
namespace {

class RulesCliTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_.Sub(name);
    EXPECT_TRUE(WriteFile(path, text));
    return path;
  }
  TempDir dir_;
};

TEST_F(RulesCliTest, CheckPassesAndCounts) {
  std::string f = Write("ok.yml",
                        "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n"
                        "      - alert: A\n        expr: up == 0\n");
  ProgramResult r = RunOvertone({"rules", "check", f});
  EXPECT_EQ(r, (ProgramResult{
                   .exit_code = 0, .out = "Checking " + f + "\n  SUCCESS: 2 rules found\n\n", .err = ""}));
}

TEST_F(RulesCliTest, CheckFailsWithReasons) {
  std::string ok = Write("ok.yml", "groups: []\n");
  std::string bad =
      Write("bad.yml", "groups:\n  - name: g\n    rules:\n      - record: 'a b'\n        expr: up\n");
  ProgramResult r = RunOvertone({"rules", "check", bad, ok});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "Checking " + bad + "\n\nChecking " + ok + "\n  SUCCESS: 0 rules found\n\n");
  EXPECT_EQ(r.err,
            "  FAILED:\n" + bad + ": 4:17: group \"g\", rule 1, \"a b\": invalid recording rule name: a b\n");
}

TEST_F(RulesCliTest, DuplicatesWarnUnlessLintFatal) {
  std::string f = Write("dup.yml",
                        "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n"
                        "      - record: r\n        expr: up\n");
  ProgramResult r = RunOvertone({"rules", "check", f});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("  WARNING:\nlint error 1 duplicate rule(s) found.\nMetric: r\n"), std::string::npos);
  EXPECT_EQ(RunOvertone({"rules", "check", "--lint-fatal", f}).exit_code, 1);
}

TEST_F(RulesCliTest, TestRunsUnitTests) {
  Write("r.yml", "groups:\n  - name: g\n    rules:\n      - record: double\n        expr: x * 2\n");
  std::string pass = Write("pass.yml",
                           "rule_files: [r.yml]\ntests:\n  - interval: 1m\n    input_series:\n"
                           "      - series: x\n        values: 1+1x5\n    promql_expr_test:\n"
                           "      - expr: double\n        eval_time: 3m\n        exp_samples:\n"
                           "          - labels: double\n            value: 8\n");
  ProgramResult r = RunOvertone({"rules", "test", pass});
  EXPECT_EQ(r,
            (ProgramResult{.exit_code = 0, .out = "Unit Testing:  " + pass + "\n  SUCCESS\n\n", .err = ""}));

  std::string fail = Write("fail.yml",
                           "rule_files: [r.yml]\ntests:\n  - interval: 1m\n    input_series:\n"
                           "      - series: x\n        values: 1+1x5\n    promql_expr_test:\n"
                           "      - expr: double\n        eval_time: 3m\n        exp_samples:\n"
                           "          - labels: double\n            value: 9\n");
  r = RunOvertone({"rules", "test", fail});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "  FAILED:\n    expr: \"double\", time: 3m,\n        exp: {__name__=\"double\"} 9E+00\n"
            "        got: {__name__=\"double\"} 8E+00\n");
}

TEST_F(RulesCliTest, UsageErrors) {
  EXPECT_EQ(RunOvertone({"rules"}).exit_code, 2);
  EXPECT_EQ(RunOvertone({"rules", "lint", "x.yml"}).exit_code, 2);
  EXPECT_EQ(RunOvertone({"rules", "check"}).exit_code, 2);
  ProgramResult help = RunOvertone({"rules", "test", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("promtool test rules"), std::string::npos);
}

}  // namespace
}  // namespace overtone::testing
