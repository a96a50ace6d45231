// A group's evaluation: recorded series, staleness markers, limit, rule
// errors, rule order within the group, and the aligned schedule.

#include "adapters/rules/group_evaluator.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/adapters/rules/fake_query.h"

namespace overtone::rules {
namespace {

class GroupEvaluatorTest : public ::testing::Test {
 protected:
  void Load(const std::string& yaml) {
    auto f = ParseRuleFile(yaml, "g.yml");
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    group_ = std::make_unique<GroupEvaluator>(std::move(f->groups[0]), &context_, kMinute);
  }
  // One evaluation; the samples in the order the sink got them, and how
  // many times it was called.
  std::vector<OutputSample> Eval(int64_t t, int* batches = nullptr) {
    std::vector<OutputSample> all;
    int n = 0;
    group_->Evaluate(t, query_.Func(), [&](const std::vector<OutputSample>& s) {
      ++n;
      all.insert(all.end(), s.begin(), s.end());
    });
    if (batches) *batches = n;
    return all;
  }

  EvalContext context_;
  FakeQuery query_;
  std::unique_ptr<GroupEvaluator> group_;
};

TEST_F(GroupEvaluatorTest, RecordingRuleNamesAndLabelsItsSeries) {
  Load(
      "groups:\n  - name: g\n    rules:\n      - record: job:x:sum\n        expr: sum by (job) (x)\n"
      "        labels: {job: overridden, team: a}\n      - record: y\n        expr: '1'\n");
  query_.Set("sum by (job) (x)", 0, {{{{"job", "a"}}, 3}});
  query_.Set("1", 0, {{{}, 1}});
  int batches = 0;
  std::vector<OutputSample> out = Eval(5 * kMinute, &batches);
  EXPECT_EQ(batches, 1);  // `1` reads nothing job:x:sum wrote: one write, in rule order
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].labels, (Labels{{"__name__", "job:x:sum"}, {"job", "overridden"}, {"team", "a"}}));
  EXPECT_EQ(out[0].value, 3);
  EXPECT_EQ(out[0].ts_ms, 5 * kMinute);
  EXPECT_EQ(out[1].labels, (Labels{{"__name__", "y"}}));
  EXPECT_EQ(group_->status(0).last_evaluation_ms, 5 * kMinute);
  EXPECT_EQ(group_->status(0).last_error, "");
  EXPECT_EQ(group_->alerting(0), nullptr);
}

// A rule that may read what an earlier rule recorded (by its metric name,
// or by a selector without one) runs after those samples are written.
TEST_F(GroupEvaluatorTest, SamplesAreWrittenBeforeARuleThatMayReadThem) {
  Load(
      "groups:\n  - name: g\n    rules:\n"
      "      - record: a\n        expr: x\n"
      "      - record: b\n        expr: y\n"
      "      - record: c\n        expr: a * 2\n"  // reads a: a and b written first
      "      - record: d\n        expr: 'sum(rate(z[5m]))'\n"
      "      - record: e\n        expr: '{job=\"j\"}'\n"  // any name: c and d first
      "      - alert: F\n        expr: 'x > 0'\n"
      "      - record: g\n        expr: 'count(ALERTS)'\n");  // reads the alert's ALERTS
  for (const char* e : {"x", "y", "a * 2", "sum(rate(z[5m]))", "{job=\"j\"}", "x > 0", "count(ALERTS)"}) {
    query_.Set(e, 0, {{{{"job", "j"}}, 1}});
  }
  std::vector<size_t> sizes;
  group_->Evaluate(kMinute, query_.Func(),
                   [&](const std::vector<OutputSample>& s) { sizes.push_back(s.size()); });
  // Written in four calls: a b, c d, e and the alert's series, g.
  ASSERT_EQ(sizes.size(), 4u);
  EXPECT_EQ(sizes[0], 2u);
  EXPECT_EQ(sizes[1], 2u);
  EXPECT_EQ(sizes[3], 1u);
}

TEST_F(GroupEvaluatorTest, VanishedSeriesGetStalenessMarkers) {
  Load("groups:\n  - name: g\n    rules:\n      - record: r\n        expr: x\n");
  query_.Set("x", 0, {{{{"i", "1"}}, 1}, {{{"i", "2"}}, 2}});
  query_.Set("x", kMinute, {{{{"i", "1"}}, 1}});
  Eval(0);
  std::vector<OutputSample> out = Eval(kMinute);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].labels, (Labels{{"__name__", "r"}, {"i", "2"}}));
  EXPECT_TRUE(IsStaleNaN(out[1].value));
  EXPECT_EQ(out[1].ts_ms, kMinute);
  EXPECT_EQ(Eval(2 * kMinute).size(), 1u);  // marked once only
}

TEST_F(GroupEvaluatorTest, AlertsSeriesGoStaleWhenTheAlertEnds) {
  Load("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x\n");
  query_.Set("x", 0, {{{{"i", "1"}}, 1}});
  query_.Set("x", kMinute, {});
  EXPECT_EQ(Eval(0).size(), 2u);
  std::vector<OutputSample> out = Eval(kMinute);
  ASSERT_EQ(out.size(), 2u);
  for (const OutputSample& s : out) EXPECT_TRUE(IsStaleNaN(s.value));
}

TEST_F(GroupEvaluatorTest, ErrorsAndLimit) {
  Load(
      "groups:\n  - name: g\n    limit: 1\n    rules:\n      - record: r\n        expr: x\n"
      "      - record: s\n        expr: y\n");
  query_.Set("x", 0, {{{{"i", "1"}}, 1}, {{{"i", "2"}}, 2}});
  query_.Set("y", 0, {{{{"i", "1"}}, 1}});
  std::vector<OutputSample> out = Eval(0);
  EXPECT_EQ(group_->status(0).last_error, "exceeded limit of 1 with 2 series");
  ASSERT_EQ(out.size(), 1u);  // the other rule still runs
  EXPECT_EQ(GetLabel(out[0].labels, "__name__"), "s");

  query_.Fail("y", kMinute);
  out = Eval(kMinute);
  EXPECT_EQ(group_->status(1).last_error, "query failed");
  EXPECT_TRUE(out.empty());  // a failing rule marks nothing stale
  query_.Set("x", 2 * kMinute, {{{{"i", "1"}}, 1}});
  Eval(2 * kMinute);
  EXPECT_EQ(group_->status(0).last_error, "");
}

TEST_F(GroupEvaluatorTest, DuplicateSeriesAfterLabels) {
  Load("groups:\n  - name: g\n    rules:\n      - record: r\n        expr: x\n        labels: {i: same}\n");
  query_.Set("x", 0, {{{{"i", "1"}}, 1}, {{{"i", "2"}}, 2}});
  EXPECT_TRUE(Eval(0).empty());
  EXPECT_EQ(group_->status(0).last_error,
            "vector contains metrics with the same labelset after applying rule labels");
}

TEST_F(GroupEvaluatorTest, QueryOffsetShiftsQueryAndSamples) {
  Load("groups:\n  - name: g\n    query_offset: 30s\n    rules:\n      - record: r\n        expr: x\n");
  query_.Set("x", 0, {{{{"i", "1"}}, 1}});
  std::vector<OutputSample> out = Eval(kMinute);
  ASSERT_EQ(query_.calls.size(), 1u);
  EXPECT_EQ(query_.calls[0].second, 30000);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].ts_ms, 30000);
}

TEST(GroupSchedule, AlignedSlotsOffsetByTheGroupsHash) {
  const int64_t interval = 60'000'000'000;  // 1m in ns
  int64_t now = 1'700'000'000'123'456'789;
  int64_t t = GroupEvalTimestampNs("g", "rules.yml", interval, now);
  EXPECT_LE(t, now);
  EXPECT_GT(t, now - interval);
  // Every "now" in the group's slot gives the same time; the next slot is one interval later.
  EXPECT_EQ(GroupEvalTimestampNs("g", "rules.yml", interval, t), t);
  EXPECT_EQ(GroupEvalTimestampNs("g", "rules.yml", interval, t + interval - 1), t);
  EXPECT_EQ(GroupEvalTimestampNs("g", "rules.yml", interval, t + interval), t + interval);
  // The offset in the interval depends on the name and the file.
  std::set<int64_t> offsets;
  for (const char* name : {"a", "b", "c", "d"}) {
    offsets.insert(GroupEvalTimestampNs(name, "rules.yml", interval, now) % interval);
  }
  offsets.insert(GroupEvalTimestampNs("a", "other.yml", interval, now) % interval);
  EXPECT_EQ(offsets.size(), 5u);
}

}  // namespace
}  // namespace overtone::rules
