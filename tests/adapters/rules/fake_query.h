// A fake PromQL engine for rule tests: each expression's instant vector is
// set per evaluation time, and every call is recorded.

#ifndef OVERTONE_TESTS_ADAPTERS_RULES_FAKE_QUERY_H_
#define OVERTONE_TESTS_ADAPTERS_RULES_FAKE_QUERY_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "adapters/rules/alerting_rule.h"

namespace overtone::rules {

class FakeQuery {
 public:
  // From `t_ms` on (until the next Set), `expr` returns these series.
  void Set(const std::string& expr, int64_t t_ms, std::vector<std::pair<Labels, double>> series) {
    results_[expr][t_ms] = std::move(series);
  }
  void Fail(const std::string& expr, int64_t t_ms) { failing_[expr] = t_ms; }

  QueryFunc Func() {
    return [this](const std::string& expr, int64_t t) -> Result<promql::QueryResult> {
      calls.emplace_back(expr, t);
      if (auto f = failing_.find(expr); f != failing_.end() && t >= f->second) {
        return Status::Aborted("query failed");
      }
      promql::QueryResult r;
      auto it = results_.find(expr);
      if (it == results_.end()) return r;
      auto at = it->second.upper_bound(t);
      if (at == it->second.begin()) return r;
      --at;
      for (const auto& [labels, v] : at->second) r.series.push_back({labels, {{t, v}}});
      return r;
    };
  }

  std::vector<std::pair<std::string, int64_t>> calls;

 private:
  std::map<std::string, std::map<int64_t, std::vector<std::pair<Labels, double>>>> results_;
  std::map<std::string, int64_t> failing_;
};

inline constexpr int64_t kMinute = 60 * 1000;

}  // namespace overtone::rules

#endif  // OVERTONE_TESTS_ADAPTERS_RULES_FAKE_QUERY_H_
