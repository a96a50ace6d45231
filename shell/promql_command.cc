#include "shell/promql_command.h"

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "adapters/promql/query.h"
#include "adapters/promql/time_params.h"
#include "overtone/sql.h"

namespace overtone::shell {
namespace {

int Usage(const Status& why) {
  std::fprintf(stderr,
               "overtone promql: %s\n"
               "usage: overtone promql DBDIR EXPR [--time T | --start S --end E --step D] [--explain]\n"
               "                      [--format table|text]\n"
               "  T, S, E: Unix seconds or RFC 3339 (default: now); D: seconds or a duration (15s).\n"
               "  --explain prints the SQL the query runs as. See docs/PROMQL.md.\n",
               why.message().c_str());
  return 2;
}

struct CommandLine {
  std::string dir, expr;
  std::optional<std::string> time, start, end, step;
  bool explain = false;
  bool text = false;
};

Status ParseArgs(int argc, char** argv, CommandLine* cl) {
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::optional<std::string>* out) {
      if (i + 1 >= argc) return Status::InvalidArgument(a + " needs a value");
      *out = argv[++i];
      return Status::OK();
    };
    if (a == "--time") {
      OT_RETURN_IF_ERROR(value(&cl->time));
    } else if (a == "--start") {
      OT_RETURN_IF_ERROR(value(&cl->start));
    } else if (a == "--end") {
      OT_RETURN_IF_ERROR(value(&cl->end));
    } else if (a == "--step") {
      OT_RETURN_IF_ERROR(value(&cl->step));
    } else if (a == "--explain") {
      cl->explain = true;
    } else if (a == "--format") {
      std::optional<std::string> f;
      OT_RETURN_IF_ERROR(value(&f));
      if (*f != "table" && *f != "text") {
        return Status::InvalidArgument("--format takes table or text, not '" + *f + "'");
      }
      cl->text = *f == "text";
    } else if (a.size() > 2 && a.rfind("--", 0) == 0) {
      return Status::InvalidArgument("unknown option " + a);
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2) {
    return Status::InvalidArgument("expected DBDIR and EXPR, got " + std::to_string(positional.size()) +
                                   " argument" + (positional.size() == 1 ? "" : "s"));
  }
  cl->dir = positional[0];
  cl->expr = positional[1];
  bool range = cl->start || cl->end || cl->step;
  if (range && cl->time) return Status::InvalidArgument("--time excludes --start, --end and --step");
  if (range && (!cl->start || !cl->end || !cl->step)) {
    return Status::InvalidArgument("a range query needs all of --start, --end and --step");
  }
  return Status::OK();
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
    std::printf("%-*s  %-*s  %s\n", static_cast<int>(w0), row[0].c_str(), static_cast<int>(w1), row[1].c_str(),
                row[2].c_str());
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
        std::printf("%s => %s @[%s]\n", SeriesName(s.labels).c_str(), promql::FormatValue(s.points[0].value).c_str(),
                    TimestampSeconds(s.points[0].ts).c_str());
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
  CommandLine cl;
  if (Status s = ParseArgs(argc, argv, &cl); !s.ok()) return Usage(s);
  int64_t start, end, step = 1;
  bool range = cl.start.has_value();
  auto fail = [](const Status& s) {
    std::fprintf(stderr, "overtone promql: %s\n", s.message().c_str());
    return 1;
  };
  if (range) {
    auto s = promql::ParseTimeParam(*cl.start), e = promql::ParseTimeParam(*cl.end);
    auto d = promql::ParseDurationParam(*cl.step);
    if (!s.ok()) return fail(s.status().WithContext("--start"));
    if (!e.ok()) return fail(e.status().WithContext("--end"));
    if (!d.ok()) return fail(d.status().WithContext("--step"));
    start = *s;
    end = *e;
    step = *d;
  } else {
    auto t = cl.time ? promql::ParseTimeParam(*cl.time) : Result<int64_t>(promql::NowMs());
    if (!t.ok()) return fail(t.status().WithContext("--time"));
    start = end = *t;
  }
  if (cl.explain) {
    auto sql = promql::ExplainQuery(cl.expr, start, end, step);
    if (!sql.ok()) return fail(sql.status());
    std::printf("%s;\n", sql->c_str());
    return 0;
  }
  Options options;
  options.read_only = true;
  options.create_if_missing = false;
  options.compaction_interval_ms = 0;
  auto session = SqlSession::Open(options, cl.dir);
  if (!session.ok()) return fail(session.status());
  auto result = range ? promql::RunRangeQuery((*session)->conn(), cl.expr, start, end, step)
                      : promql::RunInstantQuery((*session)->conn(), cl.expr, start);
  if (!result.ok()) return fail(result.status());
  if (cl.text) {
    PrintText(*result);
  } else {
    PrintTable(*result);
  }
  return 0;
}

}  // namespace overtone::shell
