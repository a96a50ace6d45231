// What goes to Alertmanager after each evaluation (adapters/rules/alert_dispatch.h):
// Prometheus's resend delay, endsAt, resolved alerts sent once, pending ones never.

#include "adapters/rules/alert_dispatch.h"

#include <gtest/gtest.h>

namespace overtone::rules {
namespace {

constexpr int64_t kMinute = 60 * 1000;

class AlertDispatchTest : public ::testing::Test {
 protected:
  AlertDispatchTest() : dispatch_("http://overtone:9201") {
    group_.name = "g";
    group_.file = "r.yml";
    Rule rule;
    rule.alert = "High";
    rule.expr = "x > 1";
    group_.rules.push_back(rule);
    alert_.labels = {{"alertname", "High"}, {"i", "1"}};
    alert_.annotations = {{"summary", "x is 2"}};
    alert_.active_at_ms = 1000;
  }
  std::vector<OutgoingAlert> Due(int64_t ts) { return dispatch_.Due(group_, ts, 15000, {alert_}); }

  AlertDispatch dispatch_;
  RuleGroup group_;
  Alert alert_;
};

TEST_F(AlertDispatchTest, PendingAlertsAreNotSent) {
  alert_.state = AlertState::kPending;
  EXPECT_TRUE(Due(10 * kMinute).empty());
}

TEST_F(AlertDispatchTest, FiringIsSentThenResentEveryMinuteUntilResolvedOnce) {
  alert_.state = AlertState::kFiring;
  alert_.fired_at_ms = 10 * kMinute;
  std::vector<OutgoingAlert> out = Due(10 * kMinute);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].labels, alert_.labels);
  EXPECT_EQ(out[0].annotations, alert_.annotations);
  EXPECT_EQ(out[0].starts_at_ms, 10 * kMinute);
  EXPECT_EQ(out[0].ends_at_ms, 10 * kMinute + 4 * kMinute);  // 4 × max(resend delay, interval)
  EXPECT_EQ(out[0].generator_url, "http://overtone:9201/graph?g0.expr=x%20%3E%201&g0.tab=1");
  EXPECT_TRUE(Due(10 * kMinute + 15000).empty());  // within the resend delay
  EXPECT_TRUE(Due(11 * kMinute).empty());          // exactly one delay later: not yet, as Prometheus
  EXPECT_EQ(Due(11 * kMinute + 15000).size(), 1u);
  alert_.state = AlertState::kInactive;
  alert_.resolved_at_ms = 11 * kMinute + 30000;
  out = Due(11 * kMinute + 30000);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].ends_at_ms, alert_.resolved_at_ms);
  EXPECT_TRUE(Due(11 * kMinute + 45000).empty());  // resolved is said once
  EXPECT_TRUE(Due(20 * kMinute).empty());
}

TEST_F(AlertDispatchTest, AnAlertThatComesBackIsSentAgain) {
  alert_.state = AlertState::kFiring;
  alert_.fired_at_ms = kMinute;
  ASSERT_EQ(Due(kMinute).size(), 1u);
  EXPECT_TRUE(dispatch_.Due(group_, kMinute + 15000, 15000, {}).empty());  // gone from the group: forgotten
  EXPECT_EQ(Due(kMinute + 30000).size(), 1u);
}

}  // namespace
}  // namespace overtone::rules
