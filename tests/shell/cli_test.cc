// Drives the real `overtone` binary (OVERTONE_BIN) in a fresh database
// directory per test: SQL arguments, SQL and dot-commands on stdin, user
// tables next to overtone's, and the errors a user can make.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "overtone/database.h"
#include "tests/support/overtone_binary.h"

namespace overtone::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class ShellCliTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(tmp_.path().empty()); }

  // overtone DBDIR ARGS..., with `input` on stdin.
  ProgramResult Overtone(std::vector<std::string> args, std::string_view input = "") {
    args.insert(args.begin(), db());
    return RunOvertone(std::move(args), input);
  }
  // Like Overtone() but asserts success and returns stdout.
  std::string Ok(std::vector<std::string> args, std::string_view input = "") {
    ProgramResult r = Overtone(std::move(args), input);
    EXPECT_EQ(r.exit_code, 0) << "stderr: " << r.err;
    EXPECT_EQ(r.err, "");
    return r.out;
  }
  std::string db() const { return tmp_.Sub("db"); }

  TempDir tmp_;
};

TEST_F(ShellCliTest, InsertedSampleReadsBackInANewProcess) {
  Ok({"INSERT INTO samples(metric, labels, ts, value) VALUES ('up', '{\"job\":\"a\"}', 1000, 1)"});
  EXPECT_EQ(Ok({"SELECT metric, labels, ts, value FROM samples"}), "up|{\"job\":\"a\"}|1000|1.0\n");
  EXPECT_EQ(Ok({"SELECT metric, labels FROM series"}), "up|{\"job\":\"a\"}\n");
}

TEST_F(ShellCliTest, PlotDrawsSqlRowsAndPromqlSeries) {
  Ok({"INSERT INTO samples(metric, labels, ts, value) VALUES ('up', '{\"job\":\"a\"}', 1700000000000, 1), "
      "('up', '{\"job\":\"a\"}', 1700000060000, 3), ('up', '{\"job\":\"b\"}', 1700000060000, 2)"});
  // Long rows: one line per job, named by the text column; quotes in the SQL are the SQL's.
  std::string out =
      Ok({".plot SELECT ts, json_extract(labels, '$.job') AS job, value FROM samples WHERE metric = 'up'"});
  EXPECT_THAT(out, HasSubstr("\u28ff a  \u28ff b\n"));
  EXPECT_THAT(out, HasSubstr("22:13"));  // 2023-11-14T22:13:20Z, the first sample, on the time axis
  out = Ok({".plot promql 'sum by (job) (up)' 2m 2023-11-14T22:14:20Z"});
  EXPECT_THAT(out, HasSubstr("\u28ff {job=\"a\"}  \u28ff {job=\"b\"}\n"));
  ProgramResult r = Overtone({".plot SELECT 1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("a plot needs two columns"));
  r = Overtone({".plot"});
  EXPECT_THAT(r.err, HasSubstr("usage: .plot SQL | .plot promql EXPR"));
  r = Overtone({".plot promql 'sum(' 1h"});
  EXPECT_EQ(r.exit_code, 1);
}

TEST_F(ShellCliTest, SeveralStatementsInOneArgumentAndNoFinalSemicolon) {
  EXPECT_EQ(Ok({"SELECT 1; SELECT 'two', 2.5;\nSELECT NULL, 3"}), "1\ntwo|2.5\n|3\n");
  EXPECT_EQ(Ok({"SELECT 1", "SELECT 2"}), "1\n2\n");
}

TEST_F(ShellCliTest, StdinScriptWithDotCommands) {
  std::string out = Ok({},
                       "CREATE TABLE t(a, b);\n"
                       "INSERT INTO t VALUES (1, 'x,y'), (2, NULL);\n"
                       ".mode csv\n"
                       ".headers on\n"
                       "SELECT a, b\n"
                       "  FROM t ORDER BY a;\n");
  EXPECT_EQ(out, "a,b\n1,\"x,y\"\n2,\n");
}

TEST_F(ShellCliTest, ModeOptionAndJson) {
  Ok({"INSERT INTO samples(metric, labels, ts, value) VALUES"
      " ('m', '{}', 1, 0.1), ('m', '{}', 2, '+Inf'), ('m', '{}', 3, 'NaN')"});
  EXPECT_EQ(Ok({"--mode", "json", "SELECT ts, value FROM samples ORDER BY ts"}),
            "[{\"ts\":1,\"value\":0.1},\n"
            "{\"ts\":2,\"value\":\"+Inf\"},\n"
            "{\"ts\":3,\"value\":null}]\n");
  EXPECT_EQ(Ok({".mode box", "SELECT ts, value FROM samples WHERE ts = 2"}),
            "┌────┬───────┐\n"
            "│ ts │ value │\n"
            "├────┼───────┤\n"
            "│  2 │   Inf │\n"
            "└────┴───────┘\n");
}

TEST_F(ShellCliTest, UserTablesPersistAndJoinWithSamples) {
  Ok({"CREATE TABLE hosts(name TEXT PRIMARY KEY, owner TEXT);"
      "INSERT INTO hosts VALUES ('h1', 'alice'), ('h2', 'bob');"
      "INSERT INTO samples(metric, labels, ts, value) VALUES"
      " ('up', '{\"instance\":\"h1\"}', 1000, 1),"
      " ('up', '{\"instance\":\"h2\"}', 1000, 0),"
      " ('up', '{\"instance\":\"h2\"}', 2000, 1)"});
  EXPECT_EQ(Ok({"SELECT name, owner FROM hosts ORDER BY name"}), "h1|alice\nh2|bob\n");
  EXPECT_EQ(Ok({"SELECT h.owner, count(*), sum(s.value) FROM samples s"
                " JOIN hosts h ON h.name = json_extract(s.labels, '$.instance')"
                " WHERE s.metric = 'up' GROUP BY h.owner ORDER BY h.owner"}),
            "alice|1|1.0\nbob|2|1.0\n");
}

TEST_F(ShellCliTest, SqlErrorExitsNonZeroWithMessage) {
  EXPECT_EQ(Overtone({"SELECT * FROM no_such_table"}),
            (ProgramResult{.exit_code = 1, .out = "", .err = "Error: no such table: no_such_table\n"}));
}

TEST_F(ShellCliTest, SyntaxErrorPointsAtTheSpot) {
  EXPECT_EQ(Overtone({"SELECT 1;\nSELEC 2"}), (ProgramResult{.exit_code = 1,
                                                             .out = "1\n",
                                                             .err = "Error: near \"SELEC\": syntax error\n"
                                                                    "  SELEC 2\n"
                                                                    "  ^--- error here\n"}));
}

TEST_F(ShellCliTest, ScriptStopsAtFirstErrorUnlessBailIsOff) {
  EXPECT_EQ(Overtone({}, "SELECT 1;\n\nSELECT nope;\nSELECT 2;\n"),
            (ProgramResult{.exit_code = 1,
                           .out = "1\n",
                           .err = "Error: near line 3: no such column: nope\n"
                                  "  SELECT nope;\n"
                                  "         ^--- error here\n"}));

  ProgramResult r = Overtone({}, ".bail off\nSELECT nope;\nSELECT 2;\n");
  EXPECT_EQ(r.exit_code, 1);  // an error happened, even if the script went on
  EXPECT_EQ(r.out, "2\n");
  EXPECT_THAT(r.err, HasSubstr("no such column: nope"));
}

TEST_F(ShellCliTest, ReadRunsAFile) {
  std::string script = tmp_.Sub("script.sql");
  ASSERT_TRUE(WriteFile(script,
                        "-- a comment line before a dot-command\n"
                        ".headers on\n"
                        "CREATE TABLE t(x);\n"
                        "INSERT INTO t VALUES (42);\n"
                        "SELECT x FROM t;\n"));
  EXPECT_EQ(Ok({".read " + script, "SELECT x + 1 FROM t"}), "x\n42\nx + 1\n43\n");
}

TEST_F(ShellCliTest, ErrorInsideReadNamesFileAndLine) {
  std::string script = tmp_.Sub("bad.sql");
  ASSERT_TRUE(WriteFile(script, "SELECT 1;\nSELECT * FROM missing;\nSELECT 3;\n"));
  ProgramResult r = Overtone({}, ".read " + script + "\nSELECT 4;\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "1\n");
  EXPECT_EQ(r.err, "Error: near line 2 of " + script + ": no such table: missing\n");
}

TEST_F(ShellCliTest, ReadOfMissingFileFails) {
  ProgramResult r = Overtone({".read " + tmp_.Sub("nope.sql")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith("Error: cannot open '" + tmp_.Sub("nope.sql") + "'"));
  EXPECT_THAT(r.err, HasSubstr("No such file"));
}

TEST_F(ShellCliTest, UnknownDotCommandFails) {
  ProgramResult r = Overtone({}, ".frobnicate\nSELECT 1;\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("unknown command '.frobnicate'"));
  r = Overtone({".mode nonsense"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("unknown mode 'nonsense'"));
}

TEST_F(ShellCliTest, TablesListsVirtualAndUserTables) {
  Ok({"CREATE TABLE hosts(x); CREATE VIEW v AS SELECT 1"});
  std::string out = Ok({".tables"});
  for (const char* name : {"series", "samples", "hosts", "v"}) {
    EXPECT_THAT(out, HasSubstr(name));
  }
  EXPECT_THAT(out, Not(HasSubstr("json_each")));
  EXPECT_EQ(Ok({".tables h%"}), "hosts\n");
  EXPECT_EQ(Ok({".tables sam%"}), "samples\n");
  // Temporary objects by the name a query uses.
  EXPECT_EQ(Ok({"CREATE TEMP VIEW tv AS SELECT 1", ".tables tv"}), "tv\n");
}

TEST_F(ShellCliTest, SchemaDescribesVirtualTables) {
  Ok({"CREATE TABLE hosts(name TEXT)"});
  std::string out = Ok({".schema samples"});
  EXPECT_THAT(out, HasSubstr("CREATE TABLE samples(\n"));
  for (const char* column : {"  series_id", "  metric", "  labels", "  ts", "  value"}) {
    EXPECT_THAT(out, HasSubstr(column));
  }
  EXPECT_THAT(out, Not(HasSubstr("hosts")));
  EXPECT_EQ(Ok({".schema hosts"}), "CREATE TABLE hosts(name TEXT);\n");
}

TEST_F(ShellCliTest, SettingsCommands) {
  EXPECT_EQ(Ok({".nullvalue NULL", "SELECT NULL, 1"}), "NULL|1\n");
  EXPECT_EQ(Ok({".mode tabs", ".headers on", "SELECT 1 AS a, 'b' AS b"}), "a\tb\n1\tb\n");
  EXPECT_EQ(Ok({".mode line", "SELECT 1 AS a, 22 AS bbb"}), "  a = 1\nbbb = 22\n");
  EXPECT_EQ(Ok({".print hello 'big world'"}), "hello big world\n");
  std::string out = Ok({".timer on", "SELECT 5"});
  EXPECT_THAT(out, StartsWith("5\nRun Time: real "));
  EXPECT_THAT(out, HasSubstr(" user "));
}

TEST_F(ShellCliTest, OutputRedirectsToAFile) {
  std::string file = tmp_.Sub("out.txt");
  EXPECT_EQ(Ok({".output " + file, "SELECT 'to file'", ".output stdout", "SELECT 'back'"}), "back\n");
  EXPECT_EQ(ReadFile(file), "to file\n");
}

TEST_F(ShellCliTest, ExitAndQuit) {
  ProgramResult r = Overtone({}, "SELECT 1;\n.exit 3\nSELECT 2;\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "1\n");
  r = Overtone({}, ".quit\nSELECT 2;\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

TEST_F(ShellCliTest, VersionHelpAndReservedSubcommands) {
  ProgramResult r = RunOvertone({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, StartsWith("overtone "));
  r = RunOvertone({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("DBDIR [SQL...]"));
  EXPECT_THAT(r.out, HasSubstr("overtone serve"));
  for (const char* sub : {"serve", "import", "export", "emulate", "promql", "compact", "check"}) {
    EXPECT_THAT(r.out, HasSubstr(std::string("  overtone ") + sub + " ")) << sub;
  }
  // (Running the subcommands is their own tests' business: `serve` would
  // not return.) A directory named like one is still a database as a path.
  r = RunOvertone({tmp_.Sub("serve"), "SELECT 'opened'"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "opened\n");
  r = RunOvertone({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("Usage"));
}

TEST_F(ShellCliTest, CompactSealsAndCheckVerifies) {
  std::string db = tmp_.Sub("compact_db");
  ProgramResult r =
      RunOvertone({db,
                   "WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 999) "
                   "INSERT INTO samples(metric, labels, ts, value) "
                   "SELECT 'cpu', '{\"host\":\"a\"}', n * 15000, n % 7 FROM i"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunOvertone({"compact", db, "--before", "21600000"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("sealed 1000 samples of 1 series into 1 segments"));
  r = RunOvertone({db, "SELECT count(*), sum(samples) FROM segments; SELECT count(*) FROM samples"});
  EXPECT_EQ(r.out, "1|1000\n1000\n");
  r = RunOvertone({"check", db});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok: 1 series, 2 postings, 1 segments (1000 samples), 0 raw samples"));
  r = RunOvertone({"check", tmp_.Sub("missing")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
  r = RunOvertone({"compact"});
  EXPECT_EQ(r.exit_code, 2);
  r = RunOvertone({"compact", db, "--before", "soon"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, StartsWith("overtone compact: --before: 'soon' is not milliseconds since the epoch\n"));
  r = RunOvertone({"compact", db, "--frob"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "overtone compact: unknown option '--frob'\n"
            "Usage: overtone compact [OPTIONS] DBDIR\n"
            "Run 'overtone compact --help' for the options.\n");
  // Options may come before DBDIR too.
  r = RunOvertone({"compact", "--before", "1", db});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("sealed 0 samples"));
}

// Every subcommand answers --help on stdout and a bad option with a usage
// error in the same words.
TEST_F(ShellCliTest, EverySubcommandHasHelpAndRejectsABadOption) {
  const std::pair<const char*, const char*> usages[] = {
      {"", "Usage: overtone [OPTIONS] DBDIR [SQL...]"},
      {"serve", "Usage: overtone serve [OPTIONS] DBDIR"},
      {"import", "Usage: overtone import [OPTIONS] DBDIR [FILE]"},
      {"export", "Usage: overtone export [OPTIONS] DBDIR"},
      {"emulate", "Usage: overtone emulate [OPTIONS]"},
      {"promql", "Usage: overtone promql [OPTIONS] DBDIR EXPR"},
      {"compact", "Usage: overtone compact [OPTIONS] DBDIR"},
      {"check", "Usage: overtone check [OPTIONS] DBDIR"},
  };
  for (const auto& [sub, usage] : usages) {
    std::vector<std::string> args;
    if (*sub) args.push_back(sub);
    std::string program = *sub ? std::string("overtone ") + sub : "overtone";
    args.push_back("--help");
    ProgramResult r = RunOvertone(args);
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_EQ(r.err, "") << sub;
    EXPECT_THAT(r.out, HasSubstr(std::string("\n") + usage + "\n")) << sub;
    EXPECT_THAT(r.out, HasSubstr("  -h,--help ")) << sub;

    args.back() = "--bogus=1";
    EXPECT_EQ(RunOvertone(args), (ProgramResult{.exit_code = 2,
                                                .out = "",
                                                .err = program + ": unknown option '--bogus=1'\n" + usage +
                                                       "\nRun '" + program + " --help' for the options.\n"}))
        << sub;
  }
  EXPECT_FALSE(std::filesystem::exists("--bogus=1"));
}

TEST_F(ShellCliTest, RegularFileAsDbDirIsAClearError) {
  std::string file = tmp_.Sub("a_file");
  ASSERT_TRUE(WriteFile(file, "not a database"));
  ProgramResult r = RunOvertone({file, "SELECT 1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("is not a directory"));
}

TEST_F(ShellCliTest, UnknownOptionIsAUsageError) {
  EXPECT_EQ(RunOvertone({"--frob", db()}),
            (ProgramResult{.exit_code = 2,
                           .out = "",
                           .err = "overtone: unknown option '--frob'\n"
                                  "Usage: overtone [OPTIONS] DBDIR [SQL...]\n"
                                  "Run 'overtone --help' for the options.\n"}));
  ProgramResult r = Overtone({"--mode", "nope", "SELECT 1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err,
              StartsWith("overtone: --mode: 'nope' is not list, tabs, csv, line, json, table or box\n"));
  // After --, what looks like an option is SQL (here a comment).
  EXPECT_EQ(Ok({"--", "--frob", "SELECT 1"}), "1\n");
  EXPECT_FALSE(std::filesystem::exists("--frob"));
}

TEST_F(ShellCliTest, HeadersOptionsLastOneWins) {
  EXPECT_EQ(Ok({"--no-headers", "--headers", "SELECT 1 AS a"}), "a\n1\n");
  EXPECT_EQ(Ok({"--headers", "--no-headers", "--mode", "box", "SELECT 1 AS a"}),
            "┌───┐\n"
            "│ 1 │\n"
            "└───┘\n");
}

// A misspelt subcommand would have created a database directory of that
// name (in the working directory); it is a usage error that names the
// subcommand.
TEST_F(ShellCliTest, MisspeltSubcommandCreatesNothing) {
  for (const auto& [typo, meant] : {std::pair{"serv", "serve"}, std::pair{"improt", "import"},
                                    std::pair{"promq", "promql"}, std::pair{"chek", "check"}}) {
    ASSERT_FALSE(std::filesystem::exists(typo)) << typo;
    ProgramResult r = RunOvertone({typo, db()});
    EXPECT_EQ(r.exit_code, 2) << typo;
    EXPECT_EQ(r.err, std::string("overtone: unknown subcommand '") + typo + "'; did you mean '" + meant +
                         "'? (to create a database directory of that name, say ./" + typo + ")\n");
    EXPECT_FALSE(std::filesystem::exists(typo)) << typo;
  }
}

// Another process holds the database: the SQL shell reads it beside the
// writer (as a secondary), and whatever writes says who holds it and changes
// nothing; whatever only reads goes on.
TEST_F(ShellCliTest, DatabaseLockedByAnotherProcess) {
  ASSERT_EQ(Overtone({"INSERT INTO samples(metric, ts, value) VALUES ('up', 1000, 1)"}).exit_code, 0);
  Options options;
  options.compaction_interval_ms = 0;
  options.writer_note = "the test's writer";
  auto held = Database::Open(options, db());
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  const std::string busy = "the database is open in another process";
  EXPECT_EQ(Ok({"SELECT count(*) FROM samples"}), "1\n");
  ASSERT_TRUE((*held)->Append({{"__name__", "down"}}, 2000, 2).ok());
  EXPECT_EQ(Ok({"SELECT metric, ts FROM samples ORDER BY ts"}), "up|1000\ndown|2000\n");
  ProgramResult r = Overtone({"INSERT INTO samples(metric, ts, value) VALUES ('up', 3000, 3)"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("is open for writing by the test's writer (pid " + std::to_string(getpid()) +
                               "): this process only reads it"));
  std::string file = tmp_.Sub("up.prom");
  ASSERT_TRUE(WriteFile(file, "up 2 2000\n"));
  for (std::vector<std::string> args :
       {std::vector<std::string>{"import", db(), file, "--format", "prometheus"},
        std::vector<std::string>{"compact", db()},
        std::vector<std::string>{"serve", db(), "--listen", "127.0.0.1:0"}}) {
    r = RunOvertone(args);
    EXPECT_EQ(r.exit_code, 1) << args[1];
    EXPECT_THAT(r.err, HasSubstr(busy)) << args[1];
  }
  r = RunOvertone({"--readonly", db(), "SELECT ts, value FROM samples"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1000|1.0\n2000|2.0\n");
  r = RunOvertone({"check", db()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  held->reset();
  EXPECT_EQ(Ok({"SELECT count(*) FROM samples"}), "2\n");
}

// Paths that are not a database directory, for each command that opens one.
TEST_F(ShellCliTest, MissingDirectoryOrAFileForDbDir) {
  std::string file = tmp_.Sub("a_file"), missing = tmp_.Sub("missing");
  ASSERT_TRUE(WriteFile(file, "not a database"));
  for (const char* sub : {"import", "compact", "check", "export", "serve"}) {
    std::vector<std::string> args = {sub, file};
    if (std::string(sub) == "import") args.push_back(file);
    if (std::string(sub) == "export") args.insert(args.end(), {"--match", "up"});
    ProgramResult r = RunOvertone(args);
    EXPECT_EQ(r.exit_code, 1) << sub;
    EXPECT_THAT(r.err, HasSubstr(file + " exists and is not a directory")) << sub;
  }
  for (const char* sub : {"compact", "check", "export"}) {
    std::vector<std::string> args = {sub, missing};
    if (std::string(sub) == "export") args.insert(args.end(), {"--match", "up"});
    ProgramResult r = RunOvertone(args);
    EXPECT_EQ(r.exit_code, 1) << sub;
    EXPECT_THAT(r.err, HasSubstr("database directory " + missing + " does not exist")) << sub;
  }
  ProgramResult r = RunOvertone({"--readonly", missing, "SELECT 1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error: cannot open database '" + missing + "': not found: database directory " + missing +
                       " does not exist\n");
  EXPECT_FALSE(std::filesystem::exists(missing));
  // Not read-only, a missing DBDIR is created, with its parents.
  r = RunOvertone({missing + "/a/b", "SELECT count(*) FROM samples"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::is_directory(missing + "/a/b"));
}

// `serve` refuses bad arguments before it opens anything.
TEST_F(ShellCliTest, ServeArgumentErrorsNameTheOption) {
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{}, "DBDIR is required"},
      {{db(), "--listen", "nope"}, "--listen: 'nope' is not HOST:PORT"},
      {{db(), "--listen", "127.0.0.1:99999"}, "--listen: '127.0.0.1:99999' is not HOST:PORT"},
      {{db(), "--threads", "0"}, "--threads: '0' is not a whole number from 1 to 1024"},
      {{db(), "--threads", "many"}, "--threads: 'many' is not a whole number from 1 to 1024"},
      {{db(), "--overload-status", "500"}, "--overload-status: '500' is not 429 or 503"},
      {{db(), "--memory-limit", "12XB"},
       "--memory-limit: '12XB' is not a SIZE such as 512MiB, 1G, 64k or 1000"},
      {{db(), "--max-request-bytes"}, "--max-request-bytes needs a value"},
      {{db(), "--bogus"}, "unknown option '--bogus'"},
      {{db(), db()}, "unexpected argument '" + db() + "'"},
  };
  for (const auto& [args, message] : cases) {
    std::vector<std::string> argv = {"serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    ProgramResult r = RunOvertone(argv);
    EXPECT_EQ(r.exit_code, 2) << message;
    EXPECT_EQ(r.err,
              "overtone serve: " + message +
                  "\nUsage: overtone serve [OPTIONS] DBDIR\nRun 'overtone serve --help' for the options.\n");
  }
  EXPECT_FALSE(std::filesystem::exists(db()));
  // An address of no interface here (TEST-NET-3): refused at once.
  ProgramResult r = RunOvertone({"serve", db(), "--listen", "203.0.113.5:9999"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "overtone serve: I/O error: cannot listen on 203.0.113.5:9999 (in use, or a bad address?)\n");
}

TEST_F(ShellCliTest, InterruptedStatementsDoNotLeaveHalfAResult) {
  // A statement that fails midway prints what it had before the error, and
  // a JSON array stays well-formed.
  ProgramResult r = Overtone({".mode json", "SELECT 1 AS x UNION ALL SELECT abs(-9223372036854775807 - 1)"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "[{\"x\":1}]\n");
  EXPECT_EQ(r.err, "Error: integer overflow\n");
}

}  // namespace
}  // namespace overtone::testing
