#include "adapters/notify/alertmanager.h"

#include <nlohmann/json.hpp>

#include "adapters/formats/metrics_text.h"
#include "adapters/formats/value_text.h"
#include "adapters/prometheus/remote_write_client.h"

namespace overtone::adapters {
namespace {

nlohmann::json LabelsObject(const Labels& labels) {
  nlohmann::json out = nlohmann::json::object();
  for (const Label& l : labels) out[l.name] = l.value;
  return out;
}

// The API path appended to a base URL (Prometheus's path_prefix + api/v2).
std::string AlertsUrl(std::string base) {
  while (base.ends_with("/")) base.pop_back();
  return base + "/api/v2/alerts";
}

// The /metrics families, Prometheus's names (notifier/notifier.go).
struct MetricInfo {
  const char* name;
  const char* type;
  const char* help;
};
constexpr MetricInfo kSent{"prometheus_notifications_sent_total", "counter", "Total number of alerts sent."};
constexpr MetricInfo kErrors{"prometheus_notifications_errors_total", "counter",
                             "Total number of errors sending alert notifications."};
constexpr MetricInfo kDropped{"prometheus_notifications_dropped_total", "counter",
                              "Total number of alerts dropped due to errors when sending to Alertmanager."};
constexpr MetricInfo kQueueLength{"prometheus_notifications_queue_length", "gauge",
                                  "The number of alert notifications in the queue."};
constexpr MetricInfo kQueueCapacity{"prometheus_notifications_queue_capacity", "gauge",
                                    "The capacity of the alert notifications queue."};
constexpr MetricInfo kLatency{"prometheus_notifications_latency_seconds", "summary",
                              "Latency quantiles for sending alert notifications."};
constexpr MetricInfo kDiscovered{"prometheus_notifications_alertmanagers_discovered", "gauge",
                                 "The number of alertmanagers discovered and active."};

}  // namespace

std::string AlertJson(const Alert& alert) {
  nlohmann::json j;
  j["labels"] = LabelsObject(alert.labels);
  j["annotations"] = LabelsObject(alert.annotations);
  if (alert.starts_at_ms != 0) j["startsAt"] = FormatRfc3339(alert.starts_at_ms);
  if (alert.ends_at_ms != 0) j["endsAt"] = FormatRfc3339(alert.ends_at_ms);
  if (!alert.generator_url.empty()) j["generatorURL"] = alert.generator_url;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

SenderOptions AlertmanagerSenderOptions() {
  SenderOptions o;
  o.queue_capacity = 10000;
  o.max_batch = kAlertsPerPost;
  o.json_array = true;
  o.timeout_ms = 10000;
  o.headers = {{"User-Agent", "overtone"}};
  return o;
}

Result<std::unique_ptr<AlertmanagerSender>> AlertmanagerSender::Create(const std::vector<std::string>& urls,
                                                                       SenderOptions options) {
  std::vector<Destination> destinations;
  for (const std::string& url : urls) {
    Result<HttpUrl> parsed = ParseHttpUrl(url);
    if (!parsed.ok())
      return Status::InvalidArgument("Alertmanager URL " + url + ": " + parsed.status().message());
    OT_ASSIGN_OR_RETURN(std::unique_ptr<HttpSender> sender, HttpSender::Create(AlertsUrl(url), options));
    destinations.push_back(Destination{url, std::move(sender)});
  }
  return std::unique_ptr<AlertmanagerSender>(new AlertmanagerSender(std::move(destinations)));
}

void AlertmanagerSender::Send(std::vector<Alert> alerts) {
  if (alerts.empty() || destinations_.empty()) return;
  std::vector<std::string> items;
  items.reserve(alerts.size());
  for (const Alert& a : alerts) items.push_back(AlertJson(a));
  for (size_t i = 0; i + 1 < destinations_.size(); ++i) destinations_[i].sender->Enqueue(items);
  destinations_.back().sender->Enqueue(std::move(items));
}

void AlertmanagerSender::Stop() {
  for (Destination& d : destinations_) d.sender->Stop();
}

std::vector<std::pair<std::string, SenderCounters>> AlertmanagerSender::counters() const {
  std::vector<std::pair<std::string, SenderCounters>> out;
  for (const Destination& d : destinations_) out.emplace_back(d.base_url, d.sender->counters());
  return out;
}

std::string AlertmanagerSender::RenderMetrics() const {
  std::vector<std::pair<std::string, SenderCounters>> all = counters();
  MetricsText w;
  auto per_destination = [&](const MetricInfo& m, auto field) {
    w.Header(m.name, m.type, m.help);
    for (const auto& [url, c] : all)
      w.Line(m.name, LabelPair("alertmanager", url), static_cast<double>(c.*field));
  };
  per_destination(kSent, &SenderCounters::sent);
  per_destination(kErrors, &SenderCounters::failed);
  per_destination(kDropped, &SenderCounters::dropped);
  per_destination(kQueueLength, &SenderCounters::queue_length);
  per_destination(kQueueCapacity, &SenderCounters::queue_capacity);
  // A summary without quantiles: its _sum and _count (Prometheus adds the
  // 0.5, 0.9 and 0.99 quantiles).
  w.Header(kLatency.name, kLatency.type, kLatency.help);
  for (const auto& [url, c] : all) {
    w.Line(std::string(kLatency.name) + "_sum", LabelPair("alertmanager", url), c.post_seconds);
    w.Line(std::string(kLatency.name) + "_count", LabelPair("alertmanager", url),
           static_cast<double>(c.posts));
  }
  w.Metric(kDiscovered.name, kDiscovered.type, kDiscovered.help, static_cast<double>(all.size()));
  return w.Take();
}

}  // namespace overtone::adapters
