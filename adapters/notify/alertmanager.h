// AlertmanagerSender: alerts delivered as Prometheus delivers them, to
// every Alertmanager given (`overtone serve --alertmanager URL`, repeatable).
//
//   auto am = AlertmanagerSender::Create({"http://127.0.0.1:9093"});
//   (*am)->Send({Alert{{{"alertname", "HostDown"}, {"instance", "web-1"}},
//                      {{"summary", "web-1 is down"}}, starts_ms, ends_ms, url}});
//
// Each alert is one object of the JSON array POSTed to
// `<url>/api/v2/alerts` (Alertmanager's API v2 `postableAlerts`):
//
//   [{"labels":{"alertname":"HostDown","instance":"web-1"},
//     "annotations":{"summary":"web-1 is down"},
//     "startsAt":"2024-05-01T12:00:00Z","endsAt":"2024-05-01T12:04:00Z",
//     "generatorURL":"http://overtone:9201/graph?g0.expr=up+%3D%3D+0"}]
//
// at most 64 alerts a POST, as Prometheus 2.42 batches them. A firing
// alert is re-sent with endsAt a little in the future; a resolved one with
// endsAt when it ended (in the past). Times are RFC 3339, UTC; a time of 0
// is left out. Each Alertmanager has its own queue and thread (HttpSender),
// so an unreachable one delays nothing and loses only its own copies.

#ifndef OVERTONE_ADAPTERS_NOTIFY_ALERTMANAGER_H_
#define OVERTONE_ADAPTERS_NOTIFY_ALERTMANAGER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "adapters/notify/http_sender.h"
#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::adapters {

struct Alert {
  Labels labels;       // at least alertname
  Labels annotations;  // templates already expanded
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  std::string generator_url;
};

// One alert as Alertmanager's API v2 takes it (a JSON object).
std::string AlertJson(const Alert& alert);

// Prometheus 2.42's batch size (notifier.maxBatchSize).
inline constexpr size_t kAlertsPerPost = 64;

// What an Alertmanager destination starts with: Prometheus's queue
// capacity (--alertmanager.notification-queue-capacity) and timeout.
SenderOptions AlertmanagerSenderOptions();

class AlertmanagerSender {
 public:
  // `urls`: Alertmanagers' base URLs (http://host:port[/prefix]). An
  // InvalidArgument names a bad one.
  static Result<std::unique_ptr<AlertmanagerSender>> Create(
      const std::vector<std::string>& urls, SenderOptions options = AlertmanagerSenderOptions());

  // Queues `alerts` for every Alertmanager and returns at once.
  void Send(std::vector<Alert> alerts);

  // Stops every destination's thread (HttpSender::Stop).
  void Stop();

  // Each destination's base URL and counters.
  std::vector<std::pair<std::string, SenderCounters>> counters() const;

  // The counters in /metrics text, under Prometheus's names
  // (prometheus_notifications_sent_total{alertmanager="<url>"}, ...).
  std::string RenderMetrics() const;

 private:
  struct Destination {
    std::string base_url;
    std::unique_ptr<HttpSender> sender;
  };
  explicit AlertmanagerSender(std::vector<Destination> destinations)
      : destinations_(std::move(destinations)) {}
  std::vector<Destination> destinations_;
};

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_NOTIFY_ALERTMANAGER_H_
