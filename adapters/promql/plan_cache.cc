#include "adapters/promql/plan_cache.h"

#include <cstdlib>
#include <utility>

#include "adapters/promql/parser.h"

namespace overtone::promql {
namespace {

// The two moves of a shape's probes: primes, so that no alignment to a
// multiple of anything but 1 moves by them (about 17 minutes each).
constexpr int64_t kProbeMoves[2] = {999983, 1000003};

// Starts further from 0 are translated without the cache: the probes'
// arithmetic stays far from overflowing.
constexpr int64_t kMaxCachedStart = int64_t{1} << 52;

std::string ShapeKey(std::string_view query, const EvalRange& r) {
  std::string key;
  key.reserve(query.size() + 64);
  key.append(query);
  key.push_back('\0');
  for (int64_t v : {r.end - r.start, r.step, r.lookback, r.default_subquery_step, int64_t{r.instant}}) {
    key.append(std::to_string(v));
    key.push_back(',');
  }
  return key;
}

struct Probe {
  Translation translation;
  std::string sql;
  std::vector<int64_t> integers;
};

Result<Probe> TranslateAt(const Expr& expr, EvalRange range, int64_t move) {
  range.start += move;
  range.end += move;
  Probe p;
  OT_ASSIGN_OR_RETURN(p.translation, Translate(expr, range));
  p.sql = p.translation.ParameterizedSql(&p.integers);
  return p;
}

bool SameKind(const Translation& a, const Translation& b) {
  return a.result_type == b.result_type && a.packed_points == b.packed_points &&
         a.point_operations == b.point_operations && a.ordered == b.ordered &&
         a.sort_by_labels == b.sort_by_labels && a.sort_descending == b.sort_descending &&
         a.selectors.size() == b.selectors.size();
}

// The plan of a shape from its first query: reusable when the probes show
// every integer either following the start or constant.
Result<std::shared_ptr<const CachedPlan>> Learn(std::string_view query, const EvalRange& range) {
  OT_ASSIGN_OR_RETURN(ExprPtr expr, ParseExpr(query));
  OT_ASSIGN_OR_RETURN(Probe base, TranslateAt(*expr, range, 0));
  auto plan = std::make_shared<CachedPlan>();
  plan->reusable = query.find('@') == std::string_view::npos && std::llabs(range.start) < kMaxCachedStart;
  plan->follows_start.assign(base.integers.size(), false);
  for (int64_t move : kProbeMoves) {
    if (!plan->reusable) break;
    Result<Probe> moved = TranslateAt(*expr, range, move);
    if (!moved.ok() || moved->sql != base.sql || moved->integers.size() != base.integers.size() ||
        !SameKind(moved->translation, base.translation)) {
      plan->reusable = false;
      break;
    }
    for (size_t i = 0; i < base.integers.size(); ++i) {
      int64_t d = moved->integers[i] - base.integers[i];
      bool follows = d == move;
      if ((d != 0 && !follows) || (move != kProbeMoves[0] && follows != plan->follows_start[i])) {
        plan->reusable = false;
        break;
      }
      plan->follows_start[i] = follows;
    }
  }
  // The plan carries this query's translation either way: the caller runs
  // it now without translating again.
  base.translation.statement = sql::Statement{};
  plan->translation = std::move(base.translation);
  plan->sql = std::move(base.sql);
  plan->integers = std::move(base.integers);
  plan->start = range.start;
  return std::shared_ptr<const CachedPlan>(std::move(plan));
}

}  // namespace

std::vector<int64_t> CachedPlan::IntegersAt(int64_t at) const {
  std::vector<int64_t> out = integers;
  for (size_t i = 0; i < out.size(); ++i) {
    if (follows_start[i]) out[i] += at - start;
  }
  return out;
}

Result<PlannedQuery> PlanCache::Plan(std::string_view query, const EvalRange& range) {
  std::string key = ShapeKey(query, range);
  if (std::shared_ptr<const CachedPlan> plan = Find(key)) {
    if (!plan->reusable || std::llabs(range.start) >= kMaxCachedStart) return PlannedQuery{};
    std::vector<int64_t> integers = plan->IntegersAt(range.start);
    return PlannedQuery{std::move(plan), std::move(integers)};
  }
  OT_ASSIGN_OR_RETURN(std::shared_ptr<const CachedPlan> plan, Learn(query, range));
  // A shape that cannot be reused is remembered without its translation,
  // so that it is not probed again.
  Put(key, plan->reusable ? plan : std::make_shared<const CachedPlan>());
  std::vector<int64_t> integers = plan->integers;
  return PlannedQuery{std::move(plan), std::move(integers)};
}

size_t PlanCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void PlanCache::Clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

std::shared_ptr<const CachedPlan> PlanCache::Find(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  it->second.last_use = ++clock_;
  return it->second.plan;
}

void PlanCache::Put(const std::string& key, std::shared_ptr<const CachedPlan> plan) {
  std::lock_guard lock(mu_);
  if (entries_.size() >= capacity_ && !entries_.contains(key)) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.last_use < oldest->second.last_use) oldest = it;
    }
    entries_.erase(oldest);
  }
  Entry& e = entries_[key];
  e.plan = std::move(plan);
  e.last_use = ++clock_;
}

}  // namespace overtone::promql
