// Remote read from the engine: matchers, several queries, SAMPLES and
// STREAMED_XOR_CHUNKS bodies decoded back (adapters/prometheus/remote_read.h).

#include "adapters/prometheus/remote_read.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "adapters/prometheus/chunked_frame.h"
#include "adapters/prometheus/ordered_pipeline.h"
#include "adapters/prometheus/xor_chunk.h"
#include "tests/support/prom_requests.h"
#include "tests/support/test_database.h"

namespace overtone::adapters {
namespace {

using testing::AddQuery;
using testing::LabelList;
using testing::ToLabelList;

enum { EQ = 0, NEQ = 1, RE = 2, NRE = 3 };

struct Decoded {
  LabelList labels;
  std::vector<Sample> samples;
  int64_t query_index;
};

// Decodes a STREAMED_XOR_CHUNKS body, checking frame CRCs and chunk bounds.
std::vector<Decoded> DecodeStream(const std::string& body) {
  std::vector<Decoded> out;
  std::string_view in = body;
  while (!in.empty()) {
    std::string_view msg;
    EXPECT_TRUE(ReadChunkedFrame(&in, &msg).ok());
    prometheus::ChunkedReadResponse r;
    EXPECT_TRUE(r.ParseFromArray(msg.data(), static_cast<int>(msg.size())));
    EXPECT_EQ(r.chunked_series_size(), 1);
    for (const auto& cs : r.chunked_series()) {
      LabelList labels = ToLabelList(cs.labels());
      if (out.empty() || out.back().labels != labels || out.back().query_index != r.query_index()) {
        out.push_back(Decoded{labels, {}, r.query_index()});
      }
      for (const auto& c : cs.chunks()) {
        EXPECT_EQ(c.type(), prometheus::Chunk::XOR);
        std::vector<Sample> s;
        EXPECT_TRUE(DecodeXorChunk(c.data(), &s).ok());
        EXPECT_LE(s.size(), kXorChunkSamples);
        EXPECT_EQ(c.min_time_ms(), s.front().ts);
        EXPECT_EQ(c.max_time_ms(), s.back().ts);
        out.back().samples.insert(out.back().samples.end(), s.begin(), s.end());
      }
    }
  }
  return out;
}

class RemoteReadTest : public testing::DatabaseTest {
 protected:
  // A SAMPLES answer, parsed back; the counts checked against it.
  prometheus::ReadResponse Samples(const prometheus::ReadRequest& req, int threads = 1) {
    SamplesAnswer answer;
    Status s = ReadSamples(
        db_.get(), req, [](size_t) { return true; }, threads, &answer);
    EXPECT_TRUE(s.ok()) << s.ToString();
    prometheus::ReadResponse resp;
    EXPECT_TRUE(resp.ParseFromString(answer.Joined()));
    EXPECT_EQ(answer.Joined().size(), answer.bytes);
    size_t series = 0, samples = 0;
    for (const auto& r : resp.results()) {
      series += r.timeseries_size();
      for (const auto& ts : r.timeseries()) samples += ts.samples_size();
    }
    EXPECT_EQ(answer.series, series);
    EXPECT_EQ(answer.samples, samples);
    return resp;
  }

  void SetUp() override {
    DatabaseTest::SetUp();
    WriteBatch b;
    for (int i = 0; i < 300; ++i) {
      b.Add({{"__name__", "cpu"}, {"host", "a"}}, 1000 * i, i * 0.5);
      b.Add({{"__name__", "cpu"}, {"host", "b"}}, 1000 * i, i % 2 ? StaleNaN() : 1.0);
    }
    b.Add({{"__name__", "mem"}, {"host", "a"}}, 5000, 42);
    b.Add({{"__name__", "cpu"}, {"host", "c"}, {"zone", "eu"}}, 900000, 7);  // outside most ranges
    ASSERT_TRUE(db_->Write(b).ok());
  }
};

TEST(RemoteReadNegotiation, FirstImplementedTypeWins) {
  prometheus::ReadRequest r;
  EXPECT_EQ(*NegotiateReadResponse(r), ReadResponseType::kSamples);
  r.add_accepted_response_types(prometheus::ReadRequest::STREAMED_XOR_CHUNKS);
  r.add_accepted_response_types(prometheus::ReadRequest::SAMPLES);
  EXPECT_EQ(*NegotiateReadResponse(r), ReadResponseType::kStreamedXorChunks);
  prometheus::ReadRequest only_unknown;
  only_unknown.add_accepted_response_types(static_cast<prometheus::ReadRequest::ResponseType>(7));
  EXPECT_TRUE(NegotiateReadResponse(only_unknown).status().IsInvalidArgument());
}

TEST_F(RemoteReadTest, SamplesWithEveryMatcherTypeAndSeveralQueries) {
  prometheus::ReadRequest req;
  AddQuery(&req, 10000, 12000, {{EQ, "__name__", "cpu"}, {NEQ, "host", "b"}});
  AddQuery(&req, 0, 1000000, {{RE, "__name__", "cp.|me."}, {NRE, "host", "[ab]"}});
  AddQuery(&req, 0, 10000, {{EQ, "__name__", "mem"}});
  AddQuery(&req, 0, 10000, {{EQ, "__name__", "nothing"}});
  prometheus::ReadResponse resp = Samples(req);
  ASSERT_EQ(resp.results_size(), 4);

  // Query 0: host a only (c has nothing in range), both ends inclusive.
  ASSERT_EQ(resp.results(0).timeseries_size(), 1);
  const auto& ts = resp.results(0).timeseries(0);
  EXPECT_EQ(ToLabelList(ts.labels()), (LabelList{{"__name__", "cpu"}, {"host", "a"}}));
  ASSERT_EQ(ts.samples_size(), 3);
  EXPECT_EQ(ts.samples(0).timestamp(), 10000);
  EXPECT_EQ(ts.samples(2).timestamp(), 12000);
  EXPECT_EQ(ts.samples(2).value(), 6.0);

  ASSERT_EQ(resp.results(1).timeseries_size(), 1);
  EXPECT_EQ(ToLabelList(resp.results(1).timeseries(0).labels()),
            (LabelList{{"__name__", "cpu"}, {"host", "c"}, {"zone", "eu"}}));
  ASSERT_EQ(resp.results(2).timeseries_size(), 1);
  EXPECT_EQ(resp.results(2).timeseries(0).samples(0).value(), 42);
  EXPECT_EQ(resp.results(3).timeseries_size(), 0);
}

TEST_F(RemoteReadTest, SamplesRefusedOverBudget) {
  prometheus::ReadRequest req;
  AddQuery(&req, 0, 1000000, {{EQ, "__name__", "cpu"}});
  for (int threads : {1, 4}) {
    SamplesAnswer answer;
    size_t budget = 1000;
    Status s = ReadSamples(
        db_.get(), req,
        [&](size_t n) {
          if (n > budget) return false;
          budget -= n;
          return true;
        },
        threads, &answer);
    EXPECT_EQ(s.code(), Status::Code::kResourceExhausted);
  }
}

TEST_F(RemoteReadTest, StreamedChunksCarryTheSameSamplesSortedBySeries) {
  prometheus::ReadRequest req;
  AddQuery(&req, 0, 299000, {{EQ, "__name__", "cpu"}});
  AddQuery(&req, 0, 10000, {{EQ, "__name__", "mem"}});
  ChunkedReadStream stream(db_.get(), &req);
  ASSERT_TRUE(stream.Start().ok());
  std::string body;
  while (true) {
    Result<bool> more = stream.Next(&body);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
  }
  std::vector<Decoded> got = DecodeStream(body);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].labels, (LabelList{{"__name__", "cpu"}, {"host", "a"}}));
  EXPECT_EQ(got[1].labels, (LabelList{{"__name__", "cpu"}, {"host", "b"}}));
  EXPECT_EQ(got[2].labels, (LabelList{{"__name__", "mem"}, {"host", "a"}}));
  EXPECT_EQ(got[0].query_index, 0);
  EXPECT_EQ(got[2].query_index, 1);
  ASSERT_EQ(got[1].samples.size(), 300u);  // 3 chunks: 120 + 120 + 60
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(got[0].samples[i], (Sample{1000 * i, i * 0.5}));
    EXPECT_EQ(got[1].samples[i], (Sample{1000 * i, i % 2 ? StaleNaN() : 1.0}));
  }
  EXPECT_EQ(stream.series_sent(), 3u);
  EXPECT_EQ(stream.samples_sent(), 601u);
}

TEST_F(RemoteReadTest, LargeSeriesAreSplitAcrossFrames) {
  prometheus::ReadRequest req;
  AddQuery(&req, 0, 299000, {{EQ, "__name__", "cpu"}, {EQ, "host", "a"}});
  ChunkedReadStream stream(db_.get(), &req, /*max_frame_bytes=*/64);
  ASSERT_TRUE(stream.Start().ok());
  std::string body;
  ASSERT_TRUE(*stream.Next(&body));
  ASSERT_FALSE(*stream.Next(&body));
  int frames = 0;
  for (std::string_view in = body; !in.empty(); ++frames) {
    std::string_view msg;
    ASSERT_TRUE(ReadChunkedFrame(&in, &msg).ok());
  }
  EXPECT_EQ(frames, 3);  // one chunk per frame at this size
  std::vector<Decoded> got = DecodeStream(body);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].samples.size(), 300u);
}

TEST_F(RemoteReadTest, BadRegexFailsBeforeStreaming) {
  prometheus::ReadRequest req;
  AddQuery(&req, 0, 1000, {{EQ, "__name__", "cpu"}});
  AddQuery(&req, 0, 1000, {{RE, "host", "(unclosed"}});
  ChunkedReadStream stream(db_.get(), &req);
  EXPECT_TRUE(stream.Start().IsInvalidArgument());
  SamplesAnswer answer;
  EXPECT_TRUE(ReadSamples(
                  db_.get(), req, [](size_t) { return true; }, 1, &answer)
                  .IsInvalidArgument());
}

// Every frame of a streamed answer, read to the end.
std::string ReadAll(ChunkedReadStream* stream) {
  std::string body;
  EXPECT_TRUE(stream->Start().ok());
  while (true) {
    Result<bool> more = stream->Next(&body);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) return body;
  }
}

TEST_F(RemoteReadTest, SeveralThreadsAnswerByteForByteAsOne) {
  // Enough samples that threads start half way (after
  // kReadSamplesBeforeThreads samples), with series enough left for them.
  const int per_series = static_cast<int>(kReadSamplesBeforeThreads / 50) + 1;
  WriteBatch b;
  for (int s = 0; s < 100; ++s) {
    for (int i = 0; i < per_series; ++i) {
      // Some series have nothing in range: they are left out in either case.
      int64_t ts = s % 7 == 3 ? 10'000'000'000 + i : 100 * i + s;
      b.Add({{"__name__", "many"}, {"n", std::to_string(s)}}, ts, s * 1000 + i * 0.25);
    }
  }
  ASSERT_TRUE(db_->Write(b).ok());
  prometheus::ReadRequest req;
  AddQuery(&req, 0, 100 * int64_t{per_series}, {{EQ, "__name__", "many"}});
  AddQuery(&req, 0, 299000, {{EQ, "__name__", "cpu"}});
  ChunkedReadStream one(db_.get(), &req, kDefaultMaxFrameBytes, 1);
  std::string expected = ReadAll(&one);
  ASSERT_EQ(one.series_sent(), 100u - 14u + 2u);
  EXPECT_FALSE(one.threaded());
  for (int threads : {2, 3, 4}) {
    ChunkedReadStream several(db_.get(), &req, /*max_frame_bytes=*/kDefaultMaxFrameBytes, threads);
    EXPECT_EQ(ReadAll(&several), expected) << threads << " threads";
    EXPECT_TRUE(several.threaded());
    EXPECT_EQ(several.series_sent(), one.series_sent());
    EXPECT_EQ(several.samples_sent(), one.samples_sent());
  }
  // SAMPLES too: the same bytes whatever the threads.
  const std::string one_thread = Samples(req, 1).SerializeAsString();
  for (int threads : {2, 4}) EXPECT_EQ(Samples(req, threads).SerializeAsString(), one_thread) << threads;
  EXPECT_EQ(Samples(req, 4).results(0).timeseries_size(), 100 - 14);
  // A stream dropped half way (the client went away) stops its threads.
  ChunkedReadStream dropped(db_.get(), &req, kDefaultMaxFrameBytes, 4);
  ASSERT_TRUE(dropped.Start().ok());
  std::string body;
  while (!dropped.threaded()) ASSERT_TRUE(*dropped.Next(&body));
  ASSERT_TRUE(*dropped.Next(&body));
}

// Sealed data goes out as the chunks the database keeps for its segments:
// a repeated read sends the same bytes, and whatever the range (the whole
// series, straddling chunk borders, inside one chunk) the chunks decode to
// the samples the SAMPLES answer holds.
TEST_F(RemoteReadTest, SealedDataStreamsTheSameSamplesFromTheChunkCache) {
  ASSERT_TRUE(db_->Compact(kMaxTime).ok());
  for (auto [lo, hi] : {std::pair<int64_t, int64_t>{0, 299000}, {60500, 250000}, {130000, 131000}}) {
    SCOPED_TRACE(std::to_string(lo) + ".." + std::to_string(hi));
    prometheus::ReadRequest req;
    AddQuery(&req, lo, hi, {{RE, "__name__", ".+"}});
    ChunkedReadStream first(db_.get(), &req);
    const std::string miss = ReadAll(&first);
    const uint64_t hits = db_->GetStats().xor_chunk_cache_hits;
    ChunkedReadStream second(db_.get(), &req);
    EXPECT_EQ(ReadAll(&second), miss);
    EXPECT_GT(db_->GetStats().xor_chunk_cache_hits, hits);
    const prometheus::ReadResponse samples = Samples(req);
    std::vector<Decoded> got = DecodeStream(miss);
    ASSERT_EQ(got.size(), static_cast<size_t>(samples.results(0).timeseries_size()));
    for (size_t i = 0; i < got.size(); ++i) {
      const auto& ts = samples.results(0).timeseries(static_cast<int>(i));
      EXPECT_EQ(got[i].labels, ToLabelList(ts.labels()));
      ASSERT_EQ(got[i].samples.size(), static_cast<size_t>(ts.samples_size()));
      for (int k = 0; k < ts.samples_size(); ++k) {
        EXPECT_EQ(got[i].samples[k].ts, ts.samples(k).timestamp());
        const double want = ts.samples(k).value(), have = got[i].samples[k].value;
        EXPECT_EQ(std::memcmp(&want, &have, sizeof want), 0);
      }
    }
  }
}

// SAMPLES reads its series through cursors it moves from series to series
// (one a thread): whatever the range (ending at a segment's last sample,
// inside a segment, past the end) and the threads, each series' samples are
// those a Scan of it gives, late raw samples over sealed ones included.
TEST_F(RemoteReadTest, SamplesOfSealedSeriesAreWhatAScanOfEachGives) {
  constexpr int64_t kMinute = 60 * 1000, kHour = 60 * kMinute;
  WriteBatch b;
  for (int s = 0; s < 60; ++s) {
    for (int64_t i = 0; i < 20 * 60; ++i) {
      b.Add({{"__name__", "sealed"}, {"n", std::to_string(s)}}, i * kMinute, s * 10000 + i * 0.5);
    }
  }
  ASSERT_TRUE(db_->Write(b).ok());
  ASSERT_TRUE(db_->Compact(kMaxTime).ok());  // segments of 6 hours: 4 a series
  WriteBatch late;
  for (int s = 0; s < 60; s += 3)
    late.Add({{"__name__", "sealed"}, {"n", std::to_string(s)}}, 7 * kHour, -1.0 * s);
  ASSERT_TRUE(db_->Write(late).ok());
  const int64_t last_of_first_segment = 6 * kHour - kMinute;
  for (auto [lo, hi] : {std::pair<int64_t, int64_t>{kMinTime, kMaxTime},
                        {0, last_of_first_segment},
                        {kHour, 6 * kHour},
                        {5 * kHour, 7 * kHour + 30 * 1000},
                        {19 * kHour, 30 * kHour}}) {
    SCOPED_TRACE(std::to_string(lo) + ".." + std::to_string(hi));
    prometheus::ReadRequest req;
    AddQuery(&req, lo, hi, {{EQ, "__name__", "sealed"}});
    for (int threads : {1, 4}) {
      const prometheus::ReadResponse resp = Samples(req, threads);
      ASSERT_EQ(resp.results(0).timeseries_size(), 60);
      for (const auto& ts : resp.results(0).timeseries()) {
        Labels labels;
        for (const auto& l : ts.labels()) labels.push_back({l.name(), l.value()});
        auto id = db_->FindSeries(labels);
        ASSERT_TRUE(id.ok());
        auto it = db_->Scan(*id, lo, hi);
        ASSERT_TRUE(it.ok());
        int k = 0;
        for (; (*it)->Valid(); (*it)->Next(), ++k) {
          ASSERT_LT(k, ts.samples_size());
          EXPECT_EQ(ts.samples(k).timestamp(), (*it)->sample().ts);
          EXPECT_EQ(ts.samples(k).value(), (*it)->sample().value);
        }
        EXPECT_EQ(k, ts.samples_size());
      }
    }
  }
}

// A short read (a few thousand samples) stays on the caller's thread:
// handing each series to a thread and back cost more than the work.
TEST_F(RemoteReadTest, ShortReadsStayOnTheCallersThread) {
  prometheus::ReadRequest req;
  AddQuery(&req, 0, 299000, {{RE, "__name__", ".+"}});
  ChunkedReadStream stream(db_.get(), &req, kDefaultMaxFrameBytes, 4);
  ASSERT_TRUE(stream.Start().ok());
  std::string body;
  while (*stream.Next(&body)) EXPECT_FALSE(stream.threaded());
  EXPECT_GT(stream.series_sent(), 0u);
}

TEST(OrderedPipeline, ResultsComeInJobOrderWithinTheWindow) {
  for (int threads : {1, 2, 5}) {
    std::atomic<int> running{0}, most{0};
    OrderedPipeline<int> p(100, threads, 3, [&](size_t i) {
      most = std::max(most.load(), ++running);
      // Later jobs finish first often: out-of-order completion.
      std::this_thread::sleep_for(std::chrono::microseconds((100 - i) % 7 * 50));
      --running;
      return static_cast<int>(i * i);
    });
    for (int i = 0; i < 100; ++i) {
      std::optional<int> r = p.Take();
      ASSERT_TRUE(r.has_value());
      EXPECT_EQ(*r, i * i);
    }
    EXPECT_FALSE(p.Take().has_value());
    EXPECT_LE(most.load(), std::min(threads, 3));
  }
  // Destroyed before anything is taken: no hang, no job past the window.
  std::atomic<int> started{0};
  {
    OrderedPipeline<int> p(1000, 4, 2, [&](size_t) { return ++started; });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_LE(started.load(), 2);
}

TEST(OrderedPipeline, ByteBudgetBoundsTheResultsAheadWhateverTheWindow) {
  for (int threads : {1, 3}) {
    std::atomic<int> started{0};
    // Results of 10 bytes, a budget of 25: a job starts only while fewer
    // than 25 bytes wait, so at most 3 results wait plus one a thread running.
    OrderedPipeline<std::string> p(
        200, threads, /*window=*/100,
        [&](size_t i) {
          ++started;
          return std::string(10, static_cast<char>('a' + i % 26));
        },
        /*budget_bytes=*/25, [](const std::string& r) { return r.size(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    EXPECT_GE(started.load(), 3);
    EXPECT_LE(started.load(), 2 + threads);
    for (size_t i = 0; i < 200; ++i) {
      std::optional<std::string> r = p.Take();
      ASSERT_TRUE(r.has_value());
      EXPECT_EQ(*r, std::string(10, static_cast<char>('a' + i % 26)));
    }
    EXPECT_FALSE(p.Take().has_value());
    EXPECT_EQ(started.load(), 200);
  }
}

}  // namespace
}  // namespace overtone::adapters
