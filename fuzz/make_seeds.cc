// Writes the seed corpus: a few small valid inputs per fuzz target, made
// with the real encoders and laid out as fuzz_input.h describes.
//
//   make_seeds fuzz/corpus
//
// writes fuzz/corpus/<target>/<name> for every seed, replacing files of
// the same name and leaving others (inputs kept from past findings) alone.

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "adapters/prometheus/proto/remote.pb.h"
#include "adapters/prometheus/proto/write_v2.pb.h"
#include "adapters/prometheus/snappy_block.h"
#include "fuzz/fuzz_input.h"
#include "storage/codec/flac_values.h"
#include "storage/codec/segment.h"
#include "storage/codec/summary.h"
#include "storage/codec/timestamp_codec.h"
#include "storage/codec/timestamp_column.h"
#include "storage/codec/xor_chunk.h"
#include "tests/support/prom_requests.h"

using namespace overtone;
using fuzz::PutU16;
using fuzz::PutU8;

namespace {

constexpr int64_t kT0 = 1700000000000;  // the remote_read target's data starts here

std::filesystem::path out_dir;
int written = 0;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  std::filesystem::path dir = out_dir / target;
  std::filesystem::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) {
    std::fprintf(stderr, "make_seeds: cannot write %s\n", (dir / name).c_str());
    std::exit(1);
  }
  ++written;
}

// Scrapes every 15 s with a few ms of jitter, as real targets give.
std::vector<int64_t> ScrapeTimes(int n) {
  std::vector<int64_t> ts;
  for (int i = 0; i < n; ++i) ts.push_back(kT0 + i * 15000 + (i * 7919) % 13);
  return ts;
}

std::vector<Sample> Gauge(int n) {
  std::vector<int64_t> ts = ScrapeTimes(n);
  std::vector<Sample> out;
  for (int i = 0; i < n; ++i) out.push_back({ts[i], std::round(5000 + 3000 * std::sin(i / 20.0)) / 100});
  return out;
}

std::vector<Sample> Counter(int n) {
  std::vector<int64_t> ts = ScrapeTimes(n);
  std::vector<Sample> out;
  for (int i = 0; i < n; ++i) out.push_back({ts[i], 1e12 + 1000.0 * i + (i * i) % 97});
  return out;
}

// NaN, the staleness marker, infinities, -0.0 and a large time gap.
std::vector<Sample> Unusual() {
  return {{-5000, 1.5},      {0, NAN},     {1000, StaleNaN()},         {2000, INFINITY},
          {3000, -INFINITY}, {4000, -0.0}, {int64_t{1} << 40, 1e-300}, {(int64_t{1} << 40) + 1, 42}};
}

std::vector<double> Values(const std::vector<Sample>& samples) {
  std::vector<double> v;
  for (const Sample& s : samples) v.push_back(s.value);
  return v;
}

void XorChunkSeeds() {
  auto put = [](const std::string& name, const std::vector<Sample>& samples) {
    std::string chunk;
    if (!storage::EncodeXorChunk(samples, &chunk).ok()) std::exit(1);
    Write("xor_chunk", name, chunk);
  };
  put("header_example", {{1000, 1.0}, {2000, 1.0}, {3000, 2.0}});
  put("gauge_120", Gauge(120));
  put("unusual", Unusual());
}

void TimestampSeeds() {
  auto put = [](const std::string& name, const std::vector<int64_t>& ts) {
    std::string in;
    std::string block;
    PutU8(&in, storage::EncodeTimestampsBest(ts, &block));
    PutU16(&in, static_cast<uint16_t>(ts.size()));
    Write("timestamp_codec", name, in + block);
  };
  put("header_example", {1000, 2000, 3000, 4005});
  put("one", {-42});
  put("regular_dod", {0, 15000, 30000, 45000, 60000, 75000, 90001, 105000, 500000, 500001});
  put("jitter_flac", ScrapeTimes(300));  // long jittered runs pick FLAC
}

void TimestampColumnSeeds() {
  auto put = [](const std::string& name, uint8_t flags, const std::vector<int64_t>& ts) {
    std::string column;
    storage::EncodeTimestampColumn(ts, &column);
    std::string in;
    PutU8(&in, flags);
    // With kAppendCrc the target supplies the checksum.
    Write("timestamp_column", name,
          in + (flags & fuzz::kAppendCrc ? column.substr(0, column.size() - 4) : column));
  };
  // Up to 2 s of jitter makes FLAC deltas smaller than delta-of-delta: a
  // column with a frame index (codec 4).
  auto jittered = [](int n) {
    std::vector<int64_t> ts;
    uint32_t x = 1;
    for (int i = 0; i < n; ++i) {
      x = x * 1103515245u + 12345u;
      ts.push_back(kT0 + i * 15000 + (x >> 16) % 2001);
    }
    return ts;
  };
  put("delta_of_delta", fuzz::kAppendCrc | (2 << 2) | (6 << 5), {1000, 2000, 3000});
  put("few_ms_jitter", fuzz::kAppendCrc | (1 << 2) | (4 << 5), ScrapeTimes(600));
  put("framed", fuzz::kAppendCrc | (3 << 2) | (7 << 5), jittered(600));
  put("framed_with_crc", (5 << 2) | (5 << 5), jittered(1440));
}

void FlacValueSeeds() {
  auto put = [](const std::string& name, const std::vector<double>& values, uint32_t block, uint16_t begin,
                uint16_t end) {
    storage::FlacParams params;
    params.block_size = block;
    std::string bytes;
    if (!storage::EncodeFlacValues(values, params, &bytes).ok()) std::exit(1);
    std::string in;
    PutU16(&in, static_cast<uint16_t>(values.size()));
    PutU16(&in, begin);
    PutU16(&in, end);
    Write("flac_values", name, in + bytes);
  };
  put("gauge_direct", Values(Gauge(200)), 64, 70, 150);
  put("counter_delta", Values(Counter(100)), 32, 0, 100);
  std::vector<double> with_exceptions = Values(Gauge(40));
  with_exceptions[3] = NAN;
  with_exceptions[17] = StaleNaN();
  with_exceptions[30] = 1.0 / 3;
  put("exceptions", with_exceptions, 16, 10, 35);
}

std::string EncodeSegment(const std::vector<Sample>& samples, bool allow_flac = true) {
  storage::SegmentOptions options;
  options.flac.block_size = 64;
  options.allow_flac = allow_flac;
  std::string seg;
  if (!storage::EncodeSegment(samples, options, &seg).ok()) std::exit(1);
  return seg;
}

void SegmentSeeds() {
  auto put = [](const std::string& name, uint8_t flags, const std::string& seg) {
    std::string in;
    PutU8(&in, flags);
    // With kAppendCrc the target supplies the checksum.
    Write("segment", name, in + (flags & fuzz::kAppendCrc ? seg.substr(0, seg.size() - 4) : seg));
  };
  put("header_example", 0, EncodeSegment({{1000, 1.0}, {2000, 1.0}}));
  put("flac_gauge", fuzz::kAppendCrc | (2 << 2) | (5 << 5), EncodeSegment(Gauge(150)));
  put("xor_unusual", fuzz::kAppendCrc | 2 | (7 << 5), EncodeSegment(Unusual()));
  put("raw_counter", fuzz::kAppendCrc | (1 << 2) | (3 << 5), EncodeSegment(Counter(20), false));
}

void SummarySeeds() {
  auto put = [](const std::string& name, uint8_t flags, const storage::Summary& s) {
    std::string bytes;
    storage::EncodeSummary(s, &bytes);
    std::string in;
    PutU8(&in, flags);
    Write("summary", name, in + (flags & fuzz::kAppendCrc ? bytes.substr(0, bytes.size() - 4) : bytes));
  };
  storage::Summary s;
  s.count = 5;
  s.first_ts = kT0;
  s.last_ts = kT0 + 60000;
  s.ts_of_min = kT0 + 15000;
  s.ts_of_max = kT0 + 45000;
  s.sum = 12.5;
  s.sum_c = 1e-17;
  s.mean = 2.5;
  s.m2 = 3.25;
  s.min = 0.5;
  s.max = 4.5;
  s.first = 1;
  s.last = 2;
  s.quantile_points = {0.5, 1, 2, 3.5, 4.5};
  put("five_samples", 0, s);
  put("five_samples_crc", fuzz::kAppendCrc, s);
  s.has_nan = true;
  s.quantile_points.insert(s.quantile_points.begin(), NAN);
  put("with_nan_no_points", fuzz::kAppendCrc | fuzz::kSkipPoints, s);
  put("only_staleness_markers", fuzz::kAppendCrc, storage::Summary{});
}

// A remote write or read body: compressed by the target (kCompress) or
// already snappy-compressed, as a client sends it.
void PutBody(const std::string& target, const std::string& name, uint8_t flags, const std::string& message);

void RemoteWriteSeeds() {
  prometheus::WriteRequest v1;
  auto add = [&v1](const testing::LabelList& labels, const std::vector<Sample>& samples) {
    testing::AddSeries(&v1, labels, samples);
  };
  add({{"__name__", "up"}, {"job", "api"}, {"instance", "a:9100"}}, {{kT0, 1}, {kT0 + 15000, 1}});
  add({{"__name__", "http_requests_total"}, {"code", "200"}, {"empty", ""}}, Counter(10));
  PutBody("remote_write_v1", "two_series", fuzz::kCompress, v1.SerializeAsString());
  PutBody("remote_write_v1", "two_series_snappy", 0, v1.SerializeAsString());
  add({{"__name__", "node_temp_celsius"}, {"host", "web-1"}}, Unusual());
  PutBody("remote_write_v1", "unusual_compacted", fuzz::kCompress | fuzz::kCompact, v1.SerializeAsString());
  v1.Clear();
  add({{"__name__", "dup"}, {"a", "1"}, {"a", "2"}}, {{kT0, 1}});
  add({{"job", "no_name"}}, {{kT0, 1}});
  v1.add_timeseries()->add_histograms();
  PutBody("remote_write_v1", "refused", fuzz::kCompress, v1.SerializeAsString());

  io::prometheus::write::v2::Request v2;
  for (const char* s : {"", "__name__", "up", "job", "api", "node_temp_celsius", "host", "web-1"})
    v2.add_symbols(s);
  auto add2 = [&v2](std::vector<uint32_t> refs, const std::vector<Sample>& samples) {
    auto* ts = v2.add_timeseries();
    for (uint32_t r : refs) ts->add_labels_refs(r);
    for (const Sample& s : samples) {
      auto* p = ts->add_samples();
      p->set_timestamp(s.ts);
      p->set_value(s.value);
    }
  };
  add2({1, 2, 3, 4}, {{kT0, 1}, {kT0 + 15000, 0}});
  add2({1, 5, 6, 7}, Gauge(10));
  PutBody("remote_write_v2", "two_series", fuzz::kCompress, v2.SerializeAsString());
  PutBody("remote_write_v2", "two_series_snappy", 0, v2.SerializeAsString());
  add2({1, 5, 6, 7}, Unusual());
  PutBody("remote_write_v2", "unusual_compacted", fuzz::kCompress | fuzz::kCompact, v2.SerializeAsString());
  v2.clear_timeseries();
  add2({1, 2, 3}, {{kT0, 1}});      // odd labels_refs
  add2({1, 2, 3, 99}, {{kT0, 1}});  // past the symbol table
  v2.add_timeseries()->add_histograms();
  PutBody("remote_write_v2", "refused", fuzz::kCompress, v2.SerializeAsString());
}

void RemoteReadSeeds() {
  using M = prometheus::LabelMatcher;
  prometheus::ReadRequest req;
  testing::AddQuery(&req, kT0, kT0 + 3 * 3600 * 1000, {{M::EQ, "__name__", "up"}});
  testing::AddQuery(&req, kT0 + 3600 * 1000, kT0 + 9000 * 1000,
                    {{M::RE, "job", "a.*"}, {M::NEQ, "code", "500"}});
  PutBody("remote_read", "samples", fuzz::kCompress, req.SerializeAsString());
  PutBody("remote_read", "samples_snappy", 0, req.SerializeAsString());
  req.add_accepted_response_types(prometheus::ReadRequest::STREAMED_XOR_CHUNKS);
  PutBody("remote_read", "streamed", fuzz::kCompress, req.SerializeAsString());
  req.Clear();
  req.add_accepted_response_types(prometheus::ReadRequest::STREAMED_XOR_CHUNKS);
  testing::AddQuery(&req, kT0 + 1000, kT0 + 2000 * 1000,
                    {{M::NRE, "host", "db-.*"}, {M::RE, "__name__", "node_.+"}});
  PutBody("remote_read", "streamed_regex", fuzz::kCompress, req.SerializeAsString());
}

void PromqlSeeds() {
  const char* queries[] = {
      "up",
      "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m]))",
      "histogram_quantile(0.9, sum without (instance) (rate(http_request_duration_seconds_bucket[5m])))",
      "avg_over_time(node_temp_celsius{host!=\"web-1\"}[1h:5m] offset 1d)",
      "a / on (job) group_left (env) b > bool 0.5",
      "topk(3, max_over_time(x[10m] @ 1700000000)) or vector(1)",
      "-label_replace(up, \"dst\", \"$1\", \"src\", \"(.*)\") unless absent(nothing)",
      "quantile_over_time(0.99, {__name__=~\"cpu.*\", mode!~\"idle|iowait\"}[30s]) * 100 ^ 2 % 7",
      "count_values(\"v\", up) + scalar(sum(up)) - time()",
      "sort_desc(clamp(deriv(rss[5m]), -1, 1e3)) atan2 predict_linear(rss[1h], 3600)",
      "\"a string\"",
  };
  int i = 0;
  for (const char* q : queries) Write("promql_parser", "query_" + std::to_string(i++), q);
}

void LineSeeds() {
  std::string om = std::string(1, static_cast<char>(fuzz::kOpenMetrics)) +
                   "# HELP http_requests Requests served.\n"
                   "# TYPE http_requests counter\n"
                   "# UNIT http_requests requests\n"
                   "http_requests_total{code=\"200\",path=\"/a\\\"b\\\\c\\n\"} 1027 1700000000.123\n"
                   "http_requests_total{code=\"500\"} 3e2 1700000000 # {trace_id=\"x\"} 1\n"
                   "temp NaN 1.7e9\n"
                   "temp stale 1700000015.5\n"
                   "temp raw:0x7ff8000000000042 1700000030\n"
                   "# EOF\n";
  Write("openmetrics_line", "openmetrics", om);
  std::string prom = std::string(1, '\0') +
                     "# TYPE up gauge\n"
                     "up{job=\"api\", instance=\"a:9100\"} 1 1700000000123\n"
                     "up{job=\"api\",instance=\"b:9100\",} +Inf -1700000000123\r\n"
                     "\tcpu_seconds_total   -Inf   0\n"
                     "bad line\n";
  Write("openmetrics_line", "prometheus_text", prom);

  Write("csv_line", "export",
        "metric,labels,ts,value\n"
        "http_requests_total,\"{\"\"code\"\":\"\"200\"\",\"\"host\"\":\"\"web-001\"\"}\",1700000000123,1027\n"
        "temp,{},1700000000123,NaN\n"
        "temp,,-5,stale\n"
        "temp,\"{\"\"q\"\":\"\"a,\\\"\"b\\\\n\"\"}\",0,raw:0x7ff8000000000042\n");
  Write("csv_line", "reordered_header", "Value, TS ,labels,METRIC\n1.5,1700000000000,{},up\n");
}

void PutBody(const std::string& target, const std::string& name, uint8_t flags, const std::string& message) {
  std::string in;
  PutU8(&in, flags);
  Write(target, name, in + (flags & fuzz::kCompress ? message : adapters::SnappyCompress(message)));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds <corpus dir>\n");
    return 2;
  }
  out_dir = argv[1];
  XorChunkSeeds();
  TimestampSeeds();
  TimestampColumnSeeds();
  FlacValueSeeds();
  SegmentSeeds();
  SummarySeeds();
  RemoteWriteSeeds();
  RemoteReadSeeds();
  PromqlSeeds();
  LineSeeds();
  std::printf("make_seeds: wrote %d seeds under %s\n", written, out_dir.c_str());
  return 0;
}
