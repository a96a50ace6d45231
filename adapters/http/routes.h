// The routes of `overtone serve`, each declared once: the methods it takes,
// its path, the endpoint that answers it, whether it needs the bearer token,
// whether it only reads (so that a read-only server serves it), and the
// `handler` label of its request metrics.
//
// Everything else follows from this table: server.cc registers the routes
// with httplib and decides auth and read-only refusals from it, a 405's
// Allow header names the methods it lists, and docs/SERVER.md carries
// RouteTableMarkdown() between two marker comments (a test compares them).
//
// This header names no httplib type, so tests can read the table directly.

#ifndef OVERTONE_ADAPTERS_HTTP_ROUTES_H_
#define OVERTONE_ADAPTERS_HTTP_ROUTES_H_

#include <span>
#include <string>
#include <string_view>

namespace overtone::adapters {

// The code that answers a route (server.cc binds each to its handler).
enum class Endpoint {
  kRemoteWrite,  // write_endpoint.h
  kRemoteRead,   // read_endpoint.h
  kQueryApi,     // query_api.h: the Prometheus query API and /api/v1/sql
  kMetrics,      // server_metrics.h, text format
  kStats,        // server_metrics.h, JSON
  kHealth,
  kReady,
  kRules,       // ServerOptions::rules_json / alerts_json: Prometheus rules (adapters/rules/)
  kReload,      // ServerOptions::reload
  kConsole,     // console_endpoint.h: the web console's pages and files
  kPush,        // push_endpoint.h: the Pushgateway's API
  kImportText,  // push_endpoint.h: /api/v1/import/prometheus
};

struct Route {
  std::string_view methods;  // "GET", "POST", "GET, POST", ..., as a 405's Allow header says them
  std::string_view path;     // "<name>" stands for a path segment, "<path>" for one or more
  Endpoint endpoint;
  bool needs_auth;           // the bearer token, when the server has one
  bool only_reads;           // served by a read-only server too
  std::string_view handler;  // label of overtone_http_requests_total and its histogram
  std::string_view what;     // one line for docs/SERVER.md
};

// The label of requests no route takes: a method the path does not take.
inline constexpr std::string_view kOtherHandler = "other";

// Every route, in the order they are documented and registered.
std::span<const Route> ServerRoutes();

// Whether `route` takes `method` ("GET", "POST", ...).
bool TakesMethod(const Route& route, std::string_view method);

// The regular expression httplib matches the route's path with.
std::string RoutePattern(const Route& route);

// The methods the route at `path` takes, for a 405's Allow header; "" when
// no route has that path.
std::string AllowedMethods(std::string_view path);

// The route table as docs/SERVER.md shows it: a markdown table, one row a
// route, ending in a newline.
std::string RouteTableMarkdown();

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_ROUTES_H_
