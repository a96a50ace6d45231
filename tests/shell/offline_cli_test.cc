// Drives the real `overtone` binary (OVERTONE_BIN) through emulate, import
// and export: the "Done when" flow on a small fleet, the messages a
// user sees, and the exit codes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/overtone_binary.h"

namespace overtone::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* kEnd = "2024-05-01T00:00:00Z";
constexpr const char* kAll = "{__name__=~\".+\"}";

class OfflineCliTest : public ::testing::Test {
 protected:
  ProgramResult Run(std::vector<std::string> args, std::string_view input = "") {
    return RunOvertone(std::move(args), input, 120000);
  }
  // Runs, expects exit 0, returns stderr.
  std::string Ok(std::vector<std::string> args, std::string_view input = "") {
    ProgramResult r = Run(args, input);
    EXPECT_EQ(r.exit_code, 0) << "stderr: " << r.err;
    return r.err;
  }
  std::string Sql(const std::string& db, const std::string& sql) {
    ProgramResult r = Run({db, sql});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  std::string Path(std::string_view name) const { return tmp_.Sub(name); }

  TempDir tmp_;
};

// `emulated N samples of S series` / `imported N samples of S series`.
std::pair<std::string, std::string> Counts(const std::string& summary, const char* verb) {
  std::smatch m;
  std::regex re(std::string(verb) + " ([0-9]+) samples of ([0-9]+) series");
  if (!std::regex_search(summary, m, re)) return {"?", "?"};
  return {m[1], m[2]};
}

TEST_F(OfflineCliTest, EmulateImportExportReimportIsIdentical) {
  std::string err = Ok({"emulate", "--hosts", "5", "--duration", "2h", "--end", kEnd, "--seed", "11", "--out",
                        Path("fleet.om")});
  auto [emulated, emulated_series] = Counts(err, "emulated");
  EXPECT_EQ(emulated_series, "85");
  EXPECT_EQ(emulated, std::to_string(5 * 17 * 480));

  err = Ok({"import", Path("db"), Path("fleet.om")});
  EXPECT_EQ(Counts(err, "imported"), std::make_pair(emulated, std::string("85")));
  EXPECT_THAT(err, HasSubstr("(openmetrics, "));
  EXPECT_EQ(Sql(Path("db"), "SELECT count(*) FROM series"), "85\n");
  EXPECT_EQ(Sql(Path("db"), "SELECT count(*) FROM samples"), emulated + "\n");
  EXPECT_EQ(Sql(Path("db"), "SELECT count(*) FROM samples WHERE value_kind(raw) = 'nan'") != "0\n", true);

  for (const char* format : {"openmetrics", "csv"}) {
    std::string a = Path(std::string("a.") + format), b = Path(std::string("b.") + format);
    Ok({"export", Path("db"), "--match", kAll, "--format", format, "--out", a});
    std::string db2 = Path(std::string("db2_") + format);
    EXPECT_EQ(Counts(Ok({"import", db2, a}), "imported").first, emulated);
    Ok({"export", db2, "--match", kAll, "--format", format, "--out", b});
    EXPECT_EQ(ReadFile(a), ReadFile(b)) << format;
    EXPECT_EQ(ReadFile(a).size() > 100000, true);
  }
  // The raw bits agree too (NaN included): compare SQL sums of raw per series.
  std::string q = "SELECT metric, labels, count(*), sum(raw % 1000003) FROM samples GROUP BY 1, 2";
  EXPECT_EQ(Sql(Path("db"), q), Sql(Path("db2_csv"), q));
}

TEST_F(OfflineCliTest, EmulateIsDeterministicOnStdout) {
  std::vector<std::string> args = {"emulate", "--hosts", "2",     "--duration", "10m",
                                   "--end",   kEnd,      "--out", "-",          "--quiet"};
  ProgramResult a = Run(args), b = Run(args);
  EXPECT_EQ(a.exit_code, 0);
  EXPECT_EQ(a.err, "");
  EXPECT_EQ(a.out, b.out);
  EXPECT_THAT(a.out, HasSubstr("# TYPE http_requests counter\n"));
  EXPECT_THAT(a.out, HasSubstr("\nhttp_requests_total{host=\"web-001\",region=\"eu-west\",role=\"web\"} "));
  EXPECT_TRUE(a.out.ends_with("# EOF\n"));
  args[8] = "--seed=2";
  EXPECT_NE(Run(args).out, a.out);
}

TEST_F(OfflineCliTest, EmulateIntoADatabase) {
  std::string err = Ok({"emulate", "--hosts", "6", "--duration", "30m", "--interval", "30s", "--end", kEnd,
                        "--db", Path("db")});
  auto [samples, series] = Counts(err, "emulated");
  EXPECT_EQ(series, "102");  // 17 series a host
  EXPECT_EQ(Sql(Path("db"), "SELECT count(*) FROM samples"), samples + "\n");
  // Roles come five web, two db, two batch, one cache in every ten hosts.
  EXPECT_EQ(Sql(Path("db"), "SELECT json_extract(labels, '$.role'), count(*) FROM series GROUP BY 1"),
            "db|17\nweb|85\n");
}

TEST_F(OfflineCliTest, EmulateEndsWithAPlotOfTheFleetAndTheConsoleLink) {
  ProgramResult r = Run({"emulate", "--hosts", "10", "--duration", "1h", "--end", kEnd, "--db", Path("db")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("avg by (role) (cpu_usage_percent):\n"));
  for (const char* role : {"batch", "cache", "db", "web"}) {
    EXPECT_THAT(r.out, HasSubstr("\u28ff {role=\"" + std::string(role) + "\"}"));  // legend entries
  }
  EXPECT_THAT(r.out, HasSubstr(" \u2524"));  // value ticks
  EXPECT_THAT(r.out,
              HasSubstr("http://127.0.0.1:9201/graph?g0.expr=avg%20by%20%28role%29%20%28cpu_usage_percent%29"
                        "&g0.tab=0&g0.range_input=3600s&g0.end_input="));
  // --quiet says nothing.
  r = Run({"emulate", "--hosts", "1", "--duration", "1m", "--end", kEnd, "--db", Path("db2"), "-q"});
  EXPECT_EQ(r.out, "");
}

TEST_F(OfflineCliTest, EmulateInRealTime) {
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  int64_t before = now_ms();
  std::string err = Ok({"emulate", "--realtime", "--hosts", "2", "--duration", "2s", "--interval", "500ms",
                        "--db", Path("db")});
  int64_t after = now_ms();
  EXPECT_GE(after - before, 1000);  // it waited for the clock
  auto [samples, series] = Counts(err, "emulated");
  EXPECT_EQ(series, "34");
  EXPECT_EQ(samples, "136");  // 2 hosts x 17 series x 4 scrapes
  std::string range = Sql(Path("db"), "SELECT min(ts), max(ts) FROM samples");
  int64_t lo = std::stoll(range.substr(0, range.find('|')));
  int64_t hi = std::stoll(range.substr(range.find('|') + 1));
  EXPECT_GE(lo, before);
  EXPECT_LE(hi, after);
  EXPECT_EQ(Run({"emulate", "--realtime", "--out", "-"}).exit_code, 2);
}

TEST_F(OfflineCliTest, ImportStopsAtTheBadLineAndSaysWhatIsWritten) {
  std::string file = Path("bad.prom");
  ASSERT_TRUE(WriteFile(file,
                        "up{job=\"a\"} 1 1700000000000\n"
                        "up{job=\"a\"} 1 1700000015000\n"
                        "up{job=\"a\"} 1 1700000030000\n"
                        "up{job=\"a\"} one 1700000045000\n"
                        "up{job=\"a\"} 1 1700000060000\n"));
  ProgramResult r = Run({"import", Path("db"), file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("line 4: column 13: bad value 'one'"));
  EXPECT_THAT(r.err, HasSubstr("the 3 samples of lines 1..3 are imported"));
  EXPECT_EQ(Sql(Path("db"), "SELECT count(*) FROM samples"), "3\n");

  std::string err = Ok({"import", Path("db"), file, "--skip-bad"});
  EXPECT_THAT(err, HasSubstr("skipped line 4: column 13: bad value 'one'"));
  EXPECT_THAT(err, HasSubstr("imported 4 samples of 1 series"));
  EXPECT_THAT(err, HasSubstr("skipped 1 bad line\n"));
  EXPECT_EQ(Sql(Path("db"), "SELECT count(*) FROM samples"), "4\n");
}

TEST_F(OfflineCliTest, ImportFirstLineBadCsvHeaderDuplicatesAndADirectory) {
  // A bad first line: nothing to keep, and the message says so plainly.
  ProgramResult r = Run({"import", Path("db"), "-", "--format", "openmetrics"}, "up{job=\"a\"} 1\n# EOF\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(
      r.err,
      "overtone import: stdin: line 1: column 14: the sample has no timestamp (an import needs one on every "
      "sample)\n"
      "overtone import: stopped; nothing was imported. Fix the input and import it again, or use "
      "--skip-bad.\n");

  // A CSV header with a misnamed column is read as CSV, whose reader names
  // the header, rather than as a text line with a confusing column.
  r = Run({"import", Path("db"), "-"}, "metric,labels,time,value\nup,{},1700000000000,1\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err,
              HasSubstr("stdin: line 1: the first line must be the header metric,labels,ts,value; found "
                        "'metric,labels,time,value'"));

  // The same series and timestamp twice: the later value is kept.
  Ok({"import", Path("db"), "-", "--format", "prometheus"}, "up 1 1000\nup 2 2000\nup 3 1000\n");
  EXPECT_EQ(Sql(Path("db"), "SELECT ts, value FROM samples"), "1000|3.0\n2000|2.0\n");

  r = Run({"import", Path("db"), tmp_.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot read " + tmp_.path() + ": Is a directory"));

  // Nothing to import is no error.
  EXPECT_THAT(Ok({"import", Path("db"), "-"}, ""), HasSubstr("imported 0 samples of 0 series from stdin"));
  EXPECT_THAT(Ok({"import", Path("db"), "-"}, "metric,labels,ts,value\n"),
              HasSubstr("imported 0 samples of 0 series from stdin (csv, 1 lines)"));
}

// The first line of a usage error's message.
std::string FirstLine(const std::string& err) { return err.substr(0, err.find('\n')); }

TEST_F(OfflineCliTest, BadDurationsAndUnreachableUrlsNameTheirOption) {
  ProgramResult r = Run({"emulate", "--out", "-", "--interval", "0s"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "overtone emulate: --interval: duration must be positive\n"
            "Usage: overtone emulate [OPTIONS]\n"
            "Run 'overtone emulate --help' for the options.\n");
  r = Run({"emulate", "--out", "-", "--duration", "1x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(FirstLine(r.err),
            "overtone emulate: --duration: bad duration '1x': unit must be ms, s, m, h, d, w or y");
  r = Run({"emulate", "--out", "-", "--hosts", "some"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(FirstLine(r.err), "overtone emulate: --hosts: 'some' is not a valid number");
  r = Run({"import", Path("db"), "--from-remote-read", "http://127.0.0.1:1/api/v1/read", "--match", "up",
           "--start", "0", "--end", "1000", "--slice", "0s"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(FirstLine(r.err), "overtone import: --slice: duration must be positive");
  // Port 1 on loopback: nothing listens; retried, then a plain reason.
  r = Run(
      {"emulate", "--hosts", "1", "--duration", "1m", "--remote-write", "http://127.0.0.1:1/api/v1/write"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("remote write failed after 5 attempts: no answer from http://127.0.0.1:1: "
                               "cannot connect (refused, or no such host)"));
  r = Run({"emulate", "--duration", "1m", "--remote-write", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "overtone emulate: invalid argument: URL must start with http:// (nope)\n");
}

TEST_F(OfflineCliTest, ImportFromStdinCsvAndNoProgressBarWhenNotATerminal) {
  std::string err = Ok({"import", Path("db"), "-"},
                       "metric,labels,ts,value\n"
                       "temp,\"{\"\"room\"\":\"\"a\"\"}\",1700000000000,21.5\n"
                       "temp,\"{\"\"room\"\":\"\"a\"\"}\",1700000060000,stale\n");
  EXPECT_THAT(err, HasSubstr("imported 2 samples of 1 series from stdin (csv, 3 lines)"));
  EXPECT_THAT(err, Not(HasSubstr("\r")));
  EXPECT_THAT(err, Not(HasSubstr("\033")));
  EXPECT_EQ(Sql(Path("db"), "SELECT ts, value_text(raw) FROM samples"),
            "1700000000000|21.5\n1700000060000|stale\n");
}

TEST_F(OfflineCliTest, ExportTimeRangeAndFormats) {
  Ok({"import", Path("db"), "-", "--format", "prometheus"},
     "m 1 1714521600000\nm 2 1714521660000\nm 3 1714521720000\n");
  ProgramResult r = Run({"export", Path("db"), "--match", "m", "--start", "2024-05-01T00:01:00Z", "--end",
                         "1714521720000", "--format", "csv"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "metric,labels,ts,value\nm,\"{}\",1714521660000,2\nm,\"{}\",1714521720000,3\n");
  r = Run({"export", Path("db"), "--match", "m", "--end", "1714521600"});
  EXPECT_EQ(r.out, "m 1 1714521600\n# EOF\n");
  r = Run({"export", Path("db"), "--match", "m", "--start", "1714521700000ms", "--format", "prometheus"});
  EXPECT_EQ(r.out, "m 3 1714521720000\n");
}

TEST_F(OfflineCliTest, UsageErrorsExitWithTwoOtherErrorsWithOne) {
  EXPECT_EQ(Run({"emulate", "--hosts", "1"}).exit_code, 2);  // no destination
  EXPECT_EQ(Run({"emulate", "--out", "-", "--interval", "15"}).exit_code, 2);
  EXPECT_EQ(Run({"emulate", "--out", "-", "--format", "xml"}).exit_code, 2);
  EXPECT_EQ(Run({"emulate", "--out", "-", "--db", Path("x")}).exit_code, 2);
  EXPECT_EQ(Run({"import", Path("db")}).exit_code, 2);
  EXPECT_EQ(Run({"import", Path("db"), "f", "--format", "xml"}).exit_code, 2);
  EXPECT_EQ(Run({"import", Path("db"), "--from-remote-read", "http://127.0.0.1:1/api/v1/read"}).exit_code, 2);
  EXPECT_EQ(Run({"export", Path("db")}).exit_code, 2);  // no --match
  EXPECT_EQ(Run({"export", Path("db"), "--match", "up{"}).exit_code, 2);
  EXPECT_EQ(Run({"export", Path("db"), "--match", "up", "--start", "soon"}).exit_code, 2);
  ProgramResult r = Run({"export", Path("no_such_db"), "--match", "up"});
  EXPECT_EQ(r.exit_code, 1);
  r = Run({"import", Path("db"), Path("no_such_file")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot open"));
  EXPECT_THAT(Run({"emulate", "--help"}).out, HasSubstr("--remote-write"));
  EXPECT_THAT(Run({"--help"}).out, HasSubstr("overtone emulate"));
}

}  // namespace
}  // namespace overtone::testing
