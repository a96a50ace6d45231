// Decoding unit-test files (unit_test_file.h) with yaml-cpp, field by
// field, with the Go type names promtool's messages use.

#include "adapters/rules/unit_test_file.h"

#include <yaml-cpp/yaml.h>

#include <string>

#include "adapters/rules/yaml_fields.h"

namespace overtone::rules {
namespace {

// Calls `field(key, value)` for each entry of the map `node`; a key it
// does not take (returns false) is an unknown field of Go type `type`.
template <typename F>
void Fields(const YAML::Node& node, const char* type, YamlErrors* errors, F field) {
  if (node.IsNull()) return;
  if (!node.IsMap()) {
    errors->Add(node, "cannot unmarshal !!" + KindName(node) + " into main." + type);
    return;
  }
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>("");
    if (!field(key, kv.second)) errors->Add(kv.first, "field " + key + " not found in type main." + type);
  }
}

template <typename F>
void Sequence(const YAML::Node& node, const char* type, YamlErrors* errors, F item) {
  if (node.IsNull()) return;
  if (!node.IsSequence()) {
    errors->Add(node, "cannot unmarshal !!" + KindName(node) + " into []main." + type);
    return;
  }
  for (const auto& n : node) item(n);
}

Labels ToLabels(const std::map<std::string, std::string>& m) {
  Labels l;
  for (const auto& [k, v] : m) l.push_back({k, v});
  return l;  // std::map keeps them sorted; empty values stay (they are compared as given)
}

void DecodeAlertTest(const YAML::Node& node, AlertTestCase* t, YamlErrors* e) {
  Fields(node, "alertTestCase", e, [&](const std::string& k, const YAML::Node& v) {
    if (k == "eval_time") {
      t->eval_time_ms = e->Duration(v);
    } else if (k == "alertname") {
      t->alertname = e->String(v);
    } else if (k == "exp_alerts") {
      Sequence(v, "alert", e, [&](const YAML::Node& a) {
        ExpectedAlert exp;
        Fields(a, "alert", e, [&](const std::string& ak, const YAML::Node& av) {
          if (ak == "exp_labels") {
            exp.labels = ToLabels(e->StringMap(av));
          } else if (ak == "exp_annotations") {
            exp.annotations = ToLabels(e->StringMap(av));
          } else {
            return false;
          }
          return true;
        });
        t->exp_alerts.push_back(std::move(exp));
      });
    } else {
      return false;
    }
    return true;
  });
}

void DecodePromqlTest(const YAML::Node& node, PromqlTestCase* t, YamlErrors* e) {
  Fields(node, "promqlTestCase", e, [&](const std::string& k, const YAML::Node& v) {
    if (k == "expr") {
      t->expr = e->String(v);
    } else if (k == "eval_time") {
      t->eval_time_ms = e->Duration(v);
    } else if (k == "exp_samples") {
      Sequence(v, "sample", e, [&](const YAML::Node& s) {
        ExpectedSample exp;
        Fields(s, "sample", e, [&](const std::string& sk, const YAML::Node& sv) {
          if (sk == "labels") {
            exp.labels = e->String(sv);
          } else if (sk == "value") {
            exp.value = e->Double(sv);
          } else {
            return false;
          }
          return true;
        });
        t->exp_samples.push_back(std::move(exp));
      });
    } else {
      return false;
    }
    return true;
  });
}

void DecodeTestGroup(const YAML::Node& node, TestGroup* g, YamlErrors* e) {
  Fields(node, "testGroup", e, [&](const std::string& k, const YAML::Node& v) {
    if (k == "name") {
      g->name = e->String(v);
    } else if (k == "interval") {
      g->interval_ms = e->Duration(v);
    } else if (k == "input_series") {
      Sequence(v, "series", e, [&](const YAML::Node& s) {
        InputSeries in;
        Fields(s, "series", e, [&](const std::string& sk, const YAML::Node& sv) {
          if (sk == "series") {
            in.series = e->String(sv);
          } else if (sk == "values") {
            in.values = e->String(sv);
          } else {
            return false;
          }
          return true;
        });
        g->input_series.push_back(std::move(in));
      });
    } else if (k == "alert_rule_test") {
      Sequence(v, "alertTestCase", e, [&](const YAML::Node& t) {
        g->alert_tests.emplace_back();
        DecodeAlertTest(t, &g->alert_tests.back(), e);
      });
    } else if (k == "promql_expr_test") {
      Sequence(v, "promqlTestCase", e, [&](const YAML::Node& t) {
        g->promql_tests.emplace_back();
        DecodePromqlTest(t, &g->promql_tests.back(), e);
      });
    } else if (k == "external_labels") {
      g->external_labels = ToLabels(e->StringMap(v));
      NormalizeLabels(&g->external_labels);
    } else if (k == "external_url") {
      g->external_url = e->String(v);
    } else {
      return false;
    }
    return true;
  });
}

}  // namespace

Result<UnitTestFile> ParseUnitTestFile(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& ex) {
    return Status::InvalidArgument("yaml: line " + std::to_string(ex.mark.line + 1) + ": " + ex.msg);
  }
  UnitTestFile file;
  YamlErrors e;
  Fields(root, "unitTestFile", &e, [&](const std::string& k, const YAML::Node& v) {
    if (k == "rule_files") {
      Sequence(v, "string", &e, [&](const YAML::Node& f) { file.rule_files.push_back(e.String(f)); });
    } else if (k == "evaluation_interval") {
      file.evaluation_interval_ms = e.Duration(v);
    } else if (k == "group_eval_order") {
      Sequence(v, "string", &e, [&](const YAML::Node& f) { file.group_eval_order.push_back(e.String(f)); });
    } else if (k == "tests") {
      Sequence(v, "testGroup", &e, [&](const YAML::Node& t) {
        file.tests.emplace_back();
        DecodeTestGroup(t, &file.tests.back(), &e);
      });
    } else {
      return false;
    }
    return true;
  });
  if (!e.empty()) return Status::InvalidArgument(e.Message());
  if (file.evaluation_interval_ms == 0) file.evaluation_interval_ms = 60 * 1000;
  return file;
}

}  // namespace overtone::rules
