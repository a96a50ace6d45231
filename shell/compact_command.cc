#include "shell/compact_command.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "overtone/database.h"

namespace overtone::shell {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Usage(const std::string& why) {
  if (!why.empty()) std::fprintf(stderr, "overtone compact: %s\n", why.c_str());
  std::fprintf(stderr,
               "usage: overtone compact DBDIR [--before MS]\n"
               "  Seals every window that ended before MS (default: now) into segments.\n");
  return 2;
}

}  // namespace

int RunCompact(int argc, char** argv) {
  if (argc < 2) return Usage("");
  if (argv[1][0] == '-') return Usage("DBDIR comes first, before '" + std::string(argv[1]) + "'");
  std::string dir = argv[1];
  int64_t before = NowMs();
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--before") == 0 && i + 1 < argc) {
      char* end = nullptr;
      before = std::strtoll(argv[++i], &end, 10);
      if (*end != '\0') {
        std::fprintf(stderr, "overtone compact: --before takes milliseconds since the epoch, not '%s'\n", argv[i]);
        return 2;
      }
    } else {
      return Usage(std::strcmp(argv[i], "--before") == 0 ? "--before needs MS"
                                                          : "unexpected argument '" + std::string(argv[i]) + "'");
    }
  }

  Options options;
  options.create_if_missing = false;
  options.compaction_interval_ms = 0;  // this command is the compaction
  auto db = Database::Open(options, dir);
  if (!db.ok()) {
    std::fprintf(stderr, "overtone compact: %s\n", db.status().ToString().c_str());
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  auto stats = (*db)->Compact(before);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!stats.ok()) {
    std::fprintf(stderr, "overtone compact: %s\n", stats.status().ToString().c_str());
    return 1;
  }
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
  if (!s.ok()) {
    std::fprintf(stderr, "overtone compact: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("segments: %llu samples, %.3f bytes/sample", static_cast<unsigned long long>(samples),
              samples ? static_cast<double>(bytes) / samples : 0.0);
  const char* sep = " (";
  for (auto& [codec, n] : by_codec) {
    std::printf("%s%s %llu", sep, codec.c_str(), static_cast<unsigned long long>(n));
    sep = ", ";
  }
  std::printf("%s\n", by_codec.empty() ? "" : ")");
  return 0;
}

}  // namespace overtone::shell
