#include "adapters/http/server_metrics.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "adapters/formats/metrics_text.h"

namespace overtone::adapters {
namespace {

std::string BucketLabel(double le) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", le);
  return buf;
}

}  // namespace

void ServerMetrics::ObserveRequest(std::string_view handler, int code, double seconds) {
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  std::lock_guard lock(mu_);
  Series& s = requests_[{std::string(handler), code}];
  ++s.count;
  s.sum += seconds;
  if (b < kBuckets.size()) ++s.buckets[b];
}

std::string ServerMetrics::RenderText(const ServerFigures& f) const {
  MetricsText w;
  auto load = [](const std::atomic<uint64_t>& a) {
    return static_cast<double>(a.load(std::memory_order_relaxed));
  };
  w.Metric("overtone_up", "gauge", "1 while the server runs.", 1);
  w.Metric(
      "overtone_ready", "gauge",
      "1 when the server accepts requests, 0 while stopping or while writes fail (disk full or failing).",
      f.ready ? 1 : 0);
  w.Metric("overtone_writes_failing", "gauge",
           "1 while writes fail for a storage fault (disk full or failing); queries still answer.",
           f.write_fault.empty() ? 0 : 1);
  w.Metric("overtone_storage_write_failures_total", "counter",
           "Engine writes (commits, flushes, compactions) refused for a storage fault.",
           static_cast<double>(f.db.failed_writes));
  w.Metric("overtone_storage_write_recoveries_total", "counter",
           "Times writes came back by themselves after a storage fault.",
           static_cast<double>(f.db.write_recoveries));
  w.Metric("overtone_remote_write_storage_fault_requests_total", "counter",
           "Remote write requests answered 503 because the disk is full or failing.",
           static_cast<double>(write_storage_faults.load(std::memory_order_relaxed)));
  w.Metric("overtone_start_time_seconds", "gauge", "Start time of the server, Unix seconds.",
           static_cast<double>(
               std::chrono::duration_cast<std::chrono::seconds>(start_.time_since_epoch()).count()));
  w.Metric("overtone_samples_ingested_total", "counter", "Samples written through remote write.",
           load(samples_ingested));
  w.Metric("overtone_remote_write_series_refused_total", "counter",
           "Series refused by remote write (invalid labels).", load(series_refused));
  w.Metric("overtone_remote_write_samples_refused_total", "counter",
           "Samples of series refused by remote write.", load(samples_refused));
  w.Metric("overtone_remote_write_histograms_refused_total", "counter",
           "Native histogram samples refused (not supported).", load(histograms_refused));
  w.Metric("overtone_remote_write_exemplars_ignored_total", "counter", "Exemplars received and not stored.",
           load(exemplars_ignored));
  w.Header("overtone_remote_write_requests_total", "counter",
           "Remote write requests decoded, by protocol version.");
  w.Line("overtone_remote_write_requests_total", "version=\"1.0\"", load(write_requests_v1));
  w.Line("overtone_remote_write_requests_total", "version=\"2.0\"", load(write_requests_v2));
  w.Header("overtone_remote_read_requests_total", "counter",
           "Remote read requests accepted, by response type.");
  w.Line("overtone_remote_read_requests_total", "type=\"samples\"", load(read_requests_samples));
  w.Line("overtone_remote_read_requests_total", "type=\"streamed_xor_chunks\"", load(read_requests_streamed));
  w.Metric("overtone_remote_read_queries_total", "counter", "Remote read queries answered.",
           load(read_queries));
  w.Metric("overtone_remote_read_series_total", "counter", "Series returned by remote read.",
           load(read_series));
  w.Metric("overtone_remote_read_samples_total", "counter", "Samples returned by remote read.",
           load(read_samples));
  w.Metric("overtone_overloaded_requests_total", "counter",
           "Requests refused because the request memory budget was used up.", load(overloaded));
  w.Metric("overtone_queries_running", "gauge", "Queries running now: the query API and remote read.",
           static_cast<double>(f.queries_running));
  w.Header("overtone_queries_cancelled_total", "counter",
           "Queries stopped before their end, by reason: their time limit, their client going "
           "away, the server stopping.");
  for (CancelReason r : {CancelReason::kDeadline, CancelReason::kClientGone, CancelReason::kShutdown}) {
    w.Line("overtone_queries_cancelled_total", std::string("reason=\"") + CancelReasonName(r) + "\"",
           static_cast<double>(f.queries_cancelled[static_cast<size_t>(r)]));
  }

  w.Metric("overtone_series", "gauge", "Live series in the database.", static_cast<double>(f.db.series));
  w.Metric("overtone_samples_written_total", "counter",
           "Samples acknowledged by the engine since it was opened (all writers).",
           static_cast<double>(f.db.samples_written));
  w.Metric("overtone_samples_scanned_total", "counter", "Samples read by engine scans.",
           static_cast<double>(f.db.samples_scanned));
  w.Metric("overtone_write_batches_total", "counter", "Engine write batches committed.",
           static_cast<double>(f.db.write_batches));
  w.Metric("overtone_disk_bytes", "gauge", "Bytes of the database's live files on disk.",
           static_cast<double>(f.db.disk_bytes));
  w.Metric("overtone_compactions_total", "counter", "Compaction runs.",
           static_cast<double>(f.db.compactions));
  w.Metric("overtone_segments_written_total", "counter", "Segments written by compaction.",
           static_cast<double>(f.db.segments_written));
  w.Metric("overtone_samples_sealed_total", "counter", "Samples moved from raw storage into segments.",
           static_cast<double>(f.db.samples_sealed));
  w.Metric("overtone_xor_chunk_cache_bytes", "gauge", "Sealed segments held as remote read's XOR chunks.",
           static_cast<double>(f.db.xor_chunk_cache_bytes));
  w.Metric("overtone_xor_chunk_cache_hits_total", "counter",
           "Sealed segments remote reads found as XOR chunks in the cache.",
           static_cast<double>(f.db.xor_chunk_cache_hits));
  w.Metric("overtone_xor_chunk_cache_misses_total", "counter",
           "Sealed segments remote reads decoded and encoded as XOR chunks.",
           static_cast<double>(f.db.xor_chunk_cache_misses));
  w.Metric("overtone_xor_chunk_cache_warm_segments", "gauge",
           "Sealed segments whose XOR chunks the warm-up after start built.",
           static_cast<double>(f.db.xor_chunk_warm_segments));
  w.Metric("overtone_xor_chunk_cache_warming", "gauge", "1 while the warm-up after start runs.",
           f.db.xor_chunk_warming ? 1.0 : 0.0);

  w.Metric("overtone_memory_limit_bytes", "gauge",
           "The --memory-limit the server was started with (0: none).", static_cast<double>(f.memory_limit));
  w.Metric("overtone_request_memory_budget_bytes", "gauge", "Budget for in-flight request memory.",
           static_cast<double>(f.request_memory_limit));
  w.Metric("overtone_request_memory_in_use_bytes", "gauge", "In-flight request memory reserved now.",
           static_cast<double>(f.request_memory_in_use));
  w.Metric("overtone_request_memory_peak_bytes", "gauge",
           "Highest in-flight request memory reserved since start.",
           static_cast<double>(f.request_memory_peak));
  w.Metric("overtone_request_memory_rejections_total", "counter",
           "Reservations refused by the request memory budget.",
           static_cast<double>(f.request_memory_rejections));
  w.Metric("overtone_block_cache_capacity_bytes", "gauge", "Configured engine block cache.",
           static_cast<double>(f.block_cache_bytes));
  w.Metric("overtone_write_buffer_capacity_bytes", "gauge", "Configured engine write buffer.",
           static_cast<double>(f.write_buffer_bytes));
  w.Metric("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
           static_cast<double>(f.resident_bytes));

  std::lock_guard lock(mu_);
  w.Header("overtone_http_requests_total", "counter", "HTTP requests by handler and code.");
  for (const auto& [key, s] : requests_) {
    w.Line("overtone_http_requests_total",
           "handler=\"" + key.first + "\",code=\"" + std::to_string(key.second) + "\"",
           static_cast<double>(s.count));
  }
  w.Header("overtone_http_request_duration_seconds", "histogram",
           "HTTP request latency by handler and code.");
  for (const auto& [key, s] : requests_) {
    std::string base = "handler=\"" + key.first + "\",code=\"" + std::to_string(key.second) + "\"";
    uint64_t cum = 0;
    for (size_t b = 0; b < kBuckets.size(); ++b) {
      cum += s.buckets[b];
      w.Line("overtone_http_request_duration_seconds_bucket",
             base + ",le=\"" + BucketLabel(kBuckets[b]) + "\"", static_cast<double>(cum));
    }
    w.Line("overtone_http_request_duration_seconds_bucket", base + ",le=\"+Inf\"",
           static_cast<double>(s.count));
    w.Line("overtone_http_request_duration_seconds_sum", base, s.sum);
    w.Line("overtone_http_request_duration_seconds_count", base, static_cast<double>(s.count));
  }
  return w.Take();
}

std::string ServerMetrics::RenderJson(const ServerFigures& f) const {
  auto load = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  nlohmann::json j;
  j["ready"] = f.ready;
  j["uptime_seconds"] = std::chrono::duration<double>(std::chrono::system_clock::now() - start_).count();
  j["database"] = {{"series", f.db.series},
                   {"samples_written", f.db.samples_written},
                   {"samples_scanned", f.db.samples_scanned},
                   {"write_batches", f.db.write_batches},
                   {"disk_bytes", f.db.disk_bytes},
                   {"compactions", f.db.compactions},
                   {"segments_written", f.db.segments_written},
                   {"samples_sealed", f.db.samples_sealed},
                   {"failed_writes", f.db.failed_writes},
                   {"write_recoveries", f.db.write_recoveries},
                   {"write_fault", f.write_fault}};
  j["remote_write"] = {
      {"requests_v1", load(write_requests_v1)},      {"requests_v2", load(write_requests_v2)},
      {"samples_ingested", load(samples_ingested)},  {"series_refused", load(series_refused)},
      {"samples_refused", load(samples_refused)},    {"histograms_refused", load(histograms_refused)},
      {"exemplars_ignored", load(exemplars_ignored)}};
  j["remote_read"] = {{"requests_samples", load(read_requests_samples)},
                      {"requests_streamed_xor_chunks", load(read_requests_streamed)},
                      {"queries", load(read_queries)},
                      {"series", load(read_series)},
                      {"samples", load(read_samples)}};
  j["memory"] = {{"limit_bytes", f.memory_limit},
                 {"request_budget_bytes", f.request_memory_limit},
                 {"request_in_use_bytes", f.request_memory_in_use},
                 {"request_peak_bytes", f.request_memory_peak},
                 {"request_rejections", f.request_memory_rejections},
                 {"overloaded_requests", load(overloaded)},
                 {"block_cache_bytes", f.block_cache_bytes},
                 {"write_buffer_bytes", f.write_buffer_bytes},
                 {"resident_bytes", f.resident_bytes}};
  nlohmann::json reqs = nlohmann::json::array();
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, s] : requests_) {
      reqs.push_back(
          {{"handler", key.first}, {"code", key.second}, {"count", s.count}, {"seconds_sum", s.sum}});
    }
  }
  j["http_requests"] = std::move(reqs);
  return j.dump(2) + "\n";
}

size_t ResidentMemoryBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  long page = sysconf(_SC_PAGESIZE);
  return pages_resident * static_cast<size_t>(page > 0 ? page : 4096);
}

}  // namespace overtone::adapters
