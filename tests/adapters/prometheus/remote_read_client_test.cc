// The remote read client (adapters/prometheus/remote_read_client.h) against
// a local server that sends a STREAMED_XOR_CHUNKS body in pieces of any
// size: frames whole, several to a piece, or cut anywhere, must all come out
// as the same series and samples; a damaged or cut-short body is an error.
// A SAMPLES answer gives the samples of the slice asked for.

#include "adapters/prometheus/remote_read_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "adapters/prometheus/chunked_frame.h"
#include "adapters/prometheus/proto/remote.pb.h"
#include "adapters/prometheus/snappy_block.h"
#include "adapters/prometheus/xor_chunk.h"

namespace overtone::adapters {
namespace {

// Serves one body at /api/v1/read, written `piece` bytes at a time as
// chunks of the HTTP answer (each reaches the client as a piece of its own).
class StreamServer {
 public:
  static constexpr const char* kStreamed =
      "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";
  StreamServer(std::string body, size_t piece, std::string type = kStreamed)
      : body_(std::move(body)), piece_(piece), type_(std::move(type)) {
    server_.Post("/api/v1/read", [this](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider(type_, [this](size_t offset, httplib::DataSink& sink) {
        if (offset >= body_.size()) {
          sink.done();
          return true;
        }
        return sink.write(body_.data() + offset, std::min(piece_, body_.size() - offset));
      });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~StreamServer() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/v1/read"; }

 private:
  std::string body_;
  size_t piece_;
  std::string type_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Series "s<i>" with `n` samples each, 15 s apart, as frames of `per_frame`
// series, chunks of kXorChunkSamples.
std::string StreamedBody(int series, int n, int per_frame, std::map<std::string, std::vector<Sample>>* want) {
  std::string body;
  prometheus::ChunkedReadResponse frame;
  for (int i = 0; i < series; ++i) {
    std::vector<Sample> samples;
    for (int k = 0; k < n; ++k) samples.push_back({1000 + 15000 * k, i * 0.5 + k % 7});
    (*want)["s" + std::to_string(i)] = samples;
    prometheus::ChunkedSeries* cs = frame.add_chunked_series();
    prometheus::Label* name = cs->add_labels();
    name->set_name("__name__");
    name->set_value("m");
    prometheus::Label* id = cs->add_labels();
    id->set_name("s");
    id->set_value("s" + std::to_string(i));
    for (size_t at = 0; at < samples.size(); at += kXorChunkSamples) {
      std::span<const Sample> part(samples.data() + at, std::min(kXorChunkSamples, samples.size() - at));
      prometheus::Chunk* c = cs->add_chunks();
      c->set_type(prometheus::Chunk::XOR);
      c->set_min_time_ms(part.front().ts);
      c->set_max_time_ms(part.back().ts);
      std::string data;
      EXPECT_TRUE(EncodeXorChunk(part, &data).ok());
      c->set_data(data);
    }
    if (frame.chunked_series_size() == per_frame || i == series - 1) {
      AppendChunkedFrame(frame.SerializeAsString(), &body);
      frame.Clear();
    }
  }
  return body;
}

Status ReadAll(const std::string& url, std::map<std::string, std::vector<Sample>>* got, int64_t start_ms = 0,
               int64_t end_ms = int64_t{1} << 40) {
  RemoteReadOptions o;
  o.url = url;
  o.matchers = {LabelMatcher{MatchType::kEqual, "__name__", "m"}};
  o.start_ms = start_ms;
  o.end_ms = end_ms;
  o.slice_ms = o.end_ms + 1;
  o.client.max_attempts = 1;
  o.client.timeout_seconds = 10;
  return RemoteRead(o, [&](const Labels& labels, std::span<const Sample> samples) {
    EXPECT_EQ(labels.size(), 2u);
    std::vector<Sample>& into = (*got)[labels.back().value];
    into.insert(into.end(), samples.begin(), samples.end());
    return Status::OK();
  });
}

TEST(RemoteReadClientTest, FramesCutAnywhereDecodeToTheSameSamples) {
  std::map<std::string, std::vector<Sample>> want;
  // 13 series of 250 samples (three chunks each), three series a frame.
  const std::string body = StreamedBody(13, 250, 3, &want);
  for (size_t piece :
       {size_t{1}, size_t{3}, size_t{7}, size_t{100}, size_t{999}, size_t{4096}, body.size()}) {
    StreamServer server(body, piece);
    std::map<std::string, std::vector<Sample>> got;
    Status s = ReadAll(server.Url(), &got);
    ASSERT_TRUE(s.ok()) << "pieces of " << piece << ": " << s.ToString();
    EXPECT_EQ(got, want) << "pieces of " << piece;
  }
}

TEST(RemoteReadClientTest, ADamagedOrCutShortBodyIsAnError) {
  std::map<std::string, std::vector<Sample>> want;
  const std::string body = StreamedBody(4, 130, 2, &want);
  std::string damaged = body;
  damaged[damaged.size() / 2] ^= 0x20;  // inside the second frame: its CRC no longer matches
  for (size_t piece : {size_t{5}, body.size()}) {
    StreamServer bad(damaged, piece);
    std::map<std::string, std::vector<Sample>> got;
    Status s = ReadAll(bad.Url(), &got);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();

    StreamServer cut(body.substr(0, body.size() - 3), piece);
    got.clear();
    s = ReadAll(cut.Url(), &got);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
    EXPECT_NE(s.ToString().find("ends inside a frame"), std::string::npos) << s.ToString();
  }
}

TEST(RemoteReadClientTest, SamplesAnswerGivesTheSlicesSamples) {
  prometheus::ReadResponse response;
  prometheus::QueryResult* result = response.add_results();
  std::map<std::string, std::vector<Sample>> want;
  for (int i = 0; i < 50; ++i) {
    prometheus::TimeSeries* ts = result->add_timeseries();
    prometheus::Label* id = ts->add_labels();  // out of order: the client sorts
    id->set_name("s");
    id->set_value("s" + std::to_string(i));
    prometheus::Label* name = ts->add_labels();
    name->set_name("__name__");
    name->set_value("m");
    for (int k = 0; k < 300; ++k) {
      prometheus::Sample* smp = ts->add_samples();
      smp->set_timestamp(15000 * k);
      smp->set_value(i + k * 0.25);
      // A server may answer past the slice asked for; what lies outside
      // [30 s, 3000 s] is not the slice's.
      if (smp->timestamp() >= 30000 && smp->timestamp() <= 3000000) {
        want["s" + std::to_string(i)].push_back({smp->timestamp(), smp->value()});
      }
    }
  }
  StreamServer server(SnappyCompress(response.SerializeAsString()), 1000, "application/x-protobuf");
  std::map<std::string, std::vector<Sample>> got;
  Status s = ReadAll(server.Url(), &got, 30000, 3000000);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(got, want);

  StreamServer garbage(SnappyCompress("\xff\xff\xff"), 1000, "application/x-protobuf");
  got.clear();
  s = ReadAll(garbage.Url(), &got);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
}

}  // namespace
}  // namespace overtone::adapters
