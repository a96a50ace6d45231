// POST /api/v1/read: an input goes through the HTTP endpoint's handler
// (adapters/http/read_endpoint.h) as the body, against a database of three
// series written at start-up, partly sealed into segments so that reads
// merge segments and raw samples.
//
// Checks on a 200: the response decodes (snappy and protobuf for SAMPLES;
// frames, CRCs, protobuf and XOR chunks for STREAMED_XOR_CHUNKS), answers
// each query, and every sample lies in its query's time range.

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "adapters/http/endpoint.h"
#include "adapters/http/read_endpoint.h"
#include "adapters/prometheus/chunked_frame.h"
#include "adapters/prometheus/proto/remote.pb.h"
#include "adapters/prometheus/snappy_block.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/scratch_dir.h"
#include "overtone/database.h"
#include "storage/codec/xor_chunk.h"

using namespace overtone;

namespace {

constexpr int64_t kStart = 1700000000000;  // what the seeds ask for
constexpr int64_t kStep = 15000;
constexpr int kSamples = 720;  // three hours

struct Server {
  std::unique_ptr<Database> db;
  adapters::ServerOptions options;
  adapters::MemoryBudget budget{256u << 20};
  adapters::ServerMetrics metrics;
};
Server* server;

void Populate(Database* db) {
  WriteBatch batch;
  for (int i = 0; i < kSamples; ++i) {
    int64_t ts = kStart + i * kStep;
    batch.Add({{"__name__", "up"}, {"job", "api"}, {"instance", "a:9100"}}, ts, i % 50 == 7 ? 0 : 1);
    batch.Add({{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "200"}}, ts, 1000.0 + 3 * i);
    double temp = i == 100 ? NAN : i == 200 ? StaleNaN() : std::round(2150 + 40 * std::sin(i / 30.0)) / 100;
    batch.Add({{"__name__", "node_temp_celsius"}, {"host", "web-1"}}, ts, temp);
  }
  FUZZ_CHECK(db->Write(batch).ok());
  FUZZ_CHECK(db->Compact(kStart + 2 * 3600 * 1000).ok());  // the third hour stays raw
}

bool InRange(const prometheus::Query& q, int64_t ts) {
  return ts >= q.start_timestamp_ms() && ts <= q.end_timestamp_ms();
}

void CheckSamples(const prometheus::ReadRequest& req, const std::string& body) {
  std::string raw;
  FUZZ_CHECK(adapters::SnappyUncompress(body, &raw).ok());
  prometheus::ReadResponse resp;
  FUZZ_CHECK(resp.ParseFromString(raw));
  FUZZ_CHECK(resp.results_size() == req.queries_size());
  for (int q = 0; q < resp.results_size(); ++q) {
    for (const prometheus::TimeSeries& ts : resp.results(q).timeseries()) {
      FUZZ_CHECK(ts.samples_size() > 0);
      for (const prometheus::Sample& s : ts.samples()) FUZZ_CHECK(InRange(req.queries(q), s.timestamp()));
    }
  }
}

void CheckStream(const prometheus::ReadRequest& req, std::string_view body) {
  while (!body.empty()) {
    std::string_view msg;
    FUZZ_CHECK(adapters::ReadChunkedFrame(&body, &msg).ok());
    prometheus::ChunkedReadResponse frame;
    FUZZ_CHECK(frame.ParseFromArray(msg.data(), static_cast<int>(msg.size())));
    FUZZ_CHECK(frame.query_index() >= 0 && frame.query_index() < req.queries_size());
    const prometheus::Query& q = req.queries(static_cast<int>(frame.query_index()));
    for (const prometheus::ChunkedSeries& cs : frame.chunked_series()) {
      for (const prometheus::Chunk& c : cs.chunks()) {
        std::vector<Sample> samples;
        FUZZ_CHECK(storage::DecodeXorChunk(c.data(), &samples).ok());
        FUZZ_CHECK(!samples.empty());
        FUZZ_CHECK(samples.front().ts == c.min_time_ms() && samples.back().ts == c.max_time_ms());
        for (const Sample& s : samples) FUZZ_CHECK(InRange(q, s.ts));
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  server = new Server();
  server->options.max_decompressed_bytes = 1 << 20;  // bodies announcing more get a 413
  server->options.max_frame_bytes = 4096;            // several frames per series
  Options o;
  o.compaction_interval_ms = 0;
  o.segment_span_ms = 3600 * 1000;
  Result<std::unique_ptr<Database>> db = Database::Open(o, fuzz::ScratchDir() + "/db");
  FUZZ_CHECK(db.ok());
  server->db = std::move(*db);
  Populate(server->db.get());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::InputReader in(data, size);
  uint8_t flags = in.U8();
  std::string body = (flags & fuzz::kCompress) ? adapters::SnappyCompress(in.Rest()) : std::string(in.Rest());

  adapters::EndpointContext ctx{server->db.get(), &server->options, &server->budget, &server->metrics};
  adapters::BodyHeaders headers{"application/x-protobuf", "snappy", body.size()};
  adapters::MemoryBudget::Reservation reservation = server->budget.Reserve();
  FUZZ_CHECK(!adapters::PrecheckRead(ctx, headers, &reservation));
  adapters::ReadReply out = adapters::HandleRead(ctx, body, std::move(reservation));
  if (out.reply.status != 200) {
    if (out.reply.status != 400 && out.reply.status != 413) {
      std::fprintf(stderr, "status %d: %s", out.reply.status, out.reply.body.c_str());
      FUZZ_CHECK(!"an undocumented status for a client's body");
    }
    return 0;
  }

  std::string raw;
  FUZZ_CHECK(adapters::SnappyUncompress(body, &raw).ok());
  prometheus::ReadRequest req;
  FUZZ_CHECK(req.ParseFromString(raw));
  if (!out.stream) {
    CheckSamples(req, out.reply.body);
    return 0;
  }
  std::string streamed;
  while (true) {
    Result<bool> more = out.stream->Next(&streamed);
    FUZZ_CHECK(more.ok());
    if (!*more) break;
  }
  CheckStream(req, streamed);
  return 0;
}
