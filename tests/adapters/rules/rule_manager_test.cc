// The rule manager: loading files by glob, reload that keeps the old rules
// on error and carries alert state over, the alerts hook, the rules and
// alerts JSON, and the group loops.

#include "adapters/rules/rule_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "adapters/formats/value_text.h"
#include "tests/adapters/rules/fake_query.h"
#include "tests/support/test_util.h"

namespace overtone::rules {
namespace {

class RuleManagerTest : public ::testing::Test {
 protected:
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() + "/" + name) << text;
  }

  // With `last_sample`, alerts restore their `for` state from it.
  std::unique_ptr<RuleManager> Make(LastSampleFunc last_sample = nullptr, ForStateOptions for_state = {}) {
    RuleManagerOptions o;
    o.patterns = {dir_.path() + "/*.yml"};
    o.last_sample = std::move(last_sample);
    o.for_state = for_state;
    return std::make_unique<RuleManager>(
        o, [this] { return query_.Func(); },
        [this](const std::vector<OutputSample>& s) {
          std::lock_guard<std::mutex> l(mu_);
          written_.insert(written_.end(), s.begin(), s.end());
          return Status::OK();
        },
        [this] { return now_.load(); });
  }

  size_t Written() {
    std::lock_guard<std::mutex> l(mu_);
    return written_.size();
  }

  overtone::testing::TempDir dir_;
  FakeQuery query_;
  std::mutex mu_;
  std::vector<OutputSample> written_;
  std::atomic<int64_t> now_{1'700'000'000'000};
};

const char kRules[] =
    "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: x\n"
    "      - alert: A\n        expr: x > 0\n        for: 2m\n        annotations: {s: '{{ $value }}'}\n";

TEST_F(RuleManagerTest, LoadsEvaluatesAndRendersJson) {
  Write("a.yml", kRules);
  query_.Set("x", 0, {{{{"i", "1"}}, 1}});
  query_.Set("x > 0", 0, {{{{"i", "1"}}, 1}});
  auto m = Make();
  ASSERT_TRUE(m->Reload().ok());
  EXPECT_EQ(m->num_groups(), 1u);
  auto before = nlohmann::json::parse(m->RulesJson());
  EXPECT_EQ(before["data"]["groups"][0]["rules"][0]["health"], "unknown");
  EXPECT_EQ(before["data"]["groups"][0]["rules"][0]["lastEvaluation"], "0001-01-01T00:00:00Z");

  m->EvaluateAt(now_);
  EXPECT_EQ(Written(), 3u);  // r, ALERTS, ALERTS_FOR_STATE
  auto rules = nlohmann::json::parse(m->RulesJson());
  EXPECT_EQ(rules["status"], "success");
  const auto& g = rules["data"]["groups"][0];
  EXPECT_EQ(g["name"], "g");
  EXPECT_EQ(g["interval"], 60);
  ASSERT_EQ(g["rules"].size(), 2u);
  EXPECT_EQ(g["rules"][0]["type"], "recording");
  EXPECT_EQ(g["rules"][0]["health"], "ok");
  const auto& a = g["rules"][1];
  EXPECT_EQ(a["type"], "alerting");
  EXPECT_EQ(a["state"], "pending");
  EXPECT_EQ(a["duration"], 120);
  EXPECT_EQ(a["annotations"]["s"], "{{ $value }}");
  ASSERT_EQ(a["alerts"].size(), 1u);
  EXPECT_EQ(a["alerts"][0]["value"], "1e+00");
  EXPECT_EQ(a["alerts"][0]["annotations"]["s"], "1");
  EXPECT_EQ(nlohmann::json::parse(m->RulesJson("record"))["data"]["groups"][0]["rules"].size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(m->RulesJson("alert"))["data"]["groups"][0]["rules"][0]["name"], "A");

  auto alerts = nlohmann::json::parse(m->AlertsJson());
  ASSERT_EQ(alerts["data"]["alerts"].size(), 1u);
  EXPECT_EQ(alerts["data"]["alerts"][0]["labels"]["alertname"], "A");
  EXPECT_EQ(alerts["data"]["alerts"][0]["state"], "pending");
}

TEST_F(RuleManagerTest, MetricsWithPrometheusNames) {
  Write("a.yml", kRules);
  query_.Set("x", 0, {{{{"i", "1"}}, 1}});
  query_.Fail("x > 0", 0);
  auto m = Make();
  ASSERT_TRUE(m->Reload().ok());
  m->EvaluateAt(now_);
  m->EvaluateAt(now_ + kMinute);
  std::string text = m->MetricsText();
  std::string group = "{rule_group=\"" + dir_.path() + "/a.yml;g\"} ";
  for (const std::string& line :
       std::vector<std::string>{"# TYPE prometheus_rule_evaluations_total counter\n",
                                "prometheus_rule_evaluations_total" + group + "4\n",
                                "prometheus_rule_evaluation_failures_total" + group + "2\n",
                                "prometheus_rule_group_iterations_total" + group + "2\n",
                                "prometheus_rule_group_interval_seconds" + group + "60\n",
                                "prometheus_rule_group_rules" + group + "2\n",
                                "prometheus_rule_group_last_evaluation_samples" + group + "1\n",
                                "# TYPE prometheus_rule_group_last_duration_seconds gauge\n",
                                "prometheus_rule_group_iterations_missed_total" + group + "0\n",
                                "# TYPE prometheus_rule_group_duration_seconds summary\n",
                                "prometheus_rule_group_duration_seconds_count 2\n",
                                "prometheus_rule_evaluation_duration_seconds_count 4\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << " in:\n" << text;
  }
}

TEST_F(RuleManagerTest, BrokenReloadKeepsTheOldRules) {
  Write("a.yml", kRules);
  auto m = Make();
  ASSERT_TRUE(m->Reload().ok());
  Write("b.yml", "groups:\n  - name: h\n    rules:\n      - record: 'bad name'\n        expr: x\n");
  Status s = m->Reload();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("b.yml"), std::string::npos);
  EXPECT_NE(m->last_reload_error().find("invalid recording rule name"), std::string::npos);
  EXPECT_EQ(m->num_groups(), 1u);
  std::filesystem::remove(dir_.path() + "/b.yml");
  EXPECT_TRUE(m->Reload().ok());
  EXPECT_EQ(m->last_reload_error(), "");
}

TEST_F(RuleManagerTest, ReloadCarriesAlertStateAndHookSeesAlerts) {
  Write("a.yml", kRules);
  query_.Set("x > 0", 0, {{{{"i", "1"}}, 1}});
  auto m = Make();
  ASSERT_TRUE(m->Reload().ok());
  std::vector<Alert> seen;
  m->SetAlertsHook(
      [&](const RuleGroup&, int64_t, int64_t, const std::vector<Alert>& alerts) { seen = alerts; });
  m->EvaluateAt(now_);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].state, AlertState::kPending);
  ASSERT_TRUE(m->Reload().ok());  // the same rule: its pending alert stays pending since then
  now_ += 2 * kMinute;
  m->EvaluateAt(now_);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].state, AlertState::kFiring);
}

TEST_F(RuleManagerTest, LoopsEvaluateOnTheirSchedule) {
  Write("a.yml",
        "groups:\n  - name: fast\n    interval: 100ms\n    rules:\n      - record: r\n        expr: x\n");
  query_.Set("x", 0, {{{{"i", "1"}}, 1}});
  auto m = Make();
  ASSERT_TRUE(m->Reload().ok());
  m->Start();
  // The fake clock moves; the loop sleeps until the group's next slot.
  for (int i = 0; i < 100 && Written() < 3; ++i) {
    now_ += 100;
    std::this_thread::sleep_for(std::chrono::milliseconds(110));
  }
  m->Stop();
  EXPECT_GE(Written(), 3u);
  std::lock_guard<std::mutex> l(mu_);
  // Every evaluation is on the group's slots: one interval apart.
  for (const OutputSample& s : written_) EXPECT_EQ((s.ts_ms - written_[0].ts_ms) % 100, 0);
}

TEST_F(RuleManagerTest, RestoresForStateAfterTheSecondEvaluation) {
  Write("a.yml", kRules);  // A: for 2m; the grace period is 1m here
  query_.Set("x > 0", 0, {{{{"i", "1"}}, 1}});
  const int64_t earlier_active_s = now_ / 1000 - 600;  // active 10m before, firing when the server stopped
  std::vector<std::pair<Labels, int64_t>> reads;
  auto m = Make(
      [&](const Labels& l, int64_t min_ms, int64_t max_ms) -> Result<std::optional<Sample>> {
        reads.emplace_back(l, max_ms - min_ms);
        return std::optional<Sample>(Sample{now_ - kMinute, static_cast<double>(earlier_active_s)});
      },
      ForStateOptions{.grace_period_ms = kMinute});
  ASSERT_TRUE(m->Reload().ok());
  auto alerts_series = [&] {
    std::lock_guard<std::mutex> l(mu_);
    size_t n = 0;
    for (const OutputSample& s : written_) n += GetLabel(s.labels, "__name__") != "r";
    return n;
  };
  m->EvaluateAt(now_);
  m->EvaluateAt(now_ + kMinute);
  EXPECT_EQ(alerts_series(), 0u);  // no ALERTS until restored
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].first, (Labels{{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "A"}, {"i", "1"}}));
  EXPECT_EQ(reads[0].second, 60 * kMinute);  // the default outage tolerance
  m->EvaluateAt(now_ + 2 * kMinute);
  EXPECT_EQ(alerts_series(), 2u);
  auto alerts = nlohmann::json::parse(m->AlertsJson())["data"]["alerts"];
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["state"], "firing");
  EXPECT_EQ(alerts[0]["activeAt"], adapters::FormatRfc3339(earlier_active_s * 1000));
  EXPECT_NE(m->MetricsText().find("# TYPE prometheus_rule_group_last_restore_duration_seconds gauge"),
            std::string::npos);

  // A reload keeps the group (no second restore); a group it adds restores.
  Write("b.yml",
        "groups:\n  - name: h\n    rules:\n      - alert: B\n        expr: x > 0\n        for: 20m\n");
  ASSERT_TRUE(m->Reload().ok());
  m->EvaluateAt(now_ + 3 * kMinute);
  m->EvaluateAt(now_ + 4 * kMinute);
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(GetLabel(reads[1].first, "alertname"), "B");
}

TEST_F(RuleManagerTest, CountsMissedIterations) {
  Write("a.yml",
        "groups:\n  - name: fast\n    interval: 100ms\n    rules:\n      - record: r\n        expr: x\n");
  query_.Set("x", 0, {{{{"i", "1"}}, 1}});
  auto m = Make();
  ASSERT_TRUE(m->Reload().ok());
  m->Start();
  for (int i = 0; i < 100 && Written() < 1; ++i) {
    now_ += 100;
    std::this_thread::sleep_for(std::chrono::milliseconds(110));
  }
  const std::string name =
      "prometheus_rule_group_iterations_missed_total{rule_group=\"" + dir_.path() + "/a.yml;fast\"} ";
  const auto missed = [&] {
    const std::string text = m->MetricsText();
    const size_t at = text.find(name);
    return at == std::string::npos ? -1.0 : std::stod(text.substr(at + name.size()));
  };
  now_ += 1000;  // as if that evaluation had taken ten intervals
  // The loop may evaluate once or more at slots it chose before the jump (a
  // busy machine delays it); the first slot it chooses after the jump counts
  // the ten intervals passed over.
  const size_t before_jump = Written();
  for (int i = 0; i < 100 && (Written() < before_jump + 2 || missed() == 0); ++i) {
    now_ += 100;
    std::this_thread::sleep_for(std::chrono::milliseconds(110));
  }
  m->Stop();
  ASSERT_GE(missed(), 0) << m->MetricsText();
  EXPECT_GE(missed(), 5) << m->MetricsText();
}

}  // namespace
}  // namespace overtone::rules
