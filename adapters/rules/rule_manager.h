// The rules a server runs: rule files loaded from paths or globs, one
// evaluation loop (thread) per group on Prometheus's aligned schedule,
// reload that keeps the old rules when a file is broken, and what
// /api/v1/rules and /api/v1/alerts show.
//
//   RuleManager m({.patterns = {"rules/*.yml"}}, make_query, write, clock);
//   Status s = m.Reload();      // load; on error the old rules stay
//   m.Start();                  // a thread per group
//   std::string json = m.RulesJson("alert");
//
// The database, the PromQL engine and the clock come from the caller:
// `make_query` gives each group thread its own query function (its own
// SQLite connection), `write` takes the samples a group produced (the
// normal write path), `clock` says what time it is. EvaluateAt() runs every
// group once at a given time, for tests and for callers with their own loop.

#ifndef OVERTONE_ADAPTERS_RULES_RULE_MANAGER_H_
#define OVERTONE_ADAPTERS_RULES_RULE_MANAGER_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "adapters/rules/group_evaluator.h"

namespace overtone::rules {

struct RuleManagerOptions {
  std::vector<std::string> patterns;  // rule files or globs
  int64_t default_interval_ms = 60 * 1000;
  EvalContext context;
  // With it, alerts take back their `for` progress from ALERTS_FOR_STATE
  // (alerting_rule.h) in every group loaded at startup, and in groups a
  // reload adds, after the group's second evaluation, as Prometheus does;
  // until then those groups write no ALERTS series. Without it, alerts
  // start afresh.
  LastSampleFunc last_sample;
  ForStateOptions for_state;
};

class RuleManager {
 public:
  using QueryFactory = std::function<QueryFunc()>;
  using WriteFunc = std::function<Status(const std::vector<OutputSample>&)>;
  using Clock = std::function<int64_t()>;  // Unix ms
  // After each evaluation of a group, at ts_ms, every interval_ms: its
  // alerting rules' alerts, resolved ones included (an Alertmanager sender
  // needs them to send "resolved"; see alert_dispatch.h).
  using AlertsHook =
      std::function<void(const RuleGroup&, int64_t ts_ms, int64_t interval_ms, const std::vector<Alert>&)>;

  RuleManager(RuleManagerOptions options, QueryFactory make_query, WriteFunc write, Clock clock);
  ~RuleManager();
  RuleManager(const RuleManager&) = delete;
  RuleManager& operator=(const RuleManager&) = delete;

  // Loads every file the patterns name. On success the new groups replace
  // the old ones (alerts of a rule with the same group, name and labels
  // carry over, as in Prometheus) and running loops restart; on error
  // nothing changes and the error says which file and why.
  Status Reload();

  void SetAlertsHook(AlertsHook hook);
  // Called after each successful load with the groups now in force (before
  // they run), e.g. to register their standing windows (rule_windows.h).
  using LoadHook = std::function<void(const std::vector<RuleGroup>&)>;
  void SetLoadHook(LoadHook hook);

  // One thread per group until Stop() (or the destructor).
  void Start();
  void Stop();

  // Every group evaluated once at its slot for `now_ms`, in this thread.
  void EvaluateAt(int64_t now_ms);

  // Prometheus's JSON for /api/v1/rules (`type`: "", "alert" or "record")
  // and /api/v1/alerts.
  std::string RulesJson(std::string_view type = "") const;
  std::string AlertsJson() const;
  // The groups' figures in the Prometheus text format, with Prometheus's
  // names and its rule_group="FILE;NAME" label:
  // prometheus_rule_evaluations_total, prometheus_rule_evaluation_failures_total,
  // prometheus_rule_group_iterations_total, prometheus_rule_group_interval_seconds,
  // prometheus_rule_group_last_duration_seconds,
  // prometheus_rule_group_last_evaluation_timestamp_seconds,
  // prometheus_rule_group_last_evaluation_samples, prometheus_rule_group_rules,
  // prometheus_rule_group_iterations_missed_total,
  // prometheus_rule_group_last_restore_duration_seconds; and, over every
  // group, the summaries prometheus_rule_group_duration_seconds and
  // prometheus_rule_evaluation_duration_seconds (_sum and _count).
  std::string MetricsText() const;

  size_t num_groups() const;
  std::string last_reload_error() const;

 private:
  struct Group;
  // `missed`: slots skipped before this one because an evaluation ran long.
  void EvaluateGroup(Group* g, int64_t ts_ms, const QueryFunc& query, const AlertsHook& hook,
                     uint64_t missed = 0);
  void Loop(Group* g);
  void StartLocked();
  void StopLocked(std::unique_lock<std::mutex>* lock);

  RuleManagerOptions options_;
  QueryFactory make_query_;
  WriteFunc write_;
  Clock clock_;

  mutable std::mutex mu_;  // guards everything below and the groups' state
  std::condition_variable wake_;
  std::vector<std::unique_ptr<Group>> groups_;
  std::vector<std::thread> threads_;
  bool running_ = false;
  bool stopping_ = false;
  AlertsHook hook_;
  LoadHook load_hook_;
  std::string last_reload_error_;

  // Over all groups since the start, for the summaries of MetricsText.
  struct Durations {
    double group_seconds = 0;
    uint64_t groups = 0;
    double rule_seconds = 0;
    uint64_t rules = 0;
  };
  mutable std::mutex durations_mu_;
  Durations durations_;
};

}  // namespace overtone::rules

#endif  // OVERTONE_ADAPTERS_RULES_RULE_MANAGER_H_
