// Which alerts go to Alertmanager after a group's evaluation, and with
// which times, as Prometheus 2.42 decides (rules/alerting.go sendAlerts,
// rules/manager.go SendAlerts):
//   - pending alerts are not sent;
//   - a firing alert is sent when it starts firing, then again every
//     resend delay (1 minute) while it fires, with endsAt = now + 4 × the
//     larger of the resend delay and the group's interval, so that
//     Alertmanager resolves it by itself if overtone stops sending;
//   - a resolved alert is sent once more, with endsAt = when it resolved;
//   - startsAt is when the alert started firing; generatorURL links the
//     rule's expression in the web console.
//
//   AlertDispatch dispatch("http://overtone:9201");
//   manager.SetAlertsHook([&](const RuleGroup& g, int64_t ts, int64_t interval, const auto& alerts) {
//     sender.Send(ToSenderAlerts(dispatch.Due(g, ts, interval, alerts)));
//   });
//
// Thread-safe: each group's loop calls Due() from its own thread.

#ifndef OVERTONE_ADAPTERS_RULES_ALERT_DISPATCH_H_
#define OVERTONE_ADAPTERS_RULES_ALERT_DISPATCH_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/rules/alerting_rule.h"
#include "adapters/rules/rule_file.h"

namespace overtone::rules {

// Prometheus's --rules.alert.resend-delay default.
inline constexpr int64_t kResendDelayMs = 60 * 1000;

struct OutgoingAlert {
  Labels labels;
  Labels annotations;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  std::string generator_url;
};

class AlertDispatch {
 public:
  // `external_url`: how users reach this server ("http://host:9201"), the
  // start of each alert's generatorURL.
  explicit AlertDispatch(std::string external_url, int64_t resend_delay_ms = kResendDelayMs)
      : external_url_(std::move(external_url)), resend_delay_ms_(resend_delay_ms) {}

  // The alerts of `group`, evaluated at ts_ms every interval_ms, that are due
  // now. Remembers what it returned; forgets alerts the group no longer has.
  std::vector<OutgoingAlert> Due(const RuleGroup& group, int64_t ts_ms, int64_t interval_ms,
                                 const std::vector<Alert>& alerts);

 private:
  std::string GeneratorUrl(const RuleGroup& group, const Labels& labels) const;

  const std::string external_url_;
  const int64_t resend_delay_ms_;
  std::mutex mu_;
  // Per group (file and name), per alert (its labels): when it was last sent.
  std::map<std::string, std::map<Labels, int64_t>> last_sent_;
};

}  // namespace overtone::rules

#endif  // OVERTONE_ADAPTERS_RULES_ALERT_DISPATCH_H_
