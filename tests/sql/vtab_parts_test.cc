// The parts overtone's virtual tables and SQL functions are built from,
// each on a plain in-memory SQLite connection: the callback guards, the
// cursor base and its module, and the argument handling of table functions.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "sql/callback_guard.h"
#include "sql/promql_functions.h"
#include "sql/statement.h"
#include "sql/table_function.h"
#include "sql/vtab_cursor.h"
#include "tests/sql/memory_connection.h"

namespace overtone::sql {
namespace {

using VtabPartsTest = MemoryConnectionTest;

// ---- callback guards

TEST(CallbackGuardTest, VtabCallbackTurnsExceptionsIntoCodes) {
  sqlite3_vtab vtab{};
  EXPECT_EQ(GuardVtabCallback(&vtab, [] { return SQLITE_DONE; }), SQLITE_DONE);
  EXPECT_EQ(GuardVtabCallback(&vtab, []() -> int { throw std::bad_alloc(); }), SQLITE_NOMEM);
  EXPECT_EQ(GuardVtabCallback(&vtab, []() -> int { throw std::runtime_error("broken"); }), SQLITE_ERROR);
  ASSERT_NE(vtab.zErrMsg, nullptr);
  EXPECT_STREQ(vtab.zErrMsg, "broken");
  sqlite3_free(vtab.zErrMsg);
  EXPECT_EQ(GuardVtabCallback(&vtab, []() -> int { throw 42; }), SQLITE_INTERNAL);
}

void ThrowsBadAlloc(sqlite3_context*, int, sqlite3_value**) { throw std::bad_alloc(); }
void ThrowsRuntimeError(sqlite3_context*, int, sqlite3_value**) { throw std::runtime_error("no luck"); }
void Doubles(sqlite3_context* ctx, int, sqlite3_value** argv) {
  sqlite3_result_int64(ctx, 2 * sqlite3_value_int64(argv[0]));
}

TEST_F(VtabPartsTest, GuardedFunctionsReportExceptionsAsErrors) {
  struct Fn {
    const char* name;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
  };
  for (Fn f : {Fn{"bad_alloc", Guarded<ThrowsBadAlloc>}, Fn{"runtime_error", Guarded<ThrowsRuntimeError>},
               Fn{"twice", Guarded<Doubles>}}) {
    ASSERT_EQ(
        sqlite3_create_function_v2(conn_, f.name, 1, SQLITE_UTF8, nullptr, f.fn, nullptr, nullptr, nullptr),
        SQLITE_OK);
  }
  EXPECT_EQ(One("SELECT twice(21)"), "42");
  EXPECT_EQ(One("SELECT runtime_error(1)"), "error: no luck");
  EXPECT_EQ(One("SELECT bad_alloc(1)"), "error: out of memory");
}

// ---- the cursor base, through a table of the numbers 10, 20, 30

struct NumbersCursor : RowsCursor<int> {
  explicit NumbersCursor(sqlite3_vtab*) {}
  Status Filter(int, int, sqlite3_value**) {
    rows = {10, 20, 30};
    pos = 0;
    return Status::OK();
  }
  void Column(sqlite3_context* ctx, int col) const {
    if (col == 1 && row() == 20) throw std::runtime_error("twenty is unlucky");
    sqlite3_result_int(ctx, row());
  }
};

struct FailingCursor : RowsCursor<int> {
  explicit FailingCursor(sqlite3_vtab*) {}
  Status Filter(int, int, sqlite3_value**) { return Status::InvalidArgument("no rows today"); }
  void Column(sqlite3_context*, int) const {}
};

int ConnectNumbers(sqlite3* conn, void*, int, const char* const*, sqlite3_vtab** out, char**) {
  int rc = sqlite3_declare_vtab(conn, "CREATE TABLE x(n INTEGER, unlucky INTEGER)");
  if (rc != SQLITE_OK) return rc;
  *out = new sqlite3_vtab{};
  return SQLITE_OK;
}
int DisconnectNumbers(sqlite3_vtab* vtab) {
  delete vtab;
  return SQLITE_OK;
}
int ScanAll(sqlite3_vtab*, sqlite3_index_info* info) {
  info->estimatedCost = 3;
  return SQLITE_OK;
}

const sqlite3_module kNumbers =
    CursorModule<NumbersCursor>(nullptr, ConnectNumbers, ScanAll, DisconnectNumbers);
const sqlite3_module kFailing =
    CursorModule<FailingCursor>(nullptr, ConnectNumbers, ScanAll, DisconnectNumbers);

TEST_F(VtabPartsTest, CursorModuleRunsTheCursor) {
  ASSERT_EQ(sqlite3_create_module_v2(conn_, "numbers", &kNumbers, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_create_module_v2(conn_, "failing", &kFailing, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(One("SELECT group_concat(n || '@' || rowid, ' ') FROM numbers"), "10@0 20@1 30@2");
  EXPECT_EQ(One("SELECT count(*) FROM numbers a, numbers b"), "9");  // two cursors at once
  EXPECT_EQ(One("SELECT sum(unlucky) FROM numbers"), "error: twenty is unlucky");
  EXPECT_EQ(One("SELECT count(*) FROM failing"), "error: no rows today");
}

// ---- table-function arguments

TEST_F(VtabPartsTest, FunctionArgsKeepCopiesOfTheGivenArguments) {
  // SQLite's values live as long as their statement: take them from one.
  auto st = Statement::Prepare(conn_, "SELECT 5, NULL, 'x'");
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(st->Step(), SQLITE_ROW);
  sqlite3_value* given[3] = {sqlite3_column_value(st->get(), 0), sqlite3_column_value(st->get(), 1),
                             sqlite3_column_value(st->get(), 2)};
  FunctionArgs args;
  // Arguments 0, 2 and 3 were given (plan bits 0b1101), in that order.
  args.Take(0b1101, 4, 3, given);
  *st = Statement();  // the copies outlive the statement
  ASSERT_NE(args[0], nullptr);
  EXPECT_EQ(sqlite3_value_int(args[0]), 5);
  EXPECT_EQ(args[1], nullptr);
  EXPECT_FALSE(args.Present(1));
  EXPECT_NE(args[2], nullptr);
  EXPECT_FALSE(args.Present(2));  // given, but NULL
  EXPECT_TRUE(args.Present(3));
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_value_text(args[3])), "x");
  args.Take(0, 4, 0, nullptr);  // the next call gives none
  EXPECT_EQ(args[0], nullptr);
  EXPECT_EQ(args[3], nullptr);
}

// The label functions remember their previous arguments: the same ones
// again, others, then the first again, and NULL beside '', all answer as
// computed afresh.
TEST_F(VtabPartsTest, LabelFunctionsAnswerAlikeForRepeatedAndAlternatingArguments) {
  ASSERT_TRUE(RegisterPromqlFunctions(conn_).ok());
  ASSERT_EQ(sqlite3_exec(
                conn_,
                "CREATE TABLE t(ls TEXT, name TEXT);"
                "INSERT INTO t VALUES ('{\"a\":\"1\",\"b\":\"2\"}', 'a'), ('{\"a\":\"1\",\"b\":\"2\"}', 'a'),"
                "('{\"a\":\"1\",\"b\":\"2\"}', 'b'), ('{\"a\":\"1\",\"c\":\"2\"}', 'b'),"
                "('{\"a\":\"1\",\"b\":\"2\"}', 'a'), ('{\"a\":\"1\",\"b\":\"2\"}', NULL),"
                "('{\"a\":\"1\",\"b\":\"2\"}', ''), ('{\"a\":\"1\",\"b\":\"2\"}', 'ab');",
                nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_EQ(One("SELECT group_concat(labels_drop(ls, name), ' ') FROM (SELECT * FROM t ORDER BY rowid)"),
            R"({"b":"2"} {"b":"2"} {"a":"1"} {"a":"1","c":"2"} {"b":"2"} {"a":"1","b":"2"} )"
            R"({"a":"1","b":"2"} {"a":"1","b":"2"})");
}

TEST(PlanFunctionArgsTest, NumbersTheArgumentsInOrderAndRefusesUnusableOnes) {
  // Columns 0..2 are results, 3..5 the arguments; constraints arrive in any order.
  sqlite3_index_info::sqlite3_index_constraint constraints[] = {
      {5, SQLITE_INDEX_CONSTRAINT_EQ, 1, 0},
      {3, SQLITE_INDEX_CONSTRAINT_EQ, 1, 0},
      {1, SQLITE_INDEX_CONSTRAINT_EQ, 1, 0},  // a result column: not ours
      {4, SQLITE_INDEX_CONSTRAINT_GT, 1, 0},  // not an equality: not an argument
  };
  sqlite3_index_info::sqlite3_index_constraint_usage usage[4] = {};
  sqlite3_index_info info{};
  info.nConstraint = 4;
  info.aConstraint = constraints;
  info.aConstraintUsage = usage;
  ASSERT_EQ(PlanFunctionArgs(&info, 3, 3), SQLITE_OK);
  EXPECT_EQ(info.idxNum, 0b101);
  EXPECT_EQ(usage[1].argvIndex, 1);  // argument 0 first
  EXPECT_EQ(usage[0].argvIndex, 2);  // then argument 2
  EXPECT_TRUE(usage[0].omit && usage[1].omit);
  EXPECT_EQ(usage[2].argvIndex, 0);
  EXPECT_EQ(usage[3].argvIndex, 0);

  constraints[0].usable = 0;  // argument 2 depends on a table not yet scanned
  EXPECT_EQ(PlanFunctionArgs(&info, 3, 3), SQLITE_CONSTRAINT);
}

}  // namespace
}  // namespace overtone::sql
