// vector_aggregate(): PromQL's aggregation operators over a packed input,
// by example (grouping, drop_name, NaN, topk ties), and on random inputs
// against the GROUP BY and row_number() SQL the PromQL translation used
// before it.

#include "sql/vector_aggregate.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "sql/labelset_json.h"
#include "sql/promql_functions.h"
#include "sql/statement.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"
#include "tests/sql/memory_connection.h"
#include "tests/sql/vector_operand_lines.h"

namespace overtone::sql {
namespace {

const double kNaN = std::nan("");

struct InSeries {
  std::string labels;
  bool drop_name;
  std::vector<std::pair<int64_t, double>> points;
};

VectorOperand Input(const std::vector<InSeries>& series) {
  VectorOperand v;
  for (const InSeries& s : series) {
    v.series.push_back({s.labels, s.drop_name});
    for (const auto& [ts, value] : s.points) {
      v.points.push_back({static_cast<uint32_t>(v.series.size() - 1), ts, value});
    }
  }
  return v;
}

AggregateSpec Spec(AggregateKind kind, bool without, std::vector<std::string> labels, int64_t k = 0) {
  AggregateSpec s;
  s.kind = kind;
  s.without = without;
  s.labels = std::move(labels);
  s.k = k;
  return s;
}

const std::vector<InSeries> kFleet = {
    {R"({"__name__":"cpu","host":"a","role":"db"})", false, {{0, 1}, {10, 2}}},
    {R"({"__name__":"cpu","host":"b","role":"db"})", true, {{0, 3}, {20, 5}}},
    {R"({"__name__":"cpu","host":"c","role":"web"})", false, {{0, 10}, {10, kNaN}}},
};

TEST(VectorAggregateTest, SumByKeepsTheLabelsNamedAndOrsDropName) {
  auto out = AggregateVector(Spec(AggregateKind::kSum, false, {"role"}), Input(kFleet));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Lines(*out), (std::vector<std::string>{R"({"role":"db"}(drop)@0=4)",
                                                   R"({"role":"db"}(drop)@20=5)", R"({"role":"db"}@10=2)",
                                                   R"({"role":"web"}@0=10)", R"({"role":"web"}@10=nan)"}));
}

TEST(VectorAggregateTest, WithoutDropsTheNameAndTheLabelsNamed) {
  auto out = AggregateVector(Spec(AggregateKind::kCount, true, {"host"}), Input(kFleet));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Lines(*out), (std::vector<std::string>{R"({"role":"db"}(drop)@0=2)",
                                                   R"({"role":"db"}(drop)@20=1)", R"({"role":"db"}@10=1)",
                                                   R"({"role":"web"}@0=1)", R"({"role":"web"}@10=1)"}));
}

TEST(VectorAggregateTest, MinAndMaxSkipNaNUnlessAllAreNaN) {
  std::vector<InSeries> in = {{R"({"i":"1"})", false, {{0, kNaN}, {10, kNaN}}},
                              {R"({"i":"2"})", false, {{0, 4}, {10, kNaN}}},
                              {R"({"i":"3"})", false, {{0, 2}}}};
  auto min = AggregateVector(Spec(AggregateKind::kMin, false, {}), Input(in));
  auto max = AggregateVector(Spec(AggregateKind::kMax, false, {}), Input(in));
  ASSERT_TRUE(min.ok() && max.ok());
  EXPECT_EQ(Lines(*min), (std::vector<std::string>{"{}@0=2", "{}@10=nan"}));
  EXPECT_EQ(Lines(*max), (std::vector<std::string>{"{}@0=4", "{}@10=nan"}));
}

TEST(VectorAggregateTest, TopkKeepsSeriesRanksNaNLastAndTiesInInputOrder) {
  std::vector<InSeries> in = {{R"({"i":"1"})", true, {{0, kNaN}}},
                              {R"({"i":"2"})", false, {{0, 5}}},
                              {R"({"i":"3"})", false, {{0, 5}}},
                              {R"({"i":"4"})", false, {{0, 1}}}};
  auto top = AggregateVector(Spec(AggregateKind::kTopk, false, {}, 1), Input(in));
  auto bottom = AggregateVector(Spec(AggregateKind::kBottomk, false, {}, 3), Input(in));
  auto none = AggregateVector(Spec(AggregateKind::kTopk, false, {}, 0), Input(in));
  auto all = AggregateVector(Spec(AggregateKind::kTopk, false, {}, 9), Input(in));
  ASSERT_TRUE(top.ok() && bottom.ok() && none.ok() && all.ok());
  EXPECT_EQ(Lines(*top), (std::vector<std::string>{R"({"i":"2"}@0=5)"}));
  EXPECT_EQ(Lines(*bottom),
            (std::vector<std::string>{R"({"i":"2"}@0=5)", R"({"i":"3"}@0=5)", R"({"i":"4"}@0=1)"}));
  EXPECT_TRUE(none->points.empty());
  EXPECT_EQ(all->points.size(), 4u);
  EXPECT_EQ(Lines(*all).front(), R"({"i":"1"}(drop)@0=nan)");
}

// Group keys are cut out of canonical JSON text and made by parsing any
// other text: the same label sets group alike either way.
TEST(VectorAggregateTest, NonCanonicalLabelsetsGroupAsTheirCanonicalText) {
  std::vector<InSeries> other = {
      {R"({ "role":"db", "host":"a", "__name__":"cpu" })", false, {{0, 1}, {10, 2}}},
      {R"({"__name__":"cpu","host":"b","role":"\u0064b","x":""})", true, {{0, 3}, {20, 5}}},
      {R"({"__name__":"cpu","host":"c","role":"web"})", false, {{0, 10}, {10, kNaN}}},
  };
  for (const AggregateSpec& spec :
       {Spec(AggregateKind::kSum, false, {"role"}), Spec(AggregateKind::kCount, true, {"host"}),
        Spec(AggregateKind::kMax, false, {}), Spec(AggregateKind::kTopk, false, {"role"}, 1)}) {
    auto want = AggregateVector(spec, Input(kFleet));
    auto got = AggregateVector(spec, Input(other));
    ASSERT_TRUE(want.ok() && got.ok());
    if (spec.kind == AggregateKind::kTopk) {
      // topk keeps each series' own label set: compare the values only.
      ASSERT_EQ(got->points.size(), want->points.size());
      continue;
    }
    EXPECT_EQ(Lines(*got), Lines(*want));
  }
}

// topk and bottomk keep the k first as a stable sort by value would, ties
// in input order, whatever k.
TEST(VectorAggregateTest, RankingKeepsTheStableSortsFirstK) {
  std::vector<InSeries> in;
  const double values[] = {3, 1, 3, kNaN, 2, 3, 1, kNaN, 2, 3};
  for (size_t i = 0; i < std::size(values); ++i) {
    in.push_back({R"({"i":")" + std::to_string(i) + R"("})", false, {{0, values[i]}}});
  }
  for (bool top : {true, false}) {
    std::vector<size_t> order(std::size(values));
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      double x = values[a], y = values[b];
      if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
      return top ? x > y : x < y;
    });
    for (int64_t k = 1; k <= 10; ++k) {
      auto out = AggregateVector(Spec(top ? AggregateKind::kTopk : AggregateKind::kBottomk, false, {}, k),
                                 Input(in));
      ASSERT_TRUE(out.ok());
      std::vector<std::string> want;
      for (int64_t j = 0; j < k; ++j) want.push_back(in[order[static_cast<size_t>(j)]].labels);
      std::vector<std::string> got;
      for (const auto& p : out->points) got.push_back(out->series[p.series].labelset);
      EXPECT_EQ(got, want) << "k " << k << (top ? " topk" : " bottomk");
    }
  }
}

// StepFold folds each series' points as they come: the same series, in the
// same order, with the same bits as AggregateVector over all the points.
TEST(VectorAggregateTest, StepFoldGivesWhatAggregateVectorGives) {
  std::mt19937_64 rng(11);
  const char* const hosts[] = {"a", "b", "c", "d", "e", "f"};
  const char* const roles[] = {"db", "web", "lb"};
  for (int round = 0; round < 20; ++round) {
    const int64_t start = 1000, step = 10;
    const size_t num_steps = 12;
    std::vector<InSeries> in;
    for (const char* host : hosts) {
      InSeries s{
          std::string(R"({"__name__":"cpu","host":")") + host + R"(","role":")" + roles[rng() % 3] + R"("})",
          round % 2 == 0,
          {}};
      for (size_t i = 0; i < num_steps; ++i) {
        if (rng() % 3 == 0) continue;
        double v = rng() % 7 == 0 ? kNaN : static_cast<double>(rng() % 1000) / 7;
        s.points.emplace_back(start + static_cast<int64_t>(i) * step, v);
      }
      in.push_back(std::move(s));
    }
    for (AggregateKind kind :
         {AggregateKind::kSum, AggregateKind::kAvg, AggregateKind::kMin, AggregateKind::kMax,
          AggregateKind::kCount, AggregateKind::kGroup, AggregateKind::kStddev, AggregateKind::kStdvar}) {
      for (bool without : {false, true}) {
        SCOPED_TRACE(std::to_string(round) + " " + std::to_string(static_cast<int>(kind)) + " " +
                     std::to_string(without));
        AggregateSpec spec = Spec(kind, without, {"role"});
        auto want = AggregateVector(spec, Input(in));
        ASSERT_TRUE(want.ok());
        StepFold fold(spec, start, step, num_steps, round % 2 == 0);
        for (const InSeries& s : in) {
          auto labels = ParseLabelsetJson(s.labels);
          ASSERT_TRUE(labels.ok());
          fold.StartSeries(*labels);
          for (const auto& [ts, v] : s.points) ASSERT_TRUE(fold.Add(ts, v).ok());
        }
        VectorOperand got = fold.Finish();
        ASSERT_EQ(got.series.size(), want->series.size());
        for (size_t i = 0; i < got.series.size(); ++i) {
          EXPECT_EQ(got.series[i].labelset, want->series[i].labelset);
          EXPECT_EQ(got.series[i].drop_name, want->series[i].drop_name);
        }
        ASSERT_EQ(got.points.size(), want->points.size());
        for (size_t i = 0; i < got.points.size(); ++i) {
          EXPECT_EQ(got.points[i].series, want->points[i].series);
          EXPECT_EQ(got.points[i].ts, want->points[i].ts);
          EXPECT_EQ(std::bit_cast<uint64_t>(got.points[i].value),
                    std::bit_cast<uint64_t>(want->points[i].value));
        }
      }
    }
  }
  StepFold fold(Spec(AggregateKind::kSum, false, {}), 0, 10, 3, false);
  fold.StartSeries({});
  EXPECT_TRUE(fold.Add(5, 1).IsInvalidArgument());
  EXPECT_TRUE(fold.Add(30, 1).IsInvalidArgument());
  EXPECT_TRUE(fold.Add(20, 1).ok());
}

TEST(VectorAggregateTest, BadInputIsAnError) {
  EXPECT_FALSE(ParseAggregateKind("median").ok());
  VectorOperand in = Input({{"not json", false, {{0, 1}}}});
  EXPECT_FALSE(AggregateVector(Spec(AggregateKind::kSum, false, {}), in).ok());
  VectorOperand orphan;
  orphan.points.push_back({3, 0, 1});
  EXPECT_FALSE(AggregateVector(Spec(AggregateKind::kSum, false, {}), orphan).ok());
}

class VectorAggregateSqlTest : public MemoryConnectionTest {
 protected:
  void SetUp() override {
    MemoryConnectionTest::SetUp();
    ASSERT_TRUE(RegisterPromqlFunctions(conn_).ok());
    ASSERT_TRUE(RegisterVectorPack(conn_).ok());
    ASSERT_EQ(sqlite3_create_module_v2(conn_, "vector_aggregate", VectorAggregateModule(),
                                       new ModuleContext{nullptr, nullptr},
                                       [](void* p) { delete static_cast<ModuleContext*>(p); }),
              SQLITE_OK);
  }

  void Exec(const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(conn_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(conn_);
  }

  // The rows of a query as sorted lines of its first four columns.
  std::vector<std::string> Rows(const std::string& sql) {
    std::vector<std::string> out;
    auto st = Statement::Prepare(conn_, sql);
    if (!st.ok()) {
      ADD_FAILURE() << st.status().ToString() << "\n" << sql;
      return out;
    }
    int rc;
    while ((rc = st->Step()) == SQLITE_ROW) {
      std::string line;
      sqlite3_stmt* s = st->get();
      for (int c = 0; c < 4; ++c) {
        if (sqlite3_column_type(s, c) == SQLITE_NULL) {
          line += "NaN|";
        } else if (c == 3) {
          char buf[64];
          std::snprintf(buf, sizeof buf, "%.17g|", sqlite3_column_double(s, c));
          line += buf;
        } else {
          line += reinterpret_cast<const char*>(sqlite3_column_text(s, c)) + std::string("|");
        }
      }
      out.push_back(line);
    }
    EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(conn_) << "\n" << sql;
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(VectorAggregateSqlTest, AgreesWithGroupByAndRowNumberOnRandomInputs) {
  std::mt19937 rng(20261205);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  // Values whose sums are exact, so that the fold's order cannot show.
  const double values[] = {0, 1, 2, -1.5, 3, 0.25, kNaN};
  const char* names[] = {"job", "i", "env"};
  const char* ops[] = {"sum",    "avg",    "min",  "max",     "count",   "group",
                       "stddev", "stdvar", "topk", "bottomk", "quantile"};
  const char* quantiles[] = {"0.3", "0.0", "1.0", "0.75", "-1.0", "2.0"};
  const char* old_fn[] = {"prom_sum(value)",    "prom_avg(value)",        "min(value)",
                          "max(value)",         "CAST(count(*) AS REAL)", "1.0",
                          "prom_stddev(value)", "prom_stdvar(value)"};
  for (int trial = 0; trial < 300; ++trial) {
    Exec(
        "DROP TABLE IF EXISTS input; CREATE TABLE input(labelset TEXT, drop_name INTEGER, ts INTEGER, value "
        "REAL);");
    int series = 1 + pick(8);
    for (int s = 0; s < series; ++s) {
      std::string labels = std::string("{\"__name__\":\"") + (pick(2) ? "a" : "b") + "\"";
      if (pick(3)) labels += ",\"env\":\"" + std::string(pick(2) ? "p" : "q") + "\"";
      labels += ",\"i\":\"" + std::to_string(s) + "\",\"job\":\"" + (pick(2) ? "x" : "y") + "\"}";
      int drop = pick(4) == 0 ? 1 : 0;
      for (int ts = 0; ts < 50; ts += 10) {
        if (pick(4) == 0) continue;
        double v = values[pick(7)];
        Exec("INSERT INTO input VALUES ('" + labels + "', " + std::to_string(drop) + ", " +
             std::to_string(ts) + ", " + (std::isnan(v) ? std::string("NULL") : std::to_string(v)) + ")");
      }
    }
    int op = pick(11);
    bool without = pick(2) == 0;
    std::vector<std::string> grouping;
    for (const char* n : names) {
      if (pick(2)) grouping.push_back(n);
    }
    std::string list, args;
    for (const auto& n : grouping) {
      list += (list.empty() ? "" : ",") + n;
      args += ", '" + n + "'";
    }
    std::string key = without ? "labels_drop(labelset, '__name__'" + args + ")"
                              : (grouping.empty() ? "'{}'" : "labels_keep(labelset" + args + ")");
    int k = pick(4);
    // quantile's q in the place of k.
    std::string k_arg = op == 10 ? quantiles[pick(6)] : std::to_string(k);
    std::string call = "SELECT labelset, drop_name, ts, value FROM vector_aggregate('" +
                       std::string(ops[op]) + "', '" + (without ? "without" : "by") + "', '" + list + "', " +
                       k_arg + ", (SELECT prom_vector(labelset, drop_name, ts, value) FROM input))";
    SCOPED_TRACE(call);
    if (op < 8 || op == 10) {
      std::string fn = op == 10 ? "prom_quantile(" + k_arg + ", value)" : old_fn[op];
      EXPECT_EQ(Rows(call), Rows("SELECT " + key + ", max(drop_name), ts, " + fn + " FROM input GROUP BY " +
                                 key + ", ts"));
    } else {
      // Ties may pick different series: compare each kept value with its
      // group and step.
      std::string ranked = "SELECT " + key +
                           " AS k, 0, ts, value FROM (SELECT *, row_number() OVER (PARTITION BY ts, " + key +
                           " ORDER BY value IS NULL, value " + (op == 8 ? "DESC" : "ASC") +
                           ") AS rank FROM input) WHERE rank <= " + std::to_string(k);
      EXPECT_EQ(Rows("SELECT " + key + ", 0, ts, value FROM (" + call + ")"), Rows(ranked));
    }
  }
}

}  // namespace
}  // namespace overtone::sql
