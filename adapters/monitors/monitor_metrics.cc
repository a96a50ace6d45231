// What MonitorScheduler shows of the monitors: the `monitors` SQL table and
// the /metrics families, each from one table of columns or metric names.

#include <sqlite3.h>

#include "adapters/formats/metrics_text.h"
#include "adapters/monitors/monitor_scheduler.h"
#include "sql/snapshot_table.h"

namespace overtone::adapters {
namespace {

using sql::SnapshotValue;

SnapshotValue Count(uint64_t n) { return static_cast<int64_t>(n); }

// The columns of the `monitors` table and how each is read.
struct TableColumn {
  const char* name;
  const char* type;
  SnapshotValue (*value)(const MonitorStatus& s);
};
const TableColumn kColumns[] = {
    {"name", "TEXT", [](const MonitorStatus& s) -> SnapshotValue { return s.name; }},
    {"every", "TEXT", [](const MonitorStatus& s) -> SnapshotValue { return s.every; }},
    {"output", "TEXT", [](const MonitorStatus& s) -> SnapshotValue { return s.output; }},
    {"last_run", "INTEGER",
     [](const MonitorStatus& s) -> SnapshotValue {
       if (s.runs == 0) return std::monostate{};
       return s.last_run_ms;
     }},
    {"last_duration_ms", "INTEGER",
     [](const MonitorStatus& s) -> SnapshotValue {
       if (s.runs == 0) return std::monostate{};
       return s.last_duration_ms;
     }},
    {"last_rows", "INTEGER",
     [](const MonitorStatus& s) -> SnapshotValue {
       if (s.runs == 0) return std::monostate{};
       return s.last_rows;
     }},
    {"last_error", "TEXT",
     [](const MonitorStatus& s) -> SnapshotValue {
       if (s.last_error.empty()) return std::monostate{};
       return s.last_error;
     }},
    {"runs", "INTEGER", [](const MonitorStatus& s) { return Count(s.runs); }},
    {"failures", "INTEGER", [](const MonitorStatus& s) { return Count(s.failures); }},
    {"rows", "INTEGER", [](const MonitorStatus& s) { return Count(s.rows); }},
    {"bad_rows", "INTEGER", [](const MonitorStatus& s) { return Count(s.bad_rows); }},
    {"samples_written", "INTEGER", [](const MonitorStatus& s) { return Count(s.samples_written); }},
    {"output_sent", "INTEGER", [](const MonitorStatus& s) { return Count(s.output_counters.sent); }},
    {"output_failed", "INTEGER", [](const MonitorStatus& s) { return Count(s.output_counters.failed); }},
    {"output_dropped", "INTEGER", [](const MonitorStatus& s) { return Count(s.output_counters.dropped); }},
};

// The /metrics families, one series per monitor (label `monitor`). Names
// follow Prometheus's rule group metrics where there is one to follow.
struct MetricFamily {
  const char* name;
  const char* type;
  const char* help;
  double (*value)(const MonitorStatus& s);
};
const MetricFamily kFamilies[] = {
    {"overtone_monitor_runs_total", "counter", "Runs of the monitor.",
     [](const MonitorStatus& s) { return static_cast<double>(s.runs); }},
    {"overtone_monitor_failures_total", "counter",
     "Runs that failed: SQL error, time limit, refused write, output error.",
     [](const MonitorStatus& s) { return static_cast<double>(s.failures); }},
    {"overtone_monitor_rows_total", "counter", "Rows the monitor's SQL returned.",
     [](const MonitorStatus& s) { return static_cast<double>(s.rows); }},
    {"overtone_monitor_bad_rows_total", "counter", "Rows that could not become samples (output samples).",
     [](const MonitorStatus& s) { return static_cast<double>(s.bad_rows); }},
    {"overtone_monitor_samples_written_total", "counter", "Samples written by the monitor (output samples).",
     [](const MonitorStatus& s) { return static_cast<double>(s.samples_written); }},
    {"overtone_monitor_last_duration_seconds", "gauge", "How long the last run took.",
     [](const MonitorStatus& s) { return static_cast<double>(s.last_duration_ms) / 1000; }},
    {"overtone_monitor_last_run_timestamp_seconds", "gauge", "When the last run started, Unix seconds.",
     [](const MonitorStatus& s) { return static_cast<double>(s.last_run_ms) / 1000; }},
    {"overtone_monitor_output_sent_total", "counter", "Bodies delivered to the monitor's Loki or webhook.",
     [](const MonitorStatus& s) { return static_cast<double>(s.output_counters.sent); }},
    {"overtone_monitor_output_errors_total", "counter", "Failed POSTs to the monitor's Loki or webhook.",
     [](const MonitorStatus& s) { return static_cast<double>(s.output_counters.failed); }},
    {"overtone_monitor_output_dropped_total", "counter",
     "Bodies given up (queue full, refused, retries used up).",
     [](const MonitorStatus& s) { return static_cast<double>(s.output_counters.dropped); }},
    {"overtone_monitor_output_queue_length", "gauge", "Bodies waiting to be delivered.",
     [](const MonitorStatus& s) { return static_cast<double>(s.output_counters.queue_length); }},
};

}  // namespace

Status MonitorScheduler::RegisterTable(sqlite3* conn) {
  sql::SnapshotTable table;
  table.name = "monitors";
  for (const TableColumn& c : kColumns) table.columns.push_back({c.name, c.type});
  table.rows = [this] {
    std::vector<sql::SnapshotRow> rows;
    for (const MonitorStatus& s : Snapshot()) {
      sql::SnapshotRow& row = rows.emplace_back();
      for (const TableColumn& c : kColumns) row.push_back(c.value(s));
    }
    return rows;
  };
  return sql::RegisterSnapshotTable(conn, std::move(table));
}

std::string MonitorScheduler::RenderMetrics() const {
  std::vector<MonitorStatus> all = Snapshot();
  MetricsText w;
  for (const MetricFamily& f : kFamilies) {
    w.Header(f.name, f.type, f.help);
    for (const MonitorStatus& s : all) w.Line(f.name, LabelPair("monitor", s.name), f.value(s));
  }
  return w.Take();
}

}  // namespace overtone::adapters
