#include "sql/selector_arg.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <functional>
#include <string>
#include <vector>

#include "overtone/sql.h"
#include "sql/statement.h"
#include "tests/sql/memory_connection.h"
#include "tests/support/test_util.h"

namespace overtone::sql {
namespace {

const std::vector<LabelMatcher> kUp = {{MatchType::kEqual, "__name__", "up"},
                                       {MatchType::kRegexMatch, "job", "a|b"}};

// What SelectorArg makes of a function's argument: the matchers as selector
// text, or "error: " and the message.
void SelectorOfFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto ms = SelectorArg(argv[0]);
  std::string out = ms.ok() ? ToString(*ms) : "error: " + ms.status().message();
  if (!ms.ok() && !ms.status().IsInvalidArgument()) out = "unexpected " + ms.status().ToString();
  sqlite3_result_text(ctx, out.c_str(), -1, SQLITE_TRANSIENT);
}

// Whether the argument is a selector pointer.
void IsSelectorPointerFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  sqlite3_result_int(ctx, SelectorPointer(argv[0]) != nullptr);
}

class SelectorArgTest : public MemoryConnectionTest {
 protected:
  void SetUp() override {
    MemoryConnectionTest::SetUp();
    ASSERT_EQ(sqlite3_create_function(conn_, "selector_of", 1, SQLITE_UTF8, nullptr, SelectorOfFn, nullptr,
                                      nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_create_function(conn_, "is_selector_pointer", 1, SQLITE_UTF8, nullptr,
                                      IsSelectorPointerFn, nullptr, nullptr),
              SQLITE_OK);
  }

  // The first column of `query`'s first row, with `bind` applied to the
  // statement first.
  std::string Bound(const std::string& query, const std::function<int(sqlite3_stmt*)>& bind) {
    auto st = Statement::Prepare(conn_, query);
    if (!st.ok()) return "error: " + st.status().message();
    EXPECT_EQ(bind(st->get()), SQLITE_OK);
    if (st->Step() != SQLITE_ROW) return std::string("error: ") + sqlite3_errmsg(conn_);
    const unsigned char* t = sqlite3_column_text(st->get(), 0);
    return t ? reinterpret_cast<const char*>(t) : "NULL";
  }
};

TEST_F(SelectorArgTest, ABoundPointerIsTakenAsItsMatchers) {
  auto bind = [](sqlite3_stmt* stmt) { return BindSelector(stmt, 1, kUp); };
  EXPECT_EQ(Bound("SELECT selector_of(?1)", bind), ToString(kUp));
  EXPECT_EQ(Bound("SELECT is_selector_pointer(?1)", bind), "1");
  // To SQL the pointer is NULL: it has no text to read or forge.
  EXPECT_EQ(Bound("SELECT typeof(?1)", bind), "null");
}

TEST_F(SelectorArgTest, TextIsParsed) {
  EXPECT_EQ(One("SELECT selector_of('up{job=~\"a|b\"}')"), ToString(kUp));
  EXPECT_EQ(One("SELECT is_selector_pointer('up')"), "0");
  EXPECT_EQ(One("SELECT selector_of('{')"), "error: invalid selector '{' at position 2: unclosed '{'");
}

TEST_F(SelectorArgTest, NumbersAreNotSelectors) {
  // Neither an integer nor its decimal text stands for any selector: they
  // are text that does not parse, whatever else is bound anywhere.
  auto bind = [](sqlite3_stmt* stmt) { return BindSelector(stmt, 1, kUp); };
  for (const char* arg : {"1", "'1'", "2", "'2'", "-1"}) {
    std::string got = Bound(std::string("SELECT selector_of(") + arg + "), selector_of(?1)", bind);
    EXPECT_EQ(got.rfind("error: invalid selector '", 0), 0u) << arg << ": " << got;
  }
  std::string got =
      Bound("SELECT selector_of(?1)", [](sqlite3_stmt* stmt) { return sqlite3_bind_int64(stmt, 1, 1); });
  EXPECT_EQ(got.rfind("error: invalid selector '1'", 0), 0u) << got;
  EXPECT_EQ(One("SELECT is_selector_pointer(1)"), "0");
}

TEST_F(SelectorArgTest, APointerOfAnotherTypeIsIgnored) {
  auto bind = [](sqlite3_stmt* stmt) {
    return sqlite3_bind_pointer(stmt, 1, const_cast<std::vector<LabelMatcher>*>(&kUp), "carray", nullptr);
  };
  EXPECT_EQ(Bound("SELECT is_selector_pointer(?1)", bind), "0");
  std::string got = Bound("SELECT selector_of(?1)", bind);
  EXPECT_EQ(got.rfind("error: invalid selector", 0), 0u) << got;
}

// The same queries over a database, once with the selector bound as a
// pointer and once typed as text, give the same rows.
class BoundSelectorQueryTest : public ::testing::Test {
 protected:
  using Rows = std::vector<std::vector<std::string>>;

  void SetUp() override {
    auto s = SqlSession::Open(Options{}, dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    session_ = std::move(*s);
    WriteBatch b;
    for (const char* job : {"a", "b", "c"}) {
      for (const char* name : {"up", "down"}) {
        for (int64_t i = 0; i < 40; ++i) {
          b.Add({{"__name__", name}, {"job", job}}, i * 15000, static_cast<double>(i * (job[0] - 'a' + 1)));
        }
      }
    }
    ASSERT_TRUE(session_->db()->Write(b).ok());
  }

  // Runs `query` with its `$SEL` replaced by `sel`, binding `matchers` as
  // pointers when given; the rows as text.
  Rows Run(std::string query, const std::string& sel, const std::vector<LabelMatcher>* matchers) {
    for (size_t at; (at = query.find("$SEL")) != std::string::npos;) query.replace(at, 4, sel);
    Rows rows;
    auto st = Statement::Prepare(session_->conn(), query);
    EXPECT_TRUE(st.ok()) << query << ": " << st.status().ToString();
    if (!st.ok()) return rows;
    if (matchers != nullptr) {
      EXPECT_EQ(BindSelector(st->get(), 1, *matchers), SQLITE_OK);
    }
    int rc;
    while ((rc = st->Step()) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(st->get()); ++i) {
        const unsigned char* t = sqlite3_column_text(st->get(), i);
        row.push_back(t ? reinterpret_cast<const char*>(t) : "NULL");
      }
      rows.push_back(std::move(row));
    }
    EXPECT_EQ(rc, SQLITE_DONE) << query << ": " << sqlite3_errmsg(session_->conn());
    return rows;
  }

  // `query` gives the same rows, and some, with the selector as text and as
  // a bound pointer.
  void ExpectSameRows(const std::string& query) {
    Rows typed = Run(query, "'up{job=~\"a|b\"}'", nullptr);
    Rows bound = Run(query, "?1", &kUp);
    EXPECT_FALSE(typed.empty()) << query;
    EXPECT_EQ(bound, typed) << query;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqlSession> session_;
};

TEST_F(BoundSelectorQueryTest, TableFunctions) {
  ExpectSameRows(
      "SELECT series_id, labels, ts, value, sample_ts FROM instant_vector($SEL, 0, 600000, 60000)");
  ExpectSameRows(
      "SELECT series_id, labels, ts, value FROM range_function('rate', $SEL, 60000, 600000, 60000, 120000)");
  ExpectSameRows(
      "SELECT series_id, labels, ts, value FROM over_time('avg', $SEL, 60000, 600000, 60000, 120000)");
  // Two series of six.
  EXPECT_EQ(Run("SELECT count(DISTINCT series_id) FROM instant_vector(?1, 0, 0, 1)", "", &kUp),
            (Rows{{"2"}}));
}

TEST_F(BoundSelectorQueryTest, SelectorConstraintOfTables) {
  ExpectSameRows("SELECT series_id, metric, labels FROM series WHERE selector = $SEL");
  ExpectSameRows(
      "SELECT series_id, ts, value FROM samples WHERE selector = $SEL AND ts BETWEEN 30000 AND 90000");
  ExpectSameRows("SELECT count(*) FROM series WHERE selector = $SEL AND metric = 'up'");
  EXPECT_EQ(Run("SELECT count(*) FROM series WHERE selector = ?1", "", &kUp), (Rows{{"2"}}));
  ASSERT_EQ(Run("SELECT compact(86400000)", "", nullptr), (Rows{{"240"}}));
  ExpectSameRows("SELECT series_id, \"start\", \"end\", samples FROM segments WHERE selector = $SEL");
}

TEST_F(BoundSelectorQueryTest, HiddenColumnsEchoABoundSelectorAsText) {
  // The matchers' text, which parses back to them; typed text is echoed as typed.
  EXPECT_EQ(Run("SELECT DISTINCT selector FROM instant_vector(?1, 0, 0, 1)", "", &kUp),
            (Rows{{ToString(kUp)}}));
  EXPECT_EQ(Run("SELECT DISTINCT selector FROM over_time('avg', ?1, 60000, 60000, 1, 60000)", "", &kUp),
            (Rows{{ToString(kUp)}}));
  EXPECT_EQ(Run("SELECT DISTINCT selector FROM series WHERE selector = ?1", "", &kUp),
            (Rows{{ToString(kUp)}}));
  EXPECT_EQ(Run("SELECT DISTINCT selector FROM samples WHERE selector = ?1", "", &kUp),
            (Rows{{ToString(kUp)}}));
  EXPECT_EQ(Run("SELECT DISTINCT selector FROM series WHERE selector = 'up{job=~\"a|b\"}'", "", nullptr),
            (Rows{{"up{job=~\"a|b\"}"}}));
  auto reparsed = ParseSelector(ToString(kUp));
  ASSERT_TRUE(reparsed.ok()) << reparsed.status().ToString();
  EXPECT_EQ(*reparsed, kUp);
}

TEST_F(BoundSelectorQueryTest, NumbersAreNotSelectorsOfTables) {
  auto st = Statement::Prepare(session_->conn(), "SELECT count(*) FROM series WHERE selector = '1'");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->Step(), SQLITE_ERROR);
  EXPECT_NE(std::string(sqlite3_errmsg(session_->conn())).find("invalid selector '1'"), std::string::npos)
      << sqlite3_errmsg(session_->conn());
}

}  // namespace
}  // namespace overtone::sql
