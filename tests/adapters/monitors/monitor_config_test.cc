// The monitors file: what it takes, and that each mistake is refused with
// the file, the line, the monitor (index and name) and the reason.

#include "adapters/monitors/monitor_config.h"

#include <gtest/gtest.h>

#include <string>

namespace overtone::adapters {
namespace {

TEST(MonitorConfigTest, ReadsEveryKindOfOutput) {
  auto specs = ParseMonitors(R"(monitors:
  - name: bytes_per_codec
    every: 1m
    sql: SELECT 'segment_bytes' AS metric, codec, sum(bytes) AS value FROM segments GROUP BY codec
    output: samples
  - name: report
    every: 30s
    timeout: 5s
    sql: |
      SELECT codec, count(*) AS n
        FROM segments GROUP BY codec
    output: loki http://127.0.0.1:3100
    labels: {job: overtone, env: test}
  - name: hook
    every: 2h
    sql: SELECT 1 AS one
    output: webhook http://127.0.0.1:8080/rows
)",
                             "m.yml");
  ASSERT_TRUE(specs.ok()) << specs.status().ToString();
  ASSERT_EQ(specs->size(), 3u);
  const MonitorSpec& a = (*specs)[0];
  EXPECT_EQ(a.name, "bytes_per_codec");
  EXPECT_EQ(a.every_ms, 60000);
  EXPECT_EQ(a.timeout_ms, 30000);  // every, at most 30 s
  EXPECT_EQ(a.output, MonitorOutput::kSamples);
  EXPECT_EQ(a.output_text, "samples");
  const MonitorSpec& b = (*specs)[1];
  EXPECT_EQ(b.every_ms, 30000);
  EXPECT_EQ(b.timeout_ms, 5000);
  EXPECT_EQ(b.sql, "SELECT codec, count(*) AS n\n  FROM segments GROUP BY codec\n");
  EXPECT_EQ(b.output, MonitorOutput::kLoki);
  EXPECT_EQ(b.url, "http://127.0.0.1:3100");
  EXPECT_EQ(b.labels, (Labels{{"env", "test"}, {"job", "overtone"}}));
  const MonitorSpec& c = (*specs)[2];
  EXPECT_EQ(c.output, MonitorOutput::kWebhook);
  EXPECT_EQ(c.url, "http://127.0.0.1:8080/rows");
  EXPECT_EQ(c.every, "2h");
  EXPECT_EQ(c.output_text, "webhook http://127.0.0.1:8080/rows");
}

TEST(MonitorConfigTest, EmptyListIsFine) {
  auto specs = ParseMonitors("monitors: []\n", "m.yml");
  ASSERT_TRUE(specs.ok());
  EXPECT_TRUE(specs->empty());
}

// The error for a file whose second monitor (index 1) has `field: value`
// in place of a good line.
std::string ErrorFor(const std::string& second) {
  std::string text =
      "monitors:\n  - name: ok\n    every: 1m\n    sql: SELECT 1\n    output: samples\n" + second;
  auto specs = ParseMonitors(text, "m.yml");
  return specs.ok() ? "(accepted)" : specs.status().message();
}

TEST(MonitorConfigTest, MistakesNameFileLineMonitorAndReason) {
  const std::string base = "  - name: second\n    every: 1m\n    sql: SELECT 1\n";
  EXPECT_EQ(ErrorFor(base), "m.yml:6: monitor 1 (second): missing `output`");
  EXPECT_EQ(
      ErrorFor(base + "    output: kafka x\n"),
      "m.yml:9: monitor 1 (second): `output` must be `samples`, `loki URL` or `webhook URL`, not `kafka x`");
  EXPECT_EQ(ErrorFor(base + "    output: loki\n"),
            "m.yml:9: monitor 1 (second): `output: loki` takes one URL");
  EXPECT_EQ(ErrorFor(base + "    output: webhook https://x/\n"),
            "m.yml:9: monitor 1 (second): https is not supported (https://x/); use http://");
  EXPECT_EQ(ErrorFor(base + "    output: samples\n    labels: {a: b}\n"),
            "m.yml:10: monitor 1 (second): `labels` is for `output: loki` only");
  EXPECT_EQ(ErrorFor(base + "    output: samples\n    evry: 1m\n"),
            "m.yml:10: monitor 1 (second): unknown field `evry` (fields: name, every, timeout, sql, output, "
            "labels)");
  EXPECT_EQ(
      ErrorFor("  - name: second\n    every: soon\n    sql: SELECT 1\n    output: samples\n").substr(0, 38),
      "m.yml:7: monitor 1 (second): `every`: ");
  EXPECT_EQ(ErrorFor("  - every: 1m\n    sql: SELECT 1\n    output: samples\n"),
            "m.yml:6: monitor 1: missing `name`");
  EXPECT_EQ(ErrorFor("  - name: ok\n    every: 1m\n    sql: SELECT 1\n    output: samples\n"),
            "m.yml:6: monitor 1 (ok): the name is already used by another monitor");
  EXPECT_EQ(ErrorFor("  - name: bad name\n    every: 1m\n    sql: SELECT 1\n    output: samples\n"),
            "m.yml:6: monitor 1: name `bad name` must match [a-zA-Z_][a-zA-Z0-9_]*");
  EXPECT_EQ(ErrorFor("  - name: second\n    every: 1m\n    sql: '  '\n    output: samples\n"),
            "m.yml:8: monitor 1 (second): `sql` is empty");
  EXPECT_EQ(ErrorFor("  - just text\n"), "m.yml:6: monitor 1: a monitor is a map (name, every, sql, output)");
}

TEST(MonitorConfigTest, FileLevelMistakes) {
  EXPECT_EQ(ParseMonitors("- name: x\n", "m.yml").status().message(),
            "m.yml: expected a map with the key `monitors` (a list of monitors)");
  EXPECT_EQ(ParseMonitors("monitors: {}\n", "m.yml").status().message(),
            "m.yml:1: `monitors` must be a list");
  EXPECT_EQ(ParseMonitors("monitors: []\ngroups: []\n", "m.yml").status().message(),
            "m.yml:2: unknown field `groups` (the file has one: monitors)");
  Status s = ParseMonitors("monitors:\n  - name: [unclosed\n", "m.yml").status();
  EXPECT_EQ(s.message().substr(0, 7), "m.yml:3") << s.ToString();
  EXPECT_EQ(LoadMonitors("/nonexistent/m.yml").status().message(),
            "cannot read the monitors file /nonexistent/m.yml");
}

}  // namespace
}  // namespace overtone::adapters
