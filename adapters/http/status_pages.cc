#include "adapters/http/status_pages.h"

#include "adapters/http/query_render.h"

namespace overtone::adapters {
namespace {

using Json = nlohmann::ordered_json;

// A YAML scalar for any text: JSON's double-quoted string is YAML's too.
std::string Quoted(const std::string& s) {
  return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Lines of a YAML mapping, indented by `indent`.
class YamlMap {
 public:
  explicit YamlMap(std::string* out, int indent = 0) : out_(out), indent_(indent) {}
  void Text(const std::string& key, const std::string& value) { Line(key, Quoted(value)); }
  void Number(const std::string& key, uint64_t value) { Line(key, std::to_string(value)); }
  void Signed(const std::string& key, int64_t value) { Line(key, std::to_string(value)); }
  void Bool(const std::string& key, bool value) { Line(key, value ? "true" : "false"); }
  // Starts a nested mapping; its lines follow.
  YamlMap Section(const std::string& key) {
    Line(key, "");
    return YamlMap(out_, indent_ + 2);
  }

 private:
  void Line(const std::string& key, const std::string& value) {
    out_->append(static_cast<size_t>(indent_), ' ');
    *out_ += key + ":" + (value.empty() ? "" : " " + value) + "\n";
  }
  std::string* out_;
  int indent_;
};

Json Counts(const std::vector<NameCount>& counts) {
  Json out = Json::array();
  for (const NameCount& c : counts) out.push_back(Json{{"name", c.name}, {"value", c.count}});
  return out;
}

}  // namespace

HttpReply RenderMetadata(const std::vector<MetricMetadata>& all, const MetadataRequest& request) {
  Json data = Json::object();
  for (const MetricMetadata& m : all) {
    if (!request.metric.empty() && m.metric != request.metric) continue;
    if (request.limit >= 0 && static_cast<int64_t>(data.size()) >= request.limit) break;
    // One entry a family: overtone keeps the last one written
    // (limit_per_metric of 1 or more leaves it).
    data[m.metric] = Json::array({Json{{"type", m.type}, {"help", m.help}, {"unit", m.unit}}});
  }
  return RenderSuccess(std::move(data));
}

std::string ServeConfigYaml(const ServerOptions& o, const std::string& dir) {
  std::string out =
      "# overtone serve's effective configuration. This is overtone's own configuration,\n"
      "# not a Prometheus configuration file.\n";
  YamlMap top(&out);
  top.Text("listen", (o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host) + ":" +
                         std::to_string(o.port));
  top.Bool("read_only", o.read_only);
  YamlMap db = top.Section("database");
  db.Text("dir", dir);
  db.Bool("sync", o.engine.sync);
  db.Text("retention", "none: samples are kept until deleted");
  db.Signed("segment_span_ms", o.engine.segment_span_ms);
  db.Signed("head_window_ms", o.engine.head_window_ms);
  db.Signed("compaction_interval_ms", o.engine.compaction_interval_ms);
  db.Number("flac_block_size", o.engine.flac_block_size);
  db.Number("block_cache_bytes", o.engine.block_cache_bytes);
  db.Number("write_buffer_bytes", o.engine.write_buffer_bytes);
  db.Number("summary_cache_bytes", o.engine.summary_cache_bytes);
  YamlMap server = top.Section("server");
  server.Number("threads", static_cast<uint64_t>(o.threads > 0 ? o.threads : DefaultThreads()));
  server.Number("memory_limit_bytes", o.memory_limit);
  server.Number("max_request_bytes", o.max_request_bytes);
  server.Number("max_decompressed_bytes", o.max_decompressed_bytes);
  server.Number("request_memory_bytes", o.request_memory_bytes);
  server.Number("max_frame_bytes", o.max_frame_bytes);
  server.Signed("overload_status", o.overload_status);
  server.Signed("read_timeout_seconds", o.read_timeout_seconds);
  server.Bool("bearer_token_required", !o.auth_token.empty());
  YamlMap flags = top.Section("flags");
  for (const auto& [name, value] : o.flags) flags.Text(name, value);
  return out;
}

HttpReply RenderConfig(const std::string& yaml) { return RenderSuccess(Json{{"yaml", yaml}}); }

HttpReply RenderTsdb(const IndexStats& s) {
  Json data;
  data["headStats"] = Json{{"numSeries", s.num_series},
                           {"numLabelPairs", s.num_label_pairs},
                           {"chunkCount", s.chunk_count},
                           {"minTime", s.min_time},
                           {"maxTime", s.max_time}};
  data["seriesCountByMetricName"] = Counts(s.series_count_by_metric_name);
  data["labelValueCountByLabelName"] = Counts(s.label_value_count_by_label_name);
  data["memoryInBytesByLabelName"] = Counts(s.memory_in_bytes_by_label_name);
  data["seriesCountByLabelValuePair"] = Counts(s.series_count_by_label_value_pair);
  return RenderSuccess(std::move(data));
}

}  // namespace overtone::adapters
