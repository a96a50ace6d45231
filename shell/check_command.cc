#include "shell/check_command.h"

#include <cstdio>
#include <string>

#include "overtone/database.h"

namespace overtone::shell {

int RunCheck(int argc, char** argv) {
  if (argc != 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: overtone check DBDIR\n");
    return 2;
  }
  Options options;
  options.read_only = true;
  options.compaction_interval_ms = 0;
  auto db = Database::Open(options, argv[1]);
  if (!db.ok()) {
    std::fprintf(stderr, "overtone check: %s\n", db.status().ToString().c_str());
    return 1;
  }
  auto report = (*db)->Check();
  if (!report.ok()) {
    std::fprintf(stderr, "overtone check: %s\n", report.status().ToString().c_str());
    return 1;
  }
  for (const std::string& p : report->problems) std::printf("problem: %s\n", p.c_str());
  std::printf("%s: %llu series, %llu postings, %llu segments (%llu samples), %llu raw samples\n",
              report->ok() ? "ok" : "damaged", static_cast<unsigned long long>(report->series),
              static_cast<unsigned long long>(report->postings), static_cast<unsigned long long>(report->segments),
              static_cast<unsigned long long>(report->segment_samples),
              static_cast<unsigned long long>(report->raw_samples));
  return report->ok() ? 0 : 1;
}

}  // namespace overtone::shell
