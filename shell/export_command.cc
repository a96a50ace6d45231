#include "shell/export_command.h"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "adapters/formats/exporter.h"
#include "adapters/formats/sample_writer.h"
#include "adapters/formats/value_text.h"
#include "overtone/database.h"
#include "overtone/matcher.h"
#include "shell/command_line.h"

namespace overtone::shell {

int RunExport(int argc, char** argv) {
  std::string db_dir, start, end, format = "openmetrics", out = "-";
  std::vector<std::string> matches;
  bool portable = false;
  CommandLine cl("overtone export",
                 "Writes samples out as OpenMetrics, Prometheus text or CSV (see docs/IMPORT_EXPORT.md).",
                 "Exit status 0, 1 on error, 2 on a usage error.");
  CLI::App& app = cl.app();
  app.add_option("DBDIR", db_dir, "database directory")->required();
  app.add_option("--match", matches,
                 "series selector, e.g. 'up{job=\"api\"}' or '{__name__=~\".+\"}'; "
                 "repeat for several")
      ->required();
  app.add_option("--start", start, "start (inclusive): RFC 3339, Unix seconds, <n>ms, now-1h");
  app.add_option("--end", end, "end (inclusive), as --start");
  app.add_option("--format", format, "openmetrics, prometheus or csv")->capture_default_str();
  app.add_option("--out", out, "output file ('-': stdout)")->capture_default_str();
  app.add_flag("--portable", portable,
               "only standard value tokens: leave out staleness markers, every NaN as NaN");
  if (std::optional<int> exit = cl.Parse(argc, argv)) return *exit;

  adapters::ExportOptions eo;
  for (const std::string& m : matches) {
    auto parsed = ParseSelector(m);
    if (!parsed.ok()) return cl.UsageError("--match '" + m + "': " + parsed.status().message());
    eo.selectors.push_back(std::move(*parsed));
  }
  int64_t now = adapters::NowMs();
  if (!start.empty()) {
    auto t = adapters::ParseTimeArg(start, now);
    if (!t.ok()) return cl.UsageError("--start: " + t.status().message());
    eo.start_ms = *t;
  }
  if (!end.empty()) {
    auto t = adapters::ParseTimeArg(end, now);
    if (!t.ok()) return cl.UsageError("--end: " + t.status().message());
    eo.end_ms = *t;
  }
  auto fmt = adapters::ParseExportFormat(format);
  if (!fmt.ok()) return cl.UsageError(fmt.status().message());

  Options options;
  options.create_if_missing = false;
  options.read_only = true;
  auto db = Database::Open(options, db_dir);
  if (!db.ok()) return cl.Fail(db.status().ToString());
  auto file = adapters::OutputFile::Open(out);
  if (!file.ok()) return cl.Fail(file.status().ToString());
  auto writer = adapters::MakeSampleWriter(
      *fmt, file->get(), portable ? adapters::NanStyle::kPortable : adapters::NanStyle::kLossless);
  adapters::ExportStats stats;
  Status s = adapters::Export(db->get(), eo, writer.get(), &stats);
  if (s.ok()) s = (*file)->Close();
  if (!s.ok()) return cl.Fail(s.ToString());
  if (out != "-") {
    std::fprintf(stderr, "exported %llu samples of %llu series to %s\n",
                 static_cast<unsigned long long>(stats.samples),
                 static_cast<unsigned long long>(stats.series), out.c_str());
  }
  return kExitOk;
}

}  // namespace overtone::shell
