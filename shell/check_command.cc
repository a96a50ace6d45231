#include "shell/check_command.h"

#include <cstdio>
#include <optional>
#include <string>

#include "overtone/database.h"
#include "shell/command_line.h"

namespace overtone::shell {

int RunCheck(int argc, char** argv) {
  std::string dir;
  CommandLine cl("overtone check",
                 "Verifies every checksum, segment, summary and index entry of a database, and names the "
                 "series and time range of each problem. Opens the database read-only, so it can check one "
                 "a server has open.",
                 "Exit status 0 when the database is sound, 1 when problems were found or the check could "
                 "not run, 2 on a usage error.");
  cl.app().add_option("DBDIR", dir, "database directory")->required();
  if (std::optional<int> exit = cl.Parse(argc, argv)) return *exit;

  Options options;
  options.read_only = true;
  options.compaction_interval_ms = 0;
  auto db = Database::Open(options, dir);
  if (!db.ok()) return cl.Fail(db.status().ToString());
  auto report = (*db)->Check();
  if (!report.ok()) return cl.Fail(report.status().ToString());
  for (const std::string& p : report->problems) std::printf("problem: %s\n", p.c_str());
  std::printf("%s: %llu series, %llu postings, %llu segments (%llu samples), %llu raw samples\n",
              report->ok() ? "ok" : "damaged", static_cast<unsigned long long>(report->series),
              static_cast<unsigned long long>(report->postings),
              static_cast<unsigned long long>(report->segments),
              static_cast<unsigned long long>(report->segment_samples),
              static_cast<unsigned long long>(report->raw_samples));
  if (report->timestamp_columns > 0) {
    std::printf(
        "%llu shared timestamp columns, %llu of them referenced by no segment (the next sealing run deletes "
        "them)\n",
        static_cast<unsigned long long>(report->timestamp_columns),
        static_cast<unsigned long long>(report->unreferenced_timestamp_columns));
  }
  return report->ok() ? kExitOk : kExitError;
}

}  // namespace overtone::shell
