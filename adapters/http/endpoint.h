// What the endpoints share: their view of the server (EndpointContext) and
// their answer (HttpReply). Endpoints are written against these, not
// httplib, so that tests can call them directly; server.cc translates.

#ifndef OVERTONE_ADAPTERS_HTTP_ENDPOINT_H_
#define OVERTONE_ADAPTERS_HTTP_ENDPOINT_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/http/http_status.h"
#include "adapters/http/memory_budget.h"
#include "adapters/http/server.h"
#include "adapters/http/server_metrics.h"
#include "overtone/cancel.h"
#include "overtone/database.h"

namespace overtone::adapters {

class SeriesIdCache;  // adapters/prometheus/series_id_cache.h

struct EndpointContext {
  Database* db;
  const ServerOptions* options;
  MemoryBudget* budget;
  ServerMetrics* metrics;
  const CancelToken* cancel = nullptr;  // the request's, when it may run long (query_watch.h)
  SeriesIdCache* series_ids = nullptr;  // remote write's known series; null: none kept
};

struct HttpReply {
  int status = kHttpOk;
  std::string content_type;  // empty: none (no body)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // A body too large to hold at once, in its place when set: each call
  // appends the next part to *out; false once that was the last. Sent with
  // chunked transfer encoding; nothing may throw out of it.
  std::function<bool(std::string* out)> body_parts;

  // A plain-text error reply: the message and a newline.
  static HttpReply Error(int status, std::string message) {
    HttpReply r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(message);
    r.body.push_back('\n');
    return r;
  }
};

// The headers of a request body that matter before it is read.
struct BodyHeaders {
  std::string content_type;
  std::string content_encoding;
  std::optional<size_t> content_length;  // absent with chunked transfer
};

// The reply for a request refused by the memory budget.
HttpReply OverloadedReply(const EndpointContext& ctx, std::string what);

// For a write before anything is read: the overload reply (with
// Retry-After) while the database's memory accountant is under pressure
// (overtone/memory.h): its series index past its share, or the process
// past its limit. Writes resume once the compactor has turned idle series
// cold or RocksDB has flushed.
inline constexpr const char* kMemoryPressureRetryAfterSeconds = "5";
std::optional<HttpReply> RefuseUnderMemoryPressure(const EndpointContext& ctx);

// Before the body is read: reserves content_length bytes in *reservation.
// A reply means refuse with it (and drain the body): 413 past
// max_request_bytes, the overload reply when the budget is used up.
std::optional<HttpReply> ReserveBody(const EndpointContext& ctx, const BodyHeaders& headers,
                                     MemoryBudget::Reservation* reservation);

// Decompresses a snappy block body into *raw, first reserving
// `reserve_per_byte` times its decompressed size. A reply means refuse with
// it: 400 not snappy, 413 past max_decompressed_bytes, the overload reply.
std::optional<HttpReply> DecompressBody(const EndpointContext& ctx, std::string_view body,
                                        size_t reserve_per_byte, MemoryBudget::Reservation* reservation,
                                        std::string* raw);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_ENDPOINT_H_
