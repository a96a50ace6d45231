#include "adapters/notify/loki_push.h"

#include <map>
#include <nlohmann/json.hpp>

namespace overtone::adapters {

std::string LokiPushJson(const std::vector<LogEntry>& entries) {
  nlohmann::json streams = nlohmann::json::array();
  std::map<Labels, size_t> index;  // label set -> position in streams
  for (const LogEntry& e : entries) {
    auto [it, added] = index.emplace(e.stream, streams.size());
    if (added) {
      nlohmann::json labels = nlohmann::json::object();
      for (const Label& l : e.stream) labels[l.name] = l.value;
      streams.push_back({{"stream", std::move(labels)}, {"values", nlohmann::json::array()}});
    }
    streams[it->second]["values"].push_back({std::to_string(e.ts_ns), e.line});
  }
  // A line that is not UTF-8 has its bad bytes replaced rather than thrown on.
  return nlohmann::json{{"streams", std::move(streams)}}.dump(-1, ' ', false,
                                                              nlohmann::json::error_handler_t::replace);
}

std::string LokiPushUrl(std::string base) {
  constexpr std::string_view kPush = "/loki/api/v1/push";
  if (base.ends_with(kPush)) return base;
  while (base.ends_with("/")) base.pop_back();
  return base + std::string(kPush);
}

SenderOptions PushSenderOptions() {
  SenderOptions o;
  o.queue_capacity = 1000;  // bodies, each a monitor run's rows
  o.max_batch = 1;
  o.json_array = false;
  o.headers = {{"User-Agent", "overtone"}};
  return o;
}

}  // namespace overtone::adapters
