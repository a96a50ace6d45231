// The alert state machine: pending, firing after `for`, resolved and
// forgotten after 15 minutes, keep_firing_for, limit, templated labels,
// and the ALERTS / ALERTS_FOR_STATE samples, with a fake query engine.

#include "adapters/rules/alerting_rule.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/rules/rule_file.h"
#include "tests/adapters/rules/fake_query.h"

namespace overtone::rules {
namespace {

class AlertingRuleTest : public ::testing::Test {
 protected:
  // Loads one alerting rule from YAML (the body of a rule entry).
  void Load(const std::string& rule_yaml) {
    auto f = ParseRuleFile("groups:\n  - name: g\n    rules:\n      - " + rule_yaml, "t.yml");
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    file_ = std::move(*f);
    rule_ = std::make_unique<AlertingRule>(&file_.groups[0].rules[0], &context_);
  }

  std::vector<OutputSample> Eval(int64_t t, int64_t limit = 0, Status* status = nullptr) {
    std::vector<OutputSample> out;
    Status s = rule_->Eval(t, 0, limit, query_.Func(), &out);
    if (status) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    return out;
  }

  std::vector<std::string> States() {
    std::vector<std::string> out;
    for (const Alert& a : rule_->ActiveAlerts()) out.push_back(AlertStateName(a.state));
    return out;
  }

  RuleFile file_;
  EvalContext context_;
  FakeQuery query_;
  std::unique_ptr<AlertingRule> rule_;
};

const Labels kUpA = {{"__name__", "up"}, {"instance", "a"}};

TEST_F(AlertingRuleTest, PendingThenFiringAfterFor) {
  Load("alert: Down\n        expr: up == 0\n        for: 2m\n        labels: {severity: page}\n");
  query_.Set("up == 0", 0, {{kUpA, 0}});
  std::vector<OutputSample> out = Eval(0);
  EXPECT_EQ(States(), std::vector<std::string>{"pending"});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].labels, (Labels{{"__name__", "ALERTS"},
                                   {"alertname", "Down"},
                                   {"alertstate", "pending"},
                                   {"instance", "a"},
                                   {"severity", "page"}}));
  EXPECT_EQ(out[0].value, 1);
  EXPECT_EQ(
      out[1].labels,
      (Labels{
          {"__name__", "ALERTS_FOR_STATE"}, {"alertname", "Down"}, {"instance", "a"}, {"severity", "page"}}));
  EXPECT_EQ(out[1].value, 0);  // activeAt in Unix seconds
  Eval(kMinute);
  EXPECT_EQ(States(), std::vector<std::string>{"pending"});
  out = Eval(2 * kMinute);
  EXPECT_EQ(States(), std::vector<std::string>{"firing"});
  EXPECT_EQ(GetLabel(out[0].labels, "alertstate"), "firing");
  EXPECT_EQ(out[1].value, 0);
  EXPECT_EQ(rule_->ActiveAlerts()[0].fired_at_ms, 2 * kMinute);
}

TEST_F(AlertingRuleTest, ForZeroFiresAtOnceAndPendingGoneIsForgotten) {
  Load("alert: A\n        expr: x\n        for: 1m\n");
  query_.Set("x", 0, {{kUpA, 1}});
  query_.Set("x", kMinute / 2, {});
  Eval(0);
  EXPECT_EQ(States(), std::vector<std::string>{"pending"});
  EXPECT_TRUE(Eval(kMinute).empty());
  EXPECT_TRUE(rule_->alerts().empty());  // a pending alert that ends leaves nothing

  Load("alert: B\n        expr: x\n");
  query_.Set("x", 2 * kMinute, {{kUpA, 1}});
  Eval(2 * kMinute);
  EXPECT_EQ(States(), std::vector<std::string>{"firing"});
}

TEST_F(AlertingRuleTest, ResolvedAlertsAreKeptFifteenMinutes) {
  Load("alert: A\n        expr: x\n");
  query_.Set("x", 0, {{kUpA, 1}});
  query_.Set("x", kMinute, {});
  Eval(0);
  EXPECT_TRUE(Eval(kMinute).empty());  // resolved: no ALERTS sample
  EXPECT_TRUE(rule_->ActiveAlerts().empty());
  ASSERT_EQ(rule_->alerts().size(), 1u);
  const Alert& a = rule_->alerts().begin()->second;
  EXPECT_EQ(a.state, AlertState::kInactive);
  EXPECT_EQ(a.resolved_at_ms, kMinute);
  Eval(kMinute + kResolvedRetentionMs);
  EXPECT_EQ(rule_->alerts().size(), 1u);
  Eval(kMinute + kResolvedRetentionMs + 1);
  EXPECT_TRUE(rule_->alerts().empty());
}

TEST_F(AlertingRuleTest, ResolvedAlertThatReturnsStartsPendingAgain) {
  Load("alert: A\n        expr: x\n        for: 1m\n");
  query_.Set("x", 0, {{kUpA, 1}});
  query_.Set("x", 2 * kMinute, {});
  query_.Set("x", 3 * kMinute, {{kUpA, 1}});
  Eval(0);
  Eval(kMinute);
  EXPECT_EQ(States(), std::vector<std::string>{"firing"});
  Eval(2 * kMinute);
  Eval(3 * kMinute);
  EXPECT_EQ(States(), std::vector<std::string>{"pending"});
  EXPECT_EQ(rule_->ActiveAlerts()[0].active_at_ms, 3 * kMinute);
}

TEST_F(AlertingRuleTest, KeepFiringFor) {
  Load("alert: A\n        expr: x\n        keep_firing_for: 2m\n");
  query_.Set("x", 0, {{kUpA, 1}});
  query_.Set("x", kMinute, {});
  Eval(0);
  std::vector<OutputSample> out = Eval(kMinute);  // gone, but kept firing
  EXPECT_EQ(States(), std::vector<std::string>{"firing"});
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(rule_->ActiveAlerts()[0].keep_firing_since_ms, kMinute);
  Eval(2 * kMinute);
  EXPECT_EQ(States(), std::vector<std::string>{"firing"});
  EXPECT_TRUE(Eval(3 * kMinute).empty());  // 2m after it went: resolved
  EXPECT_TRUE(States().empty());

  // Coming back resets the keep-firing clock.
  Load("alert: B\n        expr: y\n        keep_firing_for: 2m\n");
  query_.Set("y", 0, {{kUpA, 1}});
  query_.Set("y", kMinute, {});
  query_.Set("y", 2 * kMinute, {{kUpA, 1}});
  query_.Set("y", 3 * kMinute, {});
  for (int64_t t = 0; t <= 4 * kMinute; t += kMinute) Eval(t);
  EXPECT_EQ(States(), std::vector<std::string>{"firing"});
  EXPECT_EQ(rule_->ActiveAlerts()[0].keep_firing_since_ms, 3 * kMinute);
}

TEST_F(AlertingRuleTest, LimitErrorsAndClears) {
  Load("alert: A\n        expr: x\n");
  query_.Set("x", 0, {{{{"i", "1"}}, 1}, {{{"i", "2"}}, 1}});
  Status s;
  EXPECT_TRUE(Eval(0, /*limit=*/1, &s).empty());
  EXPECT_EQ(s.message(), "exceeded limit of 1 with 2 alerts");
  EXPECT_TRUE(rule_->alerts().empty());
  EXPECT_EQ(Eval(kMinute, /*limit=*/2).size(), 4u);
}

TEST_F(AlertingRuleTest, TemplatesAndDuplicateLabelSets) {
  context_.external_labels = {{"region", "eu"}};
  Load(
      "alert: A\n        expr: x\n        labels: {level: '{{ if gt $value 10.0 }}high{{ end }}', "
      "instance: fixed}\n        annotations: {s: '{{ $labels.instance }} {{ $value | humanize }} "
      "{{ $externalLabels.region }}'}\n");
  query_.Set("x", 0, {{kUpA, 1234}});
  Eval(0);
  ASSERT_EQ(rule_->ActiveAlerts().size(), 1u);
  const Alert a = rule_->ActiveAlerts()[0];
  EXPECT_EQ(a.labels, (Labels{{"alertname", "A"}, {"instance", "fixed"}, {"level", "high"}}));
  EXPECT_EQ(a.annotations, (Labels{{"s", "a 1.234k eu"}}));

  query_.Set("x", kMinute, {{kUpA, 1}, {{{"__name__", "up"}, {"instance", "b"}}, 2}});
  Status s;
  Eval(kMinute, 0, &s);
  EXPECT_EQ(s.message(), "vector contains metrics with the same labelset after applying alert labels");
}

TEST_F(AlertingRuleTest, QueryErrorsAndScalars) {
  Load("alert: A\n        expr: x\n");
  query_.Fail("x", 0);
  Status s;
  Eval(0, 0, &s);
  EXPECT_EQ(s.message(), "query failed");
  auto scalar = [](const std::string&, int64_t t) -> Result<promql::QueryResult> {
    promql::QueryResult r;
    r.type = promql::ValueType::kScalar;
    r.scalar = {t, 1};
    return r;
  };
  std::vector<OutputSample> out;
  ASSERT_TRUE(rule_->Eval(0, 0, 0, scalar, &out).ok());
  EXPECT_EQ(rule_->ActiveAlerts()[0].labels, (Labels{{"alertname", "A"}}));
  auto matrix = [](const std::string&, int64_t) -> Result<promql::QueryResult> {
    promql::QueryResult r;
    r.type = promql::ValueType::kMatrix;
    return r;
  };
  EXPECT_EQ(rule_->Eval(0, 0, 0, matrix, &out).message(), "rule result is not a vector or scalar");
}

}  // namespace
}  // namespace overtone::rules
