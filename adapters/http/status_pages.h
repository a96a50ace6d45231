// The answers of /api/v1/metadata, /api/v1/status/config and
// /api/v1/status/tsdb, in Prometheus 2.42's JSON shapes:
//
//   metadata  {"<family>": [{"type": "counter", "help": "...", "unit": ""}], ...}
//   config    {"yaml": "<overtone serve's effective configuration>"}
//   tsdb      {"headStats": {"numSeries", "numLabelPairs", "chunkCount", "minTime", "maxTime"},
//              "seriesCountByMetricName": [{"name", "value"}], "labelValueCountByLabelName",
//              "memoryInBytesByLabelName", "seriesCountByLabelValuePair"}
//
// The configuration is overtone's own (listen address, engine and server
// settings, flags), not a Prometheus configuration file: a tool that parses
// it as one finds none of Prometheus's sections.

#ifndef OVERTONE_ADAPTERS_HTTP_STATUS_PAGES_H_
#define OVERTONE_ADAPTERS_HTTP_STATUS_PAGES_H_

#include <string>
#include <vector>

#include "adapters/http/endpoint.h"
#include "adapters/http/query_request.h"
#include "adapters/http/server.h"
#include "overtone/database.h"

namespace overtone::adapters {

// The families of `all` that `request` asks for, Prometheus's way: `metric`
// picks one, `limit` caps the families, `limit_per_metric` the entries.
HttpReply RenderMetadata(const std::vector<MetricMetadata>& all, const MetadataRequest& request);

// `overtone serve`'s effective configuration as YAML: the server's options
// (never its token), the engine's (`options.engine`), `dir`, and the flags.
std::string ServeConfigYaml(const ServerOptions& options, const std::string& dir);
HttpReply RenderConfig(const std::string& yaml);

HttpReply RenderTsdb(const IndexStats& stats);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_STATUS_PAGES_H_
