// What the endpoints share: their view of the server (EndpointContext) and
// their answer (HttpReply). Endpoints are written against these, not
// httplib, so that tests can call them directly; server.cc translates.

#ifndef OVERTONE_ADAPTERS_HTTP_ENDPOINT_H_
#define OVERTONE_ADAPTERS_HTTP_ENDPOINT_H_

#include <string>
#include <utility>
#include <vector>

#include "adapters/http/http_status.h"
#include "adapters/http/memory_budget.h"
#include "adapters/http/server.h"
#include "adapters/http/server_metrics.h"
#include "overtone/database.h"

namespace overtone::adapters {

struct EndpointContext {
  Database* db;
  const ServerOptions* options;
  MemoryBudget* budget;
  ServerMetrics* metrics;
};

struct HttpReply {
  int status = kHttpOk;
  std::string content_type;  // empty: none (no body)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

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

// The reply for a request refused by the memory budget.
inline HttpReply OverloadedReply(const EndpointContext& ctx, std::string what) {
  ctx.metrics->overloaded.fetch_add(1, std::memory_order_relaxed);
  HttpReply r = HttpReply::Error(ctx.options->overload_status,
                                 "server over its request memory budget (" + std::move(what) +
                                     "); retry later");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_ENDPOINT_H_
