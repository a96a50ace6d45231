#include "adapters/rules/alert_dispatch.h"

#include <algorithm>

#include "base/text.h"

namespace overtone::rules {

std::string AlertDispatch::GeneratorUrl(const RuleGroup& group, const Labels& labels) const {
  // The alert's rule is the group's alerting rule of that name (the first,
  // should several share it, as Prometheus's link would name one of them).
  std::string expr;
  for (const Label& l : labels) {
    if (l.name != "alertname") continue;
    for (const Rule& r : group.rules) {
      if (r.alert == l.value) {
        expr = r.expr;
        break;
      }
    }
  }
  return external_url_ + "/graph?g0.expr=" + PercentEncode(expr) + "&g0.tab=1";
}

std::vector<OutgoingAlert> AlertDispatch::Due(const RuleGroup& group, int64_t ts_ms, int64_t interval_ms,
                                              const std::vector<Alert>& alerts) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<Labels, int64_t>& sent = last_sent_[group.file + ";" + group.name];
  std::map<Labels, int64_t> kept;
  std::vector<OutgoingAlert> out;
  const int64_t valid_for = 4 * std::max(resend_delay_ms_, interval_ms);
  for (const Alert& a : alerts) {
    auto it = sent.find(a.labels);
    int64_t last = it == sent.end() ? 0 : it->second;
    bool due;
    if (a.state == AlertState::kPending) {
      due = false;
    } else if (a.resolved_at_ms != 0) {
      due = a.resolved_at_ms > last;
    } else {
      due = last == 0 || last + resend_delay_ms_ < ts_ms;
    }
    if (due) {
      last = ts_ms;
      out.push_back(OutgoingAlert{a.labels, a.annotations, a.fired_at_ms,
                                  a.resolved_at_ms != 0 ? a.resolved_at_ms : ts_ms + valid_for,
                                  GeneratorUrl(group, a.labels)});
    }
    if (last != 0) kept[a.labels] = last;
  }
  sent = std::move(kept);
  return out;
}

}  // namespace overtone::rules
