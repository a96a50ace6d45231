// HttpServer on cpp-httplib: registering the routes of routes.h, the
// per-request boundary (auth, the read-only refusal, exceptions, metrics),
// body reading under the memory budget, and the server's life cycle. The
// endpoints themselves know nothing of httplib.

#include "adapters/http/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "adapters/http/console_endpoint.h"
#include "adapters/http/endpoint.h"
#include "adapters/http/push_endpoint.h"
#include "adapters/http/query_api.h"
#include "adapters/http/query_request.h"
#include "adapters/http/query_watch.h"
#include "adapters/http/read_endpoint.h"
#include "adapters/http/routes.h"
#include "adapters/http/status_pages.h"
#include "adapters/http/write_endpoint.h"
#include "adapters/prometheus/series_id_cache.h"
#include "overtone/memory.h"

namespace overtone::adapters {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<size_t> ContentLength(const httplib::Request& req) {
  if (!req.has_header("Content-Length")) return std::nullopt;
  const std::string& v = req.get_header_value("Content-Length");
  size_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9' || n > (SIZE_MAX - 9) / 10) return SIZE_MAX;  // refused as too large
    n = n * 10 + size_t(c - '0');
  }
  return n;
}

void Apply(const HttpReply& r, httplib::Response& res) {
  res.status = r.status;
  for (const auto& [k, v] : r.headers) res.set_header(k.c_str(), v);
  if (!r.content_type.empty()) res.set_content(r.body, r.content_type.c_str());
}
// A reply made for this response gives its body up rather than have it
// copied: a large query answer would otherwise be held twice at its peak.
// A body given in parts is sent as it is made, chunked.
void Apply(HttpReply&& r, httplib::Response& res) {
  if (r.content_type.empty()) return Apply(static_cast<const HttpReply&>(r), res);
  res.status = r.status;
  for (const auto& [k, v] : r.headers) res.set_header(k.c_str(), v);
  if (r.body_parts) {
    res.set_chunked_content_provider(
        r.content_type,
        // Runs on this worker thread after the handler returns.
        [parts = std::move(r.body_parts)](size_t, httplib::DataSink& sink) {
          try {
            std::string part;
            const bool more = parts(&part);
            if (!part.empty() && !sink.write(part.data(), part.size())) return false;
            if (!more) sink.done();
            return true;
          } catch (...) {  // nothing may throw out (httplib would end the process)
            return false;  // cuts the connection: the client sees an error
          }
        });
    return;
  }
  res.headers.erase("Content-Type");  // as set_content() replaces it
  res.set_header("Content-Type", r.content_type);
  res.body = std::move(r.body);
}

// Whether the request has a body. One with neither Content-Length nor
// Transfer-Encoding has none (RFC 9112 6.3); reading it anyway would wait
// for the read timeout.
bool DeclaresBody(const httplib::Request& req) {
  return req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
}

// Reads and discards what is left of a body, so that the connection stays
// in step for its next request after a refusal.
void Drain(const httplib::Request& req, const httplib::ContentReader* reader) {
  if (reader && DeclaresBody(req)) (*reader)([](const char*, size_t) { return true; });
}

BodyHeaders HeadersOf(const httplib::Request& req) {
  return BodyHeaders{req.get_header_value("Content-Type"), req.get_header_value("Content-Encoding"),
                     ContentLength(req)};
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The query API's options from the server's: what its status endpoints
// report, with the server's start as the time it started.
QueryApiOptions ApiOptions(const ServerOptions& options, const std::string& dir) {
  QueryApiOptions api;
  api.start_time_ms = NowMs();
  api.flags = options.flags;
  api.sql_tables = options.sql_tables;
  api.config_yaml = ServeConfigYaml(options, dir);
  return api;
}

}  // namespace

void ServerOptions::SetMemoryLimit(size_t limit) {
  if (limit == 0) return;
  request_memory_bytes = SplitMemoryLimit(limit).request_bytes;
  memory_limit = limit;
}

int DefaultThreads() {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<int>(std::max(16u, 4 * cores));
}

class HttpServer::Impl {
 public:
  Impl(Database* db, ServerOptions options)
      : db_(db),
        options_(std::move(options)),
        own_budget_(options_.request_memory_bytes),
        budget_(*(db->memory()->limited() ? &db->memory()->requests() : &own_budget_)) {}

  Status Start();
  void Stop();

  Database* db_;
  ServerOptions options_;
  MemoryBudget own_budget_;  // without a memory limit on the database
  MemoryBudget& budget_;
  ServerMetrics metrics_;
  // Remote write's series seen before, charged to the caches' share of the
  // memory limit.
  SeriesIdCache series_ids_{db_->memory()->limited() ? &db_->memory()->caches() : nullptr};
  QueryApi query_api_{db_, ApiOptions(options_, db_->dir())};  // /api/v1/query etc. (query_api.h)
  QueryWatch queries_;                                         // the queries running, and what cancels them
  httplib::Server svr_;
  std::thread listener_;
  std::atomic<bool> ready_{false};
  int port_ = 0;
  std::mutex life_mu_;
  bool started_ = false;
  bool stopped_ = false;

 private:
  // One request as a route's handler sees it.
  struct Exchange {
    const Route& route;
    const httplib::Request& req;
    httplib::Response& res;
    const httplib::ContentReader* reader;  // null for a GET
  };
  // A route's handler: true when the response is streamed, and so records
  // its own metrics when done.
  using Handler = bool (Impl::*)(const Exchange& x);
  static Handler HandlerFor(Endpoint endpoint);

  EndpointContext Context() {
    return EndpointContext{db_, &options_, &budget_, &metrics_, nullptr, &series_ids_};
  }
  void Routes();
  // Registers `route` with httplib at `pattern` for the methods it takes,
  // and a 405 for the other of GET and POST.
  void Register(const Route& route, const std::string& pattern);
  bool Authorized(const httplib::Request& req) const;
  // The boundary every handler runs inside: auth, exceptions, metrics.
  template <typename Fn>
  void Boundary(std::string_view handler, bool needs_auth, const httplib::Request& req,
                httplib::Response& res, const httplib::ContentReader* reader, Fn&& fn);
  // A route's request: the boundary, the read-only refusal, the handler.
  void Serve(const Route& route, const httplib::Request& req, httplib::Response& res,
             const httplib::ContentReader* reader);
  // A method the path does not take: 405 naming those it takes, or 404.
  void RefuseMethod(const httplib::Request& req, httplib::Response& res,
                    const httplib::ContentReader* reader);
  // A remote write or read request with its body read.
  struct Received {
    EndpointContext ctx;
    BodyHeaders headers;
    MemoryBudget::Reservation reservation;
    std::string body;
  };
  // Checks a request before its body is read (PrecheckWrite, PrecheckRead).
  using Precheck = std::optional<HttpReply> (*)(const EndpointContext& ctx, const BodyHeaders& headers,
                                                MemoryBudget::Reservation* reservation);
  // The request once `precheck` let it in and its body is read; nothing
  // when it was refused (and answered).
  std::optional<Received> Receive(const Exchange& x, Precheck precheck);
  // Reads the body into *body under the reservation. A reply: refuse.
  std::optional<HttpReply> ReadBody(const httplib::Request& req, const httplib::ContentReader& reader,
                                    MemoryBudget::Reservation* reservation, std::string* body);

  // Remote write and read (write_endpoint.h, read_endpoint.h).
  bool ServeWrite(const Exchange& x);
  bool ServeRead(const Exchange& x);
  // The query API and /api/v1/sql (query_api.h).
  bool ServeQuery(const Exchange& x);
  // Pushes of the text format (push_endpoint.h).
  bool ServePush(const Exchange& x);
  bool ServeImportText(const Exchange& x);
  // Self-monitoring.
  bool ServeMetrics(const Exchange& x);
  bool ServeStats(const Exchange& x);
  bool ServeHealth(const Exchange& x);
  bool ServeReady(const Exchange& x);
  // The web console's pages and files (console_endpoint.h).
  bool ServeConsole(const Exchange& x);
  bool ServeRules(const Exchange& x);
  bool ServeReload(const Exchange& x);
  ServerFigures Figures();
};

HttpServer::Impl::Handler HttpServer::Impl::HandlerFor(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::kRemoteWrite: return &Impl::ServeWrite;
    case Endpoint::kRemoteRead: return &Impl::ServeRead;
    case Endpoint::kQueryApi: return &Impl::ServeQuery;
    case Endpoint::kMetrics: return &Impl::ServeMetrics;
    case Endpoint::kStats: return &Impl::ServeStats;
    case Endpoint::kHealth: return &Impl::ServeHealth;
    case Endpoint::kReady: return &Impl::ServeReady;
    case Endpoint::kRules: return &Impl::ServeRules;
    case Endpoint::kReload: return &Impl::ServeReload;
    case Endpoint::kConsole: return &Impl::ServeConsole;
    case Endpoint::kPush: return &Impl::ServePush;
    case Endpoint::kImportText: return &Impl::ServeImportText;
  }
  return nullptr;
}

bool HttpServer::Impl::Authorized(const httplib::Request& req) const {
  if (options_.auth_token.empty()) return true;
  const std::string& h = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() < kBearer.size() || !std::equal(kBearer.begin(), kBearer.end(), h.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
      })) {
    return false;
  }
  return ConstantTimeEquals(std::string_view(h).substr(kBearer.size()), options_.auth_token);
}

template <typename Fn>
void HttpServer::Impl::Boundary(std::string_view handler, bool needs_auth, const httplib::Request& req,
                                httplib::Response& res, const httplib::ContentReader* reader, Fn&& fn) {
  Clock::time_point t0 = Clock::now();
  bool streaming = false;
  try {
    if (needs_auth && !Authorized(req)) {
      Drain(req, reader);
      HttpReply r = HttpReply::Error(kHttpUnauthorized, "a valid bearer token is required");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      Apply(r, res);
    } else {
      res.status = kHttpOk;  // unless the handler says otherwise
      streaming = fn();
    }
  } catch (const std::bad_alloc&) {
    Apply(HttpReply::Error(kHttpServiceUnavailable, "out of memory; retry later"), res);
  } catch (const std::exception& e) {
    Apply(HttpReply::Error(kHttpInternalServerError, std::string("internal error: ") + e.what()), res);
  } catch (...) {
    Apply(HttpReply::Error(kHttpInternalServerError, "internal error"), res);
  }
  if (!streaming) {  // a stream records itself when it is done
    metrics_.ObserveRequest(handler, res.status, std::chrono::duration<double>(Clock::now() - t0).count());
  }
}

void HttpServer::Impl::Serve(const Route& route, const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader* reader) {
  Boundary(route.handler, route.needs_auth, req, res, reader, [&] {
    if (options_.read_only && !route.only_reads) {
      Drain(req, reader);
      Apply(HttpReply::Error(kHttpForbidden,
                             "the server is read-only: " + req.method + " " + req.path + " is not served"),
            res);
      return false;
    }
    return (this->*HandlerFor(route.endpoint))(Exchange{route, req, res, reader});
  });
}

void HttpServer::Impl::RefuseMethod(const httplib::Request& req, httplib::Response& res,
                                    const httplib::ContentReader* reader) {
  Boundary(kOtherHandler, true, req, res, reader, [&] {
    Drain(req, reader);
    std::string allow = AllowedMethods(req.path);
    if (allow.empty()) {
      Apply(HttpReply::Error(kHttpNotFound, "no such path: " + req.path), res);
      return false;
    }
    HttpReply r = HttpReply::Error(kHttpMethodNotAllowed,
                                   req.method + " is not allowed on " + req.path + "; use " + allow);
    r.headers.emplace_back("Allow", allow);
    Apply(r, res);
    return false;
  });
}

std::optional<HttpReply> HttpServer::Impl::ReadBody(const httplib::Request& req,
                                                    const httplib::ContentReader& reader,
                                                    MemoryBudget::Reservation* reservation,
                                                    std::string* body) {
  if (!DeclaresBody(req)) return std::nullopt;  // an empty body
  std::optional<size_t> length = ContentLength(req);
  if (length) body->reserve(*length);
  bool too_large = false, overloaded = false;
  bool ok = reader([&](const char* data, size_t n) {
    if (too_large || overloaded) return true;  // keep draining
    if (body->size() + n > options_.max_request_bytes) {
      too_large = true;
    } else if (!length && !reservation->Grow(n)) {  // chunked: no size known up front
      overloaded = true;
    } else {
      body->append(data, n);
      return true;
    }
    body->clear();
    body->shrink_to_fit();
    return true;
  });
  if (too_large) {
    return HttpReply::Error(kHttpPayloadTooLarge, "body is over the limit of " +
                                                      std::to_string(options_.max_request_bytes) + " bytes");
  }
  if (overloaded) return OverloadedReply(Context(), "reading a chunked body");
  if (!ok) return HttpReply::Error(kHttpBadRequest, "could not read the request body");
  return std::nullopt;
}

std::optional<HttpServer::Impl::Received> HttpServer::Impl::Receive(const Exchange& x, Precheck precheck) {
  std::optional<Received> in;
  in.emplace(Received{Context(), HeadersOf(x.req), budget_.Reserve(), ""});
  std::optional<HttpReply> refused = precheck(in->ctx, in->headers, &in->reservation);
  if (refused) {
    Drain(x.req, x.reader);
  } else {
    refused = ReadBody(x.req, *x.reader, &in->reservation, &in->body);
  }
  if (refused) {
    Apply(*refused, x.res);
    return std::nullopt;
  }
  return in;
}

bool HttpServer::Impl::ServeWrite(const Exchange& x) {
  std::optional<Received> in = Receive(x, PrecheckWrite);
  if (in) Apply(HandleWrite(in->ctx, in->headers, in->body, &in->reservation), x.res);
  return false;
}

bool HttpServer::Impl::ServeRead(const Exchange& x) {
  Clock::time_point t0 = Clock::now();
  std::optional<Received> in = Receive(x, PrecheckRead);
  if (!in) return false;
  // A SAMPLES response is built before it is sent: watched like a query
  // while it is (a stream stops by itself when its client goes away).
  std::unique_ptr<QueryWatch::Running> running = queries_.Start(
      QueryWatch::Connection{x.req.local_addr, x.req.local_port, x.req.remote_addr, x.req.remote_port});
  in->ctx.cancel = running->token();
  ReadReply out = HandleRead(in->ctx, in->body, std::move(in->reservation));
  running.reset();
  if (!out.stream) {
    Apply(out.reply, x.res);
    return false;
  }
  x.res.status = out.reply.status;
  for (const auto& [k, v] : out.reply.headers) x.res.set_header(k.c_str(), v);
  std::shared_ptr<ReadStream> stream(std::move(out.stream));
  x.res.set_chunked_content_provider(
      out.reply.content_type,
      // Runs on this worker thread after the handler returns; nothing may
      // throw out of it (httplib would terminate the process).
      [stream, buffer = std::make_shared<std::string>()](size_t, httplib::DataSink& sink) {
        try {
          // Series of a few frames go out together, up to kCoalesceBytes a
          // write: one write a series cost a narrow read more than its samples.
          // One buffer for the whole body, grown once rather than each write.
          constexpr size_t kCoalesceBytes = 64 << 10;
          std::string& frames = *buffer;
          frames.clear();
          Result<bool> more = true;
          while (*more && frames.size() < kCoalesceBytes) {
            more = stream->Next(&frames);
            if (!more.ok()) return false;  // cuts the connection: the client sees an error
          }
          if (!frames.empty() && !sink.write(frames.data(), frames.size())) return false;
          if (!*more) sink.done();
          return true;
        } catch (...) {
          return false;
        }
      },
      [this, t0, handler = x.route.handler, status = x.res.status](bool success) {
        metrics_.ObserveRequest(handler, success ? status : 499,
                                std::chrono::duration<double>(Clock::now() - t0).count());
      });
  return true;
}

// POST bodies are read here, under the request limits, so that one without
// a length is empty rather than waited for.
bool HttpServer::Impl::ServeQuery(const Exchange& x) {
  std::string body;
  MemoryBudget::Reservation reservation = budget_.Reserve();
  if (x.reader) {
    if (std::optional<HttpReply> refused = ReadBody(x.req, *x.reader, &reservation, &body)) {
      Apply(*refused, x.res);
      return false;
    }
  }
  QueryApiRequest q{x.req.method,
                    x.req.path,
                    {x.req.params.begin(), x.req.params.end()},
                    std::move(body),
                    x.req.get_header_value("Content-Type"),
                    x.req.get_header_value("Accept")};
  // Watched while it runs: it stops when its client closes the connection.
  std::unique_ptr<QueryWatch::Running> running = queries_.Start(
      QueryWatch::Connection{x.req.local_addr, x.req.local_port, x.req.remote_addr, x.req.remote_port});
  q.cancel = running->token();
  Apply(query_api_.Handle(q), x.res);
  return false;
}

bool HttpServer::Impl::ServePush(const Exchange& x) {
  const int64_t now = NowMs();  // when the push arrived, not when its body was read
  if (x.req.method == "DELETE") {
    Drain(x.req, x.reader);
    Apply(HandlePush(Context(), x.req.method, x.req.path, HeadersOf(x.req), "", now), x.res);
    return false;
  }
  std::optional<Received> in = Receive(x, PrecheckPush);
  if (in) Apply(HandlePush(in->ctx, x.req.method, x.req.path, in->headers, in->body, now), x.res);
  return false;
}

bool HttpServer::Impl::ServeImportText(const Exchange& x) {
  const int64_t now = NowMs();
  std::optional<Received> in = Receive(x, PrecheckPush);
  // From the raw query string: httplib splits `extra_label=name=value` at
  // the wrong '='.
  size_t query = x.req.target.find('?');
  if (in) {
    Apply(HandleImportText(in->ctx,
                           ParseFormEncoded(query == std::string::npos ? "" : x.req.target.substr(query + 1)),
                           in->headers, in->body, now),
          x.res);
  }
  return false;
}

bool HttpServer::Impl::ServeMetrics(const Exchange& x) {
  std::string text = metrics_.RenderText(Figures());
  for (const auto& more : options_.metrics_text) text += more();
  x.res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
  return false;
}

bool HttpServer::Impl::ServeStats(const Exchange& x) {
  x.res.set_content(metrics_.RenderJson(Figures()), "application/json");
  return false;
}

// /health and /ready answer in words of their own; /-/healthy and /-/ready,
// which Prometheus's users probe, as Prometheus words them ("Prometheus
// Server is Healthy.") with overtone's name.
bool HttpServer::Impl::ServeHealth(const Exchange& x) {
  bool prometheus = x.route.path.starts_with("/-/");
  x.res.set_content(prometheus ? "overtone is Healthy.\n" : "OK\n", "text/plain; charset=utf-8");
  return false;
}

// While writes fail for a storage fault (disk full or failing) the server
// is not ready for writes: 503, with the fault in the body. Queries still
// answer meanwhile.
bool HttpServer::Impl::ServeReady(const Exchange& x) {
  bool ready = ready_.load(), prometheus = x.route.path.starts_with("/-/");
  Status fault = db_->WriteFault();
  x.res.status = ready && fault.ok() ? kHttpOk : kHttpServiceUnavailable;
  std::string body;
  if (!ready) {
    body = prometheus ? "Service Unavailable" : "stopping\n";
  } else if (!fault.ok()) {
    body = std::string(prometheus ? "overtone is not ready: " : "") +
           "writes are failing (queries still answer): " + fault.ToString() + "\n";
  } else {
    body = prometheus ? "overtone is Ready.\n" : "ready\n";
  }
  x.res.set_content(body, "text/plain; charset=utf-8");
  return false;
}

bool HttpServer::Impl::ServeConsole(const Exchange& x) {
  Apply(ConsoleReply(x.req.path, x.req.get_header_value("If-None-Match")), x.res);
  return false;
}

// /api/v1/rules and /api/v1/alerts: the rule manager's JSON, or Prometheus's
// empty answers when the server runs no rules.
bool HttpServer::Impl::ServeRules(const Exchange& x) {
  bool alerts = x.route.path == "/api/v1/alerts";
  std::string body;
  if (alerts) {
    body = options_.alerts_json ? options_.alerts_json() : R"({"status":"success","data":{"alerts":[]}})";
  } else {
    std::string type = x.req.get_param_value("type");
    if (!type.empty() && type != "alert" && type != "record") {
      x.res.status = kHttpBadRequest;
      body =
          R"({"status":"error","errorType":"bad_data","error":"invalid query parameter type: alert or record"})";
    } else {
      body = options_.rules_json ? options_.rules_json(type) : R"({"status":"success","data":{"groups":[]}})";
    }
  }
  x.res.set_content(body, "application/json");
  return false;
}

bool HttpServer::Impl::ServeReload(const Exchange& x) {
  Status s = options_.reload ? options_.reload() : Status::OK();
  if (!s.ok()) {
    x.res.status = kHttpInternalServerError;
    x.res.set_content("failed to reload config: " + s.message() + "\n", "text/plain; charset=utf-8");
  }
  return false;
}

ServerFigures HttpServer::Impl::Figures() {
  ServerFigures f;
  f.db = db_->GetStats();
  f.request_memory_in_use = budget_.in_use();
  f.request_memory_peak = budget_.peak();
  f.request_memory_limit = budget_.limit();
  f.request_memory_rejections = budget_.rejections();
  f.memory_limit = options_.memory_limit;
  f.block_cache_bytes = options_.block_cache_bytes;
  f.write_buffer_bytes = options_.write_buffer_bytes;
  f.resident_bytes = ResidentMemoryBytes();
  Status fault = db_->WriteFault();
  f.ready = ready_.load() && fault.ok();
  if (!fault.ok()) f.write_fault = fault.ToString();
  f.queries_running = queries_.running();
  for (size_t r = 0; r < f.queries_cancelled.size(); ++r) {
    f.queries_cancelled[r] = queries_.cancelled(static_cast<CancelReason>(r));
  }
  return f;
}

void HttpServer::Impl::Register(const Route& route, const std::string& pattern) {
  using Req = const httplib::Request&;
  using Res = httplib::Response&;
  using Reader = const httplib::ContentReader&;
  const Route* r = &route;  // routes are static
  // The query API answers a method its paths do not take itself, in its
  // JSON envelope.
  const bool query_api = route.endpoint == Endpoint::kQueryApi;
  if (query_api || TakesMethod(route, "GET")) {
    svr_.Get(pattern, [this, r](Req req, Res res) { Serve(*r, req, res, nullptr); });
  } else {
    svr_.Get(pattern, [this, r](Req req, Res res) {
      Boundary(kOtherHandler, true, req, res, nullptr, [&] {
        HttpReply reply = HttpReply::Error(kHttpMethodNotAllowed, "use " + std::string(r->methods));
        reply.headers.emplace_back("Allow", std::string(r->methods));
        Apply(reply, res);
        return false;
      });
    });
  }
  if (TakesMethod(route, "PUT")) {
    svr_.Put(pattern, [this, r](Req req, Res res, Reader reader) { Serve(*r, req, res, &reader); });
  }
  if (TakesMethod(route, "DELETE")) {
    // With a content reader, as the catch-all DELETE below: httplib tries
    // those first.
    svr_.Delete(pattern, [this, r](Req req, Res res, Reader reader) { Serve(*r, req, res, &reader); });
  }
  if (query_api || TakesMethod(route, "POST")) {
    svr_.Post(pattern, [this, r](Req req, Res res, Reader reader) { Serve(*r, req, res, &reader); });
  } else {
    svr_.Post(pattern, [this](Req req, Res res, Reader reader) { RefuseMethod(req, res, &reader); });
  }
}

void HttpServer::Impl::Routes() {
  using Req = const httplib::Request&;
  using Res = httplib::Response&;
  using Reader = const httplib::ContentReader&;
  for (const Route& route : ServerRoutes()) Register(route, RoutePattern(route));
  // Any other /api/v1/ path: the query API answers it with its JSON 404, as
  // Prometheus does.
  static constexpr Route kOtherApiPaths{"GET, POST",
                                        "/api/v1/...",
                                        Endpoint::kQueryApi,
                                        true,
                                        true,
                                        "query",
                                        "any other path of the query API"};
  Register(kOtherApiPaths, "/api/v1/.*");
  // Methods no route takes.
  auto refuse = [this](Req req, Res res, Reader reader) { RefuseMethod(req, res, &reader); };
  svr_.Put(".*", refuse);
  svr_.Patch(".*", refuse);
  svr_.Delete(".*", refuse);
  // Any other path: httplib's 404 has no body; say what it is.
  svr_.set_error_handler([](Req req, Res res) {
    if (res.status == kHttpNotFound && res.body.empty()) {
      res.set_content("no such path: " + req.path + " (docs/SERVER.md lists the endpoints)\n",
                      "text/plain; charset=utf-8");
    }
  });
}

Status HttpServer::Impl::Start() {
  std::lock_guard lock(life_mu_);
  if (started_) return Status::InvalidArgument("server already started");
  const size_t threads = static_cast<size_t>(options_.threads > 0 ? options_.threads : DefaultThreads());
  svr_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Remote write senders keep a connection per shard: let it serve many
  // requests instead of httplib's default of 5.
  svr_.set_keep_alive_max_count(10000);
  svr_.set_keep_alive_timeout(5);
  svr_.set_read_timeout(options_.read_timeout_seconds, 0);
  svr_.set_write_timeout(options_.read_timeout_seconds, 0);
  svr_.set_payload_max_length(options_.max_request_bytes);
  svr_.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which would let a second
  // server bind the same port and silently take half the traffic. Keep
  // SO_REUSEADDR only (a restart need not wait for TIME_WAIT).
  svr_.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  Routes();

  if (options_.port == 0) {
    port_ = svr_.bind_to_any_port(options_.host);
    if (port_ <= 0) return Status::IOError("cannot bind " + options_.host + ":0");
  } else {
    if (!svr_.bind_to_port(options_.host, options_.port)) {
      return Status::IOError("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                             " (in use, or a bad address?)");
    }
    port_ = options_.port;
  }
  started_ = true;
  ready_ = true;
  listener_ = std::thread([this] { svr_.listen_after_bind(); });
  return Status::OK();
}

void HttpServer::Impl::Stop() {
  std::lock_guard lock(life_mu_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  ready_ = false;
  // Queries stop now rather than at their time limit: httplib's stop below
  // waits for every handler.
  queries_.CancelAll(CancelReason::kShutdown);
  // listen_after_bind() may not have started its loop yet; stop() is a
  // no-op until it has, so wait for it (briefly) first.
  for (int i = 0; i < 2000 && !svr_.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  svr_.stop();
  // Returns after the thread pool has finished the connections it holds.
  listener_.join();
}

HttpServer::HttpServer(Database* db, ServerOptions options)
    : impl_(std::make_unique<Impl>(db, std::move(options))) {}
HttpServer::~HttpServer() { Stop(); }
Status HttpServer::Start() { return impl_->Start(); }
void HttpServer::Stop() { impl_->Stop(); }
int HttpServer::port() const { return impl_->port_; }
const ServerOptions& HttpServer::options() const { return impl_->options_; }
MemoryPool* HttpServer::memory_budget() { return &impl_->budget_; }
ServerMetrics* HttpServer::metrics() { return &impl_->metrics_; }

}  // namespace overtone::adapters
