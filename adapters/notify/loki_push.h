// Log lines for Loki's push API and rows for a JSON webhook: the bodies
// that the scheduled monitors (adapters/monitors/) hand to an HttpSender.
//
// Loki (POST <url>/loki/api/v1/push, Content-Type: application/json):
//
//   {"streams":[{"stream":{"job":"overtone","monitor":"disk"},
//                "values":[["1714564800000000000","codec=flac bytes=1234"]]}]}
//
// one stream per distinct label set, in the order first seen; each value a
// pair of the time in Unix nanoseconds (as a string) and the line.

#ifndef OVERTONE_ADAPTERS_NOTIFY_LOKI_PUSH_H_
#define OVERTONE_ADAPTERS_NOTIFY_LOKI_PUSH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/notify/http_sender.h"
#include "overtone/types.h"

namespace overtone::adapters {

struct LogEntry {
  Labels stream;  // the stream's labels
  int64_t ts_ns;  // Unix nanoseconds
  std::string line;
};

// The push request for `entries`.
std::string LokiPushJson(const std::vector<LogEntry>& entries);

// `<base>/loki/api/v1/push` for a Loki base URL (a trailing / or a URL that
// already ends in the push path is accepted as well).
std::string LokiPushUrl(std::string base);

// One POST per push or webhook body, retried as HttpSender retries.
SenderOptions PushSenderOptions();

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_NOTIFY_LOKI_PUSH_H_
