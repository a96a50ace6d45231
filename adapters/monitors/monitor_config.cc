#include "adapters/monitors/monitor_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "adapters/formats/value_text.h"
#include "adapters/prometheus/remote_write_client.h"

namespace overtone::adapters {
namespace {

// "FILE:LINE: " for a node (yaml-cpp counts lines from 0).
std::string Where(const std::string& file, const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  return m.is_null() ? file + ": " : file + ":" + std::to_string(m.line + 1) + ": ";
}

class MonitorReader {
 public:
  MonitorReader(const std::string& file, size_t index, const YAML::Node& node)
      : file_(file), index_(index), node_(node) {}

  Result<MonitorSpec> Read();

 private:
  Status Error(const YAML::Node& at, const std::string& reason) const {
    std::string who = "monitor " + std::to_string(index_);
    if (!spec_.name.empty()) who += " (" + spec_.name + ")";
    return Status::InvalidArgument(Where(file_, at) + who + ": " + reason);
  }
  // The scalar under `key`, or an error when absent (and `required`) or not a scalar.
  Result<std::string> Scalar(const char* key, bool required) const;
  Status ReadOutput();
  Status ReadLabels();

  const std::string& file_;
  size_t index_;
  const YAML::Node& node_;
  MonitorSpec spec_;
};

Result<std::string> MonitorReader::Scalar(const char* key, bool required) const {
  YAML::Node v = node_[key];
  if (!v) {
    if (required) return Error(node_, std::string("missing `") + key + "`");
    return std::string();
  }
  if (!v.IsScalar()) return Error(v, std::string("`") + key + "` must be a string");
  return v.Scalar();
}

Status MonitorReader::ReadOutput() {
  OT_ASSIGN_OR_RETURN(spec_.output_text, Scalar("output", true));
  std::istringstream words(spec_.output_text);
  std::string kind, url, extra;
  words >> kind >> url >> extra;
  const YAML::Node at = node_["output"];
  if (kind == "samples") {
    if (!url.empty()) return Error(at, "`output: samples` takes no URL");
    spec_.output = MonitorOutput::kSamples;
    return Status::OK();
  }
  if (kind != "loki" && kind != "webhook") {
    return Error(at,
                 "`output` must be `samples`, `loki URL` or `webhook URL`, not `" + spec_.output_text + "`");
  }
  if (url.empty() || !extra.empty()) return Error(at, "`output: " + kind + "` takes one URL");
  if (Result<HttpUrl> parsed = ParseHttpUrl(url); !parsed.ok()) return Error(at, parsed.status().message());
  spec_.output = kind == "loki" ? MonitorOutput::kLoki : MonitorOutput::kWebhook;
  spec_.url = url;
  return Status::OK();
}

Status MonitorReader::ReadLabels() {
  YAML::Node labels = node_["labels"];
  if (!labels) return Status::OK();
  if (spec_.output != MonitorOutput::kLoki) return Error(labels, "`labels` is for `output: loki` only");
  if (!labels.IsMap()) return Error(labels, "`labels` must be a map of label names to values");
  for (const auto& kv : labels) {
    std::string name = kv.first.as<std::string>();
    if (!IsValidLabelName(name)) return Error(kv.first, "`" + name + "` is not a valid label name");
    if (!kv.second.IsScalar()) return Error(kv.second, "the value of label `" + name + "` must be a string");
    spec_.labels.push_back(Label{name, kv.second.Scalar()});
  }
  std::sort(spec_.labels.begin(), spec_.labels.end());
  return Status::OK();
}

Result<MonitorSpec> MonitorReader::Read() {
  if (!node_.IsMap()) return Error(node_, "a monitor is a map (name, every, sql, output)");
  OT_ASSIGN_OR_RETURN(spec_.name, Scalar("name", true));
  if (!IsValidLabelName(spec_.name)) {
    std::string bad = spec_.name;
    spec_.name.clear();
    return Error(node_["name"], "name `" + bad + "` must match [a-zA-Z_][a-zA-Z0-9_]*");
  }
  static const std::set<std::string> kKeys = {"name", "every", "timeout", "sql", "output", "labels"};
  for (const auto& kv : node_) {
    std::string key = kv.first.as<std::string>();
    if (!kKeys.contains(key)) {
      return Error(kv.first,
                   "unknown field `" + key + "` (fields: name, every, timeout, sql, output, labels)");
    }
  }
  OT_ASSIGN_OR_RETURN(spec_.every, Scalar("every", true));
  Result<int64_t> every = ParseDurationMs(spec_.every);
  if (!every.ok()) return Error(node_["every"], "`every`: " + every.status().message());
  spec_.every_ms = *every;
  OT_ASSIGN_OR_RETURN(std::string timeout, Scalar("timeout", false));
  spec_.timeout_ms = std::min(spec_.every_ms, kMaxDefaultTimeoutMs);
  if (!timeout.empty()) {
    Result<int64_t> t = ParseDurationMs(timeout);
    if (!t.ok()) return Error(node_["timeout"], "`timeout`: " + t.status().message());
    spec_.timeout_ms = *t;
  }
  OT_ASSIGN_OR_RETURN(spec_.sql, Scalar("sql", true));
  if (spec_.sql.find_first_not_of(" \t\r\n") == std::string::npos)
    return Error(node_["sql"], "`sql` is empty");
  OT_RETURN_IF_ERROR(ReadOutput());
  OT_RETURN_IF_ERROR(ReadLabels());
  return std::move(spec_);
}

}  // namespace

Result<std::vector<MonitorSpec>> ParseMonitors(std::string_view yaml, const std::string& file) {
  // yaml-cpp reports errors by throwing; none may leave this function.
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap() || !root["monitors"]) {
      return Status::InvalidArgument(file + ": expected a map with the key `monitors` (a list of monitors)");
    }
    YAML::Node list = root["monitors"];
    for (const auto& kv : root) {
      if (kv.first.as<std::string>() != "monitors") {
        return Status::InvalidArgument(Where(file, kv.first) + "unknown field `" +
                                       kv.first.as<std::string>() + "` (the file has one: monitors)");
      }
    }
    if (!list.IsSequence()) return Status::InvalidArgument(Where(file, list) + "`monitors` must be a list");
    std::vector<MonitorSpec> out;
    std::set<std::string> names;
    for (size_t i = 0; i < list.size(); ++i) {
      OT_ASSIGN_OR_RETURN(MonitorSpec spec, MonitorReader(file, i, list[i]).Read());
      if (!names.insert(spec.name).second) {
        return Status::InvalidArgument(Where(file, list[i]) + "monitor " + std::to_string(i) + " (" +
                                       spec.name + "): the name is already used by another monitor");
      }
      out.push_back(std::move(spec));
    }
    return out;
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<std::vector<MonitorSpec>> LoadMonitors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read the monitors file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return ParseMonitors(text.str(), path);
}

}  // namespace overtone::adapters
