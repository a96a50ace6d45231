// remote_read_probe: a remote read client for the real-Prometheus test.
// Sends one query to a remote read endpoint (overtone's or Prometheus's own)
// asking for one response type, decodes the answer (checking frame CRCs and
// XOR chunks) and prints each sample in [start, end] as
//   {labels} <ts> <value bits, hex>
// sorted, so that two servers' answers compare with diff.
//
//   remote_read_probe PORT START_MS END_MS samples|streamed NAME=~REGEX...

#include <bit>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>

#include "adapters/prometheus/chunked_frame.h"
#include "adapters/prometheus/proto/remote.pb.h"
#include "adapters/prometheus/snappy_block.h"
#include "adapters/prometheus/xor_chunk.h"
#include "tests/support/http_test_client.h"

namespace {

using namespace overtone;

std::string LabelsText(const google::protobuf::RepeatedPtrField<prometheus::Label>& ls) {
  std::string out = "{";
  for (const auto& l : ls) out += l.name() + "=\"" + l.value() + "\",";
  return out + "}";
}

int Fail(const std::string& why) {
  std::fprintf(stderr, "remote_read_probe: %s\n", why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) return Fail("usage: PORT START_MS END_MS samples|streamed NAME=~REGEX...");
  int port = std::atoi(argv[1]);
  int64_t start = std::strtoll(argv[2], nullptr, 10), end = std::strtoll(argv[3], nullptr, 10);
  bool streamed = std::strcmp(argv[4], "streamed") == 0;

  prometheus::ReadRequest req;
  prometheus::Query* q = req.add_queries();
  q->set_start_timestamp_ms(start);
  q->set_end_timestamp_ms(end);
  for (int i = 5; i < argc; ++i) {
    std::string m = argv[i];
    size_t op = m.find("=~");
    if (op == std::string::npos) return Fail("matchers are NAME=~REGEX");
    prometheus::LabelMatcher* lm = q->add_matchers();
    lm->set_type(prometheus::LabelMatcher::RE);
    lm->set_name(m.substr(0, op));
    lm->set_value(m.substr(op + 2));
  }
  req.add_accepted_response_types(streamed ? prometheus::ReadRequest::STREAMED_XOR_CHUNKS
                                           : prometheus::ReadRequest::SAMPLES);
  auto resp = testing::HttpRequest(port, "POST", "/api/v1/read",
                                   {{"Content-Type", "application/x-protobuf"},
                                    {"Content-Encoding", "snappy"},
                                    {"X-Prometheus-Remote-Read-Version", "0.1.0"}},
                                   adapters::SnappyCompress(req.SerializeAsString()), 20000);
  if (!resp.ok()) return Fail(resp.status().ToString());
  if (resp->status != 200) return Fail("HTTP " + std::to_string(resp->status) + ": " + resp->body);

  std::set<std::string> lines;
  auto emit = [&](const std::string& labels, const Sample& s) {
    if (s.ts < start || s.ts > end) return;  // whole chunks may reach outside the range
    char buf[64];
    std::snprintf(buf, sizeof buf, " %" PRId64 " %016" PRIx64, s.ts, std::bit_cast<uint64_t>(s.value));
    lines.insert(labels + buf);
  };
  if (streamed) {
    if (resp->header("content-type").find("application/x-streamed-protobuf") != 0) {
      return Fail("unexpected content type " + resp->header("content-type"));
    }
    std::string_view in = resp->body;
    while (!in.empty()) {
      std::string_view msg;
      if (Status s = adapters::ReadChunkedFrame(&in, &msg); !s.ok()) return Fail(s.ToString());
      prometheus::ChunkedReadResponse f;
      if (!f.ParseFromArray(msg.data(), static_cast<int>(msg.size()))) return Fail("bad frame");
      for (const auto& cs : f.chunked_series()) {
        for (const auto& c : cs.chunks()) {
          if (c.type() != prometheus::Chunk::XOR) return Fail("non-XOR chunk");
          std::vector<Sample> samples;
          if (Status s = adapters::DecodeXorChunk(c.data(), &samples); !s.ok()) {
            return Fail(s.ToString());
          }
          for (const Sample& s : samples) emit(LabelsText(cs.labels()), s);
        }
      }
    }
  } else {
    std::string raw;
    if (Status s = adapters::SnappyUncompress(resp->body, &raw); !s.ok()) return Fail(s.ToString());
    prometheus::ReadResponse r;
    if (!r.ParseFromString(raw)) return Fail("bad ReadResponse");
    for (const auto& res : r.results()) {
      for (const auto& ts : res.timeseries()) {
        for (const auto& s : ts.samples()) emit(LabelsText(ts.labels()), Sample{s.timestamp(), s.value()});
      }
    }
  }
  for (const std::string& l : lines) std::printf("%s\n", l.c_str());
  return 0;
}
