// Prometheus rule files: groups of recording and alerting rules, read from
// YAML and checked as `promtool check rules` checks them (Prometheus's
// model/rulefmt).
//
//   groups:
//     - name: example          # unique in the file
//       interval: 30s          # optional, else the evaluator's default
//       limit: 10              # optional: more series/alerts fail the rule
//       query_offset: 1m       # optional: evaluate at t - offset
//       rules:
//         - record: job:up:sum
//           expr: sum by (job) (up)
//           labels: {team: a}
//         - alert: InstanceDown
//           expr: up == 0
//           for: 5m
//           keep_firing_for: 1m
//           labels: {severity: page}
//           annotations: {summary: "{{ $labels.instance }} is down"}
//
// Everything wrong with a file is reported at once, one line per problem,
// each naming the file, the place (line:column), the group, the rule's index
// (from 1) and name, and the reason:
//   "rules.yml: 7:15: group \"g\", rule 1, \"x\": could not parse expression: ..."

#ifndef OVERTONE_ADAPTERS_RULES_RULE_FILE_H_
#define OVERTONE_ADAPTERS_RULES_RULE_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/rules/template.h"
#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::rules {

// A label or annotation: its name, its template text and the template
// parsed (alerting rules only; recording rules' labels are plain values).
struct TemplatedLabel {
  std::string name;
  std::string text;
  std::shared_ptr<const Template> tmpl;
};

struct Rule {
  std::string record;  // exactly one of record and alert is set
  std::string alert;
  std::string expr;
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  std::vector<TemplatedLabel> labels;  // sorted by name
  std::vector<TemplatedLabel> annotations;

  bool is_alert() const { return !alert.empty(); }
  const std::string& name() const { return is_alert() ? alert : record; }
};

struct RuleGroup {
  std::string name;
  std::string file;         // the path it was loaded from (part of its schedule's hash)
  int64_t interval_ms = 0;  // 0: the evaluator's default
  int64_t limit = 0;        // 0: no limit
  int64_t query_offset_ms = 0;
  std::vector<Rule> rules;
};

struct RuleFile {
  std::string path;
  std::vector<RuleGroup> groups;
  // Lint findings that do not fail the check (promtool prints them and
  // still exits 0): rules with the same name and labels.
  std::vector<std::string> warnings;
};

// Parses and checks a rule file's text. `path` names it in messages (the
// messages start with it) and becomes RuleGroup::file. InvalidArgument with
// one problem per line.
Result<RuleFile> ParseRuleFile(std::string_view yaml, const std::string& path);

// Reads and parses the file at `path`.
Result<RuleFile> LoadRuleFile(const std::string& path);

// Number of rules in all groups.
size_t CountRules(const RuleFile& file);

}  // namespace overtone::rules

#endif  // OVERTONE_ADAPTERS_RULES_RULE_FILE_H_
