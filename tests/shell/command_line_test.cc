// CommandLine (shell/command_line.h) on its own: what Parse() returns and
// prints for --help, usage errors and good arguments, and the validators.

#include "shell/command_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace overtone::shell {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Parse() of `cl` on "demo ARGS..."; returns the exit status it gave (-1:
// go on) and sets *out and *err to what it printed.
int ParseArgs(CommandLine& cl, std::vector<std::string> args, std::string* out, std::string* err) {
  args.insert(args.begin(), "demo");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  std::optional<int> exit = cl.Parse(static_cast<int>(argv.size()), argv.data());
  *out = ::testing::internal::GetCapturedStdout();
  *err = ::testing::internal::GetCapturedStderr();
  return exit.value_or(-1);
}

class CommandLineTest : public ::testing::Test {
 protected:
  CommandLineTest() : cl_("overtone demo", "Does a demonstration.", "Exit status 0.") {
    cl_.app().add_option("DBDIR", dir_, "database directory")->required();
    cl_.app().add_option("--threads", threads_, "threads")->check(WholeNumber(1, 8));
    cl_.app().add_option("--count", count_, "a count");
    cl_.app().add_flag("--sync", sync_, "sync");
  }
  int Parse(std::vector<std::string> args) { return ParseArgs(cl_, std::move(args), &out_, &err_); }
  std::string Usage(const std::string& message) const {
    return "overtone demo: " + message +
           "\nUsage: overtone demo [OPTIONS] DBDIR\nRun 'overtone demo --help' for the options.\n";
  }

  CommandLine cl_;
  std::string dir_;
  int threads_ = 0;
  int count_ = 0;
  bool sync_ = false;
  std::string out_, err_;
};

TEST_F(CommandLineTest, GoodArgumentsInAnyOrder) {
  EXPECT_EQ(Parse({"--sync", "db", "--threads", "4"}), -1);
  EXPECT_EQ(dir_, "db");
  EXPECT_EQ(threads_, 4);
  EXPECT_TRUE(sync_);
  EXPECT_EQ(out_ + err_, "");
}

TEST_F(CommandLineTest, HelpGoesToStdoutWithExitZero) {
  EXPECT_EQ(Parse({"--help"}), kExitOk);
  EXPECT_THAT(out_, StartsWith("Does a demonstration.\n\nUsage: overtone demo [OPTIONS] DBDIR\n"));
  EXPECT_THAT(out_, HasSubstr("--threads"));
  EXPECT_THAT(out_, HasSubstr("Exit status 0.\n"));
  EXPECT_EQ(err_, "");
  EXPECT_EQ(Parse({"db", "-h"}), kExitOk);
}

TEST_F(CommandLineTest, UsageErrorsNameTheOptionAndTheValue) {
  EXPECT_EQ(Parse({}), kExitUsage);
  EXPECT_EQ(err_, Usage("DBDIR is required"));
  EXPECT_EQ(Parse({"db", "--bogus"}), kExitUsage);
  EXPECT_EQ(err_, Usage("unknown option '--bogus'"));
  EXPECT_EQ(Parse({"--bogus"}), kExitUsage);  // named before what is missing
  EXPECT_EQ(err_, Usage("unknown option '--bogus'"));
  EXPECT_EQ(Parse({"db", "more"}), kExitUsage);
  EXPECT_EQ(err_, Usage("unexpected argument 'more'"));
  EXPECT_EQ(Parse({"db", "--threads"}), kExitUsage);
  EXPECT_EQ(err_, Usage("--threads needs a value"));
  EXPECT_EQ(Parse({"db", "--threads", "9"}), kExitUsage);
  EXPECT_EQ(err_, Usage("--threads: '9' is not a whole number from 1 to 8"));
  EXPECT_EQ(Parse({"db", "--count", "lots"}), kExitUsage);
  EXPECT_EQ(err_, Usage("--count: 'lots' is not a valid number"));
  EXPECT_EQ(out_, "");
  EXPECT_EQ(cl_.UsageError("--a excludes --b"), kExitUsage);
}

TEST_F(CommandLineTest, AfterTheSeparatorADashIsAPositional) {
  EXPECT_EQ(Parse({"--", "-db"}), -1);
  EXPECT_EQ(dir_, "-db");
}

TEST(CommandLineValidatorTest, Size) {
  EXPECT_EQ(ParseSize("1000"), 1000u);
  EXPECT_EQ(ParseSize("64k"), 64u << 10);
  EXPECT_EQ(ParseSize("512MiB"), 512u << 20);
  EXPECT_EQ(ParseSize("1G"), size_t{1} << 30);
  EXPECT_EQ(ParseSize("2gb"), size_t{2} << 30);
  EXPECT_EQ(ParseSize(""), std::nullopt);
  EXPECT_EQ(ParseSize("MiB"), std::nullopt);
  EXPECT_EQ(ParseSize("12XB"), std::nullopt);
  EXPECT_EQ(ParseSize("99999999999999999999"), std::nullopt);

  std::string value = "1k";
  EXPECT_EQ(Size()(value), "");
  EXPECT_EQ(value, "1024");  // the option gets the byte count
  value = "lots";
  EXPECT_EQ(Size()(value), "'lots' is not a SIZE such as 512MiB, 1G, 64k or 1000");
}

TEST(CommandLineValidatorTest, WholeNumberOneOfDuration) {
  std::string v = "-3";
  EXPECT_EQ(WholeNumber(-5, 5)(v), "");
  v = "6";
  EXPECT_EQ(WholeNumber(-5, 5)(v), "'6' is not a whole number from -5 to 5");
  v = "1.5";
  EXPECT_EQ(WholeNumber(0, 9, "a digit")(v), "'1.5' is not a digit");
  v = "csv";
  EXPECT_EQ(OneOf({"csv", "json"})(v), "");
  v = "xml";
  EXPECT_EQ(OneOf({"csv", "json", "text"})(v), "'xml' is not csv, json or text");
  v = "1h30m";
  EXPECT_EQ(Duration()(v), "");
  v = "0s";
  EXPECT_EQ(Duration()(v), "duration must be positive");
  EXPECT_EQ(Duration(/*allow_zero=*/true)(v), "");
  v = "1x";
  EXPECT_EQ(Duration()(v), "bad duration '1x': unit must be ms, s, m, h, d, w or y");
}

}  // namespace
}  // namespace overtone::shell
