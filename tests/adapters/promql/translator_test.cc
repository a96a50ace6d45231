// The translator: golden SQL for a few queries (the plan shape is part of
// the interface: docs/PROMQL.md shows it), and the unsupported subset.

#include "adapters/promql/translator.h"

#include <gtest/gtest.h>

#include <cmath>

#include "adapters/promql/parser.h"
#include "adapters/promql/query.h"

namespace overtone::promql {
namespace {

// q translated over r; a query that does not parse or translate fails the
// test and gives an empty Translation.
Translation TranslateOver(std::string_view q, const EvalRange& r) {
  auto e = ParseExpr(q);
  EXPECT_TRUE(e.ok()) << q << ": " << e.status().ToString();
  if (!e.ok()) return Translation{};
  auto t = Translate(**e, r);
  EXPECT_TRUE(t.ok()) << q << ": " << t.status().ToString();
  return t.ok() ? std::move(*t) : Translation{};
}

EvalRange Range(int64_t start, int64_t end, int64_t step) {
  EvalRange r;
  r.start = start;
  r.end = end;
  r.step = step;
  return r;
}

// Ten minutes at one-minute steps.
Translation TranslateTenMinutes(std::string_view q) { return TranslateOver(q, Range(0, 600000, 60000)); }

std::string Sql(std::string_view q, int64_t start = 1000, int64_t end = 1000, int64_t step = 1) {
  return TranslateOver(q, Range(start, end, step)).Sql();
}

TEST(TranslatorTest, RateSummedByJob) {
  // The aggregation of a range function: one call, the engine's points
  // straight into the fold.
  EXPECT_EQ(
      Sql("sum by (job) (rate(http_requests_total[5m]))", 0, 600000, 60000),
      "WITH\n"
      "sum1 AS (\n"
      "  SELECT labelset, drop_name, ts, value\n"
      "  FROM selector_aggregate('sum', 'by', 'job', 0, 'rate', ?1 /* {__name__=\"http_requests_total\"} */, "
      "0, 600000, 60000, 300000, 0, NULL))\n"
      "SELECT IIF(drop_name, labels_drop(labelset, '__name__'), labelset) AS labelset, ts, value\n"
      "FROM sum1");
  // Any other input: packed from its rows into vector_aggregate().
  std::string general = Sql("sum by (job) (rate(http_requests_total[5m]) * 2)", 0, 600000, 60000);
  EXPECT_NE(general.find("FROM vector_aggregate('sum', 'by', 'job', 0, (\n"
                         "    SELECT prom_vector(labelset, drop_name, ts, value)\n"
                         "    FROM mul2)))\n"),
            std::string::npos)
      << general;
  // A selector, `*_over_time` with its offset and parameter, topk with a
  // literal k; not `@`, nor a k or parameter that is not a literal.
  EXPECT_NE(Sql("max by (role) (mem offset 1m)")
                .find("selector_aggregate('max', 'by', 'role', 0, 'instant', ?1 "
                      "/* {__name__=\"mem\"} */, 1000, 1000, 1, 300000, 60000, NULL)"),
            std::string::npos);
  EXPECT_NE(
      Sql("topk(3, quantile_over_time(0.9, cpu[10m]))")
          .find("selector_aggregate('topk', 'by', '', 3, 'quantile_over_time', ?1 /* {__name__=\"cpu\"} */, "
                "1000, 1000, 1, 600000, 0, 0.9)"),
      std::string::npos);
  // quantile with a literal q: q in the place of k.
  EXPECT_NE(Sql("quantile by (role) (0.5, cpu)")
                .find("selector_aggregate('quantile', 'by', 'role', 0.5, 'instant', ?1 "
                      "/* {__name__=\"cpu\"} */, 1000, 1000, 1, 300000, 0, NULL)"),
            std::string::npos);
  for (const char* general :
       {"sum(cpu @ 100)", "topk(scalar(cpu), cpu)", "sum(quantile_over_time(scalar(x), cpu[1m]))",
        "sum(absent_over_time(cpu[1m]))", "quantile(scalar(x), cpu)", "quantile(NaN, cpu)"}) {
    EXPECT_EQ(Sql(general).find("selector_aggregate"), std::string::npos) << general;
  }
}

TEST(TranslatorTest, HistogramQuantileOfSummedRatesIsOneCall) {
  EXPECT_NE(
      Sql("histogram_quantile(0.99, sum by (le, role) (rate(lat_bucket[5m])))")
          .find("selector_aggregate('sum', 'by', 'le,role', 0, 'rate', ?1 /* {__name__=\"lat_bucket\"} */, "
                "1000, 1000, 1, 300000, 0, NULL, 0.99)"),
      std::string::npos);
  // The rates of buckets of one name: each bucket series its own group of
  // `sum without ()`.
  EXPECT_NE(
      Sql("histogram_quantile(0.9, rate(lat_bucket[5m]))")
          .find("selector_aggregate('sum', 'without', '', 0, 'rate', ?1 /* {__name__=\"lat_bucket\"} */, "
                "1000, 1000, 1, 300000, 0, NULL, 0.9)"),
      std::string::npos);
  // A q that is not a literal, or buckets that are not such an
  // aggregation or rates of one name: the GROUP BY over
  // prom_histogram_quantile().
  for (const char* general :
       {"histogram_quantile(scalar(q), sum by (le) (rate(lat_bucket[5m])))",
        "histogram_quantile(0.9, rate({__name__=~\"lat_bucket\"}[5m]))",
        "histogram_quantile(0.9, lat_bucket)", "histogram_quantile(0.9, deriv(lat_bucket[5m]))"}) {
    std::string sql = Sql(general);
    EXPECT_EQ(
        sql.find("selector_aggregate('sum', 'by', 'le', 0, 'rate', ?1 /* {__name__=\"lat_bucket\"} */, 0, 0, "
                 "1000, 300000, 0, NULL, "),
        std::string::npos)
        << general;
    EXPECT_NE(sql.find("prom_histogram_quantile("), std::string::npos) << general;
  }
}

TEST(TranslatorTest, OverTimeUsesTheOverTimeFunction) {
  std::string sql = Sql("sort(avg_over_time(cpu{host=\"a\"}[10m] offset 1m))");
  EXPECT_NE(sql.find("avg1 AS (\n"
                     "  SELECT w.labelset, 1 AS drop_name, w.ts + 60000 AS ts, w.value\n"
                     "  FROM over_time('avg', ?1 /* {__name__=\"cpu\", host=\"a\"} */, -59000, -59000, 1, "
                     "600000) AS w)"),
            std::string::npos)
      << sql;
}

TEST(TranslatorTest, RootSourceIsOneRowPerSeries) {
  // A selector, range function or `*_over_time` function at the root: one
  // vector_series() call, a row per series with its points packed.
  EXPECT_EQ(Sql("avg_over_time(cpu{host=\"a\"}[10m] offset 1m)", 0, 600000, 60000),
            "SELECT labelset, points\n"
            "FROM vector_series('avg_over_time', ?1 /* {__name__=\"cpu\", host=\"a\"} */, 0, 600000, 60000, "
            "600000, 60000, NULL)");
  EXPECT_NE(
      Sql("up").find("vector_series('instant', ?1 /* {__name__=\"up\"} */, 1000, 1000, 1, 300000, 0, NULL)"),
      std::string::npos);
  EXPECT_NE(Sql("(predict_linear(x[5m], 60))").find("vector_series('predict_linear', ?1"), std::string::npos);
  // Anything else, `@`, a parameter that is not a literal, and the
  // functions the engine does not evaluate so: the rows of the plan.
  for (const char* other : {"timestamp(up)", "up * time()", "up @ 100", "rate(x[5m] @ 100)",
                            "quantile_over_time(scalar(q), x[5m])", "first_over_time(x[5m])",
                            "absent_over_time(x[5m])", "sort(up)", "x[5m]"}) {
    EXPECT_EQ(Sql(other).find("vector_series"), std::string::npos) << other;
  }
}

TEST(TranslatorTest, RootSourceWithNumberOperationsIsOneRowPerSeries) {
  const auto translate = TranslateTenMinutes;
  // A filter keeps the name: the series' rows as they are.
  Translation filter = translate("cpu_usage_percent > 90");
  EXPECT_TRUE(filter.packed_points);
  EXPECT_EQ(
      filter.Sql(),
      "SELECT labelset, points\n"
      "FROM vector_series('instant', ?1 /* {__name__=\"cpu_usage_percent\"} */, 0, 600000, 60000, 300000, "
      "0, NULL)");
  EXPECT_EQ(filter.point_operations, (std::vector<ScalarOperation>{{BinaryOp::kGtr, 90, false, false}}));
  // Arithmetic drops it, once per series; the number folded from literals.
  Translation scaled = translate("memory_bytes / 2^30");
  EXPECT_EQ(
      scaled.Sql(),
      "SELECT labels_drop(labelset, '__name__') AS labelset, points\n"
      "FROM vector_series('instant', ?1 /* {__name__=\"memory_bytes\"} */, 0, 600000, 60000, 300000, 0, "
      "NULL)");
  EXPECT_EQ(scaled.point_operations,
            (std::vector<ScalarOperation>{{BinaryOp::kDiv, 1073741824, false, false}}));
  // A chain, innermost first; the number on either side.
  Translation chain = translate("(100 * rate(x[5m])) > bool -(5)");
  EXPECT_NE(chain.Sql().find("labels_drop(labelset, '__name__') AS labelset, points\n"
                             "FROM vector_series('rate', ?1"),
            std::string::npos)
      << chain.Sql();
  EXPECT_EQ(chain.point_operations, (std::vector<ScalarOperation>{{BinaryOp::kMul, 100, true, false},
                                                                  {BinaryOp::kGtr, -5, false, true}}));
  Translation left = translate("90 < last_over_time(x[5m])");
  EXPECT_NE(left.Sql().find("SELECT labelset, points\nFROM vector_series('last_over_time', ?1"),
            std::string::npos)
      << left.Sql();
  EXPECT_EQ(left.point_operations, (std::vector<ScalarOperation>{{BinaryOp::kLss, 90, true, false}}));
  // A scalar that needs the step, or an input that is not a source: rows.
  for (const char* other : {"x > time()", "x * scalar(y)", "sum(x) > 5", "-sum(x) > 5"}) {
    Translation t = translate(other);
    EXPECT_FALSE(t.packed_points) << other;
    EXPECT_TRUE(t.point_operations.empty()) << other;
    EXPECT_EQ(t.Sql().find("vector_series"), std::string::npos) << other;
  }
}

// Functions of one value with numbers for their other arguments are
// operations on the packed points too; each drops the name. `-x` is not:
// SQL's 0 - x makes 0 of -0.
TEST(TranslatorTest, RootSourceUnderValueFunctionsIsOneRowPerSeries) {
  using Function = ScalarOperation::Function;
  const auto translate = TranslateTenMinutes;
  Translation t = translate("round(clamp_min(+sqrt(x), -(2)) / 1e6, 0.5) > 3");
  EXPECT_TRUE(t.packed_points);
  EXPECT_EQ(t.Sql().find("SELECT labels_drop(labelset, '__name__') AS labelset, points\n"
                         "FROM vector_series('instant', ?1"),
            0u)
      << t.Sql();
  ASSERT_EQ(t.point_operations.size(), 5u);
  EXPECT_EQ(t.point_operations[0].function, Function::kValue);
  EXPECT_EQ(t.point_operations[0].function_name, "sqrt");
  EXPECT_EQ(t.point_operations[1].function, Function::kClamp);
  EXPECT_EQ(t.point_operations[1].number, -2);
  EXPECT_EQ(t.point_operations[1].number2, INFINITY);
  EXPECT_EQ(t.point_operations[2].op, BinaryOp::kDiv);
  EXPECT_EQ(t.point_operations[3].function, Function::kRound);
  EXPECT_EQ(t.point_operations[3].number, 0.5);
  EXPECT_EQ(t.point_operations[4].op, BinaryOp::kGtr);
  EXPECT_EQ(t.Explain().substr(0, t.Explain().find('\n')),
            "-- applied to each point as the rows are unpacked, in order: sqrt(value), "
            "clamp(value, -2, +Inf), value / 1000000, round(value, 0.5), value > 3");
  EXPECT_EQ(translate("round(x)").point_operations[0].number, 1);
  Translation clamp = translate("clamp_max(rate(x[5m]), 7)");
  EXPECT_NE(clamp.Sql().find("FROM vector_series('rate', ?1"), std::string::npos) << clamp.Sql();
  EXPECT_EQ(clamp.point_operations[0].number, -INFINITY);
  EXPECT_EQ(clamp.point_operations[0].number2, 7);
  // Over vector matching and a function of a subquery, the same.
  EXPECT_EQ(translate("abs(x - y)").point_operations[0].function_name, "abs");
  EXPECT_EQ(translate("abs(x - y)")
                .Sql()
                .find("SELECT labels_drop(labelset, '__name__') AS labelset, points\n"
                      "FROM vector_match_series("),
            0u);
  EXPECT_NE(translate("ln(rate(x[5m:30s]))").Sql().find("FROM subquery_window_series("), std::string::npos);
  // A parameter that is no number, another function, or no packed source: rows.
  for (const char* other :
       {"round(x, scalar(y))", "clamp(x, 0, time())", "timestamp(x)", "abs(sum(x))",
        "sqrt(label_replace(x, \"a\", \"b\", \"c\", \"d\"))", "-x", "abs(-x)", "-sqrt(x)"}) {
    Translation o = translate(other);
    EXPECT_FALSE(o.packed_points) << other;
    EXPECT_TRUE(o.point_operations.empty()) << other;
  }
}

TEST(TranslatorTest, VectorMatchingIsOneCallOverBothOperandsPacked) {
  // Selectors (and range functions of them) come packed from the engine.
  EXPECT_EQ(
      Sql("sum(a / on(job) group_left(env, dc) b)"),
      "WITH\n"
      "div1 AS (\n"
      "  SELECT labelset, drop_name, ts, value\n"
      "  FROM vector_match('div', 0, 'many_to_one', 'on', 'job', 'env,dc', (\n"
      "    SELECT vector\n"
      "    FROM vector_source('instant', ?1 /* {__name__=\"a\"} */, 1000, 1000, 1, 300000, 0, NULL)), (\n"
      "    SELECT vector\n"
      "    FROM vector_source('instant', ?2 /* {__name__=\"b\"} */, 1000, 1000, 1, 300000, 0, NULL)))),\n"
      "sum2 AS (\n"
      "  SELECT labelset, drop_name, ts, value\n"
      "  FROM vector_aggregate('sum', 'by', '', 0, (\n"
      "    SELECT prom_vector(labelset, drop_name, ts, value)\n"
      "    FROM div1)))\n"
      "SELECT IIF(drop_name, labels_drop(labelset, '__name__'), labelset) AS labelset, ts, value\n"
      "FROM sum2");
  // Any other operand: packed from its rows.
  EXPECT_NE(Sql("sum((a * 2) / b)")
                .find("    SELECT prom_vector(labelset, drop_name, ts, value)\n    FROM mul2), (\n"
                      "    SELECT vector\n    FROM vector_source('instant', ?2"),
            std::string::npos)
      << Sql("sum((a * 2) / b)");
  std::string sql = Sql("a > bool ignoring(x) group_right b unless c");
  EXPECT_NE(sql.find("vector_match('gt', 1, 'one_to_many', 'ignoring', 'x', ''"), std::string::npos) << sql;
  EXPECT_NE(sql.find("vector_match_series('unless', 0, 'one_to_one', 'ignoring', '', ''"), std::string::npos)
      << sql;
}

// Vector matching at the root: a row per series, its points packed, the
// name dropped per series; operations with a number on top go to the
// caller as on a source at the root.
TEST(TranslatorTest, RootVectorMatchingIsOneRowPerSeries) {
  auto translate = [](std::string_view q) {
    EvalRange r = Range(1000, 1000, 1);
    r.instant = true;
    return TranslateOver(q, r);
  };
  Translation div = translate("a / on(job) group_left(env, dc) b");
  EXPECT_TRUE(div.packed_points);
  EXPECT_TRUE(div.point_operations.empty());
  EXPECT_EQ(div.Sql(),
            "SELECT IIF(drop_name, labels_drop(labelset, '__name__'), labelset) AS labelset, points\n"
            "FROM vector_match_series('div', 0, 'many_to_one', 'on', 'job', 'env,dc', (\n"
            "  SELECT vector\n"
            "  FROM vector_source('instant', ?1 /* {__name__=\"a\"} */, 1000, 1000, 1, 300000, 0, NULL)), (\n"
            "  SELECT vector\n"
            "  FROM vector_source('instant', ?2 /* {__name__=\"b\"} */, 1000, 1000, 1, 300000, 0, NULL)))");
  Translation ops = translate("100 * (x > bool x offset 1m) > 5");
  EXPECT_TRUE(ops.packed_points);
  EXPECT_EQ(ops.point_operations, (std::vector<ScalarOperation>{{BinaryOp::kMul, 100, true, false},
                                                                {BinaryOp::kGtr, 5, false, false}}));
  EXPECT_EQ(ops.Sql().find("SELECT labels_drop(labelset, '__name__') AS labelset, points\n"
                           "FROM vector_match_series('gt', 1, 'one_to_one', 'ignoring', '', '', ("),
            0u)
      << ops.Sql();
  Translation set = translate("(x and y) > 5");
  EXPECT_EQ(set.Sql().find("SELECT IIF(drop_name, labels_drop(labelset, '__name__'), labelset) AS labelset, "
                           "points\nFROM vector_match_series('and', "),
            0u)
      << set.Sql();
  for (const char* other : {"sort_desc(x / y)", "sum(x / y)", "timestamp(x / y)", "(x / y) * scalar(z)"}) {
    Translation t = translate(other);
    EXPECT_FALSE(t.packed_points) << other;
    EXPECT_EQ(t.Sql().find("vector_match_series"), std::string::npos) << other;
  }
}

TEST(TranslatorTest, ScalarsAreExpressionsOfTheStep) {
  EXPECT_EQ(Sql("time() * 2", 0, 2000, 1000),
            "WITH\n"
            "steps AS (\n"
            "  SELECT ts\n"
            "  FROM prom_steps(0, 2000, 1000))\n"
            "SELECT steps.ts, steps.ts / 1000.0 * 2.0 AS value\n"
            "FROM steps\n"
            "ORDER BY ts");
}

TEST(TranslatorTest, OutsideTheSubsetIsNotSupported) {
  for (const char* q : {"info(x)", "histogram_quantiles(x, \"q\", 0.5)"}) {
    auto e = ParseExpr(q);
    ASSERT_TRUE(e.ok()) << q;
    auto t = Translate(**e, EvalRange{});
    ASSERT_FALSE(t.ok()) << q;
    EXPECT_EQ(t.status().code(), Status::Code::kNotSupported) << q;
  }
}

TEST(TranslatorTest, SubqueriesEvaluateTheInnerExpressionAtTheirOwnSteps) {
  std::string sql = Sql("max_over_time(rate(x[1m])[5m:1m])", 600000, 600000);
  // Inner steps: the multiples of 1m after 600000 - 5m, up to 600000. The
  // outer steps (600000 only), the range, the offset, no params, the inner
  // points packed by the engine.
  // At the root, a row per series: subquery_window_series(), the name
  // dropped once per series.
  EXPECT_NE(sql.find("SELECT labels_drop(labelset, '__name__') AS labelset, points\n"
                     "FROM subquery_window_series('max', "),
            std::string::npos)
      << sql;
  EXPECT_NE(
      sql.find("subquery_window_series('max', 600000, 600000, 1, 300000, 0, 0.0, 0.0, (\n"
               "  SELECT vector\n"
               "  FROM vector_source('rate', ?1 /* {__name__=\"x\"} */, 360000, 600000, 60000, 60000, 0, "
               "NULL)))"),
      std::string::npos)
      << sql;
  // Any other inner expression: its rows packed.
  sql = Sql("max_over_time((rate(x[1m]) * 2)[5m:1m])", 600000, 600000);
  EXPECT_NE(sql.find("range_function('rate', ?1 /* {__name__=\"x\"} */, 360000, 600000, 60000, 60000)"),
            std::string::npos)
      << sql;
  EXPECT_NE(sql.find("subquery_window_series('max', 600000, 600000, 1, 300000, 0, 0.0, 0.0, (\n"
                     "  SELECT prom_vector(labelset, drop_name, ts, value)\n"
                     "  FROM mul"),
            std::string::npos)
      << sql;
  // A parameter that varies by step, or `@`: prom_window() per series and
  // step over the joined window.
  sql = Sql("quantile_over_time(scalar(x), rate(x[1m])[5m:1m] @ 100)", 600000, 600000);
  EXPECT_NE(sql.find("prom_window('quantile', i.ts, i.value, steps.ts, "), std::string::npos) << sql;
  // A scalar inside is evaluated at the inner steps, with steps of its own.
  std::string inner = Sql("sum_over_time(vector(time())[2m:1m])", 600000, 600000);
  EXPECT_NE(inner.find("substeps1 AS (\n  SELECT ts\n  FROM prom_steps(540000, 600000, 60000))"),
            std::string::npos)
      << inner;
}

// Where a function of a subquery is the root (maybe under operations with a
// number) its values come a series a row; anywhere else, or when one
// subquery_window() call cannot evaluate it, the rows as before.
TEST(TranslatorTest, RootSubqueryFunctionsComeASeriesARow) {
  for (const char* q :
       {"rate(x[5m:30s])", "(rate(x[5m:30s]))", "rate(x[5m:30s]) * 100 > bool 2",
        "quantile_over_time(0.9, x[5m:])", "quantile_over_time(-(1), x[5m:])",
        "predict_linear(x[5m:1m] offset 1m, 60)", "max_over_time(rate(x[1m] @ 100)[5m:1m])"}) {
    std::string sql = Sql(q, 600000, 1200000, 10000);
    EXPECT_NE(sql.find("FROM subquery_window_series("), std::string::npos) << q << "\n" << sql;
    EXPECT_EQ(sql.find("subquery_window("), std::string::npos) << q << "\n" << sql;
  }
  // Nested: the inner function of a subquery is no root.
  std::string sql = Sql("max_over_time(max_over_time(x[2m:10s])[5m:1m])", 600000, 1200000, 10000);
  EXPECT_NE(sql.find("FROM subquery_window_series('max', 600000, 1200000, 10000, 300000, "),
            std::string::npos)
      << sql;
  EXPECT_NE(sql.find("FROM subquery_window('max', 360000, 1200000, 60000, 120000, "), std::string::npos)
      << sql;
  // last_over_time and first_over_time keep the name where the input has it.
  sql = Sql("last_over_time(x[5m:1m])", 600000, 1200000, 10000);
  EXPECT_NE(
      sql.find("SELECT IIF(drop_name, labels_drop(labelset, '__name__'), labelset) AS labelset, points\n"
               "FROM subquery_window_series('last', "),
      std::string::npos)
      << sql;
  // Arithmetic drops it anyway; a comparison keeps it.
  sql = Sql("last_over_time(x[5m:1m]) * 2", 600000, 1200000, 10000);
  EXPECT_NE(sql.find("SELECT labels_drop(labelset, '__name__') AS labelset, points\n"), std::string::npos)
      << sql;
  sql = Sql("last_over_time(x[5m:1m]) > 2", 600000, 1200000, 10000);
  EXPECT_NE(sql.find("SELECT IIF(drop_name, "), std::string::npos) << sql;
  // Not at the root, `@` on the subquery, a parameter that is not a number
  // written out, absent_over_time: no row per series.
  for (const char* q : {"sum(rate(x[5m:30s]))", "rate(x[5m:30s]) + rate(y[5m:30s])", "rate(x[5m:30s] @ 100)",
                        "quantile_over_time(scalar(y), x[5m:1m])", "quantile_over_time(time(), x[5m:1m])",
                        "absent_over_time(x[5m:1m])", "sort(rate(x[5m:30s]))"}) {
    std::string other = Sql(q, 600000, 1200000, 10000);
    EXPECT_EQ(other.find("subquery_window_series("), std::string::npos) << q << "\n" << other;
  }
}

TEST(TranslatorTest, SelectorsAreParametersNotText) {
  auto e = ParseExpr("a{x=~\"a*/\"} + rate(a{x=~\"a*/\"}[1m]) + b");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto t = Translate(**e, EvalRange{});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  // One parameter per distinct selector, in order of first use.
  ASSERT_EQ(t->selectors.size(), 2u);
  EXPECT_EQ(t->selectors[0], (std::vector<LabelMatcher>{{MatchType::kEqual, "__name__", "a"},
                                                        {MatchType::kRegexMatch, "x", "a*/"}}));
  EXPECT_EQ(t->selectors[1], (std::vector<LabelMatcher>{{MatchType::kEqual, "__name__", "b"}}));
  std::string sql = t->Sql();
  // The comment shows the selector, and cannot end early.
  EXPECT_NE(sql.find("vector_source('instant', ?1 /* {__name__=\"a\", x=~\"a* /\"} */, "), std::string::npos)
      << sql;
  EXPECT_NE(sql.find("vector_source('rate', ?1 /* "), std::string::npos) << sql;
  EXPECT_NE(sql.find("vector_source('instant', ?2 /* {__name__=\"b\"} */, "), std::string::npos) << sql;
}

TEST(TranslatorTest, RangeQueryOfRangeVectorIsBadData) {
  auto s = ExplainQuery("x[5m]", 0, 60000, 1000);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector");
}

}  // namespace
}  // namespace overtone::promql
