// `overtone promql` through the real binary.

#include <gtest/gtest.h>

#include "tests/support/overtone_binary.h"

namespace overtone::testing {
namespace {

class PromqlCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProgramResult r =
        RunOvertone({dir_.Sub("db"),
                     "INSERT INTO samples(metric, labels, ts, value) VALUES "
                     "('up', '{\"job\":\"api\"}', 0, 1), ('up', '{\"job\":\"api\"}', 60000, 0), "
                     "('up', '{\"job\":\"web\"}', 0, 1), ('up', '{\"job\":\"web\"}', 60000, 1)"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  ProgramResult Promql(std::vector<std::string> args) {
    args.insert(args.begin(), {"promql", dir_.Sub("db")});
    return RunOvertone(std::move(args));
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
  ProgramResult r =
      Promql({"up{job=\"api\"}", "--start", "0", "--end", "60", "--step", "30s", "--format", "text"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "up{job=\"api\"} =>\n1 @[0]\n1 @[30]\n0 @[60]\n");
}

// An expression that starts with '-' would read as an option: it goes after --.
TEST_F(PromqlCliTest, ExpressionAfterTheSeparator) {
  ProgramResult r = Promql({"--time", "0", "--", "-up"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "SERIES       TIMESTAMP  VALUE\n"
            "{job=\"api\"}  0          -1\n"
            "{job=\"web\"}  0          -1\n");
}

TEST_F(PromqlCliTest, ExplainPrintsTheSql) {
  ProgramResult r = Promql({"count(up == 1)", "--time", "1970-01-01T00:01:00Z", "--explain"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("FROM instant_vector(?1 /* {__name__=\"up\"} */, 60000, 60000, 1, 300000)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("FROM vector_aggregate('count', 'by', '', 0, ("), std::string::npos) << r.out;
}

// Operations with a number the query API applies to packed points are not
// in the SQL: a comment line before it names them.
TEST_F(PromqlCliTest, ExplainNamesTheOperationsOnPackedPoints) {
  ProgramResult r = Promql({"(up / on(job) up) * 100 > 5", "--time", "1970-01-01T00:01:00Z", "--explain"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("-- applied to each point as the rows are unpacked, in order: value * 100, value > 5\n"
                       "SELECT labels_drop(labelset, '__name__') AS labelset, points\n"
                       "FROM vector_match_series('div', 0, 'one_to_one', 'on', 'job', '', ("),
            0u)
      << r.out;
  EXPECT_TRUE(r.out.ends_with(");\n")) << r.out;
}

TEST_F(PromqlCliTest, ErrorsAndUsage) {
  ProgramResult parse = Promql({"sum(up", "--time", "0"});
  EXPECT_EQ(parse.exit_code, 1);
  EXPECT_NE(parse.err.find("1:7: parse error"), std::string::npos) << parse.err;
  ProgramResult usage = Promql({"up", "--start", "0"});
  EXPECT_EQ(usage.exit_code, 2);
  ProgramResult missing = RunOvertone({"promql", dir_.Sub("nope"), "up"});
  EXPECT_EQ(missing.exit_code, 1);
}

// A usage error says what is wrong before the usage; a bad value names its
// option.
TEST_F(PromqlCliTest, UsageErrorsSayWhatIsWrong) {
  struct Case {
    std::vector<std::string> args;
    const char* first_line;
  };
  for (const Case& c :
       {Case{{"up", "--start", "0", "--end", "10"}, "a range query needs all of --start, --end and --step"},
        Case{{"up", "--time", "1", "--start", "0", "--end", "1", "--step", "1"},
             "--time excludes --start, --end and --step"},
        Case{{"up", "--bogus"}, "unknown option '--bogus'"},
        Case{{"up", "--format", "xml"}, "--format: 'xml' is not table or text"},
        Case{{"up", "--time"}, "--time needs a value"}, Case{{}, "EXPR is required"},
        Case{{"up", "down"}, "unexpected argument 'down'"}}) {
    ProgramResult r = Promql(c.args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(
        r.err,
        std::string("overtone promql: ") + c.first_line +
            "\nUsage: overtone promql [OPTIONS] DBDIR EXPR\nRun 'overtone promql --help' for the options.\n");
  }
  ProgramResult t = Promql({"up", "--time", "abc"});
  EXPECT_EQ(t.exit_code, 1);
  EXPECT_EQ(t.err, "overtone promql: --time: cannot parse \"abc\" to a valid timestamp\n");
  ProgramResult step = Promql({"up", "--start", "0", "--end", "10", "--step", "1x"});
  EXPECT_EQ(step.err, "overtone promql: --step: cannot parse \"1x\" to a valid duration\n");
  step = Promql({"up", "--start", "0", "--end", "10", "--step", "0"});
  EXPECT_EQ(step.exit_code, 1);
  EXPECT_EQ(step.err,
            "overtone promql: zero or negative query resolution step widths are not accepted. Try a positive "
            "integer\n");
  ProgramResult back = Promql({"up", "--start", "10", "--end", "0", "--step", "1"});
  EXPECT_EQ(back.err, "overtone promql: end timestamp must not be before start time\n");
}

// `serve` and `import` write the engine alone; promql (read-only) opens
// such a directory all the same.
TEST_F(PromqlCliTest, DirectoryWithoutUserTables) {
  std::string file = dir_.Sub("up.prom");
  ASSERT_TRUE(WriteFile(file, "up{job=\"api\"} 1 0\n"));
  ProgramResult imported = RunOvertone({"import", dir_.Sub("imported"), file, "--format", "prometheus"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  ProgramResult r = RunOvertone({"promql", dir_.Sub("imported"), "up", "--time", "0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("up{job=\"api\"}  0          1\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace overtone::testing
