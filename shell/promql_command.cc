#include "shell/promql_command.h"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "adapters/promql/query.h"
#include "adapters/promql/time_params.h"
#include "overtone/sql.h"
#include "shell/command_line.h"

namespace overtone::shell {
namespace {

struct PromqlArgs {
  std::string dir, expr;
  std::optional<std::string> time, start, end, step;
  bool explain = false;
  bool text = false;
};

// Fills *a from argv; returns an exit status when it should not go on.
std::optional<int> Parse(int argc, char** argv, CommandLine* cl, PromqlArgs* a) {
  CLI::App& app = cl->app();
  std::string time, start, end, step, format = "table";
  app.add_option("DBDIR", a->dir, "database directory")->required();
  app.add_option("EXPR", a->expr, "the PromQL expression")->required();
  CLI::Option* time_option =
      app.add_option("--time", time, "instant query at T (default: now)")->type_name("T");
  CLI::Option* start_option = app.add_option("--start", start, "range query from S")->type_name("S");
  CLI::Option* end_option = app.add_option("--end", end, "range query to E")->type_name("E");
  CLI::Option* step_option = app.add_option("--step", step, "range query every D")->type_name("D");
  app.add_flag("--explain", a->explain, "print the SQL the query runs as, instead of running it");
  app.add_option("--format", format, "table, or text in Prometheus's notation")
      ->type_name("table|text")
      ->capture_default_str()
      ->check(OneOf({"table", "text"}));
  if (std::optional<int> exit = cl->Parse(argc, argv)) return exit;
  auto given = [](CLI::Option* option, const std::string& value) {
    return option->count() > 0 ? std::optional<std::string>(value) : std::nullopt;
  };
  a->time = given(time_option, time);
  a->start = given(start_option, start);
  a->end = given(end_option, end);
  a->step = given(step_option, step);
  a->text = format == "text";
  bool range = a->start || a->end || a->step;
  if (range && a->time) return cl->UsageError("--time excludes --start, --end and --step");
  if (range && (!a->start || !a->end || !a->step)) {
    return cl->UsageError("a range query needs all of --start, --end and --step");
  }
  return std::nullopt;
}

std::string SeriesName(const Labels& labels) { return labels.empty() ? "{}" : LabelsToString(labels); }

std::string TimestampSeconds(int64_t ms) {
  std::string s = std::to_string(ms / 1000);
  if (ms % 1000 != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(std::abs(ms % 1000)));
    s += buf;
  }
  return s;
}

void PrintTable(const promql::QueryResult& r) {
  std::vector<std::vector<std::string>> rows = {{"SERIES", "TIMESTAMP", "VALUE"}};
  if (r.type == promql::ValueType::kScalar) {
    rows.push_back({"scalar", std::to_string(r.scalar.ts), promql::FormatValue(r.scalar.value)});
  } else if (r.type == promql::ValueType::kString) {
    rows.push_back({"string", "", r.string_value});
  } else {
    for (const promql::Series& s : r.series) {
      for (const promql::Point& p : s.points) {
        rows.push_back({SeriesName(s.labels), std::to_string(p.ts), promql::FormatValue(p.value)});
      }
    }
  }
  size_t w0 = 0, w1 = 0;
  for (const auto& row : rows) {
    w0 = std::max(w0, row[0].size());
    w1 = std::max(w1, row[1].size());
  }
  for (const auto& row : rows) {
    std::printf("%-*s  %-*s  %s\n", static_cast<int>(w0), row[0].c_str(), static_cast<int>(w1),
                row[1].c_str(), row[2].c_str());
  }
}

void PrintText(const promql::QueryResult& r) {
  switch (r.type) {
    case promql::ValueType::kScalar:
      std::printf("scalar: %s @[%s]\n", promql::FormatValue(r.scalar.value).c_str(),
                  TimestampSeconds(r.scalar.ts).c_str());
      break;
    case promql::ValueType::kString: std::printf("string: %s\n", r.string_value.c_str()); break;
    case promql::ValueType::kVector:
      for (const promql::Series& s : r.series) {
        std::printf("%s => %s @[%s]\n", SeriesName(s.labels).c_str(),
                    promql::FormatValue(s.points[0].value).c_str(), TimestampSeconds(s.points[0].ts).c_str());
      }
      break;
    default:
      for (const promql::Series& s : r.series) {
        std::printf("%s =>\n", SeriesName(s.labels).c_str());
        for (const promql::Point& p : s.points) {
          std::printf("%s @[%s]\n", promql::FormatValue(p.value).c_str(), TimestampSeconds(p.ts).c_str());
        }
      }
  }
}

}  // namespace

int RunPromql(int argc, char** argv) {
  CommandLine cl("overtone promql",
                 "Evaluates a PromQL expression over a database: an instant query at --time, or a range "
                 "query with --start, --end and --step (see docs/PROMQL.md).",
                 "T, S, E: Unix seconds or RFC 3339; D: seconds or a duration (15s).\n"
                 "Exit status 0, 1 on a query or database error, 2 on a usage error.");
  PromqlArgs a;
  if (std::optional<int> exit = Parse(argc, argv, &cl, &a)) return *exit;
  int64_t start, end, step = 1;
  bool range = a.start.has_value();
  auto fail = [&cl](const Status& s) { return cl.Fail(s.message()); };
  if (range) {
    auto s = promql::ParseTimeParam(*a.start), e = promql::ParseTimeParam(*a.end);
    auto d = promql::ParseDurationParam(*a.step);
    if (!s.ok()) return fail(s.status().WithContext("--start"));
    if (!e.ok()) return fail(e.status().WithContext("--end"));
    if (!d.ok()) return fail(d.status().WithContext("--step"));
    start = *s;
    end = *e;
    step = *d;
  } else {
    auto t = a.time ? promql::ParseTimeParam(*a.time) : Result<int64_t>(promql::NowMs());
    if (!t.ok()) return fail(t.status().WithContext("--time"));
    start = end = *t;
  }
  if (a.explain) {
    auto sql = promql::ExplainQuery(a.expr, start, end, step);
    if (!sql.ok()) return fail(sql.status());
    std::printf("%s;\n", sql->c_str());
    return 0;
  }
  Options options;
  options.read_only = true;
  options.create_if_missing = false;
  options.compaction_interval_ms = 0;
  auto session = SqlSession::Open(options, a.dir);
  if (!session.ok()) return fail(session.status());
  auto result = range ? promql::RunRangeQuery((*session)->conn(), a.expr, start, end, step)
                      : promql::RunInstantQuery((*session)->conn(), a.expr, start);
  if (!result.ok()) return fail(result.status());
  if (a.text) {
    PrintText(*result);
  } else {
    PrintTable(*result);
  }
  return 0;
}

}  // namespace overtone::shell
