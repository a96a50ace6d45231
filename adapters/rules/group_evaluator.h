// One rule group evaluated as Prometheus's rules/group.go evaluates it,
// independent of where it runs: the caller passes the evaluation time and a
// way to run instant queries, and writes the samples it gets back.
//
//   GroupEvaluator g(file.groups[0], &context, /*default_interval_ms=*/60000);
//   int64_t t = g.EvalTimestamp(now_ms);                  // Prometheus's aligned slot
//   g.Evaluate(t, query, write);  // write(samples) after each rule
//
// Per evaluation, in rule order: a recording rule's result series get
// __name__ = record and the rule's labels; an alerting rule advances its
// alerts (alerting_rule.h) and yields ALERTS / ALERTS_FOR_STATE. A series a
// rule returned last time and not this time gets a staleness marker. A rule
// that fails (query error, duplicate label sets, `limit` exceeded) yields
// nothing this round and keeps its error until it next succeeds.

#ifndef OVERTONE_ADAPTERS_RULES_GROUP_EVALUATOR_H_
#define OVERTONE_ADAPTERS_RULES_GROUP_EVALUATOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/rules/alerting_rule.h"
#include "adapters/rules/rule_file.h"

namespace overtone::rules {

// What /api/v1/rules shows of a rule.
struct RuleStatus {
  std::string last_error;          // "" when the last evaluation succeeded
  int64_t last_evaluation_ms = 0;  // 0: never evaluated
  int64_t evaluation_ns = 0;       // how long the last evaluation took
};

// The evaluation time at or before `now_ns` in the group's slots: Prometheus
// offsets every group's schedule by a hash of its name and file, so that
// groups with the same interval do not all run at the same instant.
int64_t GroupEvalTimestampNs(const std::string& name, const std::string& file, int64_t interval_ns,
                             int64_t now_ns);

class GroupEvaluator {
 public:
  // `context` outlives this object.
  GroupEvaluator(RuleGroup group, const EvalContext* context, int64_t default_interval_ms);

  const RuleGroup& group() const { return group_; }
  int64_t interval_ms() const { return interval_ms_; }
  // GroupEvalTimestampNs in milliseconds (rounded down).
  int64_t EvalTimestamp(int64_t now_ms) const;

  // Evaluates every rule at `ts_ms`, in order, handing the rules' samples
  // to `sink` before a later rule that may read them runs: as in
  // Prometheus, a rule sees what the rules before it in the group recorded
  // at the same time. Samples of consecutive rules that no rule in between
  // reads (by metric name: a selector without one may read anything) go in
  // one call, so that a group of independent rules is one write.
  using SampleSink = std::function<void(const std::vector<OutputSample>&)>;
  void Evaluate(int64_t ts_ms, const QueryFunc& query, const SampleSink& sink);

  // Takes over the state (alerts, series for staleness, status) of the
  // rules of `old` that this group has too: same kind, name and labels, as
  // Prometheus's Group.CopyState matches them after a reload.
  void CopyStateFrom(const GroupEvaluator& old);

  // Every alerting rule restored or not (AlertingRule::set_restored), and
  // their RestoreForState; returns how many alerts were restored.
  void SetRestored(bool restored);
  size_t RestoreForState(int64_t now_ms, const ForStateOptions& options, const LastSampleFunc& last_sample);

  size_t num_rules() const { return group_.rules.size(); }
  const RuleStatus& status(size_t rule) const { return status_[rule]; }
  // Null for a recording rule.
  const AlertingRule* alerting(size_t rule) const { return alerting_[rule].get(); }

 private:
  Status EvalRecording(const Rule& rule, int64_t ts_ms, const QueryFunc& query,
                       std::vector<OutputSample>* out);

  // The metric names rule i's expression reads; `reads_any_[i]` when a
  // selector names none (or the expression does not parse).
  bool MayRead(size_t i, const std::vector<std::string>& names) const;

  RuleGroup group_;
  const EvalContext* context_;
  std::vector<std::vector<std::string>> reads_;
  std::vector<bool> reads_any_;
  int64_t interval_ms_;
  std::vector<std::unique_ptr<AlertingRule>> alerting_;
  std::vector<RuleStatus> status_;
  // Per rule, the label sets it returned last time, sorted: for staleness
  // markers. (Sorted vectors: a rule returns the same few series round
  // after round, and comparing two of them is one pass.)
  std::vector<std::vector<Labels>> previous_series_;
};

}  // namespace overtone::rules

#endif  // OVERTONE_ADAPTERS_RULES_GROUP_EVALUATOR_H_
