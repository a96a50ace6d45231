// overtone's SQL functions (listed in functions.cc and docs/SQL.md).

#ifndef OVERTONE_SQL_FUNCTIONS_H_
#define OVERTONE_SQL_FUNCTIONS_H_

#include <sqlite3.h>

#include "overtone/database.h"

namespace overtone::sql {

Status RegisterFunctions(sqlite3* conn, Database* db);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_FUNCTIONS_H_
