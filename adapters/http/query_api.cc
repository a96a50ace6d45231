#include "adapters/http/query_api.h"

#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>
#include <variant>

#include "adapters/http/query_render.h"
#include "adapters/http/query_run.h"
#include "adapters/http/status_pages.h"
#include "adapters/promql/parser.h"
#include "adapters/promql/time_params.h"

namespace overtone::adapters {
namespace {

// A later step's error, answered as ApiError::FromStatus says.
HttpReply Failed(const Status& s) { return RenderError(ApiError::FromStatus(s)); }

// Prometheus names the parameter when an instant query does not parse
// (invalid parameter "query": 1:5: parse error: ...), and not when a range
// query does. Whether the failure was the parse is asked of the parser
// again, on this error path only, so a query that runs is parsed once.
Status InstantParseErrorNamed(const PromqlPlan& plan, const Status& s) {
  if (plan.range || s.code() != Status::Code::kInvalidArgument) return s;
  Result<promql::ExprPtr> expr = promql::ParseExpr(plan.query);
  if (expr.ok()) return s;
  return Status::InvalidArgument("invalid parameter \"query\": " + expr.status().message());
}

}  // namespace

QueryApi::QueryApi(Database* db, QueryApiOptions options) : db_(db), options_(std::move(options)) {}
QueryApi::~QueryApi() = default;

std::unique_ptr<QueryConnection> QueryApi::Acquire() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      auto c = std::move(pool_.back());
      pool_.pop_back();
      return c;
    }
  }
  auto c = QueryConnection::Open(db_, false, options_.sql_tables);
  return c.ok() ? std::move(*c) : nullptr;
}

void QueryApi::Release(std::unique_ptr<QueryConnection> c) {
  std::lock_guard lock(pool_mu_);
  if (pool_.size() < 8) pool_.push_back(std::move(c));
}

template <>
HttpReply QueryApi::Answer(const InstantQueryRequest& request) {
  return AnswerPromql(PlanPromql(request, options_));
}

template <>
HttpReply QueryApi::Answer(const RangeQueryRequest& request) {
  return AnswerPromql(PlanPromql(request, options_));
}

HttpReply QueryApi::AnswerPromql(const PromqlPlan& plan) {
  std::unique_ptr<QueryConnection> conn = Acquire();
  if (!conn) return Failed(Status::Internal("no SQLite connection"));
  // The run's token: the plan's time limit, and the request's cancellation.
  CancelToken* token = conn->cancel();
  conn->StartRun(std::chrono::steady_clock::now() + std::chrono::milliseconds(plan.options.timeout_ms),
                 plan.cancel);
  PromqlPlan run = plan;
  run.options.cancel = token;
  run.options.statements = conn->statements();
  run.options.plans = &plans_;
  Result<promql::QueryResult> result = RunPromql(conn->get(), run);
  if (plan.cancel != nullptr && token->cancelled())
    plan.cancel->Cancel(token->reason());  // the request learns why
  token->Reset();  // lets go of the request's token: the connection goes back to the pool
  Release(std::move(conn));
  if (!result.ok()) return Failed(InstantParseErrorNamed(plan, result.status()));
  return RenderQueryResult(std::move(*result));
}

template <>
HttpReply QueryApi::Answer(const SeriesRequest& request) {
  Result<std::vector<SeriesInfo>> series = FindSeries(db_, request);
  if (!series.ok()) return Failed(series.status());
  return RenderSeries(*series);
}

template <>
HttpReply QueryApi::Answer(const LabelsRequest& request) {
  Result<std::vector<std::string>> values = FindLabels(db_, request);
  if (!values.ok()) return Failed(values.status());
  return RenderStrings(*values);
}

template <>
HttpReply QueryApi::Answer(const MetadataRequest& request) {
  Result<std::vector<MetricMetadata>> all = db_->ListMetadata();
  if (!all.ok()) return Failed(all.status());
  return RenderMetadata(*all, request);
}

template <>
HttpReply QueryApi::Answer(const ConfigRequest&) {
  return RenderConfig(options_.config_yaml);
}

// Prometheus 2.42 shows the top 10 of each count.
constexpr size_t kTsdbTop = 10;

template <>
HttpReply QueryApi::Answer(const TsdbRequest&) {
  Result<IndexStats> stats = db_->GetIndexStats(kTsdbTop);
  if (!stats.ok()) return Failed(stats.status());
  return RenderTsdb(*stats);
}

template <>
HttpReply QueryApi::Answer(const BuildInfoRequest&) {
  return RenderBuildInfo(options_.version);
}

template <>
HttpReply QueryApi::Answer(const RuntimeInfoRequest&) {
  RuntimeInfo info;
  info.start_time_ms = options_.start_time_ms;
  std::error_code error;
  info.cwd = std::filesystem::current_path(error).string();
  // The process's threads, one directory each under /proc/self/task (Linux).
  for (auto it = std::filesystem::directory_iterator("/proc/self/task", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    ++info.threads;
  }
  if (error) info.threads = 0;
  info.hardware_threads = static_cast<int>(std::thread::hardware_concurrency());
  return RenderRuntimeInfo(info);
}

template <>
HttpReply QueryApi::Answer(const FlagsRequest&) {
  return RenderFlags(options_.flags);
}

template <>
HttpReply QueryApi::Answer(const TargetsRequest&) {
  return RenderTargets();
}

template <>
HttpReply QueryApi::Answer(const ExemplarsRequest& request) {
  return RenderExemplars(request.selects);
}

template <>
HttpReply QueryApi::Answer(const FormatQueryRequest& request) {
  return RenderFormattedQuery(request.formatted);
}

template <>
HttpReply QueryApi::Answer(const SqlRequest& request) {
  Result<SqlPlan> plan = PlanSql(db_, request, options_);
  if (!plan.ok()) return Failed(plan.status());
  Result<SqlTable> table = RunSql(&*plan);
  if (!table.ok()) return Failed(table.status());
  return request.csv ? RenderSqlCsv(*table) : RenderSqlJson(*table);
}

HttpReply QueryApi::Handle(const QueryApiRequest& http) {
  ApiRequest request;
  if (std::optional<ApiError> error = ParseApiRequest(http, promql::NowMs(), &request)) {
    return RenderError(*error);
  }
  // Queries that can run long take the request's token.
  std::visit(
      [&http](auto& r) {
        if constexpr (requires { r.cancel; }) r.cancel = http.cancel;
      },
      request);
  return std::visit([this](const auto& r) { return Answer(r); }, request);
}

}  // namespace overtone::adapters
