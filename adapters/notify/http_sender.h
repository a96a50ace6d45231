// HttpSender: POSTs JSON to one destination from a background thread, so
// that whoever produces the data (the rule engine, a monitor) only queues
// it and never waits for the network.
//
//   auto sender = HttpSender::Create("http://127.0.0.1:9093/api/v2/alerts", options);
//   (*sender)->Enqueue({R"({"labels":{"alertname":"Down"}})"});
//   SenderCounters c = (*sender)->counters();
//
// HOW IT WORKS
// Items are JSON values, already serialized. The thread takes up to
// `max_batch` of them at a time and POSTs them as one body: a JSON array of
// the items when `json_array`, else the single item as it is. A connection
// error, a 5xx or a 429 is retried with exponential backoff
// (`first_backoff_ms`, doubled up to `max_backoff_ms`) until `max_attempts`;
// any other 4xx means the receiver refused the data and it is not sent
// again. The queue holds at most `queue_capacity` items: when full, the
// oldest are dropped in favour of new ones, as Prometheus's notifier does.
//
// Counters: `sent` items that a 2xx answer acknowledged, `failed` POST
// attempts that got no 2xx, `dropped` items given up (queue full, refused,
// attempts used up, or still queued at Stop()).

#ifndef OVERTONE_ADAPTERS_NOTIFY_HTTP_SENDER_H_
#define OVERTONE_ADAPTERS_NOTIFY_HTTP_SENDER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "overtone/status.h"

namespace overtone::adapters {

struct SenderOptions {
  size_t queue_capacity = 10000;  // items
  size_t max_batch = 1;           // items per POST
  bool json_array = false;        // the body is [item,...]; else one item per POST
  int max_attempts = 5;           // tries per POST on connection errors, 5xx and 429
  int64_t first_backoff_ms = 100;
  int64_t max_backoff_ms = 10000;
  int64_t timeout_ms = 10000;                                // connecting, and waiting for the answer
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every POST
};

struct SenderCounters {
  uint64_t sent = 0;
  uint64_t failed = 0;
  uint64_t dropped = 0;
  size_t queue_length = 0;
  size_t queue_capacity = 0;
  uint64_t posts = 0;       // POSTs made, answered or not
  double post_seconds = 0;  // their total time
};

class HttpSender {
 public:
  // Starts the sending thread. InvalidArgument for a URL that is not
  // http://host[:port][/path].
  static Result<std::unique_ptr<HttpSender>> Create(const std::string& url, SenderOptions options);
  ~HttpSender();  // Stop()s
  HttpSender(const HttpSender&) = delete;
  HttpSender& operator=(const HttpSender&) = delete;

  // Queues `items` and returns at once.
  void Enqueue(std::vector<std::string> items);

  // Ends the thread: a POST in flight is cut short, what is queued is
  // dropped (and counted). Idempotent.
  void Stop();

  SenderCounters counters() const;
  const std::string& url() const;

 private:
  struct Impl;
  explicit HttpSender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_NOTIFY_HTTP_SENDER_H_
