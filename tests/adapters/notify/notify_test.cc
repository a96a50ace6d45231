// The outbound senders against a local receiver (tests/support/
// http_receiver.h): the JSON Alertmanager and Loki are sent, batching,
// retries with backoff, refusals, an unreachable destination, Stop().

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "adapters/notify/alertmanager.h"
#include "adapters/notify/http_sender.h"
#include "adapters/notify/loki_push.h"
#include "tests/support/http_receiver.h"

namespace overtone::adapters {
namespace {

using overtone::testing::HttpReceiver;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Waits until `done()` or 20 s.
template <typename Fn>
bool Eventually(Fn done) {
  for (auto until = Clock::now() + std::chrono::seconds(20); Clock::now() < until;) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return done();
}

Alert TestAlert(int i) {
  return Alert{{{"alertname", "HostDown"}, {"instance", "web-" + std::to_string(i)}},
               {{"summary", "web-" + std::to_string(i) + " is down"}},
               1714564800000,
               1714565040500,
               "http://overtone:9201/graph?g0.expr=up+%3D%3D+0"};
}

TEST(AlertJsonTest, FieldsAsAlertmanagerApiV2TakesThem) {
  EXPECT_EQ(AlertJson(TestAlert(1)),
            R"({"annotations":{"summary":"web-1 is down"},"endsAt":"2024-05-01T12:04:00.500Z",)"
            R"("generatorURL":"http://overtone:9201/graph?g0.expr=up+%3D%3D+0",)"
            R"("labels":{"alertname":"HostDown","instance":"web-1"},"startsAt":"2024-05-01T12:00:00Z"})");
  // Times of 0 and an empty generator URL are left out; annotations stay an object.
  EXPECT_EQ(AlertJson(Alert{{{"alertname", "X"}}, {}, 0, 0, ""}),
            R"({"annotations":{},"labels":{"alertname":"X"}})");
}

TEST(LokiPushTest, OneStreamPerLabelSetInFirstSeenOrder) {
  std::vector<LogEntry> entries = {
      {{{"job", "overtone"}, {"monitor", "a"}}, 1714564800000000000, "x=1"},
      {{{"monitor", "b"}}, 1714564800001000000, "y=\"two words\""},
      {{{"job", "overtone"}, {"monitor", "a"}}, 1714564800002000000, "x=2"},
  };
  EXPECT_EQ(LokiPushJson(entries),
            R"({"streams":[{"stream":{"job":"overtone","monitor":"a"},)"
            R"("values":[["1714564800000000000","x=1"],["1714564800002000000","x=2"]]},)"
            R"({"stream":{"monitor":"b"},"values":[["1714564800001000000","y=\"two words\""]]}]})");
  EXPECT_EQ(LokiPushJson({}), R"({"streams":[]})");
  EXPECT_EQ(LokiPushUrl("http://loki:3100"), "http://loki:3100/loki/api/v1/push");
  EXPECT_EQ(LokiPushUrl("http://loki:3100/"), "http://loki:3100/loki/api/v1/push");
  EXPECT_EQ(LokiPushUrl("http://loki:3100/loki/api/v1/push"), "http://loki:3100/loki/api/v1/push");
}

TEST(AlertmanagerSenderTest, EveryAlertmanagerGetsEveryAlertIn64AlertBatches) {
  HttpReceiver am1, am2;
  auto sender = AlertmanagerSender::Create({am1.Url(), am2.Url("/prefix/")});
  ASSERT_TRUE(sender.ok()) << sender.status().ToString();
  std::vector<Alert> alerts;
  for (int i = 0; i < 150; ++i) alerts.push_back(TestAlert(i));
  (*sender)->Send(alerts);
  for (HttpReceiver* am : {&am1, &am2}) {
    ASSERT_TRUE(Eventually([&] { return am->Requests().size() >= 3; }));
    std::vector<std::string> names;
    size_t total = 0;
    for (const HttpReceiver::Request& r : am->Requests()) {
      EXPECT_EQ(r.method, "POST");
      EXPECT_EQ(r.path, am == &am1 ? "/api/v2/alerts" : "/prefix/api/v2/alerts");
      EXPECT_EQ(r.headers.find("Content-Type")->second, "application/json");
      nlohmann::json batch = nlohmann::json::parse(r.body);
      ASSERT_TRUE(batch.is_array());
      EXPECT_LE(batch.size(), kAlertsPerPost);
      for (const auto& a : batch) names.push_back(a["labels"]["instance"]);
      total += batch.size();
    }
    EXPECT_EQ(total, 150u);
    EXPECT_EQ(names.front(), "web-0");  // in the order sent
    EXPECT_EQ(names.back(), "web-149");
  }
  // The answers may reach the senders' threads after the receivers show the alerts.
  ASSERT_TRUE(Eventually([&] {
    auto c = (*sender)->counters();
    return c[0].second.sent == 150 && c[1].second.sent == 150;
  }));
  EXPECT_EQ((*sender)->counters()[0].second.failed, 0u);
  std::string metrics = (*sender)->RenderMetrics();
  EXPECT_NE(metrics.find("prometheus_notifications_sent_total{alertmanager=\"" + am1.Url() + "\"} 150"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("prometheus_notifications_alertmanagers_discovered 2"), std::string::npos);
  // 150 alerts, 64 a POST: three POSTs each, timed.
  EXPECT_NE(metrics.find("# TYPE prometheus_notifications_latency_seconds summary\n"), std::string::npos);
  EXPECT_NE(
      metrics.find("prometheus_notifications_latency_seconds_count{alertmanager=\"" + am1.Url() + "\"} 3\n"),
      std::string::npos)
      << metrics;
  EXPECT_GT((*sender)->counters()[1].second.post_seconds, 0);
}

TEST(AlertmanagerSenderTest, BadUrlIsRefusedByName) {
  auto sender = AlertmanagerSender::Create({"ftp://am:9093"});
  ASSERT_FALSE(sender.ok());
  EXPECT_EQ(sender.status().message(),
            "Alertmanager URL ftp://am:9093: URL must start with http:// (ftp://am:9093)");
}

TEST(HttpSenderTest, RetriesServerErrorsWithGrowingBackoff) {
  HttpReceiver rx;
  rx.Answer([](size_t n) { return n == 0 ? 503 : n == 1 ? 429 : n == 2 ? 500 : 204; });
  SenderOptions o;
  o.first_backoff_ms = 50;
  auto sender = HttpSender::Create(rx.Url("/push"), o);
  ASSERT_TRUE(sender.ok());
  (*sender)->Enqueue({R"({"a":1})"});
  ASSERT_TRUE(rx.WaitFor(4));
  ASSERT_TRUE(Eventually([&] { return (*sender)->counters().sent == 1; }));
  std::vector<HttpReceiver::Request> r = rx.Requests();
  for (const auto& req : r) EXPECT_EQ(req.body, R"({"a":1})");
  // 50, 100, 200 ms between the attempts (at least).
  EXPECT_GE(r[1].at - r[0].at, milliseconds(50));
  EXPECT_GE(r[2].at - r[1].at, milliseconds(100));
  EXPECT_GE(r[3].at - r[2].at, milliseconds(200));
  SenderCounters c = (*sender)->counters();
  EXPECT_EQ(c.failed, 3u);
  EXPECT_EQ(c.dropped, 0u);
}

TEST(HttpSenderTest, ARefusalIsNotRetriedAndTheItemsAreDropped) {
  HttpReceiver rx;
  rx.Answer([](size_t) { return 400; });
  SenderOptions o;
  o.first_backoff_ms = 10;
  o.json_array = true;
  o.max_batch = 10;
  auto sender = HttpSender::Create(rx.Url(), o);
  ASSERT_TRUE(sender.ok());
  (*sender)->Enqueue({"1", "2", "3"});
  ASSERT_TRUE(Eventually([&] { return (*sender)->counters().dropped == 3; }));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(rx.Requests().size(), 1u);
  EXPECT_EQ(rx.Requests()[0].body, "[1,2,3]");
  EXPECT_EQ((*sender)->counters().failed, 1u);
}

TEST(HttpSenderTest, UnreachableDestinationNeverBlocksTheCaller) {
  SenderOptions o = AlertmanagerSenderOptions();
  o.queue_capacity = 100;
  o.first_backoff_ms = 20;
  o.max_attempts = 3;
  auto sender = AlertmanagerSender::Create({"http://127.0.0.1:" + std::to_string(testing::UnusedPort())}, o);
  ASSERT_TRUE(sender.ok());
  // 1000 sends of 10 alerts each: each returns at once, whatever the
  // destination does; the queue keeps the newest 100.
  Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 1000; ++i) {
    std::vector<Alert> alerts;
    for (int j = 0; j < 10; ++j) alerts.push_back(TestAlert(j));
    (*sender)->Send(std::move(alerts));
  }
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(5));
  SenderCounters c = (*sender)->counters()[0].second;
  EXPECT_LE(c.queue_length, 100u);
  EXPECT_GE(c.dropped, 10000u - 100u - kAlertsPerPost);
  // The POSTs fail, are retried (3 attempts a batch), and the batch dropped.
  ASSERT_TRUE(Eventually([&] { return (*sender)->counters()[0].second.failed >= 6; }));
  EXPECT_EQ((*sender)->counters()[0].second.sent, 0u);
  std::string metrics = (*sender)->RenderMetrics();
  EXPECT_NE(metrics.find("prometheus_notifications_errors_total{alertmanager="), std::string::npos);
  (*sender)->Stop();
  c = (*sender)->counters()[0].second;
  EXPECT_EQ(c.queue_length, 0u);
  EXPECT_EQ(c.dropped + c.sent, 10000u);  // every alert accounted for
}

TEST(HttpSenderTest, StopCutsAStalledPostShort) {
  HttpReceiver rx;
  rx.Delay(std::chrono::seconds(30));
  auto sender = HttpSender::Create(rx.Url(), SenderOptions{});
  ASSERT_TRUE(sender.ok());
  (*sender)->Enqueue({"{}", "{}"});
  ASSERT_TRUE(rx.WaitFor(1));
  Clock::time_point t0 = Clock::now();
  (*sender)->Stop();
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ((*sender)->counters().dropped, 2u);
  (*sender)->Enqueue({"{}"});  // after Stop: counted, not sent
  EXPECT_EQ((*sender)->counters().dropped, 3u);
}

}  // namespace
}  // namespace overtone::adapters
