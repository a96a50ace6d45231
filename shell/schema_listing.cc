#include "shell/schema_listing.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "shell/cell.h"
#include "sql/statement.h"

namespace overtone::shell {

namespace {

// Modules SQLite (or its usual extensions) brings along; they are not the
// user's data. Table-valued pragmas (pragma_*) are skipped by prefix.
constexpr std::string_view kSqliteModules[] = {
    "bytecode",      "carray",       "completion",  "dbstat",      "fsdir",     "fts3",
    "fts3tokenize",  "fts4",         "fts4aux",     "fts5",        "fts5vocab", "generate_series",
    "geopoly",       "json_each",    "json_tree",   "rtree",       "rtree_i32", "sqlite_dbdata",
    "sqlite_dbpage", "sqlite_dbptr", "sqlite_stmt", "tables_used", "zipfile",
};

using sql::Statement;

Result<Statement> Prepare(sqlite3* conn, const char* sql) {
  Statement stmt;
  if (stmt.Compile(conn, sql) != SQLITE_OK) return Status::Internal(sqlite3_errmsg(conn));
  return stmt;
}

std::string ColumnText(sqlite3_stmt* stmt, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
  return p ? std::string(p, sqlite3_column_bytes(stmt, i)) : std::string();
}

bool Matches(std::string_view pattern, const std::string& name) {
  return pattern.empty() || sqlite3_strlike(std::string(pattern).c_str(), name.c_str(), 0) == 0;
}

// `name` as it would be written in SQL: quoted when it is a keyword
// ("end") or not a plain identifier.
std::string Identifier(const std::string& name) {
  bool plain = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (unsigned char c : name) plain = plain && (std::isalnum(c) || c == '_');
  if (plain && !sqlite3_keyword_check(name.data(), static_cast<int>(name.size()))) return name;
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

struct Column {
  std::string name;
  std::string type;
  bool hidden = false;
};

// The columns of table `name` as SQLite resolves that name; empty when there
// is no such table. Errors (a module whose xConnect fails) count as empty.
std::vector<Column> TableColumns(sqlite3* conn, const std::string& name) {
  std::vector<Column> columns;
  auto stmt = Prepare(conn, "SELECT name, type, hidden FROM pragma_table_xinfo(?1)");
  if (!stmt.ok()) return columns;
  sqlite3_bind_text(stmt->get(), 1, name.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(stmt->get()) == SQLITE_ROW) {
    columns.push_back(Column{ColumnText(stmt->get(), 0), ColumnText(stmt->get(), 1),
                             sqlite3_column_int(stmt->get(), 2) != 0});
  }
  return columns;
}

// User tables and views of the main and temp schemas, unsorted. Temporary
// ones (the sql layer's `sketches` view is one) are listed by their bare
// name, which is how a query finds them: temp comes first in name lookup.
Result<std::vector<std::string>> ListUserTables(sqlite3* conn) {
  OT_ASSIGN_OR_RETURN(Statement stmt,
                      Prepare(conn,
                              "SELECT name FROM main.sqlite_schema"
                              " WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                              " UNION ALL "
                              "SELECT name FROM temp.sqlite_schema"
                              " WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"));
  std::vector<std::string> names;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) names.push_back(ColumnText(stmt.get(), 0));
  if (rc != SQLITE_DONE) return Status::Internal(sqlite3_errmsg(conn));
  return names;
}

}  // namespace

Result<std::vector<std::string>> ListVirtualTables(sqlite3* conn) {
  OT_ASSIGN_OR_RETURN(Statement stmt, Prepare(conn, "SELECT name FROM pragma_module_list"));
  std::vector<std::string> modules;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    modules.push_back(ColumnText(stmt.get(), 0));
  }
  if (rc != SQLITE_DONE) return Status::Internal(sqlite3_errmsg(conn));
  stmt = Statement();

  std::vector<std::string> tables;
  for (const std::string& name : modules) {
    if (name.starts_with("pragma_")) continue;
    if (std::find(std::begin(kSqliteModules), std::end(kSqliteModules), name) != std::end(kSqliteModules)) {
      continue;
    }
    // A module that needs CREATE VIRTUAL TABLE has no table under its own
    // name, hence no columns.
    if (!TableColumns(conn, name).empty()) tables.push_back(name);
  }
  std::sort(tables.begin(), tables.end());
  return tables;
}

Result<std::vector<std::string>> ListTables(sqlite3* conn, std::string_view pattern) {
  OT_ASSIGN_OR_RETURN(std::vector<std::string> names, ListVirtualTables(conn));
  OT_ASSIGN_OR_RETURN(std::vector<std::string> user, ListUserTables(conn));
  names.insert(names.end(), user.begin(), user.end());
  std::erase_if(names, [&](const std::string& n) { return !Matches(pattern, n); });
  std::sort(names.begin(), names.end());
  // A user table may shadow a virtual table's name.
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

Result<std::string> DescribeSchema(sqlite3* conn, std::string_view pattern) {
  std::string out;
  OT_ASSIGN_OR_RETURN(std::vector<std::string> vtables, ListVirtualTables(conn));
  for (const std::string& name : vtables) {
    if (!Matches(pattern, name)) continue;
    std::vector<Column> columns = TableColumns(conn, name);
    out += "/* overtone virtual table, built in; HIDDEN columns are filters or arguments */\n";
    out += "CREATE TABLE " + Identifier(name) + "(\n";
    for (size_t i = 0; i < columns.size(); ++i) {
      const Column& c = columns[i];
      out += "  " + Identifier(c.name);
      if (!c.type.empty()) out += " " + c.type;
      if (c.hidden) out += " HIDDEN";
      out += i + 1 < columns.size() ? ",\n" : "\n";
    }
    out += ");\n";
  }

  OT_ASSIGN_OR_RETURN(Statement stmt,
                      Prepare(conn,
                              "SELECT name, tbl_name, sql FROM ("
                              "  SELECT name, tbl_name, type, sql FROM main.sqlite_schema"
                              "  UNION ALL"
                              "  SELECT name, tbl_name, type, sql FROM temp.sqlite_schema)"
                              " WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                              " ORDER BY tbl_name, type DESC, name"));
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    // An index or trigger goes with its table: `.schema t` shows them too.
    if (!Matches(pattern, ColumnText(stmt.get(), 0)) && !Matches(pattern, ColumnText(stmt.get(), 1))) {
      continue;
    }
    out += ColumnText(stmt.get(), 2);
    out += ";\n";
  }
  if (rc != SQLITE_DONE) return Status::Internal(sqlite3_errmsg(conn));
  return out;
}

std::string FormatInColumns(const std::vector<std::string>& names, size_t line_width) {
  if (names.empty()) return std::string();
  size_t width = 0;
  for (const auto& n : names) width = std::max(width, DisplayWidth(n));
  // Column-major like sqlite3: read down, then across.
  size_t columns = std::max<size_t>(1, line_width / (width + 2));
  size_t rows = (names.size() + columns - 1) / columns;
  std::string out;
  for (size_t r = 0; r < rows; ++r) {
    std::string line;
    for (size_t i = r; i < names.size(); i += rows) {
      if (i != r) line += "  ";
      line += names[i];
      line.append(width - DisplayWidth(names[i]), ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace overtone::shell
