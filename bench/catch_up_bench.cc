// catch_up_bench: what reading beside a writer costs per statement. A
// secondary (Options::open_mode kSecondary) catches up before each
// statement (Database::CatchUp); this measures a catch-up with nothing new
// and one after the writer committed a scrape (one sample per series),
// against reading one series' 100 samples on the same secondary, in the
// same run.
//
//   build/bench/catch_up_bench [--series N] [--runs N]

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "bench/bench_cli.h"
#include "overtone/database.h"

namespace overtone {
namespace {

using Clock = std::chrono::steady_clock;

double MicrosSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

int Run(int series, int runs) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("catch_up_bench." + std::to_string(::getpid()))).string();
  Options wo;
  wo.compaction_interval_ms = 0;
  auto writer = Database::Open(wo, dir);
  if (!writer.ok()) {
    std::fprintf(stderr, "%s\n", writer.status().ToString().c_str());
    return 1;
  }
  auto labels = [](int i) { return Labels{{"__name__", "bench"}, {"i", std::to_string(i)}}; };
  WriteBatch batch;
  for (int i = 0; i < series; ++i) {
    for (int t = 0; t < 100; ++t) batch.Add(labels(i), t * 15000, t);
  }
  if (!(*writer)->Write(batch).ok() || !(*writer)->Flush().ok()) return 1;

  Options ro = wo;
  ro.open_mode = OpenMode::kSecondary;
  auto reader = Database::Open(ro, dir);
  if (!reader.ok()) {
    std::fprintf(stderr, "%s\n", reader.status().ToString().c_str());
    return 1;
  }
  Database* r = reader->get();
  auto id = r->FindSeries(labels(0));
  if (!id.ok()) return 1;

  double scan_us = 0, idle_us = 0, scrape_us = 0;
  size_t read = 0;
  for (int run = 0; run < runs; ++run) {
    auto t0 = Clock::now();
    auto it = r->Scan(*id, kMinTime, kMaxTime);
    for (; (*it)->Valid(); (*it)->Next()) ++read;
    it->reset();
    scan_us += MicrosSince(t0);

    t0 = Clock::now();
    if (!r->CatchUp().ok()) return 1;
    idle_us += MicrosSince(t0);

    WriteBatch scrape;
    for (int i = 0; i < series; ++i) scrape.Add(labels(i), (100 + run) * 15000, run);
    if (!(*writer)->Write(scrape).ok()) return 1;
    t0 = Clock::now();
    if (!r->CatchUp().ok()) return 1;
    scrape_us += MicrosSince(t0);
  }
  if (read < static_cast<size_t>(runs) * 100) return 1;
  scan_us /= runs;
  idle_us /= runs;
  scrape_us /= runs;
  std::printf("series %d, runs %d\n", series, runs);
  std::printf("%-44s %10.1f us\n", "read one series (100 samples), baseline", scan_us);
  std::printf("%-44s %10.1f us  ratio %.2f\n", "catch-up, nothing new", idle_us, idle_us / scan_us);
  std::printf("%-44s %10.1f us  ratio %.2f\n", "catch-up after a scrape of every series", scrape_us,
              scrape_us / scan_us);
  reader->reset();
  writer->reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace overtone

int main(int argc, char** argv) {
  int series = 1000, runs = 200;
  overtone::bench::BenchCli cli("catch_up_bench",
                                "A secondary's catch-up before each statement against reading one series.");
  cli.app().add_option("--series", series, "series written")->check(overtone::bench::Number(1));
  cli.app().add_option("--runs", runs, "statements timed")->check(overtone::bench::Number(1));
  if (std::optional<int> exit = cli.Parse(argc, argv)) return *exit;
  return overtone::Run(series, runs);
}
