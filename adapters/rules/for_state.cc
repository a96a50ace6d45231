// Restoring alerts' `for` progress from ALERTS_FOR_STATE after a restart
// (alerting_rule.h), as Prometheus's Group.RestoreForState does it.
//
// ALERTS_FOR_STATE holds an alert's activeAt in Unix seconds, written at
// every evaluation while the alert is pending or firing. After a restart
// its last sample says when the alert became active (the value) and,
// roughly, when the server went down (the sample's time, both in whole
// seconds as Prometheus reads them). With `for` = hold:
//
//   spent   = downAt - activeAt       time pending before the stop
//   left    = hold - spent
//   left <= 0      the alert was firing: activeAt as it was, so that it
//                  fires again at the next evaluation
//   left < grace   activeAt = now + grace - hold: fires `grace` from now
//   otherwise      activeAt + (now - downAt): the outage does not count
//                  as time pending

#include <cmath>

#include "adapters/rules/alerting_rule.h"

namespace overtone::rules {

size_t AlertingRule::RestoreForState(int64_t now_ms, const ForStateOptions& options,
                                     const LastSampleFunc& last_sample) {
  restored_ = true;
  const int64_t hold = rule_->for_ms;
  // A short `for` would otherwise have to wait the whole grace period.
  if (hold < options.grace_period_ms || !last_sample) return 0;
  size_t restored = 0;
  for (auto& [labels, a] : active_) {
    if (a.state == AlertState::kInactive) continue;
    auto last = last_sample(ForStateLabels(a), now_ms - options.outage_tolerance_ms, now_ms);
    // As Prometheus: a failed read leaves the alert to start afresh.
    if (!last.ok() || !*last || IsStaleNaN((*last)->value)) continue;
    // Not a time (NaN, or beyond any date): nothing to restore, and no
    // undefined float-to-integer conversion.
    if (!(std::fabs((*last)->value) < 1e15)) continue;
    const int64_t down_at = (*last)->ts / 1000 * 1000;
    const int64_t active_at = static_cast<int64_t>((*last)->value) * 1000;
    const int64_t left = hold - (down_at - active_at);
    if (left <= 0) {
      a.active_at_ms = active_at;
    } else if (left < options.grace_period_ms) {
      a.active_at_ms = now_ms + options.grace_period_ms - hold;
    } else {
      a.active_at_ms = active_at + (now_ms - down_at);
    }
    ++restored;
  }
  return restored;
}

}  // namespace overtone::rules
