// What .tables and .schema show: the user's own tables and views (from
// sqlite_schema) and the virtual tables overtone registers.
//
// overtone's tables (series, samples, ...) are eponymous virtual tables: they
// exist on the connection without a CREATE statement, so sqlite_schema does
// not know them. They are found as the modules of the connection
// (pragma_module_list) that are not SQLite's own and that have columns under
// their own name; so a table the sql layer adds later shows up unchanged.

#ifndef OVERTONE_SHELL_SCHEMA_LISTING_H_
#define OVERTONE_SHELL_SCHEMA_LISTING_H_

#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"

struct sqlite3;

namespace overtone::shell {

// The eponymous virtual tables registered on `conn` by overtone (or another
// application module), sorted.
Result<std::vector<std::string>> ListVirtualTables(sqlite3* conn);

// Virtual tables, user tables and views whose name matches the LIKE pattern
// (every name when the pattern is empty), sorted, each once.
Result<std::vector<std::string>> ListTables(sqlite3* conn, std::string_view pattern);

// One statement per matching object, each ending in ";\n": the user's
// CREATE statements as stored, and for a virtual table a CREATE TABLE of
// its columns (hidden ones marked HIDDEN) under a comment saying what it is.
Result<std::string> DescribeSchema(sqlite3* conn, std::string_view pattern);

// `names` in columns as sqlite3's .tables prints them, for a terminal
// `line_width` wide.
std::string FormatInColumns(const std::vector<std::string>& names, size_t line_width = 80);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_SCHEMA_LISTING_H_
