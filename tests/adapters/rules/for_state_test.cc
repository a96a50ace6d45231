// Restoring alerts' `for` progress from ALERTS_FOR_STATE after a restart,
// case by case as Prometheus's RestoreForState: an alert that was firing,
// one that was pending (the outage does not count), one with less than the
// grace period left, a state older than the outage tolerance, a staleness
// marker, and a `for` shorter than the grace period. The stored samples
// are what an earlier run wrote; the serve test (tests/shell/
// serve_rules_restore_test.sh) does the same across a real kill -9.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "adapters/rules/alerting_rule.h"
#include "adapters/rules/rule_file.h"
#include "tests/adapters/rules/fake_query.h"

namespace overtone::rules {
namespace {

constexpr int64_t kSecond = 1000;
const Labels kSeries = {{"__name__", "up"}, {"instance", "a"}};
const Labels kForState = {{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "Down"}, {"instance", "a"}};

class ForStateTest : public ::testing::Test {
 protected:
  void Load(const std::string& for_text) {
    auto f = ParseRuleFile(
        "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n        for: " +
            for_text + "\n",
        "t.yml");
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    file_ = std::move(*f);
    rule_ = std::make_unique<AlertingRule>(&file_.groups[0].rules[0], &context_);
    rule_->set_restored(false);
    query_.Set("up == 0", 0, {{kSeries, 0}});
  }

  std::vector<OutputSample> Eval(int64_t t) {
    std::vector<OutputSample> out;
    EXPECT_TRUE(rule_->Eval(t, 0, 0, query_.Func(), &out).ok());
    return out;
  }

  // What the earlier run wrote: ALERTS_FOR_STATE = active_s at each time.
  void Stored(int64_t ts_ms, double active_s) { stored_[kForState].push_back({ts_ms, active_s}); }

  LastSampleFunc Last() {
    return [this](const Labels& l, int64_t min_ms, int64_t max_ms) -> Result<std::optional<Sample>> {
      ++reads_;
      std::optional<Sample> last;
      for (const Sample& s : stored_[l]) {
        if (s.ts >= min_ms && s.ts <= max_ms) last = s;
      }
      return last;
    };
  }

  int64_t ActiveAt() { return rule_->ActiveAlerts().at(0).active_at_ms; }
  std::string State() { return AlertStateName(rule_->ActiveAlerts().at(0).state); }

  RuleFile file_;
  EvalContext context_;
  FakeQuery query_;
  std::unique_ptr<AlertingRule> rule_;
  std::map<Labels, std::vector<Sample>> stored_;
  int reads_ = 0;
  ForStateOptions options_;  // 1h tolerance, 10m grace
};

// The earlier run: active from 10:00:00, last written at 10:40:00, down
// until 10:45:00 (now), all on whole seconds.
constexpr int64_t kActive = 1'700'000'000 * kSecond;
constexpr int64_t kDown = kActive + 40 * kMinute;
constexpr int64_t kNow = kDown + 5 * kMinute;

TEST_F(ForStateTest, UnrestoredRuleWritesNoAlertsSeries) {
  Load("30m");
  EXPECT_TRUE(Eval(kNow).empty());
  EXPECT_EQ(State(), "pending");
  rule_->RestoreForState(kNow, options_, Last());
  EXPECT_TRUE(rule_->restored());
  EXPECT_EQ(Eval(kNow + kMinute).size(), 2u);  // ALERTS, ALERTS_FOR_STATE
}

TEST_F(ForStateTest, FiringAlertKeepsItsActiveAtAndFiresAgain) {
  Load("30m");
  Stored(kDown - kMinute, kActive / kSecond);
  Stored(kDown, kActive / kSecond);
  Eval(kNow);
  EXPECT_EQ(rule_->RestoreForState(kNow, options_, Last()), 1u);
  EXPECT_EQ(ActiveAt(), kActive);
  std::vector<OutputSample> out = Eval(kNow + kMinute);
  EXPECT_EQ(State(), "firing");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].labels, kForState);
  EXPECT_EQ(out[1].value, kActive / kSecond);
}

TEST_F(ForStateTest, PendingAlertKeepsItsProgressWithoutTheOutage) {
  Load("1h");  // 40m of it done before the stop, 20m left: more than the grace period
  Stored(kDown, kActive / kSecond);
  Eval(kNow);
  rule_->RestoreForState(kNow, options_, Last());
  EXPECT_EQ(ActiveAt(), kActive + (kNow - kDown));
  Eval(kNow + 19 * kMinute);
  EXPECT_EQ(State(), "pending");
  Eval(kNow + 20 * kMinute);
  EXPECT_EQ(State(), "firing");
}

TEST_F(ForStateTest, LittleTimeLeftWaitsTheGracePeriod) {
  Load("45m");  // 5m left at the stop, less than the 10m grace
  Stored(kDown, kActive / kSecond);
  Eval(kNow);
  rule_->RestoreForState(kNow, options_, Last());
  EXPECT_EQ(ActiveAt(), kNow + 10 * kMinute - 45 * kMinute);
  Eval(kNow + 9 * kMinute);
  EXPECT_EQ(State(), "pending");
  Eval(kNow + 10 * kMinute);
  EXPECT_EQ(State(), "firing");
}

TEST_F(ForStateTest, StateOlderThanTheOutageToleranceIsNotUsed) {
  Load("30m");
  Stored(kDown, kActive / kSecond);
  Eval(kDown + 61 * kMinute);
  EXPECT_EQ(rule_->RestoreForState(kDown + 61 * kMinute, options_, Last()), 0u);
  EXPECT_EQ(ActiveAt(), kDown + 61 * kMinute);
  options_.outage_tolerance_ms = 2 * 60 * kMinute;  // --rules.alert.for-outage-tolerance 2h
  EXPECT_EQ(rule_->RestoreForState(kDown + 61 * kMinute, options_, Last()), 1u);
  EXPECT_EQ(ActiveAt(), kActive);
}

TEST_F(ForStateTest, StalenessMarkerMeansTheAlertHadEnded) {
  Load("30m");
  Stored(kDown - kMinute, kActive / kSecond);
  Stored(kDown, StaleNaN());
  Eval(kNow);
  EXPECT_EQ(rule_->RestoreForState(kNow, options_, Last()), 0u);
  EXPECT_EQ(ActiveAt(), kNow);
}

TEST_F(ForStateTest, ForShorterThanTheGracePeriodIsNotRestored) {
  Load("5m");
  Stored(kDown, kActive / kSecond);
  Eval(kNow);
  EXPECT_EQ(rule_->RestoreForState(kNow, options_, Last()), 0u);
  EXPECT_EQ(reads_, 0);
  EXPECT_TRUE(rule_->restored());
  EXPECT_EQ(ActiveAt(), kNow);
  options_.grace_period_ms = kMinute;  // --rules.alert.for-grace-period 1m
  EXPECT_EQ(rule_->RestoreForState(kNow, options_, Last()), 1u);
  EXPECT_EQ(ActiveAt(), kActive);
}

}  // namespace
}  // namespace overtone::rules
