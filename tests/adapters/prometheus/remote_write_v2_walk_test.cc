// Remote write 2.0 requests walked in place through the series cache
// (DecodeAndWrite) answer as the full parser does (DecodeWriteRequest then
// ApplyWrite): the same status, counts, metadata and stored samples, for
// the shapes the walk takes and those it leaves to the parser.

#include <gtest/gtest.h>

#include <bit>
#include <string>
#include <vector>

#include "adapters/prometheus/remote_write.h"
#include "adapters/prometheus/series_id_cache.h"
#include "tests/support/prom_requests.h"
#include "tests/support/test_database.h"

namespace overtone::adapters {
namespace {

using testing::LabelList;
using testing::V2Builder;
namespace v2 = io::prometheus::write::v2;

// Protobuf wire pieces, for bodies a serializer does not write.
std::string Varint(uint64_t v) {
  std::string s;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v != 0) b |= 0x80;
    s.push_back(static_cast<char>(b));
  } while (v != 0);
  return s;
}
std::string VarintField(int field, uint64_t v) { return Varint(uint64_t(field) << 3) + Varint(v); }
std::string BytesField(int field, std::string_view bytes) {
  return Varint(uint64_t(field) << 3 | 2) + Varint(bytes.size()) + std::string(bytes);
}
std::string SampleBytes(int64_t ts, double value) {
  std::string s = Varint(1 << 3 | 1);
  uint64_t bits = std::bit_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i, bits >>= 8) s.push_back(static_cast<char>(bits & 0xff));
  return s + VarintField(2, static_cast<uint64_t>(ts));
}
// Symbols "", "__name__", "hand", "i", "1": {__name__="hand", i="1"} is refs 1 2 3 4.
std::string HandSymbols() {
  std::string body;
  for (const char* s : {"", "__name__", "hand", "i", "1"}) body += BytesField(4, s);
  return body;
}

class RemoteWriteV2WalkTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    auto other = Database::Open(testing::TestDatabaseOptions(), other_dir_.path());
    ASSERT_TRUE(other.ok());
    full_db_ = std::move(*other);
  }

  // Sends `body` twice (the second time the cache knows its series) through
  // the cache to db_ and through the full parser to full_db_, expecting the
  // same answers.
  void ExpectSameAnswers(const std::string& body, const std::string& what) {
    for (int round = 0; round < 2; ++round) {
      SCOPED_TRACE(what + ", round " + std::to_string(round));
      DecodedWrite full, cached;
      const Status decoded = DecodeWriteRequest(WriteProtocol::kV2, body, &full);
      Result<WriteResult> got = DecodeAndWrite(db_.get(), &cache_, WriteProtocol::kV2, body, &cached);
      if (!decoded.ok()) {
        ASSERT_FALSE(got.ok());
        EXPECT_EQ(got.status().ToString(), decoded.ToString());
        continue;
      }
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      const WriteResult want = ApplyWrite(full_db_.get(), full);
      EXPECT_EQ(got->status.ToString(), want.status.ToString());
      EXPECT_EQ(got->samples_written, want.samples_written);
      EXPECT_EQ(cached.series_rejected, full.series_rejected);
      EXPECT_EQ(cached.samples_rejected, full.samples_rejected);
      EXPECT_EQ(cached.first_problem, full.first_problem);
      EXPECT_EQ(cached.histograms, full.histograms);
      EXPECT_EQ(cached.exemplars, full.exemplars);
      ASSERT_EQ(cached.metadata.size(), full.metadata.size());
      for (size_t i = 0; i < full.metadata.size(); ++i) {
        EXPECT_EQ(cached.metadata[i].metric, full.metadata[i].metric);
        EXPECT_EQ(cached.metadata[i].type, full.metadata[i].type);
        EXPECT_EQ(cached.metadata[i].help, full.metadata[i].help);
        EXPECT_EQ(cached.metadata[i].unit, full.metadata[i].unit);
      }
    }
  }

  // Both databases hold the same series, samples and metadata.
  void ExpectSameStore(const std::vector<Labels>& series) {
    for (const Labels& l : series) {
      EXPECT_EQ(ReadSeries(l), testing::ReadSeries(full_db_.get(), l)) << LabelsToString(l);
    }
    EXPECT_EQ(db_->GetStats().series, full_db_->GetStats().series);
    EXPECT_EQ(db_->GetStats().samples_written, full_db_->GetStats().samples_written);
    auto a = db_->ListMetadata(), b = full_db_->ListMetadata();
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size());
    for (size_t i = 0; i < a->size(); ++i) {
      EXPECT_EQ((*a)[i].metric, (*b)[i].metric);
      EXPECT_EQ((*a)[i].help, (*b)[i].help);
    }
  }

  testing::TempDir other_dir_;
  std::unique_ptr<Database> full_db_;
  SeriesIdCache cache_;
};

// Refused, unsorted, empty-valued, duplicate, out-of-order and stale
// series, odd and out-of-range references, and per-series metadata.
V2Builder MixedRequest() {
  V2Builder b;
  b.AddSeries({{"job", "api"}, {"__name__", "up"}, {"zone", ""}}, {{1000, 1}, {2000, 0}});
  b.AddSeries({{"__name__", "bad"}, {"1abc", "x"}}, {{1, 1}, {2, 2}});
  b.AddSeries({{"__name__", "dup"}, {"a", "x"}, {"a", ""}}, {{1, 1}});
  b.AddSeries({{"__name__", "temp"}}, {{1000, StaleNaN()}});
  b.AddSeries({{"__name__", "temp"}}, {{500, -0.0}});
  b.AddSeries({{"__name__", "empty"}}, {});
  b.AddSeries({{"job", "no-name"}}, {{1, 1}});
  b.AddSeries({{"__name__", "odd"}}, {{1, 1}});
  b.request().mutable_timeseries(7)->add_labels_refs(1);
  b.AddSeries({{"__name__", "far"}}, {{1, 1}});
  b.request().mutable_timeseries(8)->set_labels_refs(1, 9999);
  b.AddSeries({{"__name__", "latency_seconds_bucket"}, {"le", "1"}}, {{1000, 3}});
  auto* m = b.request().mutable_timeseries(9)->mutable_metadata();
  m->set_type(v2::Metadata::METRIC_TYPE_HISTOGRAM);
  m->set_help_ref(b.Symbol("Latency."));
  m->set_unit_ref(b.Symbol("seconds"));
  m = b.request().mutable_timeseries(5)->mutable_metadata();  // a series without samples
  m->set_type(v2::Metadata::METRIC_TYPE_GAUGE);
  m = b.request().mutable_timeseries(3)->mutable_metadata();  // help past the table: skipped
  m->set_type(v2::Metadata::METRIC_TYPE_GAUGE);
  m->set_help_ref(12345);
  return b;
}

const std::vector<Labels> kMixedSeries = {Labels{{"__name__", "up"}, {"job", "api"}},
                                          Labels{{"__name__", "temp"}},
                                          Labels{{"__name__", "latency_seconds_bucket"}, {"le", "1"}},
                                          Labels{{"__name__", "odd"}}, Labels{{"__name__", "far"}}};

TEST_F(RemoteWriteV2WalkTest, ShapesTheWalkTakesAnswerAsTheParser) {
  V2Builder mixed = MixedRequest();
  ExpectSameAnswers(mixed.request().SerializeAsString(), "mixed");

  // The symbol table after the series it serves (a merge of two messages).
  v2::Request series_only = mixed.request(), symbols_only = mixed.request();
  series_only.clear_symbols();
  symbols_only.clear_timeseries();
  ExpectSameAnswers(series_only.SerializeAsString() + symbols_only.SerializeAsString(), "symbols last");

  ExpectSameAnswers(std::string(), "empty body");
  // One series' references in two packed runs: the parser joins them.
  ExpectSameAnswers(HandSymbols() + BytesField(5, BytesField(1, Varint(1) + Varint(2)) +
                                                      BytesField(1, Varint(3) + Varint(4)) +
                                                      BytesField(2, SampleBytes(4000, 8))),
                    "two packed runs");
  ExpectSameStore(kMixedSeries);
  EXPECT_EQ(ReadSeries({{"__name__", "hand"}, {"i", "1"}}), (std::vector<Sample>{{4000, 8}}));
  EXPECT_EQ(cache_.size(), 4u);  // up, temp, latency_seconds_bucket, hand
}

TEST_F(RemoteWriteV2WalkTest, ShapesLeftToTheParserAnswerAsTheParser) {
  V2Builder mixed = MixedRequest();
  v2::Request exemplars = mixed.request(), histograms = mixed.request(), unknown = mixed.request(),
              unknown_top = mixed.request();
  exemplars.mutable_timeseries(0)->add_exemplars();
  ExpectSameAnswers(exemplars.SerializeAsString(), "exemplars");
  histograms.mutable_timeseries(3)->add_histograms();
  ExpectSameAnswers(histograms.SerializeAsString(), "histograms");
  unknown.mutable_timeseries(0)
      ->GetReflection()
      ->MutableUnknownFields(unknown.mutable_timeseries(0))
      ->AddVarint(9, 1);
  ExpectSameAnswers(unknown.SerializeAsString(), "unknown series field");
  unknown_top.GetReflection()->MutableUnknownFields(&unknown_top)->AddVarint(7, 1);
  ExpectSameAnswers(unknown_top.SerializeAsString(), "unknown request field");

  // References not packed, and metadata twice (merged by the parser).
  ExpectSameAnswers(
      HandSymbols() + BytesField(5, VarintField(1, 1) + VarintField(1, 2) + VarintField(1, 3) +
                                        VarintField(1, 4) + BytesField(2, SampleBytes(5000, 9))),
      "unpacked references");
  ExpectSameAnswers(
      HandSymbols() + BytesField(4, "Hand made.") +
          BytesField(5, BytesField(1, Varint(1) + Varint(2)) + BytesField(2, SampleBytes(6000, 10)) +
                            BytesField(5, VarintField(1, 2)) + BytesField(5, VarintField(3, 5))),
      "metadata twice");
  // A sample's value with the wrong wire type: an unknown field to the
  // parser, so the value stays 0.
  ExpectSameAnswers(
      HandSymbols() + BytesField(5, BytesField(1, Varint(1) + Varint(2)) +
                                        BytesField(2, VarintField(1, 7) + VarintField(2, 7000))),
      "value of the wrong wire type");
  ExpectSameStore(kMixedSeries);
  EXPECT_EQ(ReadSeries({{"__name__", "hand"}, {"i", "1"}}), (std::vector<Sample>{{5000, 9}}));
  EXPECT_EQ(ReadSeries({{"__name__", "hand"}}), (std::vector<Sample>{{6000, 10}, {7000, 0}}));
}

// References the walk decodes itself: varints written longer than needed
// (up to the 10 bytes the wire allows) and values past 32 bits, which the
// parser cuts to 32 bits; 11 bytes, or a field running past its series,
// do not parse.
TEST_F(RemoteWriteV2WalkTest, ReferencesOfEveryVarintLengthAnswerAsTheParser) {
  const auto padded = [](uint64_t v, int bytes) {  // v in exactly `bytes` varint bytes
    std::string s;
    for (int i = 0; i < bytes; ++i, v >>= 7)
      s.push_back(static_cast<char>((v & 0x7f) | (i + 1 < bytes ? 0x80 : 0)));
    return s;
  };
  for (int bytes = 1; bytes <= 10; ++bytes) {
    const std::string refs = padded(1, bytes) + padded(2, 11 - bytes) + Varint(3) + padded(4, bytes);
    ExpectSameAnswers(
        HandSymbols() + BytesField(5, BytesField(1, refs) + BytesField(2, SampleBytes(1000 * bytes, bytes))),
        "references of " + std::to_string(bytes) + " bytes");
  }
  ExpectSameAnswers(
      HandSymbols() + BytesField(5, BytesField(1, Varint(1) + Varint(2) + Varint((uint64_t{1} << 32) + 3) +
                                                      Varint((uint64_t{7} << 40) + 4)) +
                                        BytesField(2, SampleBytes(20000, 20))),
      "references past 32 bits");
  ExpectSameAnswers(HandSymbols() + BytesField(5, BytesField(1, Varint(1) + std::string(10, '\x80') + "\x01" +
                                                                    Varint(3) + Varint(4)) +
                                                      BytesField(2, SampleBytes(30000, 30))),
                    "a reference of 11 bytes");
  ExpectSameAnswers(HandSymbols() + BytesField(5, Varint(1 << 3 | 2) + Varint(9) + Varint(1) + Varint(2)),
                    "references past their series");
  EXPECT_EQ(ReadSeries({{"__name__", "hand"}, {"i", "1"}}).size(), 11u);
  ExpectSameStore({Labels{{"__name__", "hand"}, {"i", "1"}}});
}

TEST_F(RemoteWriteV2WalkTest, BodiesThatDoNotParseAreRefusedAlike) {
  const std::string mixed = MixedRequest().request().SerializeAsString();
  prometheus::WriteRequest v1;
  testing::AddSeries(&v1, {{"__name__", "up"}}, {{1000, 1}});
  ExpectSameAnswers(mixed.substr(0, mixed.size() - 3), "truncated");
  ExpectSameAnswers("\x22\x05\x0a", "garbage");
  ExpectSameAnswers(v1.SerializeAsString(), "a 1.0 body");
  // A reference cut short.
  ExpectSameAnswers(HandSymbols() + BytesField(5, BytesField(1, Varint(1) + "\x80")), "cut reference");
  EXPECT_EQ(db_->GetStats().series, 0u);
  EXPECT_EQ(full_db_->GetStats().series, 0u);
  EXPECT_EQ(cache_.size(), 0u);
}

}  // namespace
}  // namespace overtone::adapters
