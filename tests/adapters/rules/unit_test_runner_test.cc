// promtool's unit-test format run over a real temporary database: the
// passing files pass, and the failing ones fail with promtool's messages.

#include "adapters/rules/unit_test_runner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace overtone::rules {
namespace {

std::vector<std::string> RunFile(const std::string& name) {
  return RunUnitTestFile(std::string(RULES_TESTDATA) + "/" + name);
}

std::string Joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += x + "\n";
  return s;
}

TEST(UnitTestRunner, PassingFilesPass) {
  for (const char* f : {"alerts_test.yml", "templates_test.yml", "group_eval_order_test.yml",
                        "stale_test.yml", "missing_rule_file_test.yml", "subquery_step_test.yml"}) {
    EXPECT_EQ(Joined(RunFile(f)), "") << f;
  }
}

TEST(UnitTestRunner, WrongExpectationsFailAsPromtoolSaysIt) {
  std::vector<std::string> errs = RunFile("wrong_alerts_test.yml");
  ASSERT_EQ(errs.size(), 2u) << Joined(errs);
  EXPECT_EQ(errs[0],
            "    alertname: Flapping, time: 2m, \n"
            "        exp:[], \n"
            "        got:[\n"
            "            0:\n"
            "              Labels:{alertname=\"Flapping\", instance=\"f\"}\n"
            "              Annotations:{value=\"1 on f in \"}\n"
            "            ]");
  EXPECT_EQ(errs[1],
            "    expr: \"job:cpu:sum\", time: 0s,\n"
            "        exp: {__name__=\"job:cpu:sum\", job=\"x\", source=\"rules\"} 2E+00\n"
            "        got: {__name__=\"job:cpu:sum\", job=\"x\", source=\"rules\"} 1E+00");
}

TEST(UnitTestRunner, RuleErrorsStopTheGroup) {
  std::vector<std::string> errs = RunFile("limit_test.yml");
  ASSERT_EQ(errs.size(), 1u) << Joined(errs);
  EXPECT_EQ(errs[0], "    rule: Down, time: 0s, err: exceeded limit of 1 with 2 alerts");
}

TEST(UnitTestRunner, BadInputAndFiles) {
  EXPECT_NE(Joined(RunFile("bad_values_test.yml")).find("bad series value \"1+2\""), std::string::npos);
  EXPECT_NE(Joined(RunFile("no-such-test.yml")).find("no such file"), std::string::npos);
  // A rule file given to `test` is no unit-test file.
  EXPECT_NE(Joined(RunFile("alerts.yml")).find("field groups not found in type main.unitTestFile"),
            std::string::npos);
}

}  // namespace
}  // namespace overtone::rules
