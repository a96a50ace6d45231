// The remote read answers written by hand (remote_read_wire.h) against
// protobuf's own serialization of the same messages: the same bytes, for
// golden samples and for random ones with every special value and edge of
// the varints. And the request the remote read client posts, parsed back.

#include "adapters/prometheus/remote_read_wire.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "adapters/prometheus/chunked_frame.h"
#include "adapters/prometheus/proto/remote.pb.h"
#include "adapters/prometheus/remote_read_client.h"
#include "adapters/prometheus/snappy_block.h"

namespace overtone::adapters {
namespace {

std::string Hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string h;
  for (unsigned char c : s) {
    h += d[c >> 4];
    h += d[c & 15];
    h += ' ';
  }
  return h;
}

TEST(AdaptersRemoteReadWire, GoldenSample) {
  std::string out;
  std::vector<Sample> one = {{1000, 1.0}};
  AppendSampleFields(one, &out);
  EXPECT_EQ(Hex(out), "12 0c 09 00 00 00 00 00 00 f0 3f 10 e8 07 ");
  // Zero value bits and timestamp 0 are defaults, left out; -0.0 is not.
  out.clear();
  std::vector<Sample> zero = {{0, 0.0}, {0, -0.0}};
  AppendSampleFields(zero, &out);
  EXPECT_EQ(Hex(out), "12 00 12 09 09 00 00 00 00 00 00 00 80 ");
}

Labels RandomLabels(std::mt19937_64& rng) {
  Labels labels;
  int n = static_cast<int>(rng() % 5);
  for (int i = 0; i < n; ++i) {
    // Names and values of 0 to 200 bytes: the length varints take one or two bytes.
    labels.push_back(Label{std::string(rng() % 201, static_cast<char>('a' + i)),
                           std::string(rng() % 3 == 0 ? 0 : rng() % 201, static_cast<char>('A' + i))});
  }
  return labels;
}

Sample RandomSample(std::mt19937_64& rng) {
  static const double kSpecial[] = {0.0,
                                    -0.0,
                                    1.0,
                                    std::numeric_limits<double>::quiet_NaN(),
                                    std::bit_cast<double>(uint64_t{0x7ff0000000000002}),  // stale NaN
                                    std::numeric_limits<double>::infinity(),
                                    -std::numeric_limits<double>::infinity(),
                                    std::numeric_limits<double>::denorm_min()};
  static const int64_t kTimes[] = {0,
                                   1,
                                   -1,
                                   127,
                                   128,
                                   1714521600000,
                                   std::numeric_limits<int64_t>::min(),
                                   std::numeric_limits<int64_t>::max()};
  Sample s;
  s.ts = rng() % 2 ? kTimes[rng() % 8] : static_cast<int64_t>(rng());
  s.value = rng() % 2 ? kSpecial[rng() % 8] : std::bit_cast<double>(rng());
  return s;
}

void FillLabels(const Labels& in, google::protobuf::RepeatedPtrField<prometheus::Label>* out) {
  for (const Label& l : in) {
    prometheus::Label* p = out->Add();
    p->set_name(l.name);
    p->set_value(l.value);
  }
}

TEST(AdaptersRemoteReadWire, TimeSeriesMatchesProtobuf) {
  std::mt19937_64 rng(18);
  for (int round = 0; round < 300; ++round) {
    Labels labels = RandomLabels(rng);
    std::vector<Sample> samples(rng() % 50);
    for (Sample& s : samples) s = RandomSample(rng);
    prometheus::TimeSeries ts;
    FillLabels(labels, ts.mutable_labels());
    for (const Sample& s : samples) {
      prometheus::Sample* p = ts.add_samples();
      p->set_timestamp(s.ts);
      p->set_value(s.value);
    }
    std::string ours;
    AppendLabelFields(labels, &ours);
    AppendSampleFields(samples, &ours);
    ASSERT_EQ(Hex(ours), Hex(ts.SerializeAsString())) << "round " << round;
  }
}

TEST(AdaptersRemoteReadWire, ChunkedFrameMatchesProtobuf) {
  std::mt19937_64 rng(1);
  for (int round = 0; round < 300; ++round) {
    Labels labels = RandomLabels(rng);
    prometheus::ChunkedReadResponse frame;
    const int64_t query_index = round % 3 == 0 ? 0 : static_cast<int64_t>(rng() % 300);
    frame.set_query_index(query_index);
    prometheus::ChunkedSeries* cs = frame.add_chunked_series();
    FillLabels(labels, cs->mutable_labels());
    std::string fields;
    AppendLabelFields(labels, &fields);
    const int chunks = static_cast<int>(rng() % 4);
    for (int i = 0; i < chunks; ++i) {
      // Chunk data of 0 to 300 bytes; times at the varint edges and beyond.
      std::string data(rng() % 301, static_cast<char>(rng()));
      const int64_t min_ts = RandomSample(rng).ts, max_ts = RandomSample(rng).ts;
      prometheus::Chunk* c = cs->add_chunks();
      c->set_min_time_ms(min_ts);
      c->set_max_time_ms(max_ts);
      c->set_type(prometheus::Chunk::XOR);
      c->set_data(data);
      AppendXorChunkField(min_ts, max_ts, data, &fields);
    }
    std::string want;
    AppendChunkedFrame(frame.SerializeAsString(), &want);
    std::string ours = "prefix";
    AppendChunkedSeriesFrame(fields, query_index, &ours);
    ASSERT_EQ(Hex(ours), Hex("prefix" + want)) << "round " << round;
  }
}

TEST(AdaptersRemoteReadWire, ClientRequestBodyParsesBackToItsQuery) {
  RemoteReadOptions o;
  o.matchers = {{MatchType::kEqual, "__name__", "up"},
                {MatchType::kNotEqual, "job", "a"},
                {MatchType::kRegexMatch, "instance", "h.*"},
                {MatchType::kRegexNoMatch, "zone", "eu|us"}};
  for (RemoteReadMode mode : {RemoteReadMode::kPreferStreamed, RemoteReadMode::kSamplesOnly}) {
    o.mode = mode;
    std::string raw;
    ASSERT_TRUE(SnappyUncompress(EncodeReadRequestBody(o, -5, 1700000000123), &raw).ok());
    prometheus::ReadRequest req;
    ASSERT_TRUE(req.ParseFromString(raw));
    std::vector<int> types(req.accepted_response_types().begin(), req.accepted_response_types().end());
    if (mode == RemoteReadMode::kPreferStreamed) {
      EXPECT_EQ(types, (std::vector<int>{prometheus::ReadRequest::STREAMED_XOR_CHUNKS,
                                         prometheus::ReadRequest::SAMPLES}));
    } else {
      EXPECT_EQ(types, (std::vector<int>{prometheus::ReadRequest::SAMPLES}));
    }
    ASSERT_EQ(req.queries_size(), 1);
    const prometheus::Query& q = req.queries(0);
    EXPECT_EQ(q.start_timestamp_ms(), -5);
    EXPECT_EQ(q.end_timestamp_ms(), 1700000000123);
    ASSERT_EQ(q.matchers_size(), 4);
    const prometheus::LabelMatcher::Type want[] = {
        prometheus::LabelMatcher::EQ, prometheus::LabelMatcher::NEQ, prometheus::LabelMatcher::RE,
        prometheus::LabelMatcher::NRE};
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(q.matchers(i).type(), want[i]) << i;
      EXPECT_EQ(q.matchers(i).name(), o.matchers[static_cast<size_t>(i)].name) << i;
      EXPECT_EQ(q.matchers(i).value(), o.matchers[static_cast<size_t>(i)].value) << i;
    }
  }
}

}  // namespace
}  // namespace overtone::adapters
