// TAB completion candidates (shell/completion.h) on a plain SQLite
// connection with a user table.

#include "shell/completion.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

namespace overtone::shell {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

class ShellCompletionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &conn_), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(conn_, "CREATE TABLE hosts(hostname TEXT, owner TEXT)", nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  void TearDown() override { sqlite3_close(conn_); }

  std::vector<std::string> Complete(std::string_view before, std::string_view word,
                                    bool* want_files = nullptr) {
    bool files = false;
    auto out = CompletionCandidates(conn_, {".headers", ".help", ".read", ".schema"},
                                    CompletionRequest{before, word}, &files);
    if (want_files) *want_files = files;
    return out;
  }

  sqlite3* conn_ = nullptr;
};

TEST_F(ShellCompletionTest, DotCommandsAtLineStart) {
  EXPECT_THAT(Complete("", ".he"), ElementsAre(".headers", ".help"));
  EXPECT_THAT(Complete("  ", ".s"), ElementsAre(".schema"));
  // Not in the middle of SQL.
  EXPECT_THAT(Complete("SELECT ", ".he"), IsEmpty());
}

TEST_F(ShellCompletionTest, FileNamesAfterRead) {
  bool want_files = false;
  EXPECT_THAT(Complete(".read ", "scr", &want_files), IsEmpty());
  EXPECT_TRUE(want_files);
  EXPECT_THAT(Complete(".schema ", "ho", &want_files), ElementsAre("hosts"));
  EXPECT_FALSE(want_files);
}

TEST_F(ShellCompletionTest, DotCommandArguments) {
  EXPECT_THAT(Complete(".mode ", "t"), ElementsAre("table", "tabs"));
  EXPECT_THAT(Complete(".headers ", "o"), ElementsAre("off", "on"));
  EXPECT_THAT(Complete(".tables ", ""), ElementsAre("hosts"));
}

TEST_F(ShellCompletionTest, KeywordsKeepTheTypedCase) {
  EXPECT_THAT(Complete("", "SEL"), Contains("SELECT"));
  EXPECT_THAT(Complete("", "sel"), Contains("select"));
  EXPECT_THAT(Complete("", "sel"), Not(Contains("SELECT")));
}

TEST_F(ShellCompletionTest, TablesColumnsAndFunctions) {
  EXPECT_THAT(Complete("SELECT * FROM ", "ho"), ElementsAre("hostname", "hosts"));
  EXPECT_THAT(Complete("SELECT ", "ow"), ElementsAre("owner"));
  EXPECT_THAT(Complete("SELECT h.hostname, ", "h.o"), ElementsAre("h.owner"));
  EXPECT_THAT(Complete("SELECT ", "json_ex"), Contains("json_extract"));
}

}  // namespace
}  // namespace overtone::shell
