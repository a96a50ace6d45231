// Rule files: what a valid file gives, and every check of `promtool check
// rules` with its message naming the file, place, group and rule.

#include "adapters/rules/rule_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace overtone::rules {
namespace {

std::string Error(const std::string& yaml) {
  auto f = ParseRuleFile(yaml, "r.yml");
  return f.ok() ? "" : f.status().message();
}

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(RuleFile, ReadsGroupsAndRules) {
  auto f = ParseRuleFile(R"(
groups:
  - name: g
    interval: 30s
    limit: 5
    query_offset: 1m
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels: {z: "1", a: "2"}
      - alert: Down
        expr: up == 0
        for: 5m
        keep_firing_for: 2m
        labels: {severity: page}
        annotations: {summary: "{{ $labels.job }} down"}
  - name: empty
)",
                         "dir/r.yml");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->groups.size(), 2u);
  const RuleGroup& g = f->groups[0];
  EXPECT_EQ(g.name, "g");
  EXPECT_EQ(g.file, "dir/r.yml");
  EXPECT_EQ(g.interval_ms, 30000);
  EXPECT_EQ(g.limit, 5);
  EXPECT_EQ(g.query_offset_ms, 60000);
  ASSERT_EQ(g.rules.size(), 2u);
  EXPECT_EQ(g.rules[0].record, "job:up:sum");
  EXPECT_FALSE(g.rules[0].is_alert());
  ASSERT_EQ(g.rules[0].labels.size(), 2u);
  EXPECT_EQ(g.rules[0].labels[0].name, "a");  // sorted
  const Rule& a = g.rules[1];
  EXPECT_TRUE(a.is_alert());
  EXPECT_EQ(a.name(), "Down");
  EXPECT_EQ(a.for_ms, 300000);
  EXPECT_EQ(a.keep_firing_for_ms, 120000);
  ASSERT_EQ(a.annotations.size(), 1u);
  ASSERT_NE(a.annotations[0].tmpl, nullptr);
  EXPECT_EQ(CountRules(*f), 2u);
  EXPECT_TRUE(f->warnings.empty());
  EXPECT_TRUE(ParseRuleFile("", "e.yml").ok());
}

TEST(RuleFile, UnknownFieldsAreErrors) {
  EXPECT_EQ(Error("groups:\n  - name: g\n    namespace: x\n"),
            "r.yml: yaml: unmarshal errors:\n  line 3: field namespace not found in type rulefmt.RuleGroup");
  EXPECT_TRUE(Has(
      Error("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        severity: x\n"),
      "line 6: field severity not found in type rulefmt.RuleNode"));
  EXPECT_TRUE(Has(Error("group:\n  - name: g\n"), "field group not found in type rulefmt.RuleGroups"));
  EXPECT_TRUE(
      Has(Error("groups:\n  - name: g\n    interval: fast\n"), "not a valid duration string: \"fast\""));
  EXPECT_TRUE(Has(Error("groups: [a: [b"), "r.yml: yaml: line"));
}

TEST(RuleFile, GroupChecks) {
  EXPECT_EQ(Error("groups:\n  - name: g\n  - name: g\n"),
            "r.yml: 3:5: groupname: \"g\" is repeated in the same file");
  EXPECT_TRUE(Has(Error("groups:\n  - rules: []\n"), "Groupname must not be empty"));
}

TEST(RuleFile, RuleChecks) {
  auto rule = [](const std::string& body) {
    return Error("groups:\n  - name: g\n    rules:\n      - " + body + "\n");
  };
  EXPECT_EQ(
      rule("record: x\n        expr: sum(up"),
      "r.yml: 5:15: group \"g\", rule 1, \"x\": could not parse expression: 1:7: parse error: unclosed left "
      "parenthesis");
  EXPECT_TRUE(Has(rule("record: x"), "field 'expr' must be set in rule"));
  EXPECT_TRUE(Has(rule("expr: up"), "group \"g\", rule 1, \"\": one of 'record' or 'alert' must be set"));
  EXPECT_TRUE(Has(rule("record: x\n        alert: Y\n        expr: up"),
                  "only one of 'record' and 'alert' must be set"));
  EXPECT_TRUE(
      Has(rule("record: x\n        expr: up\n        for: 1m"), "invalid field 'for' in recording rule"));
  EXPECT_TRUE(Has(rule("record: x\n        expr: up\n        keep_firing_for: 1m"),
                  "invalid field 'keep_firing_for' in recording rule"));
  EXPECT_TRUE(Has(rule("record: x\n        expr: up\n        annotations: {a: b}"),
                  "invalid field 'annotations' in recording rule"));
  EXPECT_TRUE(Has(rule("record: 'a-b'\n        expr: up"), "invalid recording rule name: a-b"));
  EXPECT_TRUE(Has(rule("alert: A\n        expr: up\n        labels: {'a-b': x}"),
                  "group \"g\", rule 1, \"A\": invalid label name: a-b"));
  EXPECT_TRUE(
      Has(rule("alert: A\n        expr: up\n        labels: {__name__: x}"), "invalid label name: __name__"));
  EXPECT_TRUE(Has(rule("alert: A\n        expr: up\n        annotations: {'a b': x}"),
                  "invalid annotation name: a b"));
  // A record rule with for: 0 is fine, as in Prometheus.
  EXPECT_EQ(rule("record: x\n        expr: up\n        for: 0s"), "");
}

TEST(RuleFile, AlertTemplatesAreParsed) {
  std::string e = Error(
      "groups:\n  - name: alerts\n    rules:\n      - alert: InstanceDown\n        expr: up == 0\n"
      "        annotations:\n          summary: \"Instance {{ $label.foo }} down\"\n");
  EXPECT_EQ(e,
            "r.yml: group \"alerts\", rule 1, \"InstanceDown\": annotation \"summary\": template: "
            "__alert_InstanceDown:1: undefined variable \"$label\"");
  EXPECT_TRUE(Has(Error("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n"
                        "        labels: {x: '{{ range $labels }}{{ end }}'}\n"),
                  "label \"x\": template: __alert_A:1: unsupported template construct \"range\""));
  // Recording rules' labels are not templates.
  EXPECT_EQ(Error("groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n"
                  "        labels: {x: '{{ nonsense'}\n"),
            "");
}

TEST(RuleFile, ReportsEveryProblem) {
  std::string e = Error(
      "groups:\n  - name: g\n    rules:\n      - record: 'a b'\n        expr: up\n"
      "      - record: ok\n        expr: '('\n  - name: g\n");
  EXPECT_TRUE(Has(e, "rule 1, \"a b\": invalid recording rule name"));
  EXPECT_TRUE(Has(e, "rule 2, \"ok\": could not parse expression"));
  EXPECT_TRUE(Has(e, "groupname: \"g\" is repeated"));
  EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 2);
}

TEST(RuleFile, DuplicateRulesAreAWarning) {
  auto f = ParseRuleFile(
      "groups:\n  - name: a\n    rules:\n      - record: x\n        expr: up\n"
      "  - name: b\n    rules:\n      - record: x\n        expr: up + 1\n      - record: y\n        expr: "
      "up\n",
      "d.yml");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->warnings.size(), 1u);
  EXPECT_TRUE(Has(f->warnings[0], "lint error 1 duplicate rule(s) found.\nMetric: x\nLabel(s):"));
}

TEST(RuleFile, LoadsFromDisk) {
  auto f = LoadRuleFile(std::string(RULES_TESTDATA) + "/alerts.yml");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(CountRules(*f), 4u);
  EXPECT_FALSE(LoadRuleFile(std::string(RULES_TESTDATA) + "/no-such-file.yml").ok());
}

}  // namespace
}  // namespace overtone::rules
