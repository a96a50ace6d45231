// One alerting rule's state machine, as Prometheus's rules/alerting.go
// runs it: each evaluation's result series become alerts that go
//
//   (new) -> pending --(for elapsed)--> firing --(series gone)--> inactive (resolved)
//              \--(series gone)--> deleted     ^-- keep_firing_for holds it firing a while
//
// and the ALERTS{alertname, alertstate, ...} = 1 and ALERTS_FOR_STATE = activeAt
// (Unix seconds) series that show them. Resolved alerts stay 15 minutes (so
// that a notifier can still send them resolved) and are then dropped.
// Time is passed in; nothing here reads a clock.

#ifndef OVERTONE_ADAPTERS_RULES_ALERTING_RULE_H_
#define OVERTONE_ADAPTERS_RULES_ALERTING_RULE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/promql/query.h"
#include "adapters/rules/rule_file.h"
#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::rules {

// Runs PromQL `expr` as an instant query at `time_ms`: the database's
// engine (promql::RunInstantQuery on a connection), or a fake in tests.
using QueryFunc = std::function<Result<promql::QueryResult>(const std::string& expr, int64_t time_ms)>;

// What every rule of an evaluator sees besides its own text.
struct EvalContext {
  Labels external_labels;    // $externalLabels in templates
  std::string external_url;  // $externalURL
};

// A sample a rule evaluation produces, to be written to the database.
struct OutputSample {
  Labels labels;
  int64_t ts_ms = 0;
  double value = 0;
};

// The instant vector an expression returns (a scalar as one sample without
// labels, as Prometheus's EngineQueryFunc turns it), or the error.
Result<std::vector<OutputSample>> QueryVector(const QueryFunc& query, const std::string& expr,
                                              int64_t time_ms);

enum class AlertState { kInactive, kPending, kFiring };
const char* AlertStateName(AlertState s);  // "inactive", "pending", "firing"

struct Alert {
  Labels labels;  // the series' labels without __name__, the rule's labels expanded, alertname
  Labels annotations;
  AlertState state = AlertState::kPending;
  double value = 0;
  int64_t active_at_ms = 0;
  int64_t fired_at_ms = 0;     // 0: not yet
  int64_t resolved_at_ms = 0;  // 0: not resolved
  int64_t keep_firing_since_ms = 0;
};

// The labels of an alert's ALERTS_FOR_STATE series.
Labels ForStateLabels(const Alert& a);

// Prometheus keeps a resolved alert this long before it forgets it.
inline constexpr int64_t kResolvedRetentionMs = 15 * 60 * 1000;

// The last sample (staleness markers included) of the series with exactly
// `labels` at min_ms <= ts <= max_ms; nullopt when it has none there. A
// server reads its database (Database::FindSeries and Scan).
using LastSampleFunc =
    std::function<Result<std::optional<Sample>>(const Labels& labels, int64_t min_ms, int64_t max_ms)>;

// How alerts take back their `for` progress after a restart, with the
// defaults of Prometheus's --rules.alert.for-outage-tolerance and
// --rules.alert.for-grace-period.
struct ForStateOptions {
  int64_t outage_tolerance_ms = 60 * 60 * 1000;  // an older ALERTS_FOR_STATE is not used
  int64_t grace_period_ms = 10 * 60 * 1000;      // least time left before a restored alert fires
};

class AlertingRule {
 public:
  // REQUIRES: rule->is_alert(); `rule` and `context` outlive this object.
  AlertingRule(const Rule* rule, const EvalContext* context) : rule_(rule), context_(context) {}

  // Evaluates at `ts_ms`: queries at ts_ms - query_offset_ms, updates the
  // alerts, and appends ALERTS and ALERTS_FOR_STATE samples to *out. With
  // `limit` > 0, more active alerts than that is an error that clears them
  // all, as Prometheus does.
  Status Eval(int64_t ts_ms, int64_t query_offset_ms, int64_t limit, const QueryFunc& query,
              std::vector<OutputSample>* out);

  // The pending and firing alerts (and those kept firing), by labels.
  std::vector<Alert> ActiveAlerts() const;
  // Every alert still remembered, resolved ones included.
  const std::map<Labels, Alert>& alerts() const { return active_; }
  const Rule& rule() const { return *rule_; }
  // Takes over another rule's alerts (a reload that kept the rule).
  void CopyState(const AlertingRule& from) { active_ = from.active_; }

  // A rule that is not yet restored writes no ALERTS and ALERTS_FOR_STATE
  // series, as in Prometheus: the restore must read what the previous run
  // wrote, not this run's first evaluations. New rules are restored.
  void set_restored(bool restored) { restored_ = restored; }
  bool restored() const { return restored_; }

  // Prometheus's Group.RestoreForState for this rule, at `now_ms` (after
  // the group's second evaluation since it started): each active alert
  // whose ALERTS_FOR_STATE series has a sample within the outage tolerance
  // takes back its activeAt, moved later by the time the server was down
  // if the alert was still pending then, and never so that it fires
  // sooner than the grace period from now. A rule whose `for` is shorter
  // than the grace period is left as it is. Marks the rule restored.
  // Returns how many alerts took back their state.
  size_t RestoreForState(int64_t now_ms, const ForStateOptions& options, const LastSampleFunc& last_sample);

 private:
  // `text` expanded for one alert; a failing template expands to
  // "<error expanding template: ...>" as Prometheus writes it.
  std::string Expand(const TemplatedLabel& l, const TemplateData& data) const;
  OutputSample AlertsSample(const Alert& a, int64_t ts_ms) const;

  const Rule* rule_;
  const EvalContext* context_;
  std::map<Labels, Alert> active_;
  bool restored_ = true;
};

}  // namespace overtone::rules

#endif  // OVERTONE_ADAPTERS_RULES_ALERTING_RULE_H_
