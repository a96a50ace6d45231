#include "adapters/http/routes.h"

#include <array>

namespace overtone::adapters {
namespace {

constexpr std::string_view kSegment = "<name>";
constexpr std::string_view kSegments = "<path>";  // one or more segments

// clang-format off
constexpr std::array kRoutes = {
  //    methods      path                            endpoint               auth   reads  handler
  Route{"POST",      "/api/v1/write",                Endpoint::kRemoteWrite, true,  false, "write",
        "remote write 1.0 (`prometheus.WriteRequest`) and 2.0 (`io.prometheus.write.v2.Request`)"},
  Route{"POST",      "/api/v1/read",                 Endpoint::kRemoteRead,  true,  true,  "read",
        "remote read: `SAMPLES` and `STREAMED_XOR_CHUNKS`"},
  Route{"GET, POST", "/api/v1/query",                Endpoint::kQueryApi,    true,  true,  "query",
        "PromQL instant query: `query`, `time`, `timeout`"},
  Route{"GET, POST", "/api/v1/query_range",          Endpoint::kQueryApi,    true,  true,  "query",
        "PromQL range query: `query`, `start`, `end`, `step`, `timeout`"},
  Route{"GET, POST", "/api/v1/series",               Endpoint::kQueryApi,    true,  true,  "query",
        "series matching `match[]` with samples in [`start`, `end`]"},
  Route{"GET, POST", "/api/v1/labels",               Endpoint::kQueryApi,    true,  true,  "query",
        "label names, of the series matching `match[]` if given"},
  Route{"GET, POST", "/api/v1/label/<name>/values",  Endpoint::kQueryApi,    true,  true,  "query",
        "values of one label, of the series matching `match[]` if given"},
  Route{"GET, POST", "/api/v1/metadata",             Endpoint::kQueryApi,    true,  true,  "query",
        "metric metadata per family (from remote write and the text formats): `metric`, `limit`, `limit_per_metric`"},
  Route{"GET, POST", "/api/v1/status/buildinfo",     Endpoint::kQueryApi,    true,  true,  "query",
        "the version"},
  Route{"GET, POST", "/api/v1/status/runtimeinfo",   Endpoint::kQueryApi,    true,  true,  "query",
        "Prometheus's keys: `startTime`, `CWD`, `goroutineCount` (threads), `GOMAXPROCS` (hardware threads), ..."},
  Route{"GET, POST", "/api/v1/status/flags",         Endpoint::kQueryApi,    true,  true,  "query",
        "`overtone serve`'s flags and their values, as strings"},
  Route{"GET, POST", "/api/v1/status/config",        Endpoint::kQueryApi,    true,  true,  "query",
        "`overtone serve`'s effective configuration as YAML (overtone's, not a Prometheus configuration)"},
  Route{"GET, POST", "/api/v1/status/tsdb",          Endpoint::kQueryApi,    true,  true,  "query",
        "cardinality of the series index: `headStats` and the top 10 of each count"},
  Route{"GET, POST", "/api/v1/targets",              Endpoint::kQueryApi,    true,  true,  "query",
        "`{\"activeTargets\":[],\"droppedTargets\":[]}`: overtone scrapes nothing"},
  Route{"GET, POST", "/api/v1/query_exemplars",      Endpoint::kQueryApi,    true,  true,  "query",
        "`[]`: overtone keeps no exemplars; `query`, `start`, `end` are checked"},
  Route{"GET, POST", "/api/v1/format_query",         Endpoint::kQueryApi,    true,  true,  "query",
        "`query` printed in PromQL's canonical form"},
  Route{"POST",      "/api/v1/sql",                  Endpoint::kQueryApi,    true,  true,  "query",
        "read-only SQL: `query`, `format` (`json` or `csv`), `timeout`"},
  Route{"POST",      "/api/v1/import/prometheus",    Endpoint::kImportText,  true,  false, "import",
        "text format, timestamps optional: `extra_label=name=value`; a bad line is a 400 and writes nothing"},
  Route{"PUT, POST, DELETE", "/metrics/job/<path>",  Endpoint::kPush,        true,  false, "push",
        "the Pushgateway's `/metrics/job/<job>{/<label>/<value>}`: PUT replaces the group, POST adds, DELETE removes"},
  Route{"GET",       "/metrics",                     Endpoint::kMetrics,     true,  true,  "metrics",
        "Prometheus text format 0.0.4: the server's and the engine's figures"},
  Route{"GET",       "/stats",                       Endpoint::kStats,       true,  true,  "stats",
        "the same figures as JSON"},
  Route{"GET",       "/health",                      Endpoint::kHealth,      false, true,  "health",
        "`200 OK` while the process serves"},
  Route{"GET",       "/ready",                       Endpoint::kReady,       true,  true,  "ready",
        "`200` when accepting requests, `503` while stopping or while writes fail (disk full or failing: the body says why)"},
  Route{"GET",       "/-/healthy",                   Endpoint::kHealth,      false, true,  "health",
        "Prometheus's liveness probe: `200` `overtone is Healthy.`"},
  Route{"GET",       "/-/ready",                     Endpoint::kReady,       false, true,  "ready",
        "Prometheus's readiness probe: `200` `overtone is Ready.`, `503` while stopping or while writes fail (the body says why)"},
  Route{"GET",       "/api/v1/rules",                Endpoint::kRules,       true,  true,  "rules",
        "the rule groups of `--rules`, their rules, health and alerts; `type` = `alert` or `record` (docs/RULES.md)"},
  Route{"GET",       "/api/v1/alerts",               Endpoint::kRules,       true,  true,  "rules",
        "the pending and firing alerts of `--rules`"},
  Route{"POST",      "/-/reload",                    Endpoint::kReload,      true,  true,  "reload",
        "reload the `--rules` files (as SIGHUP); a broken file keeps the old rules and answers `500` with why"},
  Route{"GET",       "/",                            Endpoint::kConsole,     false, true,  "console",
        "`302` to `/graph`"},
  Route{"GET",       "/graph",                       Endpoint::kConsole,     false, true,  "console",
        "the web console's PromQL page, Prometheus's URLs (`g0.expr=...`): [CONSOLE.md](CONSOLE.md)"},
  Route{"GET",       "/sql",                         Endpoint::kConsole,     false, true,  "console",
        "the web console's SQL page (`q=...`)"},
  Route{"GET",       "/rules",                       Endpoint::kConsole,     false, true,  "console",
        "the web console's rules page"},
  Route{"GET",       "/alerts",                      Endpoint::kConsole,     false, true,  "console",
        "the web console's alerts page"},
  Route{"GET",       "/status",                      Endpoint::kConsole,     false, true,  "console",
        "the web console's status page: build, flags, cardinality"},
  Route{"GET",       "/static/<name>",               Endpoint::kConsole,     false, true,  "console",
        "the web console's files (scripts, styles, uPlot), embedded in the binary; `ETag`, `304`"},
};
// clang-format on

// Whether `path` is the route's path, "<name>" or "<path>" standing for any
// non-empty text (both have the same length).
static_assert(kSegment.size() == kSegments.size());
bool Matches(const Route& route, std::string_view path) {
  size_t at = route.path.find(kSegment);
  if (at == std::string_view::npos) at = route.path.find(kSegments);
  if (at == std::string_view::npos) return path == route.path;
  std::string_view prefix = route.path.substr(0, at), suffix = route.path.substr(at + kSegment.size());

  return path.size() > prefix.size() + suffix.size() && path.starts_with(prefix) && path.ends_with(suffix);
}

}  // namespace

std::span<const Route> ServerRoutes() { return kRoutes; }

bool TakesMethod(const Route& route, std::string_view method) {
  std::string_view rest = route.methods;
  while (!rest.empty()) {
    size_t comma = rest.find(", ");
    if (rest.substr(0, comma) == method) return true;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
  }
  return false;
}

std::string RoutePattern(const Route& route) {
  std::string pattern(route.path);
  size_t at = pattern.find(kSegment);
  if (at != std::string::npos) pattern.replace(at, kSegment.size(), "([^/]+)");
  at = pattern.find(kSegments);
  if (at != std::string::npos) pattern.replace(at, kSegments.size(), "(.+)");
  return pattern;
}

std::string AllowedMethods(std::string_view path) {
  for (const Route& route : kRoutes) {
    if (Matches(route, path)) return std::string(route.methods);
  }
  return "";
}

std::string RouteTableMarkdown() {
  std::string out =
      "| endpoint | method | token | on a read-only server | `handler` label | what |\n"
      "|---|---|---|---|---|---|\n";
  for (const Route& r : kRoutes) {
    out += "| `" + std::string(r.path) + "` | " + std::string(r.methods) + " | " +
           (r.needs_auth ? "required" : "never") + " | " + (r.only_reads ? "served" : "403") + " | `" +
           std::string(r.handler) + "` | " + std::string(r.what) + " |\n";
  }
  return out;
}

}  // namespace overtone::adapters
