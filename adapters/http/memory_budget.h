// MemoryBudget: the server's budget for in-flight request memory (bodies,
// decompressed payloads, decoded messages, responses being built): the
// requests share of the process's memory limit (overtone/memory.h), or a
// pool of its own when the server runs without one.
//
// A request reserves what it is about to allocate *before* allocating it;
// when the reservation does not fit, the request is refused (429/503) and
// nothing is allocated. So concurrent large requests cannot add up to an
// out-of-memory kill: past the budget they are turned away, quickly.
//
//   MemoryBudget::Reservation r = budget.Reserve();
//   if (!r.Grow(content_length)) return Overloaded();
//   ... read the body ...   // released when r goes out of scope

#ifndef OVERTONE_ADAPTERS_HTTP_MEMORY_BUDGET_H_
#define OVERTONE_ADAPTERS_HTTP_MEMORY_BUDGET_H_

#include "overtone/memory.h"

namespace overtone::adapters {

using MemoryBudget = MemoryPool;

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_MEMORY_BUDGET_H_
