#include "adapters/http/query_api.h"

#include <variant>

#include "adapters/http/query_render.h"
#include "adapters/http/query_run.h"
#include "adapters/promql/time_params.h"

namespace overtone::adapters {

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
  auto c = QueryConnection::Open(db_, false);
  return c.ok() ? std::move(*c) : nullptr;
}

void QueryApi::Release(std::unique_ptr<QueryConnection> c) {
  std::lock_guard lock(pool_mu_);
  if (pool_.size() < 8) pool_.push_back(std::move(c));
}

HttpReply QueryApi::Handle(const QueryApiRequest& http) {
  ApiRequest request;
  if (std::optional<ApiError> error = ParseApiRequest(http, promql::NowMs(), &request)) {
    return RenderError(*error);
  }
  return std::visit([this](const auto& r) { return Answer(r); }, request);
}

HttpReply QueryApi::Answer(const InstantQueryRequest& request) {
  return AnswerPromql(PlanPromql(request, options_));
}

HttpReply QueryApi::Answer(const RangeQueryRequest& request) {
  return AnswerPromql(PlanPromql(request, options_));
}

HttpReply QueryApi::AnswerPromql(const PromqlPlan& plan) {
  std::unique_ptr<QueryConnection> conn = Acquire();
  if (!conn) return RenderError(ApiError::FromStatus(Status::Internal("no SQLite connection")));
  Result<promql::QueryResult> result = RunPromql(conn->get(), plan);
  Release(std::move(conn));
  if (!result.ok()) return RenderError(ApiError::FromStatus(result.status()));
  return RenderQueryResult(*result);
}

HttpReply QueryApi::Answer(const SeriesRequest& request) {
  Result<std::vector<SeriesInfo>> series = FindSeries(db_, request);
  if (!series.ok()) return RenderError(ApiError::FromStatus(series.status()));
  return RenderSeries(*series);
}

HttpReply QueryApi::Answer(const LabelsRequest& request) {
  Result<std::vector<std::string>> values = FindLabels(db_, request);
  if (!values.ok()) return RenderError(ApiError::FromStatus(values.status()));
  return RenderStrings(*values);
}

HttpReply QueryApi::Answer(const MetadataRequest&) { return RenderMetadata(); }

HttpReply QueryApi::Answer(const BuildInfoRequest&) { return RenderBuildInfo(options_.version); }

HttpReply QueryApi::Answer(const SqlRequest& request) {
  Result<SqlPlan> plan = PlanSql(db_, request, options_);
  if (!plan.ok()) return RenderError(ApiError::FromStatus(plan.status()));
  Result<SqlTable> table = RunSql(&*plan);
  if (!table.ok()) return RenderError(ApiError::FromStatus(table.status()));
  return request.csv ? RenderSqlCsv(*table) : RenderSqlJson(*table);
}

}  // namespace overtone::adapters
