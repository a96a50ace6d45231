// Prometheus's HTTP query API over an overtone Database, so that Grafana's
// Prometheus data source (or any client of the API) works unchanged:
//
//   GET|POST /api/v1/query              query, time, timeout
//   GET|POST /api/v1/query_range        query, start, end, step, timeout
//   GET|POST /api/v1/series             match[], start, end
//   GET|POST /api/v1/labels             [match[]], start, end
//   GET      /api/v1/label/<name>/values [match[]]
//   GET      /api/v1/metadata           metric, limit, limit_per_metric (status_pages.h)
//   GET      /api/v1/status/config, /api/v1/status/tsdb (status_pages.h)
//   GET      /api/v1/status/buildinfo
//   GET      /api/v1/status/runtimeinfo, /api/v1/status/flags (QueryApiOptions says what)
//   GET      /api/v1/targets            (overtone scrapes nothing: no targets)
//   GET|POST /api/v1/query_exemplars    query, start, end (overtone keeps no exemplars: [])
//   GET|POST /api/v1/format_query       query, printed in canonical form
//   POST     /api/v1/sql                read-only SQL; query=..., format=json|csv
//
// Parameters come from the query string and from a form-encoded body
// (application/x-www-form-urlencoded), as in Prometheus. Errors are
// bad_data (400), execution (422), timeout (503) or internal (500).
//
// A request goes through four steps, each in a file of its own and tested
// on its own:
//   parse   query_request.h  HTTP parameters -> a structured request, or bad_data
//   plan    query_plan.h     -> what to run, with the server's limits; SQL prepared read-only
//   run     query_run.h      -> results, on pooled SQLite connections with overtone registered
//   render  query_render.h   -> Prometheus's JSON envelope (or CSV)
//
// This header names no httplib type: server.cc adapts requests to it.

#ifndef OVERTONE_ADAPTERS_HTTP_QUERY_API_H_
#define OVERTONE_ADAPTERS_HTTP_QUERY_API_H_

#include <memory>
#include <mutex>
#include <vector>

#include "adapters/http/endpoint.h"
#include "adapters/http/query_plan.h"
#include "adapters/http/query_request.h"
#include "adapters/promql/plan_cache.h"
#include "overtone/database.h"

namespace overtone::adapters {

class QueryApi {
 public:
  // REQUIRES: db outlives the QueryApi.
  QueryApi(Database* db, QueryApiOptions options);
  ~QueryApi();
  QueryApi(const QueryApi&) = delete;
  QueryApi& operator=(const QueryApi&) = delete;

  HttpReply Handle(const QueryApiRequest& request);

 private:
  // Plans, runs and renders a request of one kind (an ApiRequest
  // alternative); query_api.cc has one specialization a kind.
  template <typename Request>
  HttpReply Answer(const Request& request);
  HttpReply AnswerPromql(const PromqlPlan& plan);

  // PromQL runs on pooled connections: registering overtone is not free.
  std::unique_ptr<QueryConnection> Acquire();
  void Release(std::unique_ptr<QueryConnection> c);

  Database* db_;
  QueryApiOptions options_;
  // Translated PromQL by shape, for every pooled connection.
  promql::PlanCache plans_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<QueryConnection>> pool_;
};

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_QUERY_API_H_
