#include "shell/compact_command.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "overtone/database.h"
#include "shell/command_line.h"

namespace overtone::shell {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int RunCompact(int argc, char** argv) {
  std::string dir;
  int64_t before = NowMs();
  CommandLine cl("overtone compact",
                 "Seals every window that ended before --before into segments now, and prints what was "
                 "sealed and what the segments cost.",
                 "Exit status 0, 1 on error, 2 on a usage error.");
  cl.app().add_option("DBDIR", dir, "database directory")->required();
  cl.app()
      .add_option("--before", before, "milliseconds since the epoch (default: now)")
      ->type_name("MS")
      ->check(WholeNumber(INT64_MIN, INT64_MAX, "milliseconds since the epoch"));
  if (std::optional<int> exit = cl.Parse(argc, argv)) return *exit;

  Options options;
  options.create_if_missing = false;
  options.compaction_interval_ms = 0;  // this command is the compaction
  auto db = Database::Open(options, dir);
  if (!db.ok()) return cl.Fail(db.status().ToString());
  auto start = std::chrono::steady_clock::now();
  auto stats = (*db)->Compact(before);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!stats.ok()) return cl.Fail(stats.status().ToString());
  std::printf("sealed %llu samples of %llu series into %llu segments (%llu bytes) in %.2f s\n",
              static_cast<unsigned long long>(stats->samples_sealed),
              static_cast<unsigned long long>(stats->series_sealed),
              static_cast<unsigned long long>(stats->segments_written),
              static_cast<unsigned long long>(stats->bytes_written), seconds);

  uint64_t samples = 0, bytes = 0;
  std::map<std::string, uint64_t> by_codec;
  Status s = (*db)->ForEachSegment(0, [&](const SegmentInfo& info) {
    samples += info.samples;
    bytes += info.bytes;
    by_codec[info.codec]++;
    return Status::OK();
  });
  if (!s.ok()) return cl.Fail(s.ToString());
  std::printf("segments: %llu samples, %.3f bytes/sample", static_cast<unsigned long long>(samples),
              samples ? static_cast<double>(bytes) / samples : 0.0);
  const char* sep = " (";
  for (auto& [codec, n] : by_codec) {
    std::printf("%s%s %llu", sep, codec.c_str(), static_cast<unsigned long long>(n));
    sep = ", ";
  }
  std::printf("%s\n", by_codec.empty() ? "" : ")");
  return kExitOk;
}

}  // namespace overtone::shell
