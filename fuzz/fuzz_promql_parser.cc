// PromQL text (adapters/promql/parser.h), as the query API and `overtone
// promql` take it from users.
//
// Checks, when a query parses:
//   - its rendering (ToString) parses to a tree that renders the same;
//   - translated for an instant and for a range query, the SQL prepares on
//     a connection with overtone's tables and functions registered (the
//     database behind it is empty: nothing runs), or is refused as too
//     deeply nested for SQLite (NotSupported), never an internal error.

#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "adapters/promql/parser.h"
#include "adapters/promql/query.h"
#include "adapters/promql/translator.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/scratch_dir.h"
#include "overtone/database.h"
#include "overtone/sql.h"

using namespace overtone;

namespace {

sqlite3* conn;

void CheckPrepares(const promql::Expr& e, const promql::EvalRange& range) {
  Result<promql::Translation> t = promql::Translate(e, range);
  if (!t.ok()) return;  // outside overtone's subset, or refused as Prometheus does
  std::string sql = t->Sql();
  Status s = promql::PrepareTranslation(conn, sql).status();
  if (!s.ok() && s.code() != Status::Code::kNotSupported) {
    std::fprintf(stderr, "%s\n%s\n", s.ToString().c_str(), sql.c_str());
  }
  FUZZ_CHECK(s.ok() || s.code() == Status::Code::kNotSupported);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Options o;
  o.compaction_interval_ms = 0;
  Result<std::unique_ptr<Database>> db = Database::Open(o, fuzz::ScratchDir() + "/db");
  FUZZ_CHECK(db.ok());
  FUZZ_CHECK(sqlite3_open(":memory:", &conn) == SQLITE_OK);
  FUZZ_CHECK(RegisterSql(conn, db->release()).ok());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view query(reinterpret_cast<const char*>(data), size);
  Result<promql::ExprPtr> e = promql::ParseExpr(query);
  if (!e.ok()) return 0;

  std::string printed = promql::ToString(**e);
  Result<promql::ExprPtr> again = promql::ParseExpr(printed);
  if (!again.ok()) std::fprintf(stderr, "%s\n%s\n", printed.c_str(), again.status().ToString().c_str());
  FUZZ_CHECK(again.ok());
  std::string reprinted = promql::ToString(**again);
  if (reprinted != printed)
    std::fprintf(stderr, "rendered: %s\nthen:     %s\n", printed.c_str(), reprinted.c_str());
  FUZZ_CHECK(reprinted == printed);

  constexpr int64_t kNow = 1700000000000;
  CheckPrepares(**e, promql::EvalRange{kNow, kNow, 1, 5 * 60 * 1000, true});
  CheckPrepares(**e, promql::EvalRange{kNow - 3600 * 1000, kNow, 60 * 1000, 5 * 60 * 1000, false});
  return 0;
}
