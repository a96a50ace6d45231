#include "base/csv.h"

#include <gtest/gtest.h>

namespace overtone {
namespace {

TEST(CsvFieldTest, WhenNeededQuotesOnlySpecialCharacters) {
  EXPECT_EQ(CsvField("plain", CsvQuoting::kWhenNeeded), "plain");
  EXPECT_EQ(CsvField("", CsvQuoting::kWhenNeeded), "");
  EXPECT_EQ(CsvField("a,b", CsvQuoting::kWhenNeeded), "\"a,b\"");
  EXPECT_EQ(CsvField("a\"b", CsvQuoting::kWhenNeeded), "\"a\"\"b\"");
  EXPECT_EQ(CsvField("a\rb", CsvQuoting::kWhenNeeded), "\"a\rb\"");
  EXPECT_EQ(CsvField("a\nb", CsvQuoting::kWhenNeeded), "\"a\nb\"");
  EXPECT_EQ(CsvField(" a\tb ", CsvQuoting::kWhenNeeded), " a\tb ");  // blanks are data
}

TEST(CsvFieldTest, WhenNeededOrEmptyKeepsTheEmptyStringApartFromNull) {
  EXPECT_EQ(CsvField("plain", CsvQuoting::kWhenNeededOrEmpty), "plain");
  EXPECT_EQ(CsvField("", CsvQuoting::kWhenNeededOrEmpty), "\"\"");
  EXPECT_EQ(CsvField("a\"b", CsvQuoting::kWhenNeededOrEmpty), "\"a\"\"b\"");
}

TEST(CsvFieldTest, AlwaysQuotes) {
  EXPECT_EQ(CsvField("plain", CsvQuoting::kAlways), "\"plain\"");
  EXPECT_EQ(CsvField("", CsvQuoting::kAlways), "\"\"");
  EXPECT_EQ(CsvField("{\"job\":\"a\"}", CsvQuoting::kAlways), "\"{\"\"job\"\":\"\"a\"\"}\"");
}

TEST(CsvFieldTest, AppendKeepsWhatIsThere) {
  std::string out = "m,";
  AppendCsvField("x,y", CsvQuoting::kWhenNeeded, &out);
  out += ',';
  AppendCsvField("", CsvQuoting::kWhenNeeded, &out);
  EXPECT_EQ(out, "m,\"x,y\",");
}

}  // namespace
}  // namespace overtone
