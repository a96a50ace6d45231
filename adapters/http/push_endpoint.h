// Pushing the text exposition format without a Prometheus in between:
//
//   PUT|POST|DELETE /metrics/job/<job>{/<label>/<value>}   the Pushgateway's API
//   POST            /api/v1/import/prometheus              VictoriaMetrics's, extra_label=name=value
//
// Push groups (docs/SERVER.md): the path's labels are the group's grouping
// key and are set on every pushed series (replacing a label of the same
// name). A value written `<label>@base64/<value>` is URL-safe base64 (with or
// without padding; `=` alone is the empty value), so it may hold a `/`.
// POST writes the samples; series of the group that have a metric name the
// push has but are absent from it get a staleness marker. PUT: every series
// of the group absent from the push gets one. DELETE: every series of the
// group. Database::Push keeps the groups across restarts.
//
// Both parse the whole body before writing anything: a bad line is a 400
// naming it, with nothing written. Samples without a timestamp get the time
// the request arrived. `# TYPE`, `# HELP` and `# UNIT` lines are stored as
// metric metadata. Content-Type application/openmetrics-text is read as
// OpenMetrics (timestamps in seconds), anything else text/plain's 0.0.4
// (milliseconds); the protobuf exposition format is refused (415).

#ifndef OVERTONE_ADAPTERS_HTTP_PUSH_ENDPOINT_H_
#define OVERTONE_ADAPTERS_HTTP_PUSH_ENDPOINT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/http/endpoint.h"

namespace overtone::adapters {

inline constexpr std::string_view kPushPrefix = "/metrics/job";

// The grouping key of a push path (`/metrics/job/<job>{/<label>/<value>}`),
// its labels sorted. InvalidArgument naming what is wrong.
Result<Labels> ParseGroupingKey(std::string_view path);

// Checks the headers before the body is read, and reserves its size.
std::optional<HttpReply> PrecheckPush(const EndpointContext& ctx, const BodyHeaders& headers,
                                      MemoryBudget::Reservation* reservation);

// A push to the group of `path` by `method` ("PUT", "POST" or "DELETE").
HttpReply HandlePush(const EndpointContext& ctx, std::string_view method, std::string_view path,
                     const BodyHeaders& headers, std::string_view body, int64_t now_ms);

// POST /api/v1/import/prometheus; `params` the query string's.
HttpReply HandleImportText(const EndpointContext& ctx,
                           const std::vector<std::pair<std::string, std::string>>& params,
                           const BodyHeaders& headers, std::string_view body, int64_t now_ms);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_PUSH_ENDPOINT_H_
