// The remote read client (adapters/prometheus/remote_read_client.h) against
// a local server that sends a STREAMED_XOR_CHUNKS body in pieces of any
// size: frames whole, several to a piece, or cut anywhere, must all come out
// as the same series and samples; a damaged or cut-short body is an error.
// A SAMPLES answer gives the samples of the slice asked for.

#include "adapters/prometheus/remote_read_client.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "adapters/prometheus/chunked_frame.h"
#include "adapters/prometheus/proto/remote.pb.h"
#include "adapters/prometheus/snappy_block.h"
#include "adapters/prometheus/xor_chunk.h"
#include "tests/support/http_receiver.h"

namespace overtone::adapters {
namespace {

constexpr const char* kStreamed = "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";

// A local server that answers every read with `body`, `piece` bytes at a
// time.
struct StreamServer {
  StreamServer(std::string body, size_t piece, std::string type = kStreamed) {
    receiver.Body(std::move(body), std::move(type), piece);
  }
  std::string Url() const { return receiver.Url("/api/v1/read"); }
  testing::HttpReceiver receiver;
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
