#include "adapters/monitors/monitor_scheduler.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <new>

#include "adapters/http/query_plan.h"
#include "adapters/http/query_run.h"
#include "adapters/monitors/monitor_rows.h"
#include "adapters/notify/loki_push.h"

namespace overtone::adapters {
namespace {

using Steady = std::chrono::steady_clock;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The stream labels of a Loki monitor: its own labels and monitor="<name>".
Labels StreamLabels(const MonitorSpec& spec) {
  Labels labels = spec.labels;
  if (GetLabel(labels, "monitor").empty()) labels.push_back(Label{"monitor", spec.name});
  NormalizeLabels(&labels);
  return labels;
}

}  // namespace

SchedulerOptions DefaultSchedulerOptions() {
  SchedulerOptions o;
  o.now_ms = WallMs;
  o.sender = PushSenderOptions();
  return o;
}

Result<std::unique_ptr<MonitorScheduler>> MonitorScheduler::Create(Database* db,
                                                                   std::vector<MonitorSpec> specs,
                                                                   SchedulerOptions options) {
  if (!options.now_ms) options.now_ms = WallMs;
  std::unique_ptr<MonitorScheduler> s(new MonitorScheduler(db, std::move(options)));
  for (MonitorSpec& spec : specs) {
    auto m = std::make_unique<Monitor>();
    if (spec.output != MonitorOutput::kSamples) {
      std::string url = spec.output == MonitorOutput::kLoki ? LokiPushUrl(spec.url) : spec.url;
      SenderOptions so = s->options_.sender;
      so.headers.emplace_back("X-Overtone-Monitor", spec.name);
      Result<std::unique_ptr<HttpSender>> sender = HttpSender::Create(url, std::move(so));
      if (!sender.ok())
        return Status::InvalidArgument("monitor " + spec.name + ": " + sender.status().message());
      m->sender = std::move(*sender);
    }
    m->status.name = spec.name;
    m->status.every = spec.every;
    m->status.output = spec.output_text;
    m->spec = std::move(spec);
    s->monitors_.push_back(std::move(m));
  }
  return s;
}

MonitorScheduler::~MonitorScheduler() { Stop(); }

void MonitorScheduler::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_ || monitors_.empty()) return;
  thread_ = std::thread([this] { Loop(); });
}

void MonitorScheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (sqlite3* conn = running_.load()) sqlite3_interrupt(conn);  // safe from any thread
  if (thread_.joinable()) thread_.join();
  for (auto& m : monitors_) {
    if (m->sender) m->sender->Stop();
  }
}

void MonitorScheduler::Loop() {
  std::vector<Steady::time_point> due(monitors_.size(), Steady::now());
  std::unique_lock lock(mu_);
  while (!stopping_) {
    size_t next = std::min_element(due.begin(), due.end()) - due.begin();
    if (cv_.wait_until(lock, due[next], [&] { return stopping_; })) break;
    lock.unlock();
    RunNow(next);
    // The next tick of its schedule that is still ahead: a run that took
    // longer than `every` skips the ticks it overlapped.
    const auto every = std::chrono::milliseconds(monitors_[next]->spec.every_ms);
    const Steady::time_point now = Steady::now();
    while (due[next] <= now) due[next] += every;
    lock.lock();
  }
}

Status MonitorScheduler::Run(Monitor& m, int64_t run_ms, MonitorStatus* st) {
  if (!m.conn) {
    // A monitor may watch the monitors: the table is on its connection too.
    std::vector<std::function<Status(sqlite3*)>> tables = {
        [this](sqlite3* conn) { return RegisterTable(conn); }};
    OT_ASSIGN_OR_RETURN(m.conn, QueryConnection::Open(db_, true, tables));
  }
  if (!m.stmt) {
    OT_ASSIGN_OR_RETURN(m.stmt, PrepareReadOnly(m.conn->get(), m.spec.sql));
  }
  running_ = m.conn->get();
  {
    // Stop() sets stopping_ before it looks at running_: either it sees
    // this connection and interrupts it, or this sees stopping_.
    std::lock_guard lock(mu_);
    if (stopping_) {
      running_ = nullptr;
      return Status::Aborted("interrupted");
    }
  }
  Result<SqlTable> table = RunStatement(m.conn.get(), m.stmt.get(), m.spec.timeout_ms, options_.max_rows);
  running_ = nullptr;
  if (!table.ok()) {
    if (table.status().code() == Status::Code::kBusy) {
      return Status::Busy("stopped at the time limit of " + std::to_string(m.spec.timeout_ms) + " ms");
    }
    return table.status();
  }
  st->last_rows = static_cast<int64_t>(table->rows.size());
  switch (m.spec.output) {
    case MonitorOutput::kSamples: {
      OT_ASSIGN_OR_RETURN(SamplesFromRows samples, RowsToSamples(*table, run_ms));
      st->bad_rows += samples.bad_rows;
      if (!samples.batch.empty()) {
        OT_RETURN_IF_ERROR(db_->Write(samples.batch));
        st->samples_written += samples.batch.num_samples();
      }
      if (samples.bad_rows > 0) {
        // Counted and shown, but the run did its work for the other rows.
        st->last_error = std::to_string(samples.bad_rows) + " of " + std::to_string(table->rows.size()) +
                         " rows skipped; " + samples.first_error;
      }
      break;
    }
    case MonitorOutput::kLoki:
      if (!table->rows.empty()) {
        m.sender->Enqueue({LokiPushJson(RowsToLogEntries(*table, StreamLabels(m.spec), run_ms))});
      }
      break;
    case MonitorOutput::kWebhook:
      if (!table->rows.empty()) m.sender->Enqueue({RowsToJson(*table)});
      break;
  }
  return Status::OK();
}

void MonitorScheduler::RunNow(size_t i) {
  Monitor& m = *monitors_.at(i);
  std::lock_guard run_lock(m.run_mu);  // one run of a monitor at a time
  MonitorStatus st;
  {
    std::lock_guard lock(mu_);
    st = m.status;
  }
  st.last_error.clear();
  st.last_rows = 0;
  const int64_t run_ms = options_.now_ms();
  const Steady::time_point t0 = Steady::now();
  Status result;
  try {
    result = Run(m, run_ms, &st);
  } catch (const std::bad_alloc&) {
    result = Status::ResourceExhausted("out of memory");
  } catch (const std::exception& e) {
    result = Status::Internal(std::string("internal error: ") + e.what());
  }
  st.last_run_ms = run_ms;
  st.last_duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - t0).count();
  ++st.runs;
  st.rows += static_cast<uint64_t>(st.last_rows);
  if (!result.ok()) {
    ++st.failures;
    st.last_error = result.message();
  }
  std::lock_guard lock(mu_);
  m.status = std::move(st);
}

std::vector<MonitorStatus> MonitorScheduler::Snapshot() const {
  std::vector<MonitorStatus> out;
  std::lock_guard lock(mu_);
  for (const auto& m : monitors_) {
    out.push_back(m->status);
    if (m->sender) out.back().output_counters = m->sender->counters();
  }
  return out;
}

}  // namespace overtone::adapters
