// The HTTP server on 127.0.0.1 with an ephemeral port: remote write 1.0 and
// 2.0 round trips read back through remote read (both response types) and
// the engine, every error status, auth, self-monitoring and the memory
// budget. Every request has a timeout; every server is stopped.

#include "adapters/http/server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "adapters/http/memory_budget.h"
#include "adapters/prometheus/chunked_frame.h"
#include "adapters/prometheus/snappy_block.h"
#include "adapters/prometheus/xor_chunk.h"
#include "tests/support/http_expect.h"
#include "tests/support/http_test_client.h"
#include "tests/support/prom_requests.h"
#include "tests/support/test_database.h"

namespace overtone::adapters {
namespace {

using testing::AddQuery;
using testing::AddSeries;
using testing::ExpectResponse;
using testing::HttpHeaders;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::LabelList;
using testing::TempDir;
using testing::ToLabelList;
using testing::V2Builder;

const HttpHeaders kV1Headers = {{"Content-Type", "application/x-protobuf"},
                                {"Content-Encoding", "snappy"},
                                {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
const HttpHeaders kV2Headers = {
    {"Content-Type", "application/x-protobuf;proto=io.prometheus.write.v2.Request"},
    {"Content-Encoding", "snappy"},
    {"X-Prometheus-Remote-Write-Version", "2.0.0"}};

class ServerTest : public testing::DatabaseTest {
 protected:
  void SetUp() override { Open(ServerOptions{}); }
  void TearDown() override { Close(); }

  void Open(ServerOptions o) {
    OpenDatabase();
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 4;
    server_ = std::make_unique<HttpServer>(db_.get(), o);
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
  }
  void Close() {
    if (server_) server_->Stop();
    server_.reset();
    db_.reset();
  }
  void Reopen(ServerOptions o) {
    Close();
    Open(std::move(o));
  }

  HttpResponse Post(const std::string& path, const HttpHeaders& h, const std::string& body) {
    return ExpectResponse(port_, "POST", path, h, body);
  }
  HttpResponse Get(const std::string& path, const HttpHeaders& h = {}) {
    return ExpectResponse(port_, "GET", path, h);
  }
  HttpResponse WriteV1(const prometheus::WriteRequest& req, HttpHeaders h = kV1Headers) {
    return Post("/api/v1/write", h, SnappyCompress(req.SerializeAsString()));
  }
  HttpResponse Read(const prometheus::ReadRequest& req) {
    return Post("/api/v1/read",
                {{"Content-Type", "application/x-protobuf"},
                 {"Content-Encoding", "snappy"},
                 {"X-Prometheus-Remote-Read-Version", "0.1.0"}},
                SnappyCompress(req.SerializeAsString()));
  }
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

// A SAMPLES response body: snappy-compressed prometheus.ReadResponse.
bool DecodeSamplesResponse(const std::string& body, prometheus::ReadResponse* out) {
  std::string raw;
  return SnappyUncompress(body, &raw).ok() && out->ParseFromString(raw);
}

prometheus::WriteRequest SampleWrite() {
  prometheus::WriteRequest req;
  AddSeries(&req, {{"__name__", "up"}, {"job", "node"}, {"instance", "h1"}},
            {{1000, 1}, {16000, 0}, {31000, StaleNaN()}});
  AddSeries(&req, {{"__name__", "temp_celsius"}, {"room", "lab"}}, {{1000, 21.5}, {16000, 22.25}});
  return req;
}

TEST_F(ServerTest, WriteV1ThenReadSamplesStreamedAndEngine) {
  HttpResponse w = WriteV1(SampleWrite());
  ASSERT_EQ(w.status, 204) << w.body;
  EXPECT_EQ(ReadSeries({{"__name__", "temp_celsius"}, {"room", "lab"}}),
            (std::vector<Sample>{{1000, 21.5}, {16000, 22.25}}));

  prometheus::ReadRequest rr;
  AddQuery(&rr, 0, 20000, {{0, "__name__", "up"}});
  AddQuery(&rr, 0, 100000, {{2, "__name__", "temp_.*"}});
  HttpResponse r = Read(rr);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/x-protobuf");
  EXPECT_EQ(r.header("content-encoding"), "snappy");
  prometheus::ReadResponse resp;
  ASSERT_TRUE(DecodeSamplesResponse(r.body, &resp));
  ASSERT_EQ(resp.results_size(), 2);
  ASSERT_EQ(resp.results(0).timeseries_size(), 1);
  EXPECT_EQ(ToLabelList(resp.results(0).timeseries(0).labels()),
            (LabelList{{"__name__", "up"}, {"instance", "h1"}, {"job", "node"}}));
  EXPECT_EQ(resp.results(0).timeseries(0).samples_size(), 2);  // 31000 is past the end
  EXPECT_EQ(resp.results(1).timeseries(0).samples(1).value(), 22.25);

  rr.add_accepted_response_types(prometheus::ReadRequest::STREAMED_XOR_CHUNKS);
  HttpResponse s = Read(rr);
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_EQ(s.header("content-type"),
            "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse");
  EXPECT_EQ(s.header("content-encoding"), "");
  std::string_view in = s.body;
  std::vector<std::pair<int64_t, std::vector<Sample>>> got;
  while (!in.empty()) {
    std::string_view msg;
    ASSERT_TRUE(ReadChunkedFrame(&in, &msg).ok());
    prometheus::ChunkedReadResponse f;
    ASSERT_TRUE(f.ParseFromArray(msg.data(), static_cast<int>(msg.size())));
    std::vector<Sample> samples;
    for (const auto& c : f.chunked_series(0).chunks()) ASSERT_TRUE(DecodeXorChunk(c.data(), &samples).ok());
    got.emplace_back(f.query_index(), samples);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].first, 0);
  EXPECT_EQ(got[0].second, (std::vector<Sample>{{1000, 1}, {16000, 0}}));
  EXPECT_EQ(got[1].first, 1);
  EXPECT_EQ(got[1].second, (std::vector<Sample>{{1000, 21.5}, {16000, 22.25}}));

  // The staleness marker went in and comes back bit for bit.
  std::vector<Sample> up = ReadSeries({{"__name__", "up"}, {"instance", "h1"}, {"job", "node"}});
  ASSERT_EQ(up.size(), 3u);
  EXPECT_TRUE(IsStaleNaN(up[2].value));
}

TEST_F(ServerTest, WriteV2RepliesWithWrittenCounts) {
  V2Builder b;
  b.AddSeries({{"__name__", "reqs_total"}, {"code", "200"}}, {{1000, 5}, {2000, 6}});
  b.AddSeries({{"__name__", "reqs_total"}, {"code", "500"}}, {{1000, 1}});
  HttpResponse w = Post("/api/v1/write", kV2Headers, SnappyCompress(b.request().SerializeAsString()));
  ASSERT_EQ(w.status, 204) << w.body;
  EXPECT_EQ(w.header("X-Prometheus-Remote-Write-Samples-Written"), "3");
  EXPECT_EQ(w.header("X-Prometheus-Remote-Write-Histograms-Written"), "0");
  EXPECT_EQ(w.header("X-Prometheus-Remote-Write-Exemplars-Written"), "0");
  EXPECT_EQ(ReadSeries({{"__name__", "reqs_total"}, {"code", "200"}}),
            (std::vector<Sample>{{1000, 5}, {2000, 6}}));

  // A partly refused 2.0 request says how much was written.
  V2Builder bad;
  bad.AddSeries({{"__name__", "ok_metric"}}, {{1, 1}});
  bad.AddSeries({{"__name__", "x"}, {"bad-name", "v"}}, {{1, 1}});
  HttpResponse p = Post("/api/v1/write", kV2Headers, SnappyCompress(bad.request().SerializeAsString()));
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.header("X-Prometheus-Remote-Write-Samples-Written"), "1");
  EXPECT_NE(p.body.find("bad-name"), std::string::npos) << p.body;
}

TEST_F(ServerTest, WriteErrorStatuses) {
  std::string good = SnappyCompress(SampleWrite().SerializeAsString());
  EXPECT_EQ(Post("/api/v1/write", kV1Headers, "definitely not snappy").status, 400);
  HttpResponse bad_proto = Post("/api/v1/write", kV1Headers, SnappyCompress("\xff\xff\xff garbage"));
  EXPECT_EQ(bad_proto.status, 400);
  EXPECT_NE(bad_proto.body.find("protobuf"), std::string::npos) << bad_proto.body;

  prometheus::WriteRequest invalid;
  AddSeries(&invalid, {{"__name__", "fine"}}, {{1, 1}});
  AddSeries(&invalid, {{"__name__", "x"}, {"0starts_with_digit", "v"}}, {{1, 1}});
  HttpResponse inv = WriteV1(invalid);
  EXPECT_EQ(inv.status, 400);
  EXPECT_NE(inv.body.find("invalid label name"), std::string::npos) << inv.body;
  EXPECT_EQ(ReadSeries({{"__name__", "fine"}}).size(), 1u);  // the valid series is kept

  prometheus::WriteRequest dup;
  AddSeries(&dup, {{"__name__", "x"}, {"a", "1"}, {"a", "2"}}, {{1, 1}});
  HttpResponse d = WriteV1(dup);
  EXPECT_EQ(d.status, 400);
  EXPECT_NE(d.body.find("duplicate label name"), std::string::npos) << d.body;

  HttpHeaders json = {{"Content-Type", "application/json"}, {"Content-Encoding", "snappy"}};
  EXPECT_EQ(Post("/api/v1/write", json, good).status, 415);
  HttpHeaders gzip = {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "gzip"}};
  EXPECT_EQ(Post("/api/v1/write", gzip, good).status, 415);
  HttpHeaders v3 = {{"Content-Type", "application/x-protobuf;proto=io.prometheus.write.v3.Request"}};
  EXPECT_EQ(Post("/api/v1/write", v3, good).status, 415);

  EXPECT_EQ(Get("/api/v1/write").status, 405);
  EXPECT_EQ(Get("/no/such/path").status, 404);
}

TEST_F(ServerTest, SizeLimitsAnswer413AndKeepTheConnectionUsable) {
  ServerOptions o;
  o.max_request_bytes = 64 * 1024;
  o.max_decompressed_bytes = 512 * 1024;
  Reopen(o);
  std::string big(100000, 'x');
  auto conn = testing::HttpConnection::Connect("127.0.0.1", port_);
  ASSERT_TRUE(conn.ok());
  Result<HttpResponse> r = (*conn)->Request("POST", "/api/v1/write", kV1Headers, big);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413);
  // The refused body was drained: the same connection answers the next request.
  Result<HttpResponse> next = (*conn)->Request("GET", "/health");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->status, 200);

  std::string bomb = SnappyCompress(std::string(1 << 20, '\0'));  // 48 KiB sent, 1 MiB inside
  ASSERT_LT(bomb.size(), o.max_request_bytes);
  HttpResponse b = Post("/api/v1/write", kV1Headers, bomb);
  EXPECT_EQ(b.status, 413);
  EXPECT_NE(b.body.find("decompresses"), std::string::npos) << b.body;
  EXPECT_EQ(Post("/api/v1/read", kV1Headers, bomb).status, 413);
}

TEST_F(ServerTest, ReadErrorStatuses) {
  EXPECT_EQ(Post("/api/v1/read", {}, "not snappy").status, 400);
  EXPECT_EQ(Post("/api/v1/read", {}, SnappyCompress("\xff\xff\xff garbage")).status, 400);
  prometheus::ReadRequest unknown_type;
  AddQuery(&unknown_type, 0, 1, {{0, "__name__", "up"}});
  unknown_type.add_accepted_response_types(static_cast<prometheus::ReadRequest::ResponseType>(9));
  EXPECT_EQ(Read(unknown_type).status, 400);
  prometheus::ReadRequest bad_re;
  AddQuery(&bad_re, 0, 1, {{2, "__name__", "(unclosed"}});
  EXPECT_EQ(Read(bad_re).status, 400);
  bad_re.add_accepted_response_types(prometheus::ReadRequest::STREAMED_XOR_CHUNKS);
  EXPECT_EQ(Read(bad_re).status, 400);
  prometheus::ReadRequest bad_matcher;
  AddQuery(&bad_matcher, 0, 1, {{7, "__name__", "up"}});
  EXPECT_EQ(Read(bad_matcher).status, 400);
}

TEST_F(ServerTest, BadRequestsSayWhatIsWrongAndWriteNothing) {
  HttpResponse empty = Post("/api/v1/write", kV1Headers, "");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(empty.body, "body is empty: expected snappy block data\n");
  EXPECT_EQ(Post("/api/v1/read", {}, "").body, "body is empty: expected snappy block data\n");

  // A 2.0 body announced as 1.0, and the other way round.
  V2Builder v2;
  v2.AddSeries({{"__name__", "up"}}, {{1000, 1}});
  HttpResponse as_v1 = Post("/api/v1/write", kV1Headers, SnappyCompress(v2.request().SerializeAsString()));
  EXPECT_EQ(as_v1.status, 400);
  EXPECT_NE(as_v1.body.find("a remote write 2.0 body sent as 1.0?"), std::string::npos) << as_v1.body;
  HttpResponse as_v2 = Post("/api/v1/write", kV2Headers, SnappyCompress(SampleWrite().SerializeAsString()));
  EXPECT_EQ(as_v2.status, 400);
  EXPECT_EQ(as_v2.header("X-Prometheus-Remote-Write-Samples-Written"), "0");
  EXPECT_EQ(db_->GetStats().series, 0u);

  // The version header is not checked: Content-Type says the version.
  HttpHeaders v9 = kV1Headers;
  v9.back().second = "9.0.0";
  EXPECT_EQ(WriteV1(SampleWrite(), v9).status, 204);
  EXPECT_EQ(ReadSeries({{"__name__", "temp_celsius"}, {"room", "lab"}}).size(), 2u);
}

TEST_F(ServerTest, WrongMethodIs405AndUnknownPathSaysSo) {
  struct Case {
    const char* method;
    const char* path;
    const char* allow;
  };
  for (const Case& c : {Case{"PUT", "/api/v1/write", "POST"}, Case{"DELETE", "/api/v1/query", "GET, POST"},
                        Case{"PATCH", "/api/v1/sql", "POST"}, Case{"POST", "/metrics", "GET"},
                        Case{"PUT", "/health", "GET"}}) {
    Result<HttpResponse> r = HttpRequest(port_, c.method, c.path, {}, c.method[0] == 'P' ? "x" : "");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 405) << c.method << " " << c.path;
    EXPECT_EQ(r->header("allow"), c.allow) << c.method << " " << c.path;
    EXPECT_EQ(r->body, std::string(c.method) + " is not allowed on " + c.path + "; use " + c.allow + "\n");
  }

  HttpResponse nowhere = Get("/no/such/path");
  EXPECT_EQ(nowhere.status, 404);
  EXPECT_EQ(nowhere.body, "no such path: /no/such/path (docs/SERVER.md lists the endpoints)\n");
  Result<HttpResponse> del = HttpRequest(port_, "DELETE", "/no/such/path");
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->status, 404);
  EXPECT_EQ(del->body, "no such path: /no/such/path\n");
  HttpResponse api = Get("/api/v1/no_such_endpoint");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(
      api.body,
      R"({"status":"error","errorType":"not_found","error":"unknown API path /api/v1/no_such_endpoint"})");
}

// Sends `raw` on a new connection; returns what comes back, "" when nothing
// does within `timeout_ms`.
std::string RawExchange(int port, const std::string& raw, int timeout_ms) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string got;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      send(fd, raw.data(), raw.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(raw.size())) {
    pollfd p{fd, POLLIN, 0};
    char buf[4096];
    // The first bytes within the timeout, then whatever follows closely.
    for (int wait = timeout_ms; poll(&p, 1, wait) == 1; wait = 200) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return got;
}

// A POST with neither Content-Length nor Transfer-Encoding has an empty
// body (RFC 9112): answered at once, not after the 10 s read timeout.
TEST_F(ServerTest, PostWithoutALengthHasAnEmptyBody) {
  std::string w = RawExchange(port_, "POST /api/v1/write HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
  EXPECT_THAT(w, ::testing::StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(w, ::testing::EndsWith("\r\n\r\nbody is empty: expected snappy block data\n"));
  std::string q =
      RawExchange(port_, "POST /api/v1/query?query=vector(1)&time=1 HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
  EXPECT_THAT(q, ::testing::StartsWith("HTTP/1.1 200 "));
  std::string m = RawExchange(port_, "PUT /api/v1/read HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
  EXPECT_THAT(m, ::testing::StartsWith("HTTP/1.1 405 "));
}

TEST_F(ServerTest, ReadOfAnEmptyRangeOrWithoutMatchers) {
  ASSERT_EQ(WriteV1(SampleWrite()).status, 204);
  prometheus::ReadRequest rr;
  AddQuery(&rr, 20000, 0, {{0, "__name__", "up"}});  // start after end: nothing
  AddQuery(&rr, 0, 100000, {});                      // no matchers: every series
  HttpResponse r = Read(rr);
  ASSERT_EQ(r.status, 200) << r.body;
  prometheus::ReadResponse resp;
  ASSERT_TRUE(DecodeSamplesResponse(r.body, &resp));
  ASSERT_EQ(resp.results_size(), 2);
  EXPECT_EQ(resp.results(0).timeseries_size(), 0);
  EXPECT_EQ(resp.results(1).timeseries_size(), 2);
}

TEST_F(ServerTest, OverBudgetWritesAnswer429QuicklyThenSucceed) {
  ServerOptions o;
  o.request_memory_bytes = 256 * 1024;
  Reopen(o);
  MemoryBudget::Reservation hog = server_->memory_budget()->Reserve();
  ASSERT_TRUE(hog.Grow(256 * 1024 - 64));  // as if other requests were in flight

  HttpResponse refused = WriteV1(SampleWrite());
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.header("retry-after"), "1");
  EXPECT_TRUE(ReadSeries({{"__name__", "temp_celsius"}, {"room", "lab"}}).empty());

  hog.Release();
  EXPECT_EQ(WriteV1(SampleWrite()).status, 204);
  EXPECT_EQ(server_->memory_budget()->in_use(), 0u);
  HttpResponse m = Get("/metrics");
  EXPECT_NE(m.body.find("overtone_overloaded_requests_total 1\n"), std::string::npos);

  // The same with --overload-status 503.
  o.overload_status = 503;
  Reopen(o);
  MemoryBudget::Reservation hog2 = server_->memory_budget()->Reserve();
  ASSERT_TRUE(hog2.Grow(256 * 1024 - 64));
  EXPECT_EQ(WriteV1(SampleWrite()).status, 503);
}

// Many senders against a tiny budget: each request is refused or written,
// never failed otherwise, memory never exceeds the budget, and with retries
// everything arrives.
TEST_F(ServerTest, TinyBudgetUnderConcurrentLoadOnlyRefusesAndRecovers) {
  ServerOptions o;
  o.request_memory_bytes = 96 * 1024;
  Reopen(o);
  constexpr int kSenders = 6, kRequests = 15, kSeries = 100;
  std::atomic<int> refused{0}, other{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < kSenders; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        prometheus::WriteRequest req;
        for (int s = 0; s < kSeries; ++s) {
          AddSeries(&req, {{"__name__", "load"}, {"sender", std::to_string(t)}, {"s", std::to_string(s)}},
                    {{int64_t(i) * 1000, double(i)}});
        }
        std::string body = SnappyCompress(req.SerializeAsString());
        for (int attempt = 0; attempt < 200; ++attempt) {
          Result<HttpResponse> r = HttpRequest(port_, "POST", "/api/v1/write", kV1Headers, body);
          if (r.ok() && r->status == 204) break;
          if (r.ok() && r->status == 429) {
            refused++;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            continue;
          }
          other++;
          break;
        }
      }
    });
  }
  for (auto& t : senders) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_LE(server_->memory_budget()->peak(), o.request_memory_bytes);
  EXPECT_EQ(server_->memory_budget()->in_use(), 0u);
  EXPECT_EQ(db_->GetStats().samples_written, uint64_t(kSenders * kRequests * kSeries));
  std::printf("tiny budget: %d refusals (429) over %d requests, peak %zu of %zu bytes\n", refused.load(),
              kSenders * kRequests, server_->memory_budget()->peak(), o.request_memory_bytes);
}

TEST_F(ServerTest, BearerTokenOnEverythingButHealth) {
  ServerOptions o;
  o.auth_token = "s3cret";
  Reopen(o);
  EXPECT_EQ(Get("/health").status, 200);
  HttpResponse no = WriteV1(SampleWrite());
  EXPECT_EQ(no.status, 401);
  EXPECT_EQ(no.header("www-authenticate"), "Bearer");
  EXPECT_EQ(Get("/metrics").status, 401);
  EXPECT_EQ(Get("/ready").status, 401);
  EXPECT_EQ(Get("/metrics", {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(Get("/metrics", {{"Authorization", "Bearer s3cret"}}).status, 200);
  HttpHeaders h = kV1Headers;
  h.emplace_back("Authorization", "Bearer s3cret");
  EXPECT_EQ(WriteV1(SampleWrite(), h).status, 204);
  EXPECT_EQ(Post("/api/v1/read", {}, "x").status, 401);
}

// The route table (routes.h) says which routes only read: a read-only
// server serves those and answers the others 403, after auth.
TEST_F(ServerTest, ReadOnlyServerRefusesWritesOnly) {
  ServerOptions o;
  o.read_only = true;
  Reopen(o);
  HttpResponse w = WriteV1(SampleWrite());
  EXPECT_EQ(w.status, 403);
  EXPECT_EQ(w.body, "the server is read-only: POST /api/v1/write is not served\n");
  EXPECT_EQ(db_->GetStats().series, 0u);
  prometheus::ReadRequest rr;
  AddQuery(&rr, 0, 1, {{0, "__name__", "up"}});
  EXPECT_EQ(Read(rr).status, 200);
  EXPECT_EQ(Get("/api/v1/query?query=vector(1)&time=1").status, 200);
  EXPECT_EQ(Get("/metrics").status, 200);
  EXPECT_NE(Get("/metrics").body.find("overtone_http_requests_total{handler=\"write\",code=\"403\"} 1\n"),
            std::string::npos);
}

TEST_F(ServerTest, SelfMonitoringEndpoints) {
  ASSERT_EQ(WriteV1(SampleWrite()).status, 204);
  EXPECT_EQ(Get("/health").body, "OK\n");
  EXPECT_EQ(Get("/ready").status, 200);
  HttpResponse m = Get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  for (const char* want :
       {"overtone_samples_ingested_total 5\n", "overtone_series 2\n",
        "overtone_http_requests_total{handler=\"write\",code=\"204\"} 1\n",
        "overtone_http_request_duration_seconds_bucket{handler=\"write\",code=\"204\",le=\"+Inf\"} 1\n",
        "overtone_request_memory_budget_bytes 268435456\n", "# TYPE overtone_disk_bytes gauge\n",
        "process_resident_memory_bytes "}) {
    EXPECT_NE(m.body.find(want), std::string::npos) << want;
  }
  HttpResponse s = Get("/stats");
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(s.header("content-type"), "application/json");
  EXPECT_NE(s.body.find("\"samples_ingested\": 5"), std::string::npos) << s.body;
}

TEST_F(ServerTest, StopRefusesNewConnectionsAndIsIdempotent) {
  ASSERT_EQ(Get("/health").status, 200);
  server_->Stop();
  server_->Stop();
  EXPECT_FALSE(HttpRequest(port_, "GET", "/health", {}, {}, 2000).ok());
}

TEST(ServerOptionsTest, MemorySplitAndBindErrors) {
  MemorySplit p = SplitMemoryLimit(1 << 30);
  EXPECT_EQ(p.request_bytes, 256u << 20);
  EXPECT_EQ(p.storage_bytes, 256u << 20);
  EXPECT_EQ(p.write_buffer_bytes, 64u << 20);
  EXPECT_EQ(p.index_bytes, 256u << 20);
  EXPECT_EQ(p.query_bytes, 64u << 20);
  EXPECT_EQ(p.sqlite_bytes, 64u << 20);
  EXPECT_EQ(p.cache_bytes, 64u << 20);
  EXPECT_EQ(p.xor_chunk_cache_bytes, 32u << 20);
  EXPECT_GE(DefaultThreads(), 16);

  TempDir dir;
  auto db = Database::Open(Options{}, dir.path());
  ASSERT_TRUE(db.ok());
  ServerOptions o;
  o.port = 0;
  HttpServer first(db->get(), o);
  ASSERT_TRUE(first.Start().ok());
  o.port = first.port();
  HttpServer second(db->get(), o);
  EXPECT_EQ(second.Start().code(), Status::Code::kIOError);
  first.Stop();
}

}  // namespace
}  // namespace overtone::adapters
