#include "shell/emulate_command.h"

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>

#include "adapters/emulator/emulator.h"
#include "adapters/formats/sample_writer.h"
#include "adapters/formats/value_text.h"
#include "adapters/prometheus/remote_write_client.h"
#include "base/text.h"
#include "overtone/database.h"
#include "overtone/sql.h"
#include "shell/command_line.h"
#include "shell/plot.h"
#include "shell/plot_data.h"
#include "shell/progress_bar.h"

namespace overtone::shell {
namespace {

// Samples per remote-write request: Prometheus sends up to 2000 by default;
// a larger request costs the receiver no more per sample.
constexpr size_t kRemoteWriteSamples = 10'000;

struct Args {
  adapters::EmulatorOptions emu;
  std::string interval = "15s", duration = "1h", end = "now", jitter = "2ms";  // durations: Duration()
  std::string db, out, remote_write, format = "openmetrics";
  size_t batch = 100'000;
  bool quiet = false;
  bool realtime = false;
};

// In real time, a scrape is handed over once the wall clock has reached it.
void SleepUntil(int64_t ts_ms) {
  int64_t now = adapters::NowMs();
  if (ts_ms > now) std::this_thread::sleep_for(std::chrono::milliseconds(ts_ms - now));
}

int64_t LatestTs(const std::vector<adapters::HostChunk>& chunks) {
  int64_t latest = kMinTime;
  for (const auto& c : chunks) {
    if (c.scrapes() > 0) latest = std::max(latest, c.samples[0].back().ts);
  }
  return latest;
}

Status SendRemoteWrite(const adapters::EmulatorOptions& o, const std::string& url, bool realtime,
                       ProgressBar* bar, uint64_t total) {
  OT_ASSIGN_OR_RETURN(auto client, adapters::RemoteWriteClient::Create(url));
  size_t series = static_cast<size_t>(o.hosts) * adapters::kNumEmulatedMetrics;
  size_t window = realtime ? 1 : std::max<size_t>(1, kRemoteWriteSamples / series);
  uint64_t done = 0;
  prometheus::WriteRequest req;
  auto send = [&]() -> Status {
    if (req.timeseries_size() == 0) return Status::OK();
    OT_RETURN_IF_ERROR(client->Send(req));
    req.Clear();
    return Status::OK();
  };
  return adapters::EmulateInWindows(o, window,
                                    [&](const std::vector<adapters::HostEmulator>& hosts,
                                        const std::vector<adapters::HostChunk>& chunks) -> Status {
                                      if (realtime) SleepUntil(LatestTs(chunks));
                                      size_t in_request = 0;
                                      for (size_t h = 0; h < hosts.size(); ++h) {
                                        for (int m = 0; m < adapters::kNumEmulatedMetrics; ++m) {
                                          const auto& samples = chunks[h].samples[m];
                                          if (samples.empty()) continue;
                                          prometheus::TimeSeries* ts = req.add_timeseries();
                                          for (const Label& l : hosts[h].labels(m)) {
                                            prometheus::Label* pl = ts->add_labels();
                                            pl->set_name(l.name);
                                            pl->set_value(l.value);
                                          }
                                          for (const Sample& s : samples) {
                                            prometheus::Sample* ps = ts->add_samples();
                                            ps->set_timestamp(s.ts);
                                            ps->set_value(s.value);
                                          }
                                          in_request += samples.size();
                                          done += samples.size();
                                          if (in_request >= kRemoteWriteSamples) {
                                            OT_RETURN_IF_ERROR(send());
                                            in_request = 0;
                                          }
                                        }
                                      }
                                      OT_RETURN_IF_ERROR(send());
                                      bar->Update(done, total, done, " samples");
                                      return Status::OK();
                                    });
}

}  // namespace

// What the end of a run shows: the fleet's cpu by role, in the terminal
// and as a link to the web console.
constexpr const char* kFleetCpu = "avg by (role) (cpu_usage_percent)";

// The console's address for `expr` over the emulated range, on `base`
// ("http://127.0.0.1:9201").
std::string ConsoleLink(const std::string& base, const adapters::EmulatorOptions& o, std::string_view expr) {
  return base + "/graph?g0.expr=" + PercentEncode(expr) +
         "&g0.tab=0&g0.range_input=" + std::to_string((o.end_ms - o.start_ms + 999) / 1000) +
         "s&g0.end_input=" + PercentEncode(adapters::FormatRfc3339(o.end_ms));
}

// Draws kFleetCpu from the database at `dir` on stdout, then says how to
// look at it in a browser.
Status ShowFleetCpu(const std::string& dir, const adapters::EmulatorOptions& o) {
  Options options;
  options.read_only = true;
  options.create_if_missing = false;
  options.compaction_interval_ms = 0;
  OT_ASSIGN_OR_RETURN(auto session, SqlSession::Open(options, dir));
  PlotOptions plot = PlotOptionsFor(stdout);
  OT_ASSIGN_OR_RETURN(PlotData data, PlotDataFromPromql(session->conn(), kFleetCpu, o.end_ms - o.start_ms,
                                                        o.end_ms, 2 * plot.width));
  plot.x_is_time = true;
  OT_ASSIGN_OR_RETURN(std::string chart, RenderPlot(data.series, plot));
  std::printf("%s:\n%s\nSee it in the web console: overtone serve %s, then open\n  %s\n", kFleetCpu,
              chart.c_str(), dir.c_str(), ConsoleLink("http://127.0.0.1:9201", o, kFleetCpu).c_str());
  return Status::OK();
}

int RunEmulate(int argc, char** argv) {
  Args a;
  CommandLine cl("overtone emulate", "Generates a realistic fleet's metrics (see docs/IMPORT_EXPORT.md).",
                 "A summary goes to stderr, and a progress bar when stderr is a terminal.\n"
                 "Exit status 0, 1 on error, 2 on a usage error.");
  CLI::App& app = cl.app();
  app.add_option("--hosts", a.emu.hosts, "number of hosts (roles web, db, batch, cache)")
      ->capture_default_str();
  app.add_option("--interval", a.interval, "scrape interval, e.g. 15s")
      ->capture_default_str()
      ->check(Duration());
  app.add_option("--duration", a.duration, "time covered, ending at --end, e.g. 24h")
      ->capture_default_str()
      ->check(Duration());
  app.add_option("--end", a.end, "end of the time range: RFC 3339, Unix seconds, <n>ms, now")
      ->capture_default_str();
  app.add_option("--jitter", a.jitter, "each scrape lands up to this late")
      ->capture_default_str()
      ->check(Duration(/*allow_zero=*/true));
  app.add_option("--seed", a.emu.seed, "random seed: the same seed gives the same samples")
      ->capture_default_str();
  auto* db = app.add_option("--db", a.db, "write into this database directory");
  auto* out = app.add_option("--out", a.out, "write a file ('-' for stdout)");
  auto* rw = app.add_option("--remote-write", a.remote_write,
                            "send to a Prometheus remote-write URL, e.g. http://127.0.0.1:9201/api/v1/write");
  db->excludes(out)->excludes(rw);
  out->excludes(rw);
  app.add_option("--format", a.format, "file format for --out: openmetrics, prometheus or csv")
      ->capture_default_str();
  app.add_option("--batch", a.batch, "samples per database write (--db)")->capture_default_str();
  app.add_flag("--realtime", a.realtime,
               "start now and hand each scrape over when its time comes, for --duration "
               "(with --db or --remote-write)");
  app.add_flag("--quiet,-q", a.quiet, "no summary");
  if (std::optional<int> exit = cl.Parse(argc, argv)) return *exit;
  if (a.db.empty() && a.out.empty() && a.remote_write.empty()) {
    return cl.UsageError("say where to: --db DIR, --out FILE or --remote-write URL");
  }

  auto interval = adapters::ParseDurationMs(a.interval);
  auto duration = adapters::ParseDurationMs(a.duration);
  auto end = adapters::ParseTimeArg(a.end, adapters::NowMs() / 1000 * 1000);
  auto jitter = adapters::ParseDurationMs(a.jitter, /*allow_zero=*/true);
  if (!interval.ok()) return cl.UsageError(interval.status().WithContext("--interval").message());
  if (!duration.ok()) return cl.UsageError(duration.status().WithContext("--duration").message());
  if (!end.ok()) return cl.UsageError(end.status().WithContext("--end").message());
  if (!jitter.ok()) return cl.UsageError(jitter.status().WithContext("--jitter").message());
  a.emu.interval_ms = *interval;
  a.emu.end_ms = *end;
  a.emu.start_ms = *end - *duration;
  if (a.realtime) {
    if (!a.out.empty()) {
      return cl.UsageError(
          "--realtime writes to --db or --remote-write (a file's families cannot grow in time)");
    }
    a.emu.start_ms = adapters::NowMs();
    a.emu.end_ms = a.emu.start_ms + *duration;
  }
  a.emu.jitter_ms = *jitter;
  if (Status s = adapters::ValidateEmulatorOptions(a.emu); !s.ok()) return cl.UsageError(s.message());

  uint64_t total = adapters::EmulatedSampleCount(a.emu);
  ProgressBar bar(!a.quiet && StderrIsTerminal());
  auto started = std::chrono::steady_clock::now();
  Status s;
  std::string where;
  if (!a.db.empty()) {
    where = a.db;
    auto opened = Database::Open(Options{}, a.db);
    if (!opened.ok()) return cl.Fail(opened.status().ToString());
    if (a.realtime) {
      uint64_t done = 0;
      s = adapters::EmulateInWindows(a.emu, 1,
                                     [&](const std::vector<adapters::HostEmulator>& hosts,
                                         const std::vector<adapters::HostChunk>& chunks) -> Status {
                                       SleepUntil(LatestTs(chunks));
                                       WriteBatch batch;
                                       for (size_t h = 0; h < hosts.size(); ++h) {
                                         for (int m = 0; m < adapters::kNumEmulatedMetrics; ++m) {
                                           batch.Add(hosts[h].labels(m), chunks[h].samples[m]);
                                         }
                                       }
                                       done += batch.num_samples();
                                       bar.Update(done, total, done, " samples");
                                       return (*opened)->Write(batch);
                                     });
    } else {
      s = adapters::EmulateToDatabase(a.emu, opened->get(), a.batch == 0 ? 1 : a.batch,
                                      [&](uint64_t done) { bar.Update(done, total, done, " samples"); });
    }
    if (s.ok()) s = (*opened)->Flush();
  } else if (!a.out.empty()) {
    where = a.out == "-" ? "stdout" : a.out;
    auto format = adapters::ParseExportFormat(a.format);
    if (!format.ok()) return cl.UsageError(format.status().message());
    auto file = adapters::OutputFile::Open(a.out);
    if (!file.ok()) return cl.Fail(file.status().ToString());
    auto writer = adapters::MakeSampleWriter(*format, file->get(), adapters::NanStyle::kLossless);
    s = adapters::EmulateToWriter(a.emu, writer.get(),
                                  [&](uint64_t done) { bar.Update(done, total, done, " samples"); });
    if (s.ok()) s = (*file)->Close();
  } else {
    where = a.remote_write;
    s = SendRemoteWrite(a.emu, a.remote_write, a.realtime, &bar, total);
  }
  bar.Clear();
  if (!s.ok()) return cl.Fail(s.ToString());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!a.quiet) {
    std::fprintf(stderr,
                 "emulated %llu samples of %llu series (%d hosts, %s .. %s, every %s) into %s "
                 "in %.2f s: %s samples/s\n",
                 static_cast<unsigned long long>(total),
                 static_cast<unsigned long long>(a.emu.hosts) * adapters::kNumEmulatedMetrics, a.emu.hosts,
                 adapters::FormatRfc3339(a.emu.start_ms).c_str(),
                 adapters::FormatRfc3339(a.emu.end_ms).c_str(), a.interval.c_str(), where.c_str(), secs,
                 HumanCount(secs > 0 ? static_cast<double>(total) / secs : 0).c_str());
    if (!a.db.empty()) {
      if (Status shown = ShowFleetCpu(a.db, a.emu); !shown.ok()) return cl.Fail(shown.ToString());
    } else if (!a.remote_write.empty()) {
      // The server's own address: the remote-write URL without its path.
      std::string base = a.remote_write.substr(0, a.remote_write.find('/', a.remote_write.find("//") + 2));
      std::printf("See it in the web console:\n  %s\n", ConsoleLink(base, a.emu, kFleetCpu).c_str());
    }
  }
  return 0;
}

}  // namespace overtone::shell
