// Prometheus's HTTP query API over an overtone Database, so that Grafana's
// Prometheus data source (or any client of the API) works unchanged:
//
//   GET|POST /api/v1/query              query, time, timeout
//   GET|POST /api/v1/query_range        query, start, end, step, timeout
//   GET|POST /api/v1/series             match[], start, end
//   GET|POST /api/v1/labels             [match[]], start, end
//   GET      /api/v1/label/<name>/values [match[]]
//   GET      /api/v1/metadata           (overtone keeps no metadata: {})
//   GET      /api/v1/status/buildinfo
//   POST     /api/v1/sql                read-only SQL; query=..., format=json|csv
//
// Parameters come from the query string and from a form-encoded body
// (application/x-www-form-urlencoded), as in Prometheus. Answers use its
// envelope {status, data, errorType, error, warnings} with sample values
// as strings and timestamps as Unix seconds; errors are bad_data (400),
// execution (422), timeout (503) or internal (500).
//
// PromQL is evaluated as SQL (adapters/promql/query.h) on in-memory SQLite
// connections with overtone registered. /api/v1/sql runs on a connection
// that SQLite itself keeps read-only: PRAGMA query_only and an authorizer
// that admits nothing but reading (no INSERT into samples, no
// delete_series(), no ATTACH), with a time limit.
//
// This header names no httplib type: server.cc adapts requests to it.

#ifndef OVERTONE_ADAPTERS_HTTP_QUERY_API_H_
#define OVERTONE_ADAPTERS_HTTP_QUERY_API_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/http/endpoint.h"
#include "overtone/database.h"

struct sqlite3;

namespace overtone::adapters {

struct QueryApiOptions {
  int64_t timeout_ms = 2 * 60 * 1000;  // Prometheus's default query timeout
  int64_t lookback_ms = 5 * 60 * 1000;
  size_t max_sql_rows = 1000000;       // /api/v1/sql answers at most this many rows
  std::string version = "0.1.0";       // for /api/v1/status/buildinfo
};

struct QueryApiRequest {
  std::string method;  // "GET" or "POST"
  std::string path;    // "/api/v1/query"
  std::vector<std::pair<std::string, std::string>> params;  // decoded query-string parameters
  std::string body;
  std::string content_type;
  std::string accept;
};

class QueryApi {
 public:
  // REQUIRES: db outlives the QueryApi.
  QueryApi(Database* db, QueryApiOptions options);
  ~QueryApi();
  QueryApi(const QueryApi&) = delete;
  QueryApi& operator=(const QueryApi&) = delete;

  // Whether `path` is one of the API's (for routing).
  static bool Handles(std::string_view path);

  HttpReply Handle(const QueryApiRequest& request);

 private:
  class Connection;
  std::unique_ptr<Connection> Acquire();
  void Release(std::unique_ptr<Connection> c);

  HttpReply Query(const std::vector<std::pair<std::string, std::string>>& params);
  HttpReply QueryRange(const std::vector<std::pair<std::string, std::string>>& params);
  HttpReply Series(const std::vector<std::pair<std::string, std::string>>& params);
  HttpReply Labels(const std::vector<std::pair<std::string, std::string>>& params, const std::string* name);
  HttpReply Sql(const QueryApiRequest& request, const std::vector<std::pair<std::string, std::string>>& params);

  Database* db_;
  QueryApiOptions options_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> pool_;
};

// Form / query-string decoding: "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}}.
std::vector<std::pair<std::string, std::string>> ParseFormEncoded(std::string_view text);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_QUERY_API_H_
