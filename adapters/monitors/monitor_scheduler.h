// MonitorScheduler: runs the monitors of a monitors file (monitor_config.h)
// on one background thread, each at its interval, and keeps what the
// `monitors` SQL table and /metrics show of them.
//
//   auto specs = LoadMonitors("monitors.yml");
//   auto sched = MonitorScheduler::Create(db.get(), std::move(*specs));
//   (*sched)->Start();
//   SELECT name, runs, failures, last_error FROM monitors;   (RegisterTable)
//
// HOW IT WORKS
// A monitor first runs when the scheduler starts, then every `every`
// (runs that would overlap are skipped, not queued). Each monitor has a
// read-only connection of its own with its SQL prepared on it (checked as
// /api/v1/sql checks it: anything but one reading statement is refused; a
// refusal is tried again at the next run). A run steps it under the
// monitor's time limit
// (SQLite's progress handler) and a limit on rows, then hands the rows to
// the output (monitor_rows.h): samples go through Database::Write; Loki and
// webhook bodies are queued on the monitor's HttpSender and delivered by its
// thread. Whatever fails (the SQL, the time limit, a write, a bad row) is
// counted and shown as the monitor's last error; nothing stops the others
// or the server.

#ifndef OVERTONE_ADAPTERS_MONITORS_MONITOR_SCHEDULER_H_
#define OVERTONE_ADAPTERS_MONITORS_MONITOR_SCHEDULER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapters/http/query_plan.h"
#include "adapters/monitors/monitor_config.h"
#include "adapters/notify/http_sender.h"
#include "overtone/database.h"
#include "overtone/status.h"

struct sqlite3;

namespace overtone::adapters {

// One monitor as the `monitors` table shows it.
struct MonitorStatus {
  std::string name;
  std::string every;
  std::string output;
  int64_t last_run_ms = 0;  // Unix milliseconds; 0: not run yet
  int64_t last_duration_ms = 0;
  int64_t last_rows = 0;
  std::string last_error;  // of the last run; empty when it went well
  uint64_t runs = 0;
  uint64_t failures = 0;
  uint64_t rows = 0;      // all runs' rows
  uint64_t bad_rows = 0;  // rows that could not become samples
  uint64_t samples_written = 0;
  SenderCounters output_counters;  // loki and webhook: deliveries
};

struct SchedulerOptions {
  // The wall clock, Unix milliseconds: a run's time (the samples' and log
  // lines' time when the row gives none).
  std::function<int64_t()> now_ms;
  size_t max_rows = 100000;  // a run with more rows fails
  SenderOptions sender;      // loki and webhook outputs
};

SchedulerOptions DefaultSchedulerOptions();

class MonitorScheduler {
 public:
  // Creates the outputs' senders (their threads start); the scheduling
  // thread starts with Start(). REQUIRES: db outlives the scheduler.
  static Result<std::unique_ptr<MonitorScheduler>> Create(
      Database* db, std::vector<MonitorSpec> specs, SchedulerOptions options = DefaultSchedulerOptions());
  ~MonitorScheduler();  // Stop()s
  MonitorScheduler(const MonitorScheduler&) = delete;
  MonitorScheduler& operator=(const MonitorScheduler&) = delete;

  void Start();
  // Ends the scheduling thread (a run in progress is interrupted) and the
  // senders. Idempotent.
  void Stop();

  // Runs monitor `i` now, on the calling thread, as the schedule does.
  void RunNow(size_t i);

  std::vector<MonitorStatus> Snapshot() const;

  // Registers the `monitors` table on `conn`:
  //   monitors(name, every, output, last_run, last_duration_ms, last_rows,
  //            last_error, runs, failures, rows, bad_rows, samples_written,
  //            output_sent, output_failed, output_dropped)
  // REQUIRES: the scheduler outlives `conn`.
  Status RegisterTable(sqlite3* conn);

  // The monitors' figures in /metrics text (monitor_metrics.cc).
  std::string RenderMetrics() const;

 private:
  struct Monitor {
    MonitorSpec spec;
    std::unique_ptr<HttpSender> sender;  // loki and webhook
    MonitorStatus status;                // guarded by mu_
    // The monitor's own read-only connection and its statement, opened and
    // prepared by the first run that gets that far; guarded by run_mu.
    std::mutex run_mu;
    std::unique_ptr<QueryConnection> conn;
    sql::Statement stmt;  // declared after conn: finalized first
  };
  MonitorScheduler(Database* db, SchedulerOptions options) : db_(db), options_(std::move(options)) {}
  void Loop();
  // One run's work; fills `status` (rows, bad rows, samples) and returns
  // what failed.
  // REQUIRES: m.run_mu held.
  Status Run(Monitor& m, int64_t run_ms, MonitorStatus* status);

  Database* db_;
  SchedulerOptions options_;
  std::vector<std::unique_ptr<Monitor>> monitors_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
  // The connection a run is stepping now, for Stop() to interrupt. Every
  // monitor's connection lives as long as the scheduler.
  std::atomic<sqlite3*> running_{nullptr};
};

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_MONITORS_MONITOR_SCHEDULER_H_
