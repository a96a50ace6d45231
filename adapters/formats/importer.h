// Streaming, batched import of OpenMetrics / Prometheus text / CSV into a
// Database.
//
//   ImportStats stats;
//   Status s = ImportFile(db, "fleet.om", ImportOptions{}, &stats);
//   // s names the first bad line; stats say what was written either way.
//
// HOW IT WORKS
// The input is read through a 1 MiB buffer a line at a time, so memory does
// not grow with the file (only with the number of distinct series, which are
// counted). Samples gather per series until a batch holds batch_samples, and
// each batch is one Database::Write: atomic, so after any stop every line up
// to ImportStats::lines_written is in the database and nothing after it is.
// A same-timestamp sample replaces the stored one, so importing a file again
// (or again after a partial import) gives the same database.
//
// Bad lines: by default the import stops at the first one, after writing
// everything before it, and the Status says "line N: ...". With skip_bad it
// skips the line, reports it through on_bad_line, counts it and goes on.
//
// Format: ImportFormat::kAuto picks CSV when the first line is a CSV header
// (metric,labels,ts,value); OpenMetrics when a regular file ends with
// `# EOF`; otherwise GuessTextFormat() on the first 64 KB (OpenMetrics
// timestamps are seconds, Prometheus text ones milliseconds).

#ifndef OVERTONE_ADAPTERS_FORMATS_IMPORTER_H_
#define OVERTONE_ADAPTERS_FORMATS_IMPORTER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "overtone/database.h"
#include "overtone/status.h"

namespace overtone::adapters {

enum class ImportFormat { kAuto, kOpenMetrics, kPrometheusText, kCsv };

// "auto", "openmetrics", "prometheus" or "csv".
Result<ImportFormat> ParseImportFormat(std::string_view name);
const char* ImportFormatName(ImportFormat format);

struct ImportStats {
  ImportFormat format = ImportFormat::kAuto;  // the one used
  uint64_t lines = 0;                         // lines read
  uint64_t lines_written = 0;                 // every sample of lines 1..lines_written is written
  uint64_t samples = 0;                       // samples written
  uint64_t series = 0;                        // distinct series among the samples read
  uint64_t bad_lines = 0;                     // skipped with skip_bad
  uint64_t batches = 0;                       // Database::Write calls
  uint64_t bytes_read = 0;
  uint64_t total_bytes = 0;  // the input's size, 0 when unknown (a pipe)
  double seconds = 0;
};

struct ImportOptions {
  ImportFormat format = ImportFormat::kAuto;
  size_t batch_samples = 100'000;
  bool skip_bad = false;
  // With skip_bad: each bad line's number and error.
  std::function<void(uint64_t line, const Status& error)> on_bad_line;
  // Called every few thousand lines; the callee rate-limits its output.
  std::function<void(const ImportStats& so_far)> on_progress;
};

// Imports everything `fd` holds until its end. `name` is used in messages.
Status ImportFromFd(Database* db, int fd, const std::string& name, const ImportOptions& options,
                    ImportStats* stats);

// `path` "-" reads standard input.
Status ImportFile(Database* db, const std::string& path, const ImportOptions& options, ImportStats* stats);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_FORMATS_IMPORTER_H_
