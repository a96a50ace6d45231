// Reading rule files with yaml-cpp, strictly (an unknown field is an
// error, as Prometheus's yaml.v3 decoder with KnownFields makes it), then
// checking each group and rule as Prometheus's rulefmt.Validate does.

#include "adapters/rules/rule_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "adapters/formats/value_text.h"
#include "adapters/promql/parser.h"
#include "adapters/rules/yaml_fields.h"

namespace overtone::rules {
namespace {

// Where a rule's parts are in the file, for messages.
struct RuleMarks {
  // As in Prometheus, a part that is missing is at 0:0.
  YAML::Mark name = YAML::Mark::null_mark();  // record or alert
  YAML::Mark expr = YAML::Mark::null_mark();
  std::map<std::string, std::string> raw_labels;
  bool has_for = false, has_keep_firing_for = false, has_annotations = false;
};

std::string At(const YAML::Mark& m) {
  return std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": ";
}

// Reads the fields of one rule into *rule; YAML type errors and unknown
// fields go to *yaml_errors.
void DecodeRule(const YAML::Node& node, Rule* rule, RuleMarks* marks, YamlErrors* errors) {
  if (!node.IsMap()) {
    errors->Add(node, "cannot unmarshal !!" + KindName(node) + " into rulefmt.RuleNode");
    return;
  }
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>("");
    const YAML::Node& v = kv.second;
    if (key == "record") {
      rule->record = errors->String(v);
      marks->name = v.Mark();
    } else if (key == "alert") {
      rule->alert = errors->String(v);
      marks->name = v.Mark();
    } else if (key == "expr") {
      rule->expr = errors->String(v);
      marks->expr = v.Mark();
    } else if (key == "for") {
      rule->for_ms = errors->Duration(v);
      marks->has_for = rule->for_ms != 0;
    } else if (key == "keep_firing_for") {
      rule->keep_firing_for_ms = errors->Duration(v);
      marks->has_keep_firing_for = rule->keep_firing_for_ms != 0;
    } else if (key == "labels" || key == "annotations") {
      for (auto& [name, text] : errors->StringMap(v)) {
        if (key == "labels") {
          rule->labels.push_back({name, text, nullptr});
        } else {
          rule->annotations.push_back({name, text, nullptr});
        }
      }
      marks->has_annotations |= key == "annotations" && v.IsMap() && v.size() > 0;
    } else {
      errors->Add(kv.first, "field " + key + " not found in type rulefmt.RuleNode");
    }
  }
}

void DecodeGroup(const YAML::Node& node, RuleGroup* group, std::vector<RuleMarks>* marks,
                 YAML::Mark* name_mark, YamlErrors* errors) {
  if (!node.IsMap()) {
    errors->Add(node, "cannot unmarshal !!" + KindName(node) + " into rulefmt.RuleGroup");
    return;
  }
  *name_mark = node.Mark();
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>("");
    const YAML::Node& v = kv.second;
    if (key == "name") {
      group->name = errors->String(v);
      *name_mark = kv.first.Mark();
    } else if (key == "interval") {
      group->interval_ms = errors->Duration(v);
    } else if (key == "query_offset") {
      group->query_offset_ms = errors->Duration(v);
    } else if (key == "limit") {
      group->limit = errors->Int(v);
    } else if (key == "rules") {
      if (v.IsNull()) continue;
      if (!v.IsSequence()) {
        errors->Add(v, "cannot unmarshal !!" + KindName(v) + " into []rulefmt.RuleNode");
        continue;
      }
      for (const auto& r : v) {
        group->rules.emplace_back();
        marks->emplace_back();
        DecodeRule(r, &group->rules.back(), &marks->back(), errors);
      }
    } else {
      errors->Add(kv.first, "field " + key + " not found in type rulefmt.RuleGroup");
    }
  }
}

// A problem with a rule: where ("7:15: ", or "" when it has no place) and what.
struct Problem {
  std::string where, what;
};

// rulefmt's RuleNode.Validate, plus the templates parsed for evaluation.
std::vector<Problem> CheckRule(Rule* rule, const RuleMarks& m) {
  std::vector<Problem> errs;
  auto add = [&](const YAML::Mark& mark, const std::string& message) { errs.push_back({At(mark), message}); };
  if (!rule->record.empty() && !rule->alert.empty())
    add(m.name, "only one of 'record' and 'alert' must be set");
  if (rule->record.empty() && rule->alert.empty()) add(m.name, "one of 'record' or 'alert' must be set");
  if (rule->expr.empty()) {
    add(m.expr, "field 'expr' must be set in rule");
  } else if (auto e = promql::ParseExpr(rule->expr); !e.ok()) {
    add(m.expr, "could not parse expression: " + e.status().message());
  }
  if (!rule->record.empty()) {
    if (m.has_annotations) add(m.name, "invalid field 'annotations' in recording rule");
    if (m.has_for) add(m.name, "invalid field 'for' in recording rule");
    if (m.has_keep_firing_for) add(m.name, "invalid field 'keep_firing_for' in recording rule");
    if (!IsValidMetricName(rule->record)) add(m.name, "invalid recording rule name: " + rule->record);
  }
  for (const TemplatedLabel& l : rule->labels) {
    if (!IsValidLabelName(l.name) || l.name == kMetricNameLabel)
      errs.push_back({"", "invalid label name: " + l.name});
    if (!IsValidUtf8(l.text)) errs.push_back({"", "invalid label value: " + l.text});
  }
  for (const TemplatedLabel& a : rule->annotations) {
    if (!IsValidLabelName(a.name)) errs.push_back({"", "invalid annotation name: " + a.name});
  }
  if (!rule->is_alert() || !rule->record.empty()) return errs;
  std::string tmpl_name = "__alert_" + rule->alert;
  for (auto* list : {&rule->labels, &rule->annotations}) {
    for (TemplatedLabel& l : *list) {
      auto t = Template::Parse(l.text, tmpl_name);
      if (!t.ok()) {
        errs.push_back({"", std::string(list == &rule->labels ? "label" : "annotation") + " \"" + l.name +
                                "\": " + t.status().message()});
      } else {
        l.tmpl = *t;
      }
    }
  }
  return errs;
}

// promtool's lint: rules with the same name and the same labels.
std::vector<std::string> Duplicates(const RuleFile& file) {
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> keys;
  for (const RuleGroup& g : file.groups) {
    for (const Rule& r : g.rules) {
      std::vector<std::pair<std::string, std::string>> labels;
      for (const TemplatedLabel& l : r.labels) labels.emplace_back(l.name, l.text);
      keys.emplace_back(r.name(), std::move(labels));
    }
  }
  std::sort(keys.begin(), keys.end());
  std::vector<size_t> dups;
  for (size_t i = 1; i < keys.size(); ++i) {
    if (keys[i] == keys[i - 1] && (dups.empty() || keys[dups.back()] != keys[i])) dups.push_back(i);
  }
  if (dups.empty()) return {};
  std::string w = "lint error " + std::to_string(dups.size()) + " duplicate rule(s) found.";
  for (size_t i : dups) {
    w += "\nMetric: " + keys[i].first + "\nLabel(s):";
    for (const auto& [k, v] : keys[i].second) w += "\n\t" + k + ": " + v;
  }
  w += "\nMight cause inconsistency while recording expressions";
  return {w};
}

}  // namespace

Result<RuleFile> ParseRuleFile(std::string_view yaml, const std::string& path) {
  RuleFile file;
  file.path = path;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ": yaml: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  YamlErrors errors;
  std::vector<std::vector<RuleMarks>> marks;
  std::vector<YAML::Mark> name_marks;
  if (root.IsMap()) {
    for (const auto& kv : root) {
      std::string key = kv.first.as<std::string>("");
      if (key != "groups") {
        errors.Add(kv.first, "field " + key + " not found in type rulefmt.RuleGroups");
        continue;
      }
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsSequence()) {
        errors.Add(kv.second, "cannot unmarshal !!" + KindName(kv.second) + " into []rulefmt.RuleGroup");
        continue;
      }
      for (const auto& g : kv.second) {
        file.groups.emplace_back();
        file.groups.back().file = path;
        marks.emplace_back();
        name_marks.emplace_back();
        DecodeGroup(g, &file.groups.back(), &marks.back(), &name_marks.back(), &errors);
      }
    }
  } else if (root.IsDefined() && !root.IsNull()) {
    errors.Add(root, "cannot unmarshal !!" + KindName(root) + " into rulefmt.RuleGroups");
  }
  if (!errors.empty()) return Status::InvalidArgument(path + ": " + errors.Message());

  std::vector<std::string> problems;
  std::set<std::string> names;
  for (size_t gi = 0; gi < file.groups.size(); ++gi) {
    RuleGroup& g = file.groups[gi];
    if (g.name.empty()) problems.push_back(At(name_marks[gi]) + "Groupname must not be empty");
    if (!names.insert(g.name).second) {
      problems.push_back(At(name_marks[gi]) + "groupname: \"" + g.name + "\" is repeated in the same file");
    }
    for (size_t ri = 0; ri < g.rules.size(); ++ri) {
      Rule& r = g.rules[ri];
      std::sort(r.labels.begin(), r.labels.end(), [](auto& a, auto& b) { return a.name < b.name; });
      std::sort(r.annotations.begin(), r.annotations.end(), [](auto& a, auto& b) { return a.name < b.name; });
      for (const Problem& p : CheckRule(&r, marks[gi][ri])) {
        // The place first, as Prometheus's rulefmt.Error prints it.
        problems.push_back(p.where + "group \"" + g.name + "\", rule " + std::to_string(ri + 1) + ", \"" +
                           r.name() + "\": " + p.what);
      }
    }
  }
  if (!problems.empty()) {
    std::string msg;
    for (const std::string& p : problems) msg += (msg.empty() ? "" : "\n") + path + ": " + p;
    return Status::InvalidArgument(msg);
  }
  file.warnings = Duplicates(file);
  return file;
}

Result<RuleFile> LoadRuleFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot read the file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseRuleFile(ss.str(), path);
}

size_t CountRules(const RuleFile& file) {
  size_t n = 0;
  for (const RuleGroup& g : file.groups) n += g.rules.size();
  return n;
}

}  // namespace overtone::rules
