#include "shell/import_command.h"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "adapters/formats/importer.h"
#include "adapters/formats/value_text.h"
#include "adapters/prometheus/remote_read_client.h"
#include "overtone/database.h"
#include "overtone/matcher.h"
#include "shell/command_line.h"
#include "shell/progress_bar.h"

namespace overtone::shell {
namespace {

constexpr uint64_t kMaxBadLinesShown = 10;

struct Args {
  std::string db, file, format = "auto";
  bool skip_bad = false, quiet = false;
  size_t batch = 100'000;
  std::string remote_url, match, start, end, slice = "6h";  // slice checked by Duration()
  bool samples_only = false;
};

void PrintSummary(const adapters::ImportStats& st, const std::string& source) {
  double rate = st.seconds > 0 ? static_cast<double>(st.samples) / st.seconds : 0;
  std::fprintf(stderr, "imported %llu samples of %llu series from %s",
               static_cast<unsigned long long>(st.samples), static_cast<unsigned long long>(st.series),
               source.c_str());
  if (st.lines > 0) {
    std::fprintf(stderr, " (%s, %llu lines)", adapters::ImportFormatName(st.format),
                 static_cast<unsigned long long>(st.lines));
  }
  std::fprintf(stderr, " in %.2f s: %s samples/s\n", st.seconds, HumanCount(rate).c_str());
  if (st.bad_lines > 0) {
    std::fprintf(stderr, "skipped %llu bad line%s\n", static_cast<unsigned long long>(st.bad_lines),
                 st.bad_lines == 1 ? "" : "s");
  }
}

int ImportRemote(const CommandLine& cl, const Args& a, Database* db, const adapters::ImportOptions& io) {
  if (a.match.empty() || a.start.empty() || a.end.empty()) {
    return cl.UsageError("--from-remote-read needs --match, --start and --end");
  }
  adapters::RemoteReadOptions ro;
  ro.url = a.remote_url;
  auto matchers = ParseSelector(a.match);
  if (!matchers.ok()) return cl.UsageError("--match: " + matchers.status().message());
  ro.matchers = std::move(*matchers);
  int64_t now = adapters::NowMs();
  auto start = adapters::ParseTimeArg(a.start, now);
  auto end = adapters::ParseTimeArg(a.end, now);
  auto slice = adapters::ParseDurationMs(a.slice);
  if (!start.ok()) return cl.UsageError("--start: " + start.status().message());
  if (!end.ok()) return cl.UsageError("--end: " + end.status().message());
  if (!slice.ok()) return cl.UsageError("--slice: " + slice.status().message());
  ro.start_ms = *start;
  ro.end_ms = *end;
  ro.slice_ms = *slice;
  if (a.samples_only) ro.mode = adapters::RemoteReadMode::kSamplesOnly;

  adapters::ImportStats st;
  Status s = adapters::ImportFromRemoteRead(db, ro, io, &st);
  if (!s.ok()) {
    std::fprintf(stderr, "overtone import: %s\n", s.ToString().c_str());
    std::fprintf(stderr, "overtone import: %llu samples were imported before the error\n",
                 static_cast<unsigned long long>(st.samples));
    return kExitError;
  }
  if (!a.quiet) PrintSummary(st, a.remote_url);
  return kExitOk;
}

}  // namespace

int RunImport(int argc, char** argv) {
  Args a;
  CommandLine cl("overtone import",
                 "Imports OpenMetrics / Prometheus text / CSV, or pulls from a Prometheus over remote read "
                 "(see docs/IMPORT_EXPORT.md).",
                 "Stops at the first bad line (what came before it is imported) unless --skip-bad.\n"
                 "Exit status 0, 1 on a bad line or an error, 2 on a usage error.");
  CLI::App& app = cl.app();
  app.add_option("DBDIR", a.db, "database directory (created if missing)")->required();
  app.add_option("FILE", a.file, "file to import, '-' for stdin");
  app.add_option("--format", a.format, "auto, openmetrics, prometheus or csv")->capture_default_str();
  app.add_flag("--skip-bad", a.skip_bad, "skip bad lines (and count them) instead of stopping");
  app.add_option("--batch", a.batch, "samples per atomic database write")->capture_default_str();
  app.add_flag("--quiet,-q", a.quiet, "no summary");
  app.add_option("--from-remote-read", a.remote_url,
                 "pull from a remote-read URL, e.g. http://127.0.0.1:9090/api/v1/read");
  app.add_option("--match", a.match, "series selector for --from-remote-read, e.g. '{job=\"node\"}'");
  app.add_option("--start", a.start, "start (inclusive): RFC 3339, Unix seconds, <n>ms, now-2h");
  app.add_option("--end", a.end, "end (inclusive), as --start");
  app.add_option("--slice", a.slice, "time covered by one remote-read request")
      ->capture_default_str()
      ->check(Duration());
  app.add_flag("--samples-only", a.samples_only, "ask for SAMPLES answers, not streamed chunks");
  if (std::optional<int> exit = cl.Parse(argc, argv)) return *exit;
  if (a.file.empty() == a.remote_url.empty()) {
    return cl.UsageError("give either a FILE (or - for stdin) or --from-remote-read URL");
  }
  auto format = adapters::ParseImportFormat(a.format);
  if (!format.ok()) return cl.UsageError(format.status().message());

  auto opened = Database::Open(Options{}, a.db);
  if (!opened.ok()) return cl.Fail(opened.status().ToString());
  Database* db = opened->get();

  ProgressBar bar(!a.quiet && StderrIsTerminal());
  adapters::ImportOptions io;
  io.format = *format;
  io.batch_samples = a.batch == 0 ? 1 : a.batch;
  io.skip_bad = a.skip_bad;
  io.on_progress = [&](const adapters::ImportStats& st) {
    bar.Update(st.bytes_read, st.total_bytes, st.samples, " samples");
  };
  uint64_t shown = 0;
  io.on_bad_line = [&](uint64_t, const Status& error) {
    if (++shown > kMaxBadLinesShown) return;
    bar.Clear();
    std::fprintf(stderr, "overtone import: skipped %s\n", error.message().c_str());
  };
  if (!a.remote_url.empty()) {
    int rc = ImportRemote(cl, a, db, io);
    bar.Clear();
    Status f = db->Flush();
    return rc == 0 && !f.ok() ? kExitError : rc;
  }

  adapters::ImportStats st;
  Status s = adapters::ImportFile(db, a.file, io, &st);
  bar.Clear();
  Status flushed = db->Flush();
  std::string source = a.file == "-" ? "stdin" : a.file;
  if (!s.ok()) {
    std::fprintf(stderr, "overtone import: %s: %s\n", source.c_str(), s.message().c_str());
    if (st.lines == 0) return kExitError;
    if (st.lines_written == 0) {
      std::fprintf(stderr,
                   "overtone import: stopped; nothing was imported. Fix the input and import it "
                   "again, or use --skip-bad.\n");
      return kExitError;
    }
    std::fprintf(stderr,
                 "overtone import: stopped; the %llu samples of lines 1..%llu are imported, "
                 "nothing after. Fix the input and import it again (same-timestamp samples are "
                 "replaced, so nothing doubles), or use --skip-bad.\n",
                 static_cast<unsigned long long>(st.samples),
                 static_cast<unsigned long long>(st.lines_written));
    return kExitError;
  }
  if (!flushed.ok()) return cl.Fail(flushed.ToString());
  if (shown > kMaxBadLinesShown) {
    std::fprintf(stderr, "overtone import: ... and %llu more bad lines\n",
                 static_cast<unsigned long long>(shown - kMaxBadLinesShown));
  }
  if (!a.quiet) PrintSummary(st, source);
  return kExitOk;
}

}  // namespace overtone::shell
