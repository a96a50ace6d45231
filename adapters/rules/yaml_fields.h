// Decoding YAML fields the way Go's yaml decoder does for Prometheus's
// structs: a value of the wrong type or an unknown field is collected as
// "line N: ..." and all of them are reported together, as
//   yaml: unmarshal errors:
//     line 7: field namespace not found in type rulefmt.RuleGroup
// Shared by the rule file and unit-test file readers.

#ifndef OVERTONE_ADAPTERS_RULES_YAML_FIELDS_H_
#define OVERTONE_ADAPTERS_RULES_YAML_FIELDS_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "adapters/formats/value_text.h"

namespace overtone::rules {

inline std::string KindName(const YAML::Node& n) {
  if (n.IsSequence()) return "seq";
  if (n.IsMap()) return "map";
  return "str";
}

class YamlErrors {
 public:
  void Add(const YAML::Node& at, const std::string& message) {
    lines_.push_back("line " + std::to_string(at.Mark().line + 1) + ": " + message);
  }
  bool empty() const { return lines_.empty(); }
  std::string Message() const {
    std::string m = "yaml: unmarshal errors:";
    for (const std::string& l : lines_) m += "\n  " + l;
    return m;
  }

  std::string String(const YAML::Node& v) {
    if (v.IsNull()) return "";
    if (!v.IsScalar()) {
      Add(v, "cannot unmarshal !!" + KindName(v) + " into string");
      return "";
    }
    return v.Scalar();
  }
  // A Prometheus duration ("5m", "1h30m", "0").
  int64_t Duration(const YAML::Node& v) {
    std::string s = String(v);
    if (s.empty()) return 0;
    auto d = adapters::ParseDurationMs(s, /*allow_zero=*/true);
    if (!d.ok()) {
      Add(v, "not a valid duration string: \"" + s + "\"");
      return 0;
    }
    return *d;
  }
  int64_t Int(const YAML::Node& v) {
    std::string s = String(v);
    if (s.empty()) return 0;
    try {
      size_t end = 0;
      long long n = std::stoll(s, &end);
      if (end == s.size()) return n;
    } catch (...) {
    }
    Add(v, "cannot unmarshal !!str `" + s + "` into int");
    return 0;
  }
  double Double(const YAML::Node& v) {
    std::string s = String(v);
    double d = 0;
    if (!adapters::ParseValue(s, &d)) Add(v, "cannot unmarshal !!str `" + s + "` into float64");
    return d;
  }
  std::map<std::string, std::string> StringMap(const YAML::Node& v) {
    std::map<std::string, std::string> m;
    if (v.IsNull()) return m;
    if (!v.IsMap()) {
      Add(v, "cannot unmarshal !!" + KindName(v) + " into map[string]string");
      return m;
    }
    for (const auto& kv : v) m[String(kv.first)] = String(kv.second);
    return m;
  }

 private:
  std::vector<std::string> lines_;
};

}  // namespace overtone::rules

#endif  // OVERTONE_ADAPTERS_RULES_YAML_FIELDS_H_
