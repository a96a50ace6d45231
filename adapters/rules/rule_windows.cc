#include "adapters/rules/rule_windows.h"

#include <algorithm>

#include "adapters/promql/parser.h"

namespace overtone::rules {
namespace {

void Collect(const promql::Expr& e, std::vector<StandingWindowSpec>* out) {
  using Kind = promql::Expr::Kind;
  if (e.kind == Kind::kCall && e.text.ends_with("_over_time")) {
    auto fn = ParseOverTimeFn(e.text);
    for (const promql::ExprPtr& a : e.args) {
      if (!fn.ok() || !StandingWindowServes(*fn) || a->kind != Kind::kMatrixSelector) continue;
      const promql::Expr& sel = a->arg(0);
      if (sel.at || a->range_ms <= 0) continue;
      StandingWindowSpec spec{sel.matchers, *fn, a->range_ms};
      bool seen = std::any_of(out->begin(), out->end(), [&](const StandingWindowSpec& s) {
        return s.fn == spec.fn && s.range == spec.range && s.matchers == spec.matchers;
      });
      if (!seen) out->push_back(std::move(spec));
    }
  }
  for (const promql::ExprPtr& a : e.args) {
    if (a) Collect(*a, out);
  }
}

}  // namespace

std::vector<StandingWindowSpec> StandingWindowsOf(const std::vector<std::string>& exprs) {
  std::vector<StandingWindowSpec> out;
  for (const std::string& text : exprs) {
    auto e = promql::ParseExpr(text);
    if (e.ok()) Collect(**e, &out);
  }
  return out;
}

std::vector<std::string> ExpressionsOf(const std::vector<RuleGroup>& groups) {
  std::vector<std::string> out;
  for (const RuleGroup& g : groups) {
    for (const Rule& r : g.rules) out.push_back(r.expr);
  }
  return out;
}

RuleWindows::~RuleWindows() { Replace({}); }

void RuleWindows::Replace(const std::vector<StandingWindowSpec>& specs) {
  std::lock_guard lock(mu_);
  std::vector<uint64_t> fresh;
  for (const StandingWindowSpec& s : specs) {
    auto h = db_->AddStandingWindow(s);
    if (h.ok()) fresh.push_back(*h);
  }
  for (uint64_t h : handles_) db_->RemoveStandingWindow(h);
  handles_ = std::move(fresh);
}

size_t RuleWindows::size() const {
  std::lock_guard lock(mu_);
  return handles_.size();
}

}  // namespace overtone::rules
