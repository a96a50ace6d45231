// StatementCache: the prepared statements of translated PromQL queries on
// one SQLite connection, by their parameterized SQL text
// (Translation::ParameterizedSql), so that a query of a shape seen before
// skips sqlite3_prepare_v2: its selectors and integers (times, steps,
// ranges, offsets) are bound to the kept statement instead.
//
//   StatementCache cache;                        // one per connection
//   QueryOptions options;
//   options.statements = &cache;
//   RunRangeQuery(conn, "rate(x[1m])", start, end, step, options);   // prepares
//   RunRangeQuery(conn, "rate(x[1m])", start + step, end + step, step, options);  // reuses
//
// A statement lent out by Find is the caller's until it calls Find or Put
// again; the caller resets it and clears its bindings when done, so a kept
// statement holds no cursor, snapshot or pointer between queries. The
// cache is bounded: past `capacity` statements, the least recently used
// one is finalized. Not thread-safe, as its connection is not: one query at
// a time. It must be destroyed (or Clear()ed) before its connection closes.

#ifndef OVERTONE_ADAPTERS_PROMQL_STATEMENT_CACHE_H_
#define OVERTONE_ADAPTERS_PROMQL_STATEMENT_CACHE_H_

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "sql/statement.h"

namespace overtone::promql {

class StatementCache {
 public:
  // 32 shapes: a dashboard's panels. A kept statement holds SQLite's
  // compiled program, 4 to 10 KB for typical queries
  // (SQLITE_STMTSTATUS_MEMUSED), on each pooled connection.
  explicit StatementCache(size_t capacity = 32) : capacity_(capacity == 0 ? 1 : capacity) {}

  // The statement kept for `sql`, or null.
  sqlite3_stmt* Find(const std::string& sql) {
    auto it = entries_.find(sql);
    if (it == entries_.end()) return nullptr;
    it->second.last_use = ++clock_;
    return it->second.statement.get();
  }

  // Keeps `statement` (prepared from `sql`) and returns it.
  sqlite3_stmt* Put(const std::string& sql, ::overtone::sql::Statement statement) {
    if (entries_.size() >= capacity_ && !entries_.contains(sql)) EvictOldest();
    Entry& e = entries_[sql];
    e.statement = std::move(statement);
    e.last_use = ++clock_;
    return e.statement.get();
  }

  size_t size() const { return entries_.size(); }
  void Clear() { entries_.clear(); }

 private:
  struct Entry {
    ::overtone::sql::Statement statement;
    uint64_t last_use = 0;
  };

  void EvictOldest() {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.last_use < oldest->second.last_use) oldest = it;
    }
    if (oldest != entries_.end()) entries_.erase(oldest);
  }

  size_t capacity_;
  uint64_t clock_ = 0;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace overtone::promql

#endif  // OVERTONE_ADAPTERS_PROMQL_STATEMENT_CACHE_H_
