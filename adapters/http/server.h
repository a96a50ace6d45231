// HttpServer: overtone's HTTP front, as `overtone serve` runs it.
//
// Its routes (remote write and read, the Prometheus query API, read-only
// SQL, /metrics, /stats, /health, /ready) are declared in routes.h, which
// says for each whether it needs the bearer token and whether a read-only
// server serves it.
//
// docs/SERVER.md lists status codes, limits and flags.
//
//   overtone::adapters::HttpServer server(db.get(), options);
//   Status s = server.Start();      // bound and accepting when OK
//   ...
//   server.Stop();                  // in-flight requests finish first
//
// This header names no httplib or protobuf type, so the shell can use it.

#ifndef OVERTONE_ADAPTERS_HTTP_SERVER_H_
#define OVERTONE_ADAPTERS_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/database.h"
#include "overtone/status.h"

struct sqlite3;

namespace overtone::adapters {

class ServerMetrics;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 9201;  // 0: any free port; port() tells which
  int threads = 0;  // worker threads; 0: DefaultThreads()

  size_t max_request_bytes = 32u << 20;        // a body as sent (compressed)
  size_t max_decompressed_bytes = 128u << 20;  // a body once decompressed
  // Budget for in-flight requests when the database has no memory limit;
  // with one, the requests share of Database::memory() is the budget.
  size_t request_memory_bytes = 256u << 20;
  size_t max_frame_bytes = 1u << 20;  // STREAMED_XOR_CHUNKS frames
  int overload_status = 429;          // or 503: see docs/SERVER.md
  std::string auth_token;             // when set, required as a bearer token
  int read_timeout_seconds = 10;      // a stalled client is given up
  bool read_only = false;             // routes that write answer 403 (routes.h)

  // Under a memory limit, as `overtone serve --memory-limit` runs: the
  // limit's requests share (SplitMemoryLimit) becomes the budget for
  // requests in flight, and the limit is reported. 0 changes nothing.
  void SetMemoryLimit(size_t limit);

  // Only reported (/metrics, /stats): what the engine was opened with.
  size_t memory_limit = 0;
  size_t block_cache_bytes = 0;
  size_t write_buffer_bytes = 0;

  // Only reported (/api/v1/status/flags): the command line's flags, by
  // name without dashes, and their values as given or by default.
  std::map<std::string, std::string> flags;
  // Only reported (/api/v1/status/config): what the engine was opened with.
  Options engine;

  // What runs beside the server adds to it (the rules, the monitors, the
  // Alertmanager senders): tables registered on every SQL connection of the
  // query API, and text appended to /metrics. Called from the server's threads.
  std::vector<std::function<Status(sqlite3*)>> sql_tables;
  std::vector<std::function<std::string()>> metrics_text;

  // Prometheus rules, run by the caller (shell/serve_command.cc with
  // adapters/rules/); unset when it runs none. The JSON is Prometheus's
  // whole answer for /api/v1/rules (given `type`) and /api/v1/alerts.
  std::function<std::string(std::string_view type)> rules_json;
  std::function<std::string()> alerts_json;
  std::function<Status()> reload;  // POST /-/reload
};

// Worker threads for this machine: requests block on disk writes and each
// keep-alive connection holds a thread while open, so several per core.
int DefaultThreads();

class HttpServer {
 public:
  // REQUIRES: db outlives the server.
  HttpServer(Database* db, ServerOptions options);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving on background threads. IOError when the
  // address cannot be bound.
  Status Start();
  // Stops accepting, lets requests in flight finish, and returns once the
  // worker threads are gone. Idempotent.
  void Stop();

  int port() const;
  const ServerOptions& options() const;
  MemoryPool* memory_budget();
  ServerMetrics* metrics();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_SERVER_H_
