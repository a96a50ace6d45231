// SQLite's own heap under the memory limit.
//
// SQLite allocates for itself (sorters, page caches, prepared statements,
// values being built) from one heap for the whole process, which no
// virtual table sees. While a connection registered for a database opened
// with a memory limit is open, that heap is bounded by the database's
// SQLite share (MemorySplit::sqlite_bytes; the smallest, when several such
// databases are open):
//
//   hard limit  = the share: an allocation past it fails, the statement
//                 fails with SQLITE_NOMEM, and the query answers the memory
//                 error (422 on the HTTP API)
//   soft limit  = 3/4 of it: SQLite recycles its page caches instead of
//                 growing them
//
// A sort keeps at most its connection's cache_size in memory
// (SqliteSortBytes) and spills the rest to temporary files, so a large sort
// is slow rather than refused. The database's accountant counts the heap
// (MemoryAccountant::sqlite_in_use). When the last such connection closes
// SQLite's heap is unbounded again.

#ifndef OVERTONE_SQL_SQLITE_HEAP_H_
#define OVERTONE_SQL_SQLITE_HEAP_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "overtone/memory.h"
#include "overtone/status.h"

namespace overtone::sql {

// Holds the bound while alive; null when `memory` has no limit.
class SqliteHeapBound {
 public:
  static std::shared_ptr<SqliteHeapBound> Hold(MemoryAccountant* memory);
  ~SqliteHeapBound();
  SqliteHeapBound(const SqliteHeapBound&) = delete;
  SqliteHeapBound& operator=(const SqliteHeapBound&) = delete;

  // The hard limit in force now (0: none).
  static int64_t CurrentLimit();

 private:
  explicit SqliteHeapBound(int64_t bytes) : bytes_(bytes) {}
  int64_t bytes_;
};

// The error of a statement that failed with SQLITE_NOMEM: Aborted, in
// Prometheus's words for its --query.max-samples (as CancelToken's memory
// error), naming the bound in force.
Status SqliteHeapExhausted();

// How much of a sort one connection keeps in memory before spilling: 32 MiB
// (a day of 100 series at 60 s steps), at most a quarter of the SQLite
// share so that four large sorts run at once.
size_t SqliteSortBytes(const MemoryAccountant& memory);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_SQLITE_HEAP_H_
