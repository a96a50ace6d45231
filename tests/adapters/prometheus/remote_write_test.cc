// Remote write payloads into the engine: content types, decoding, label
// checks and partial writes (adapters/prometheus/remote_write.h).

#include "adapters/prometheus/remote_write.h"

#include <gtest/gtest.h>

#include <bit>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "adapters/prometheus/series_id_cache.h"
#include "tests/support/prom_requests.h"
#include "tests/support/test_database.h"

namespace overtone::adapters {
namespace {

using testing::AddSeries;
using testing::V2Builder;

class RemoteWriteTest : public testing::DatabaseTest {
 protected:
  WriteResult Write(WriteProtocol p, const std::string& body, DecodedWrite* d) {
    Status s = DecodeWriteRequest(p, body, d);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return ApplyWrite(db_.get(), *d);
  }
  // The receiver's path: through `cache` when given, else as Write.
  WriteResult Send(SeriesIdCache* cache, WriteProtocol p, const std::string& body, DecodedWrite* d) {
    if (cache == nullptr) return Write(p, body, d);
    Result<WriteResult> r = DecodeAndWrite(db_.get(), cache, p, body, d);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : WriteResult{r.status(), 0};
  }
  void ParallelSendersLoseAndDoubleNothing(SeriesIdCache* cache);
};

TEST(RemoteWriteContentType, Versions) {
  EXPECT_EQ(*WriteProtocolFromContentType(""), WriteProtocol::kV1);
  EXPECT_EQ(*WriteProtocolFromContentType("application/x-protobuf"), WriteProtocol::kV1);
  EXPECT_EQ(*WriteProtocolFromContentType("application/x-protobuf;proto=prometheus.WriteRequest"),
            WriteProtocol::kV1);
  EXPECT_EQ(*WriteProtocolFromContentType("Application/X-Protobuf; proto=io.prometheus.write.v2.Request"),
            WriteProtocol::kV2);
  EXPECT_EQ(WriteProtocolFromContentType("application/json").status().code(), Status::Code::kNotSupported);
  EXPECT_EQ(WriteProtocolFromContentType("application/x-protobuf;proto=foo.Bar").status().code(),
            Status::Code::kNotSupported);
}

TEST_F(RemoteWriteTest, V1UnsortedLabelsAndEmptyValuesAreTolerated) {
  prometheus::WriteRequest req;
  AddSeries(&req, {{"job", "api"}, {"__name__", "up"}, {"zone", ""}}, {{1000, 1}, {2000, 0}});
  AddSeries(&req, {{"__name__", "temp"}}, {{1000, StaleNaN()}});
  DecodedWrite d;
  WriteResult r = Write(WriteProtocol::kV1, req.SerializeAsString(), &d);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.samples_written, 3u);
  EXPECT_EQ(ReadSeries({{"__name__", "up"}, {"job", "api"}}), (std::vector<Sample>{{1000, 1}, {2000, 0}}));
  EXPECT_EQ(ReadSeries({{"__name__", "temp"}}), (std::vector<Sample>{{1000, StaleNaN()}}));
}

TEST_F(RemoteWriteTest, InvalidSeriesAreRefusedTheRestWritten) {
  prometheus::WriteRequest req;
  AddSeries(&req, {{"__name__", "good"}}, {{1, 1}});
  AddSeries(&req, {{"__name__", "bad"}, {"1abc", "x"}}, {{1, 1}, {2, 2}});
  AddSeries(&req, {{"__name__", "dup"}, {"a", "x"}, {"a", "y"}}, {{1, 1}});
  AddSeries(&req, {{"__name__", "dup2"}, {"a", "x"}, {"a", ""}}, {{1, 1}});
  AddSeries(&req, {{"job", "no-name"}}, {{1, 1}});
  AddSeries(&req, {{"__name__", "utf8"}, {"a", std::string("\xff\xfe")}}, {{1, 1}});
  DecodedWrite d;
  WriteResult r = Write(WriteProtocol::kV1, req.SerializeAsString(), &d);
  EXPECT_TRUE(r.status.IsInvalidArgument());
  EXPECT_EQ(r.samples_written, 1u);
  EXPECT_EQ(d.series_rejected, 5u);
  EXPECT_EQ(d.samples_rejected, 6u);
  EXPECT_NE(r.status.message().find("invalid label name \"1abc\""), std::string::npos) << r.status.message();
  EXPECT_EQ(ReadSeries({{"__name__", "good"}}).size(), 1u);
}

TEST_F(RemoteWriteTest, GarbageIsInvalidArgument) {
  DecodedWrite d;
  EXPECT_TRUE(DecodeWriteRequest(WriteProtocol::kV1, "\xff\xff\xff garbage", &d).IsInvalidArgument());
  EXPECT_TRUE(DecodeWriteRequest(WriteProtocol::kV2, "\x22\x05\x0a", &d).IsInvalidArgument());
}

// Each version's body parses as the other's message with every field
// unknown: refused, instead of a success that stored nothing.
TEST_F(RemoteWriteTest, TheOtherVersionsBodyIsRefusedNotSilentlyEmpty) {
  V2Builder v2;
  v2.AddSeries({{"__name__", "up"}}, {{1000, 1}});
  DecodedWrite d;
  Status s = DecodeWriteRequest(WriteProtocol::kV1, v2.request().SerializeAsString(), &d);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("a remote write 2.0 body sent as 1.0?"), std::string::npos) << s.message();

  prometheus::WriteRequest v1;
  AddSeries(&v1, {{"__name__", "up"}}, {{1000, 1}});
  DecodedWrite d2;
  s = DecodeWriteRequest(WriteProtocol::kV2, v1.SerializeAsString(), &d2);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("a remote write 1.0 body sent as 2.0?"), std::string::npos) << s.message();

  // Prometheus sends 1.0 metadata (field 3) in requests of its own; an
  // empty request is empty. Both are fine and write nothing.
  const std::string metadata_only = "\x1a\x04\x12\x02up";
  for (const std::string& body : {metadata_only, std::string()}) {
    DecodedWrite d3;
    EXPECT_TRUE(DecodeWriteRequest(WriteProtocol::kV1, body, &d3).ok());
    EXPECT_TRUE(d3.batch.empty());
  }
  DecodedWrite d4;
  EXPECT_TRUE(DecodeWriteRequest(WriteProtocol::kV2, std::string(), &d4).ok());
  EXPECT_TRUE(ReadSeries({{"__name__", "up"}}).empty());
}

TEST_F(RemoteWriteTest, MetadataOfBothVersionsIsStoredPerFamily) {
  prometheus::WriteRequest v1;
  auto* m = v1.add_metadata();
  m->set_type(prometheus::MetricMetadata::COUNTER);
  m->set_metric_family_name("http_requests_total");
  m->set_help("Requests.");
  m = v1.add_metadata();
  m->set_metric_family_name("0bad");  // skipped, not an error
  DecodedWrite d;
  ASSERT_TRUE(Write(WriteProtocol::kV1, v1.SerializeAsString(), &d).status.ok());

  V2Builder v2;
  v2.AddSeries({{"__name__", "latency_seconds_bucket"}, {"le", "1"}}, {{1000, 3}});
  auto* meta = v2.request().mutable_timeseries(0)->mutable_metadata();
  meta->set_type(io::prometheus::write::v2::Metadata::METRIC_TYPE_HISTOGRAM);
  meta->set_help_ref(v2.Symbol("Latency."));
  meta->set_unit_ref(v2.Symbol("seconds"));
  v2.AddSeries({{"__name__", "http_requests_total"}}, {{1000, 1}});
  meta = v2.request().mutable_timeseries(1)->mutable_metadata();
  meta->set_type(io::prometheus::write::v2::Metadata::METRIC_TYPE_COUNTER);
  meta->set_help_ref(v2.Symbol("Requests, again."));
  DecodedWrite d2;
  ASSERT_TRUE(Write(WriteProtocol::kV2, v2.request().SerializeAsString(), &d2).status.ok());

  auto all = db_->ListMetadata();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].metric, "http_requests_total");
  EXPECT_EQ((*all)[0].type, "counter");
  EXPECT_EQ((*all)[0].help, "Requests, again.");   // the later write
  EXPECT_EQ((*all)[1].metric, "latency_seconds");  // the family, without _bucket
  EXPECT_EQ((*all)[1].type, "histogram");
  EXPECT_EQ((*all)[1].unit, "seconds");
}

// NaN, ±Inf and the staleness marker are stored bit for bit; samples may
// come out of order, and a repeated timestamp keeps the later value.
TEST_F(RemoteWriteTest, SpecialValuesOutOfOrderAndRepeatedTimestamps) {
  const double nan = std::bit_cast<double>(uint64_t{0x7ff8000000000001});
  prometheus::WriteRequest req;
  AddSeries(&req, {{"__name__", "v"}},
            {{5000, 1},
             {3000, nan},
             {4000, -std::numeric_limits<double>::infinity()},
             {6000, StaleNaN()},
             {2000, std::numeric_limits<double>::infinity()},
             {5000, 7}});
  DecodedWrite d;
  WriteResult r = Write(WriteProtocol::kV1, req.SerializeAsString(), &d);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  std::vector<Sample> got = ReadSeries({{"__name__", "v"}});
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0], (Sample{2000, std::numeric_limits<double>::infinity()}));
  EXPECT_EQ(std::bit_cast<uint64_t>(got[1].value), 0x7ff8000000000001u);
  EXPECT_EQ(got[2], (Sample{4000, -std::numeric_limits<double>::infinity()}));
  EXPECT_EQ(got[3], (Sample{5000, 7}));
  EXPECT_TRUE(IsStaleNaN(got[4].value));
}

TEST_F(RemoteWriteTest, V2SymbolTable) {
  V2Builder b;
  b.AddSeries({{"__name__", "http_requests_total"}, {"code", "200"}}, {{5000, 10}, {6000, 11}});
  b.AddSeries({{"__name__", "http_requests_total"}, {"code", "500"}}, {{5000, 1}});
  DecodedWrite d;
  WriteResult r = Write(WriteProtocol::kV2, b.request().SerializeAsString(), &d);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.samples_written, 3u);
  EXPECT_EQ(ReadSeries({{"__name__", "http_requests_total"}, {"code", "500"}}),
            (std::vector<Sample>{{5000, 1}}));
}

TEST_F(RemoteWriteTest, V2BadReferencesRefuseTheSeries) {
  V2Builder b;
  b.AddSeries({{"__name__", "ok"}}, {{1, 1}});
  b.AddSeries({{"__name__", "x"}}, {{1, 1}});
  b.request().mutable_timeseries(1)->set_labels_refs(1, 999);
  b.AddSeries({{"__name__", "odd"}}, {{1, 1}});
  b.request().mutable_timeseries(2)->add_labels_refs(0);
  DecodedWrite d;
  WriteResult r = Write(WriteProtocol::kV2, b.request().SerializeAsString(), &d);
  EXPECT_TRUE(r.status.IsInvalidArgument());
  EXPECT_EQ(r.samples_written, 1u);
  EXPECT_EQ(d.series_rejected, 2u);
  EXPECT_NE(r.status.message().find("symbol table"), std::string::npos) << r.status.message();
}

TEST_F(RemoteWriteTest, NativeHistogramsAreRefusedFloatsKept) {
  V2Builder b;
  b.AddSeries({{"__name__", "f"}}, {{1, 1}});
  b.AddSeries({{"__name__", "h"}}, {});
  b.request().mutable_timeseries(1)->add_histograms();
  DecodedWrite d;
  WriteResult r = Write(WriteProtocol::kV2, b.request().SerializeAsString(), &d);
  EXPECT_TRUE(r.status.IsInvalidArgument());
  EXPECT_EQ(r.samples_written, 1u);
  EXPECT_EQ(d.histograms, 1u);
  EXPECT_NE(r.status.message().find("native histogram"), std::string::npos);
}

Labels Normalized(const testing::LabelList& list) {
  Labels out;
  for (const auto& [n, v] : list) out.push_back(Label{n, v});
  NormalizeLabels(&out);
  return out;
}

// Remote write's usual shape, one sample per series per request, from
// several senders at once (1.0 and 2.0), each request repeating a series and
// sending one sample out of order: every sample is stored once, none twice.
void RemoteWriteTest::ParallelSendersLoseAndDoubleNothing(SeriesIdCache* cache) {
  constexpr int kSenders = 4, kRequests = 6, kSeries = 1500;
  auto labels = [](int s) {
    return testing::LabelList{{"__name__", "node_cpu_seconds_total"},
                              {"cpu", std::to_string(s % 50)},
                              {"instance", "host-" + std::to_string(s / 50)}};
  };
  // Sender k owns series [k * kSeries, (k + 1) * kSeries) and series 0..9,
  // which every sender writes at its own timestamps.
  auto ts_of = [](int sender, int request) { return int64_t{request} * 15000 + sender; };
  std::vector<std::thread> senders;
  std::vector<WriteResult> results(kSenders * kRequests);
  for (int k = 0; k < kSenders; ++k) {
    senders.emplace_back([&, k] {
      for (int r = 0; r < kRequests; ++r) {
        // Request r sends r's sample, then request r-1's again with another
        // value (a repeated timestamp: the later value wins), out of order.
        const WriteProtocol protocol = (k + r) % 2 == 0 ? WriteProtocol::kV1 : WriteProtocol::kV2;
        prometheus::WriteRequest v1;
        V2Builder v2;
        auto add = [&](int s, std::vector<Sample> samples) {
          if (protocol == WriteProtocol::kV1) {
            AddSeries(&v1, labels(s), samples);
          } else {
            v2.AddSeries(labels(s), samples);
          }
        };
        for (int s = k * kSeries; s < (k + 1) * kSeries; ++s)
          add(s + 10, {{ts_of(k, r), double(s * 100 + r)}});
        for (int s = 0; s < 10; ++s) add(s, {{ts_of(k, r), double(-r)}});
        if (r > 0) add(k * kSeries + 10, {{ts_of(k, r - 1), -1.0}});  // a duplicate series, out of order
        const std::string body =
            protocol == WriteProtocol::kV1 ? v1.SerializeAsString() : v2.request().SerializeAsString();
        DecodedWrite d;
        results[k * kRequests + r] = Send(cache, protocol, body, &d);
      }
    });
  }
  for (auto& t : senders) t.join();
  uint64_t written = 0;
  for (const WriteResult& r : results) {
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    written += r.samples_written;
  }
  EXPECT_EQ(written, uint64_t{kSenders} * kRequests * (kSeries + 10) + uint64_t{kSenders} * (kRequests - 1));
  EXPECT_EQ(db_->GetStats().series, uint64_t{kSenders} * kSeries + 10);
  for (int k = 0; k < kSenders; ++k) {
    for (int s = k * kSeries; s < (k + 1) * kSeries; ++s) {
      std::vector<Sample> want;
      for (int r = 0; r < kRequests; ++r) {
        const bool replaced = s == k * kSeries && r + 1 < kRequests;
        want.push_back(Sample{ts_of(k, r), replaced ? -1.0 : double(s * 100 + r)});
      }
      ASSERT_EQ(ReadSeries(Normalized(labels(s + 10))), want) << "series " << s;
    }
  }
  for (int s = 0; s < 10; ++s) {
    EXPECT_EQ(ReadSeries(Normalized(labels(s))).size(), size_t{kSenders} * kRequests)
        << "shared series " << s;
  }
}

TEST_F(RemoteWriteTest, ManySeriesParallelRequestsDuplicatesAndOutOfOrderLoseAndDoubleNothing) {
  ParallelSendersLoseAndDoubleNothing(nullptr);
}

// The same through the receiver's cache of known series: from each
// sender's second request on, its series are written by id.
TEST_F(RemoteWriteTest, ParallelRequestsThroughTheSeriesCacheLoseAndDoubleNothing) {
  SeriesIdCache cache;
  ParallelSendersLoseAndDoubleNothing(&cache);
  EXPECT_EQ(cache.size(), 4u * 1500 + 10);
}

// A request that fails to decode writes nothing and creates no series.
TEST_F(RemoteWriteTest, ASeriesFirstSeenInARefusedRequestIsNotCreated) {
  prometheus::WriteRequest req;
  AddSeries(&req, {{"__name__", "first_seen"}}, {{1000, 1}});
  std::string body = req.SerializeAsString();
  body.resize(body.size() - 3);  // cut inside the sample
  DecodedWrite d;
  EXPECT_FALSE(DecodeWriteRequest(WriteProtocol::kV1, body, &d).ok());
  EXPECT_TRUE(db_->FindSeries({{"__name__", "first_seen"}}).status().IsNotFound());
  EXPECT_EQ(db_->GetStats().series, 0u);
  EXPECT_EQ(db_->GetStats().samples_written, 0u);
}

// --- The receiver's cache of known series (series_id_cache.h) ---

uint64_t OneHashForAll(std::string_view) { return 42; }

TEST(SeriesIdCache, CollidingKeysStayApartAndEraseNeedsTheId) {
  SeriesIdCache cache;
  cache.SetHashForTesting(OneHashForAll);
  for (int i = 1; i <= 200; ++i) cache.Insert(42, "key-" + std::to_string(i), SeriesId(i));
  EXPECT_EQ(cache.size(), 200u);
  for (int i = 1; i <= 200; ++i) ASSERT_EQ(cache.Find(42, "key-" + std::to_string(i)), SeriesId(i));
  EXPECT_EQ(cache.Find(42, "key-201"), 0u);
  cache.Erase(42, "key-7", 8);  // not its id: kept
  EXPECT_EQ(cache.Find(42, "key-7"), 7u);
  cache.Erase(42, "key-7", 7);
  EXPECT_EQ(cache.Find(42, "key-7"), 0u);
  EXPECT_EQ(cache.Find(42, "key-8"), 8u);  // found past the erased slot
  cache.Insert(42, "key-7", 700);          // the series made again
  EXPECT_EQ(cache.Find(42, "key-7"), 700u);
  EXPECT_EQ(cache.size(), 200u);
}

TEST(SeriesIdCache, ChargesItsPoolAndStartsOverWhenFull) {
  MemoryPool pool;
  {
    SeriesIdCache cache(&pool, /*max_bytes=*/64 * 4096);  // 4 KiB a shard
    for (int i = 1; i <= 20000; ++i)
      cache.Insert(cache.Hash(std::to_string(i)), std::to_string(i), SeriesId(i));
    EXPECT_GT(cache.resets(), 0u);
    EXPECT_LT(cache.size(), 20000u);
    EXPECT_EQ(pool.in_use(), cache.memory_bytes());
    EXPECT_LE(cache.memory_bytes(), 64u * 4096);
    EXPECT_EQ(cache.Find(cache.Hash("20000"), "20000"), 20000u);  // the latest is kept
  }
  EXPECT_EQ(pool.in_use(), 0u);
}

// A cache whose bound has room for its keys keeps them all: at a million
// node_exporter-like series (here a sixteenth of them in a sixteenth of
// the default bound, in one order of arrival), shards whose arena
// doubled, or whose table grew fourfold, passed their share and started
// over, and the next scrape missed on the series they had held.
TEST(SeriesIdCache, KeepsEveryKeyWhileItsBoundHasRoom) {
  SeriesIdCache cache(nullptr, SeriesIdCache::kDefaultMaxBytes / 16);
  constexpr int kSeries = 1000000 / 16;
  auto key = [](int s) {
    prometheus::TimeSeries ts;
    const bool gauge = s % 2 == 0;
    for (const auto& [n, v] : testing::LabelList{
             {"__name__", gauge ? "node_cpu_usage_percent" : "node_network_receive_bytes_total"},
             {"instance", "host-" + std::to_string(s / 50) + ":9100"},
             {"job", "node"},
             {gauge ? "cpu" : "device", std::to_string(s % 50)}}) {
      prometheus::Label* l = ts.add_labels();
      l->set_name(n);
      l->set_value(v);
    }
    return ts.SerializeAsString();
  };
  for (int s = 0; s < kSeries; ++s) cache.Insert(cache.Hash(key(s)), key(s), SeriesId(s + 1));
  EXPECT_EQ(cache.resets(), 0u);
  ASSERT_EQ(cache.size(), size_t{kSeries});
  int found = 0;
  for (int s = 0; s < kSeries; ++s) found += cache.Find(cache.Hash(key(s)), key(s)) == SeriesId(s + 1);
  EXPECT_EQ(found, kSeries);
  // What it holds stays near what the keys take: at most a quarter more
  // arena than bytes, and a table at least a quarter full.
  size_t key_bytes = 0;
  for (int s = 0; s < kSeries; ++s) key_bytes += key(s).size();
  EXPECT_LE(cache.memory_bytes(), key_bytes * 5 / 4 + 64 * (256 + 24 * 4 * (kSeries / 64 + 1)));
}

// The cached path answers as the full one: partial writes, refusals,
// unsorted labels, empty values, special values, metadata and histograms
// (which take the full parser), both versions, sent twice so that the
// second time the valid series are known.
TEST_F(RemoteWriteTest, TheSeriesCacheAnswersAsTheFullPath) {
  prometheus::WriteRequest v1;
  AddSeries(&v1, {{"job", "api"}, {"__name__", "up"}, {"zone", ""}}, {{1000, 1}, {2000, 0}});
  AddSeries(&v1, {{"__name__", "bad"}, {"1abc", "x"}}, {{1, 1}, {2, 2}});
  AddSeries(&v1, {{"__name__", "dup"}, {"a", "x"}, {"a", ""}}, {{1, 1}});
  AddSeries(&v1, {{"__name__", "temp"}}, {{1000, StaleNaN()}});
  AddSeries(&v1, {{"__name__", "temp"}}, {{500, -0.0}});  // the same series again, out of order
  AddSeries(&v1, {{"__name__", "empty"}}, {});
  prometheus::WriteRequest with_metadata = v1;
  auto* m = with_metadata.add_metadata();
  m->set_metric_family_name("up");
  m->set_type(prometheus::MetricMetadata::GAUGE);
  prometheus::WriteRequest with_histogram = v1;
  with_histogram.mutable_timeseries(0)->add_histograms();
  V2Builder v2;
  v2.AddSeries({{"job", "api"}, {"__name__", "up"}, {"zone", ""}}, {{3000, 1}});
  v2.AddSeries({{"__name__", "bad"}, {"1abc", "x"}}, {{1, 1}});
  v2.AddSeries({{"__name__", "temp"}}, {{3000, 7}});
  const std::pair<WriteProtocol, std::string> bodies[] = {
      {WriteProtocol::kV1, v1.SerializeAsString()},
      {WriteProtocol::kV1, with_metadata.SerializeAsString()},
      {WriteProtocol::kV1, with_histogram.SerializeAsString()},
      {WriteProtocol::kV2, v2.request().SerializeAsString()},
  };
  testing::TempDir other_dir;
  auto other = Database::Open(Options(), other_dir.path());
  ASSERT_TRUE(other.ok());
  SeriesIdCache cache;
  for (int round = 0; round < 2; ++round) {
    for (const auto& [protocol, body] : bodies) {
      DecodedWrite full, cached;
      Status decoded = DecodeWriteRequest(protocol, body, &full);
      ASSERT_TRUE(decoded.ok());
      const WriteResult want = ApplyWrite(other->get(), full);
      const WriteResult got = Send(&cache, protocol, body, &cached);
      EXPECT_EQ(got.status.ToString(), want.status.ToString());
      EXPECT_EQ(got.samples_written, want.samples_written);
      EXPECT_EQ(cached.series_rejected, full.series_rejected);
      EXPECT_EQ(cached.samples_rejected, full.samples_rejected);
      EXPECT_EQ(cached.histograms, full.histograms);
      EXPECT_EQ(cached.metadata.size(), full.metadata.size());
    }
  }
  for (const Labels& l : {Labels{{"__name__", "up"}, {"job", "api"}}, Labels{{"__name__", "temp"}}}) {
    EXPECT_EQ(ReadSeries(l), testing::ReadSeries(other->get(), l)) << LabelsToString(l);
    EXPECT_FALSE(ReadSeries(l).empty());
  }
  EXPECT_EQ(db_->GetStats().series, (*other)->GetStats().series);
  EXPECT_EQ(db_->GetStats().samples_written, (*other)->GetStats().samples_written);
  EXPECT_EQ(cache.size(), 2u);  // up and temp (1.0 and 2.0 encode them alike); no refused series
  EXPECT_EQ(db_->ListMetadata()->size(), 1u);
}

// Series the cache knows are written by id: the second request builds no
// label set, and 1.0 and 2.0 share the entries.
TEST_F(RemoteWriteTest, KnownSeriesAreWrittenByIdInBothVersions) {
  prometheus::WriteRequest v1;
  V2Builder v2;
  for (int i = 0; i < 50; ++i) {
    const testing::LabelList labels = {{"__name__", "m"}, {"i", std::to_string(i)}};
    AddSeries(&v1, labels, {{1000, double(i)}});
    v2.AddSeries(labels, {{2000, double(-i)}});
  }
  SeriesIdCache cache;
  DecodedWrite first, second, third;
  EXPECT_TRUE(Send(&cache, WriteProtocol::kV1, v1.SerializeAsString(), &first).status.ok());
  EXPECT_EQ(first.batch.num_series(), 50u);
  EXPECT_EQ(cache.size(), 50u);
  const WriteResult r = Send(&cache, WriteProtocol::kV2, v2.request().SerializeAsString(), &second);
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.samples_written, 50u);
  EXPECT_TRUE(second.batch.empty());  // every series went by id
  prometheus::WriteRequest again = v1;
  for (auto& ts : *again.mutable_timeseries()) ts.mutable_samples(0)->set_timestamp(3000);
  EXPECT_TRUE(Send(&cache, WriteProtocol::kV1, again.SerializeAsString(), &third).status.ok());
  EXPECT_TRUE(third.batch.empty());
  EXPECT_EQ(db_->GetStats().series, 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(ReadSeries({{"__name__", "m"}, {"i", std::to_string(i)}}),
              (std::vector<Sample>{{1000, double(i)}, {2000, double(-i)}, {3000, double(i)}}));
  }
}

// A receiving thread keeps its decoding buffers from one request to the
// next: nothing of a large request (whose buffers are then let go), or of
// one that stops half-way through, reaches the requests after it.
TEST_F(RemoteWriteTest, ARequestDecodesAloneAfterLargeAndBrokenOnesOnTheSameThread) {
  SeriesIdCache cache;
  const std::string long_value(200, 'v');  // 4,000 keys of ~230 bytes: past what a buffer keeps
  auto big = [&](int i) {
    return testing::LabelList{{"__name__", "big"}, {"i", std::to_string(i) + long_value}};
  };
  V2Builder large, large_again;
  for (int i = 0; i < 4000; ++i) {
    large.AddSeries(big(i), {{1000, double(i)}});
    large_again.AddSeries(big(i), {{1500, double(i)}});
  }
  // An exemplar in the last series: the walk stops there, after filling
  // its buffers with the rest, and the parser answers the whole request.
  large_again.request().mutable_timeseries(3999)->add_exemplars();
  V2Builder small;
  small.AddSeries(big(7), {{2000, 70}});
  small.AddSeries({{"__name__", "new"}}, {{2000, 1}});
  small.AddSeries(big(3999), {{2000, 39990}});
  const std::string large_body = large.request().SerializeAsString();
  DecodedWrite d1, d2, d3, d4, d5;
  ASSERT_TRUE(Send(&cache, WriteProtocol::kV2, large_body, &d1).status.ok());
  // Cut short: nothing written.
  EXPECT_FALSE(
      DecodeAndWrite(db_.get(), &cache, WriteProtocol::kV2, large_body.substr(0, large_body.size() - 5), &d2)
          .ok());
  const WriteResult r3 = Send(&cache, WriteProtocol::kV2, large_again.request().SerializeAsString(), &d3);
  ASSERT_TRUE(r3.status.ok()) << r3.status.ToString();
  EXPECT_EQ(r3.samples_written, 4000u);
  EXPECT_EQ(d3.exemplars, 1u);
  const WriteResult r4 = Send(&cache, WriteProtocol::kV2, small.request().SerializeAsString(), &d4);
  ASSERT_TRUE(r4.status.ok()) << r4.status.ToString();
  EXPECT_EQ(r4.samples_written, 3u);
  EXPECT_EQ(d4.batch.num_series(), 1u);  // only "new" went by its labels
  prometheus::WriteRequest v1;
  AddSeries(&v1, {{"__name__", "new"}}, {{3000, 2}});
  ASSERT_TRUE(Send(&cache, WriteProtocol::kV1, v1.SerializeAsString(), &d5).status.ok());
  EXPECT_TRUE(d5.batch.empty());
  EXPECT_EQ(db_->GetStats().series, 4001u);
  EXPECT_EQ(db_->GetStats().samples_written, 8004u);
  for (int i : {0, 7, 3999}) {
    std::vector<Sample> want = {{1000, double(i)}, {1500, double(i)}};
    if (i == 7) want.push_back({2000, 70});
    if (i == 3999) want.push_back({2000, 39990});
    EXPECT_EQ(ReadSeries({{"__name__", "big"}, {"i", std::to_string(i) + long_value}}), want) << i;
  }
  EXPECT_EQ(ReadSeries({{"__name__", "new"}}), (std::vector<Sample>{{2000, 1}, {3000, 2}}));
  EXPECT_EQ(cache.size(), 4001u);
}

// Label sets whose keys hash alike stay two series, through both versions.
TEST_F(RemoteWriteTest, CollidingKeysInTheSeriesCacheStayTwoSeries) {
  SeriesIdCache cache;
  cache.SetHashForTesting(OneHashForAll);
  for (int round = 0; round < 3; ++round) {
    prometheus::WriteRequest v1;
    V2Builder v2;
    AddSeries(&v1, {{"__name__", "a"}}, {{1000 + round, 1}});
    AddSeries(&v1, {{"__name__", "b"}}, {{1000 + round, 2}});
    v2.AddSeries({{"__name__", "b"}}, {{2000 + round, 20}});
    v2.AddSeries({{"__name__", "a"}}, {{2000 + round, 10}});
    DecodedWrite d1, d2;
    ASSERT_TRUE(Send(&cache, WriteProtocol::kV1, v1.SerializeAsString(), &d1).status.ok());
    ASSERT_TRUE(Send(&cache, WriteProtocol::kV2, v2.request().SerializeAsString(), &d2).status.ok());
  }
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(ReadSeries({{"__name__", "a"}}),
            (std::vector<Sample>{{1000, 1}, {1001, 1}, {1002, 1}, {2000, 10}, {2001, 10}, {2002, 10}}));
  EXPECT_EQ(ReadSeries({{"__name__", "b"}}),
            (std::vector<Sample>{{1000, 2}, {1001, 2}, {1002, 2}, {2000, 20}, {2001, 20}, {2002, 20}}));
}

// A series deleted while the cache knows it is made again by the next
// write, under a new id, as without the cache; its old samples stay gone.
TEST_F(RemoteWriteTest, ASeriesDeletedWhileCachedIsMadeAgain) {
  for (const WriteProtocol protocol : {WriteProtocol::kV1, WriteProtocol::kV2}) {
    SeriesIdCache cache;
    const testing::LabelList labels = {{"__name__", "gone"},
                                       {"v", protocol == WriteProtocol::kV1 ? "1" : "2"}};
    const Labels normalized = Normalized(labels);
    auto body = [&](int64_t ts) {
      prometheus::WriteRequest v1;
      V2Builder v2;
      AddSeries(&v1, labels, {{ts, 1}});
      AddSeries(&v1, {{"__name__", "kept"}}, {{ts, 2}});
      v2.AddSeries(labels, {{ts, 1}});
      v2.AddSeries({{"__name__", "kept"}}, {{ts, 2}});
      return protocol == WriteProtocol::kV1 ? v1.SerializeAsString() : v2.request().SerializeAsString();
    };
    DecodedWrite d1, d2, d3;
    ASSERT_TRUE(Send(&cache, protocol, body(1000), &d1).status.ok());
    const SeriesId old_id = *db_->FindSeries(normalized);
    ASSERT_TRUE(db_->DeleteSeries(old_id).ok());
    const WriteResult r = Send(&cache, protocol, body(2000), &d2);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.samples_written, 2u);
    Result<SeriesId> new_id = db_->FindSeries(normalized);
    ASSERT_TRUE(new_id.ok());
    EXPECT_NE(*new_id, old_id);
    EXPECT_EQ(ReadSeries(normalized), (std::vector<Sample>{{2000, 1}}));
    // And known again under the new id.
    ASSERT_TRUE(Send(&cache, protocol, body(3000), &d3).status.ok());
    EXPECT_TRUE(d3.batch.empty());
    EXPECT_EQ(ReadSeries(normalized), (std::vector<Sample>{{2000, 1}, {3000, 1}}));
  }
  EXPECT_EQ(ReadSeries({{"__name__", "kept"}}).size(), 3u);
}

// A series refused, or in a request that does not parse, is not
// remembered, and a body the walk cannot take gets the full parser's error.
TEST_F(RemoteWriteTest, TheSeriesCacheKeepsOnlyWrittenSeries) {
  SeriesIdCache cache;
  prometheus::WriteRequest req;
  AddSeries(&req, {{"__name__", "first_seen"}}, {{1000, 1}});
  AddSeries(&req, {{"__name__", "bad"}, {"1abc", "x"}}, {{1, 1}});
  std::string cut = req.SerializeAsString();
  cut.resize(cut.size() - 3);
  DecodedWrite d;
  Result<WriteResult> r = DecodeAndWrite(db_.get(), &cache, WriteProtocol::kV1, cut, &d);
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(db_->GetStats().series, 0u);
  EXPECT_TRUE(DecodeAndWrite(db_.get(), &cache, WriteProtocol::kV1, "\xff\xff\xff garbage", &d)
                  .status()
                  .IsInvalidArgument());
  DecodedWrite d2;
  const WriteResult w = Send(&cache, WriteProtocol::kV1, req.SerializeAsString(), &d2);
  EXPECT_TRUE(w.status.IsInvalidArgument());
  EXPECT_EQ(w.samples_written, 1u);
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace overtone::adapters
