#include "sql/selector_arg.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace overtone::sql {
namespace {

const std::vector<LabelMatcher> kUp = {{MatchType::kEqual, "__name__", "up"},
                                       {MatchType::kRegexMatch, "job", "a|b"}};

// The value SQLite hands a function for `SELECT <literal>`.
class Value {
 public:
  explicit Value(const char* literal) {
    sqlite3_open(":memory:", &db_);
    sqlite3_prepare_v2(db_, (std::string("SELECT ") + literal).c_str(), -1, &stmt_, nullptr);
    sqlite3_step(stmt_);
  }
  ~Value() {
    sqlite3_finalize(stmt_);
    sqlite3_close(db_);
  }
  sqlite3_value* get() { return sqlite3_column_value(stmt_, 0); }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

TEST(SelectorArgTest, TextIsParsed) {
  Value v("'up{job=~\"a|b\"}'");
  auto ms = SelectorArg(v.get());
  ASSERT_TRUE(ms.ok()) << ms.status().ToString();
  EXPECT_EQ(*ms, kUp);
  EXPECT_EQ(SelectorArg("{").status().message(), "invalid selector '{' at position 2: unclosed '{'");
}

TEST(SelectorArgTest, ABindingIsTakenAsItIs) {
  SelectorBinding binding(kUp);
  EXPECT_GT(binding.handle(), 0);
  Value v(std::to_string(binding.handle()).c_str());
  auto ms = SelectorArg(v.get());
  ASSERT_TRUE(ms.ok()) << ms.status().ToString();
  EXPECT_EQ(*ms, kUp);
  auto from_text = SelectorArg(std::to_string(binding.handle()));
  ASSERT_TRUE(from_text.ok());
  EXPECT_EQ(*from_text, kUp);
}

TEST(SelectorArgTest, AHandleIsGoneWithItsBinding) {
  int64_t handle;
  {
    SelectorBinding a(kUp), b({{MatchType::kEqual, "__name__", "x"}});
    EXPECT_NE(a.handle(), b.handle());
    handle = a.handle();
  }
  auto r = SelectorArg(std::to_string(handle));
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
}

}  // namespace
}  // namespace overtone::sql
