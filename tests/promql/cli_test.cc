// `overtone promql` through the real binary.

#include <gtest/gtest.h>

#include "tests/shell/run_program.h"

namespace overtone::testing {
namespace {

class PromqlCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProgramResult r = RunProgram(
        {OVERTONE_BIN, dir_.Sub("db"),
         "INSERT INTO samples(metric, labels, ts, value) VALUES "
         "('up', '{\"job\":\"api\"}', 0, 1), ('up', '{\"job\":\"api\"}', 60000, 0), "
         "('up', '{\"job\":\"web\"}', 0, 1), ('up', '{\"job\":\"web\"}', 60000, 1)"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  ProgramResult Promql(std::vector<std::string> args) {
    std::vector<std::string> argv = {OVERTONE_BIN, "promql", dir_.Sub("db")};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv);
  }
  TempDir dir_;
};

TEST_F(PromqlCliTest, InstantQueryPrintsATable) {
  ProgramResult r = Promql({"sum by (job) (up)", "--time", "60"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "SERIES       TIMESTAMP  VALUE\n"
            "{job=\"api\"}  60000      0\n"
            "{job=\"web\"}  60000      1\n");
}

TEST_F(PromqlCliTest, RangeQueryInPrometheusText) {
  ProgramResult r = Promql({"up{job=\"api\"}", "--start", "0", "--end", "60", "--step", "30s", "--format", "text"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "up{job=\"api\"} =>\n1 @[0]\n1 @[30]\n0 @[60]\n");
}

TEST_F(PromqlCliTest, ExplainPrintsTheSql) {
  ProgramResult r = Promql({"count(up == 1)", "--time", "1970-01-01T00:01:00Z", "--explain"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("FROM instant_vector('{__name__=\"up\"}', 60000, 60000, 1, 300000)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CAST(count(*) AS REAL)"), std::string::npos) << r.out;
}

TEST_F(PromqlCliTest, ErrorsAndUsage) {
  ProgramResult parse = Promql({"sum(up", "--time", "0"});
  EXPECT_EQ(parse.exit_code, 1);
  EXPECT_NE(parse.err.find("1:7: parse error"), std::string::npos) << parse.err;
  ProgramResult usage = Promql({"up", "--start", "0"});
  EXPECT_EQ(usage.exit_code, 2);
  ProgramResult missing = RunProgram({OVERTONE_BIN, "promql", dir_.Sub("nope"), "up"});
  EXPECT_EQ(missing.exit_code, 1);
}

}  // namespace
}  // namespace overtone::testing
