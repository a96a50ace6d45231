#include "sql/sqlite_heap.h"

#include <sqlite3.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <string>

namespace overtone::sql {
namespace {

std::mutex& BoundsMutex() {
  static std::mutex mu;
  return mu;
}

// The shares of the connections open now; the smallest is in force.
std::multiset<int64_t>& Bounds() {
  static std::multiset<int64_t> bounds;
  return bounds;
}

void ApplyLocked() {
  const int64_t hard = Bounds().empty() ? 0 : *Bounds().begin();
  sqlite3_hard_heap_limit64(hard);
  sqlite3_soft_heap_limit64(hard / 4 * 3);
}

size_t SqliteMemoryUsed() { return static_cast<size_t>(sqlite3_memory_used()); }

}  // namespace

std::shared_ptr<SqliteHeapBound> SqliteHeapBound::Hold(MemoryAccountant* memory) {
  if (memory == nullptr || !memory->limited()) return nullptr;
  memory->SetSqliteUsage(&SqliteMemoryUsed);
  const auto bytes = static_cast<int64_t>(memory->split().sqlite_bytes);
  std::lock_guard lock(BoundsMutex());
  Bounds().insert(bytes);
  ApplyLocked();
  return std::shared_ptr<SqliteHeapBound>(new SqliteHeapBound(bytes));
}

SqliteHeapBound::~SqliteHeapBound() {
  std::lock_guard lock(BoundsMutex());
  Bounds().erase(Bounds().find(bytes_));
  ApplyLocked();
}

int64_t SqliteHeapBound::CurrentLimit() { return sqlite3_hard_heap_limit64(-1); }

Status SqliteHeapExhausted() {
  const int64_t limit = SqliteHeapBound::CurrentLimit();
  return Status::Aborted(
      "query processing would load too many samples into memory in query execution: SQLite's "
      "working memory (sorts, groups, values being built) passed " +
      (limit > 0 ? "its share of the memory limit, " + std::to_string(limit) + " bytes"
                 : std::string("what the process could allocate")) +
      "; narrow the selector or the time range");
}

size_t SqliteSortBytes(const MemoryAccountant& memory) {
  constexpr size_t kSortBytes = size_t{32} << 20;
  return memory.limited() ? std::min(kSortBytes, memory.split().sqlite_bytes / 4) : kSortBytes;
}

}  // namespace overtone::sql
