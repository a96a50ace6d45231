#include "shell/export_command.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "adapters/formats/exporter.h"
#include "adapters/formats/sample_writer.h"
#include "adapters/formats/value_text.h"
#include "overtone/database.h"
#include "overtone/matcher.h"

namespace overtone::shell {
namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

int UsageError(const std::string& msg) {
  std::fprintf(stderr, "overtone export: %s\n", msg.c_str());
  return kExitUsage;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "overtone export: %s\n", s.ToString().c_str());
  return kExitError;
}

}  // namespace

int RunExport(int argc, char** argv) {
  std::string db_dir, start, end, format = "openmetrics", out = "-";
  std::vector<std::string> matches;
  bool portable = false;
  CLI::App app("Writes samples out as OpenMetrics, Prometheus text or CSV "
               "(see docs/IMPORT_EXPORT.md).",
               "overtone export");
  app.add_option("DBDIR", db_dir, "database directory")->required();
  app.add_option("--match", matches, "series selector, e.g. 'up{job=\"api\"}' or '{__name__=~\".+\"}'; "
                                     "repeat for several")
      ->required();
  app.add_option("--start", start, "start (inclusive): RFC 3339, Unix seconds, <n>ms, now-1h");
  app.add_option("--end", end, "end (inclusive), as --start");
  app.add_option("--format", format, "openmetrics, prometheus or csv")->capture_default_str();
  app.add_option("--out", out, "output file ('-': stdout)")->capture_default_str();
  app.add_flag("--portable", portable,
               "only standard value tokens: leave out staleness markers, every NaN as NaN");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }

  adapters::ExportOptions eo;
  for (const std::string& m : matches) {
    auto parsed = ParseSelector(m);
    if (!parsed.ok()) return UsageError("--match '" + m + "': " + parsed.status().message());
    eo.selectors.push_back(std::move(*parsed));
  }
  int64_t now = adapters::NowMs();
  if (!start.empty()) {
    auto t = adapters::ParseTimeArg(start, now);
    if (!t.ok()) return UsageError("--start: " + t.status().message());
    eo.start_ms = *t;
  }
  if (!end.empty()) {
    auto t = adapters::ParseTimeArg(end, now);
    if (!t.ok()) return UsageError("--end: " + t.status().message());
    eo.end_ms = *t;
  }
  auto fmt = adapters::ParseExportFormat(format);
  if (!fmt.ok()) return UsageError(fmt.status().message());

  Options options;
  options.create_if_missing = false;
  options.read_only = true;
  auto db = Database::Open(options, db_dir);
  if (!db.ok()) return Fail(db.status());
  auto file = adapters::OutputFile::Open(out);
  if (!file.ok()) return Fail(file.status());
  auto writer = adapters::MakeSampleWriter(
      *fmt, file->get(), portable ? adapters::NanStyle::kPortable : adapters::NanStyle::kLossless);
  adapters::ExportStats stats;
  Status s = adapters::Export(db->get(), eo, writer.get(), &stats);
  if (s.ok()) s = (*file)->Close();
  if (!s.ok()) return Fail(s);
  if (out != "-") {
    std::fprintf(stderr, "exported %llu samples of %llu series to %s\n",
                 static_cast<unsigned long long>(stats.samples),
                 static_cast<unsigned long long>(stats.series), out.c_str());
  }
  return 0;
}

}  // namespace overtone::shell
