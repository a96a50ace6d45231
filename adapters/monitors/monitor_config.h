// The monitors file of `overtone serve --monitors FILE`: scheduled SQL
// queries and where their rows go.
//
//   monitors:
//     - name: bytes_per_codec            # unique; [a-zA-Z_][a-zA-Z0-9_]*
//       every: 1m                        # Prometheus duration
//       timeout: 10s                     # optional; per run (default: every, at most 30s)
//       sql: SELECT 'overtone_segment_bytes' AS metric, codec, sum(bytes) AS value
//              FROM segments GROUP BY codec
//       output: samples                  # or: loki http://HOST:3100, webhook http://HOST/PATH
//     - name: disk_report
//       every: 5m
//       sql: SELECT codec, count(*) AS segments FROM segments GROUP BY codec
//       output: loki http://127.0.0.1:3100
//       labels: {job: overtone}          # optional; loki only: the stream's labels
//
// Parsing is apart from running (monitor_scheduler.h): LoadMonitors reads
// and checks the whole file, and every error names the file, the line, the
// monitor (its index from 0, and its name when it has one) and the reason.
// The SQL itself is checked when it runs, on a read-only connection.

#ifndef OVERTONE_ADAPTERS_MONITORS_MONITOR_CONFIG_H_
#define OVERTONE_ADAPTERS_MONITORS_MONITOR_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::adapters {

enum class MonitorOutput { kSamples, kLoki, kWebhook };

struct MonitorSpec {
  std::string name;
  int64_t every_ms = 0;
  int64_t timeout_ms = 0;
  std::string sql;
  MonitorOutput output = MonitorOutput::kSamples;
  std::string url;          // loki and webhook
  Labels labels;            // loki: the stream's labels (sorted)
  std::string every;        // as written, for the `monitors` table
  std::string output_text;  // as written: "samples", "loki URL", ...
};

// The default per-run time limit: `every`, at most this.
inline constexpr int64_t kMaxDefaultTimeoutMs = 30 * 1000;

// Parses a monitors file's text; `file` names it in errors.
Result<std::vector<MonitorSpec>> ParseMonitors(std::string_view yaml, const std::string& file);

// Reads and parses the file at `path`.
Result<std::vector<MonitorSpec>> LoadMonitors(const std::string& path);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_MONITORS_MONITOR_CONFIG_H_
