// PlanCache: translated PromQL queries by shape, shared by every connection
// of a server, so that a query seen before skips parsing, translation and
// printing its SQL: a dashboard's refresh sends the same queries over a
// range moved forward.
//
//   PlanCache plans;                                     // one per server
//   StatementCache statements;                           // one per connection
//   QueryOptions options;
//   options.plans = &plans;
//   options.statements = &statements;
//   RunRangeQuery(conn, "rate(x[1m])", start, end, step, options);             // translates
//   RunRangeQuery(conn, "rate(x[1m])", start + 7, end + 7, step, options);     // reuses
//
// HOW IT WORKS
// A shape is the query's text and all of its range but where it starts: the
// range's length (end - start), step, lookback, default subquery step, and
// whether it is an instant query. Moving the range moves some of the
// parameterized statement's integers (Translation::ParameterizedSql) with
// the start and leaves the others alone. Which ones is learnt by
// translating the shape's first query three times: at its start, and at its
// start moved by two primes, p1 and p2. An integer that moves by exactly p1
// and p2 follows the start; one that does not move is a constant; any other
// move, or any difference in the SQL text or the result's kind, and the
// shape is kept as one that translates every time. That catches what does
// not move with the start: a subquery's steps aligned to multiples of its
// step move by multiples of it, never by a prime; start() and end() are
// doubles in the SQL text. Queries with an @ modifier are not cached at
// all: a fixed evaluation time against a moving range could take another
// branch of the translation at another start. A query whose translation
// fails is not kept (its error comes again from the next translation).
//
// Thread-safe: plans are immutable and shared; lookups take a mutex. The
// cache is bounded: past `capacity` shapes the least recently used is
// dropped.

#ifndef OVERTONE_ADAPTERS_PROMQL_PLAN_CACHE_H_
#define OVERTONE_ADAPTERS_PROMQL_PLAN_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adapters/promql/translator.h"
#include "overtone/status.h"

namespace overtone::promql {

// A translated query of one shape.
struct CachedPlan {
  // False: the shape translates every time (in the cache, nothing else is
  // set).
  bool reusable = false;
  // The translation's result kind, order and selectors (its statement is
  // not kept: `sql` is its text).
  Translation translation;
  std::string sql;                // Translation::ParameterizedSql
  std::vector<int64_t> integers;  // its integers for a range starting at `start`
  std::vector<bool> follows_start;
  int64_t start = 0;

  // The statement's integers for a range of this shape starting at `at`.
  std::vector<int64_t> IntegersAt(int64_t at) const;
};

// The plan of a query, and the integers of its statement for this range;
// no plan when the caller is to translate the query itself.
struct PlannedQuery {
  std::shared_ptr<const CachedPlan> plan;
  std::vector<int64_t> integers;
};

class PlanCache {
 public:
  // 256 shapes: several dashboards' panels; a plan holds its SQL text,
  // a few KB.
  explicit PlanCache(size_t capacity = 256) : capacity_(capacity == 0 ? 1 : capacity) {}
  PlanCache(const PlanCache&) = delete;
  PlanCache& operator=(const PlanCache&) = delete;

  // The plan of `query` over `range`: the cached one of its shape, else a
  // new translation (kept when the shape can be reused); none when the
  // shape is known not to be reusable. Errors are the parser's and the
  // translator's.
  Result<PlannedQuery> Plan(std::string_view query, const EvalRange& range);

  size_t size() const;
  void Clear();

 private:
  struct Entry {
    std::shared_ptr<const CachedPlan> plan;
    uint64_t last_use = 0;
  };

  std::shared_ptr<const CachedPlan> Find(const std::string& key);
  void Put(const std::string& key, std::shared_ptr<const CachedPlan> plan);

  size_t capacity_;
  mutable std::mutex mu_;
  uint64_t clock_ = 0;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace overtone::promql

#endif  // OVERTONE_ADAPTERS_PROMQL_PLAN_CACHE_H_
