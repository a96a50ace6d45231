#include <gtest/gtest.h>

#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone {
namespace {

TEST(LabelsTest, NormalizeSortsAndDropsEmptyValues) {
  Labels l = {{"z", "1"}, {"__name__", "up"}, {"empty", ""}, {"a", "2"}};
  NormalizeLabels(&l);
  EXPECT_EQ(l, (Labels{{"__name__", "up"}, {"a", "2"}, {"z", "1"}}));
}

TEST(LabelsTest, ValidateAcceptsPrometheusNames) {
  EXPECT_TRUE(ValidateLabels({{"__name__", "http:requests_total"}, {"_x9", "ü"}}).ok());
}

TEST(LabelsTest, ValidateRejectsBadInput) {
  EXPECT_TRUE(ValidateLabels({{"job", "a"}}).IsInvalidArgument());  // no metric name
  EXPECT_TRUE(ValidateLabels({{"__name__", "9up"}}).IsInvalidArgument());
  EXPECT_TRUE(ValidateLabels({{"__name__", "up"}, {"a-b", "x"}}).IsInvalidArgument());
  EXPECT_TRUE(ValidateLabels({{"__name__", "up"}, {"a:b", "x"}}).IsInvalidArgument());
  EXPECT_TRUE(ValidateLabels({{"__name__", "up"}, {"a", "x"}, {"a", "y"}}).IsInvalidArgument());
  EXPECT_TRUE(ValidateLabels({{"__name__", "up"}, {"a", "\xff"}}).IsInvalidArgument());
  Status s = ValidateLabels({{"__name__", "up"}, {"a-b", "x"}});
  EXPECT_NE(s.message().find("a-b"), std::string::npos) << s.ToString();
}

TEST(LabelsTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xbc"));           // ü
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x98\x80"));   // emoji
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // > U+10FFFF
}

TEST(LabelsTest, ToStringQuotesValues) {
  EXPECT_EQ(LabelsToString({{"__name__", "up"}, {"a", "x\"y"}, {"b", "1"}}), "up{a=\"x\\\"y\", b=\"1\"}");
}

TEST(StatusTest, OkIsCheapAndErrorsCarryCodeAndMessage) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.ToString(), "OK");
  Status e = Status::NotFound("no such series");
  EXPECT_TRUE(e.IsNotFound());
  EXPECT_EQ(e.ToString(), "not found: no such series");
  Status copy = e;
  EXPECT_EQ(copy.message(), "no such series");
  EXPECT_EQ(e.WithContext("query").message(), "query: no such series");
  Result<int> r = Status::Busy("locked");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kBusy);
  Result<int> v = 7;
  EXPECT_EQ(*v, 7);
  Result<int> bogus = Status::OK();  // never a silent success without a value
  EXPECT_FALSE(bogus.ok());
}

}  // namespace
}  // namespace overtone
