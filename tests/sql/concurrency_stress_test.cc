// Concurrency stress: writers, readers, SQL connections and compaction on
// one Database at the same time, every answer checked.
//
// Every sample's value is a function of its series and timestamp, so any
// thread can check any value it reads without talking to the writers.
// Writers publish two watermarks per series:
//   complete: every grid point below it has been acknowledged by Write();
//   sent:     no grid point at or above it has been handed to Write() yet.
// A reader loads `complete` before it reads and `sent` after: what it reads
// must hold every point below the first and nothing at or above the second.
//
// WHAT RUNS AT ONCE
// - writers (C++ API): each owns a few series and also writes every point
//   of the shared series, so those get the same (series, ts) with the same
//   value from several threads. A fifth of the points of each batch are held
//   back and written a few batches later, by then usually into windows that
//   are already sealed; every fourth batch also rewrites an older batch.
//   Each writer also writes a scratch series of its own.
// - readers (C++ API): Scan of random ranges, Select by label, LabelValues,
//   GetStats.
// - SQL threads, one sqlite3* connection each: count/sum over `samples` by
//   series_id, by metric and by selector, the `series` listing, `over_time`
//   (whose exact functions merge segment summaries, and approximate
//   quantiles their sketches through the shared cache), `segments`.
// - a compactor: Compact() and SQL compact() in turn, with windows of 64
//   points, so windows are sealed and re-sealed while all of the above run;
//   the database's background compactor runs too.
// - a deleter: SQL delete_series() and delete_samples() on the scratch
//   series while they are being written.
// At the end every written sample must be there exactly once with its
// value, before and after a final sealing and a reopen, and Check() clean
// (no samples left behind under a deleted series).
//
// Run time: OVERTONE_STRESS_SCALE (default 1, and 0.5 under TSan) scales
// the number of batches each writer writes.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "overtone/database.h"
#include "overtone/sql.h"
#include "sql/statement.h"
#include "tests/support/test_util.h"

#if defined(__SANITIZE_THREAD__)
#define OVERTONE_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define OVERTONE_UNDER_TSAN 1
#endif
#endif

namespace overtone {
namespace {

constexpr int kWriters = 4;
constexpr int kOwnSeries = 3;  // per writer
constexpr int kSharedSeries = 2;
constexpr int kSeries = kWriters * kOwnSeries + kSharedSeries;  // own series first, then shared
constexpr int kReaders = 3;
constexpr int kSqlThreads = 2;

constexpr int64_t kBase = 1'700'000'000'000;
constexpr int64_t kStep = 10;        // ms between grid points
constexpr int64_t kBatch = 32;       // grid points per series per writer batch
constexpr int64_t kLag = 3;          // batches after which held-back points are written
constexpr int64_t kSpanPoints = 64;  // grid points per segment window

int64_t Ts(int64_t i) { return kBase + i * kStep; }
bool HeldBack(int64_t i) { return i % 5 == 2; }

// Halves below 1000 in magnitude: sums of up to millions of them are exact
// in a double, so SQL and over_time sums can be compared with ==.
double Value(int s, int64_t i) {
  return static_cast<double>((static_cast<uint64_t>(s) * 7919 + static_cast<uint64_t>(i) * 104729) % 1999) *
             0.5 -
         300;
}
bool SameBits(double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }

std::string OwnerOf(int s) {
  return s < kWriters * kOwnSeries ? "w" + std::to_string(s / kOwnSeries) : "shared";
}
std::string KOf(int s) {
  return std::to_string(s < kWriters * kOwnSeries ? s % kOwnSeries : s - kWriters * kOwnSeries);
}
Labels LabelsOf(int s) { return {{"__name__", "stress"}, {"k", KOf(s)}, {"owner", OwnerOf(s)}}; }
std::string JsonOf(int s) { return R"({"k":")" + KOf(s) + R"(","owner":")" + OwnerOf(s) + R"("})"; }
std::string SelectorOf(int s) { return R"(stress{owner=")" + OwnerOf(s) + R"(",k=")" + KOf(s) + R"("})"; }

// Each writer also writes a scratch series, which a deleter deletes (whole or
// in ranges) while it is being written. Its values follow Value(kScratch + w, i).
constexpr int kScratch = 100;
Labels ScratchLabels(int w) { return {{"__name__", "scratch"}, {"owner", "w" + std::to_string(w)}}; }

double Scale() {
  if (const char* env = std::getenv("OVERTONE_STRESS_SCALE")) return std::max(0.01, std::atof(env));
#ifdef OVERTONE_UNDER_TSAN
  return 0.5;
#else
  return 1.0;
#endif
}

// Failures seen by the threads, reported by the main thread (the first few
// in full: one bug tends to repeat).
class Failures {
 public:
  void Add(std::string what) {
    std::lock_guard lock(mu_);
    if (++count_ <= 20) messages_.push_back(std::move(what));
  }
  int count() const {
    std::lock_guard lock(mu_);
    return count_;
  }
  std::string Summary() const {
    std::lock_guard lock(mu_);
    std::string out;
    for (const std::string& m : messages_) out += "  " + m + "\n";
    return out;
  }

 private:
  mutable std::mutex mu_;
  int count_ = 0;
  std::vector<std::string> messages_;
};

// What the writers have done, as the other threads may rely on it.
struct Progress {
  std::atomic<int64_t> complete[kWriters] = {};
  std::atomic<int64_t> sent[kWriters] = {};
  std::atomic<SeriesId> ids[kSeries] = {};  // 0 until someone has looked the series up
  std::atomic<bool> writers_done{false};
  std::atomic<bool> stop{false};  // set shortly after writers_done

  int64_t Complete(int s) const {
    if (s < kWriters * kOwnSeries) return complete[s / kOwnSeries].load(std::memory_order_acquire);
    int64_t m = 0;  // a shared point is there once any writer has it acknowledged
    for (const auto& c : complete) m = std::max(m, c.load(std::memory_order_acquire));
    return m;
  }
  int64_t Sent(int s) const {
    if (s < kWriters * kOwnSeries) return sent[s / kOwnSeries].load(std::memory_order_acquire);
    int64_t m = 0;
    for (const auto& c : sent) m = std::max(m, c.load(std::memory_order_acquire));
    return m;
  }
  int64_t MinComplete() const {
    int64_t m = complete[0].load(std::memory_order_acquire);
    for (const auto& c : complete) m = std::min(m, c.load(std::memory_order_acquire));
    return m;
  }
};

class ConcurrencyStressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    points_ = std::max<int64_t>(4 * kLag, static_cast<int64_t>(500 * Scale())) * kBatch;
    // The compactor thread drives sealing; the background one runs too,
    // sealing everything (the timestamps are long past) every few ms.
    options_.compaction_interval_ms = 20;
    options_.segment_span_ms = kSpanPoints * kStep;
    options_.head_window_ms = 0;
    options_.flac_block_size = 16;
    // Small memtables: RocksDB flushes and compacts while iterators are open.
    options_.write_buffer_bytes = size_t{1} << 20;
    OpenDb();
    prefix_.assign(kSeries, std::vector<double>(points_ + 1, 0));
    for (int s = 0; s < kSeries; ++s) {
      for (int64_t i = 0; i < points_; ++i) prefix_[s][i + 1] = prefix_[s][i] + Value(s, i);
    }
  }
  void OpenDb() {
    db_.reset();
    auto r = Database::Open(options_, dir_.path());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    db_ = std::move(*r);
  }

  // Sum of the values of points [a, b] of series s.
  double ExpectedSum(int s, int64_t a, int64_t b) const { return prefix_[s][b + 1] - prefix_[s][a]; }

  // The id of series s, or 0 if it does not exist yet.
  SeriesId Id(int s) {
    SeriesId id = progress_.ids[s].load(std::memory_order_relaxed);
    if (id != 0) return id;
    auto r = db_->FindSeries(LabelsOf(s));
    if (!r.ok()) {
      if (!r.status().IsNotFound()) failures_.Add("FindSeries: " + r.status().ToString());
      return 0;
    }
    progress_.ids[s].store(*r, std::memory_order_relaxed);
    return *r;
  }

  void Writer(int w);
  void Reader(int r);
  void SqlClient(int c);
  void Compactor();
  void Deleter();
  // Checks a Scan of a scratch series: any subset of its points, in order, right values.
  bool CheckScratchScan(int w, const char* who);
  // Checks one Scan of series s over points [a, b]; returns false on a failure.
  bool CheckScan(int s, int64_t a, int64_t b, const char* who);
  // Every point of every series exactly once with its value.
  void VerifyAll(const char* when);

  testing::TempDir dir_;
  Options options_;
  std::unique_ptr<Database> db_;
  int64_t points_ = 0;  // grid points per series
  std::vector<std::vector<double>> prefix_;
  Progress progress_;
  Failures failures_;
  std::atomic<uint64_t> reads_{0}, sql_queries_{0}, compactions_{0}, samples_sealed_{0}, samples_written_{0},
      deletions_{0}, compactions_during_writes_{0};
};

void ConcurrencyStressTest::Writer(int w) {
  const int64_t batches = points_ / kBatch;
  std::vector<int> mine;
  for (int k = 0; k < kOwnSeries; ++k) mine.push_back(w * kOwnSeries + k);
  for (int k = 0; k < kSharedSeries; ++k) mine.push_back(kWriters * kOwnSeries + k);
  std::vector<Labels> labels;
  for (int s : mine) labels.push_back(LabelsOf(s));

  // Batch k writes the on-time points of batch k, the held-back points of
  // batch k - kLag and, every fourth batch, all of batch k - 2 * kLag - 1
  // again; the kLag rounds after the last batch write its held-back points.
  for (int64_t k = 0; k <= batches + kLag - 1; ++k) {
    WriteBatch batch;
    std::vector<Sample> samples;
    for (size_t m = 0; m < mine.size(); ++m) {
      int s = mine[m];
      samples.clear();
      auto add = [&](int64_t i) { samples.push_back(Sample{Ts(i), Value(s, i)}); };
      if (k < batches) {
        for (int64_t i = k * kBatch; i < (k + 1) * kBatch; ++i) {
          if (!HeldBack(i)) add(i);
        }
      }
      if (int64_t late = k - kLag; late >= 0 && late < batches) {
        for (int64_t i = late * kBatch; i < (late + 1) * kBatch; ++i) {
          if (HeldBack(i)) add(i);
        }
      }
      if (int64_t again = k - 2 * kLag - 1; k % 4 == 3 && again >= 0 && again < batches) {
        for (int64_t i = again * kBatch; i < (again + 1) * kBatch; ++i) add(i);
      }
      if (!samples.empty()) batch.Add(labels[m], samples);
    }
    if (k < batches) {
      std::vector<Sample> scratch;
      for (int64_t i = k * kBatch; i < (k + 1) * kBatch; ++i)
        scratch.push_back(Sample{Ts(i), Value(kScratch + w, i)});
      batch.Add(ScratchLabels(w), scratch);
    }
    if (batch.empty()) continue;
    progress_.sent[w].store(std::min(k + 1, batches) * kBatch, std::memory_order_release);
    Status st = db_->Write(batch);
    if (!st.ok()) {
      failures_.Add("writer " + std::to_string(w) + ": Write: " + st.ToString());
      return;
    }
    samples_written_.fetch_add(batch.num_samples(), std::memory_order_relaxed);
    int64_t done = k + 1 >= batches + kLag ? batches : std::max<int64_t>(0, k - kLag + 1);
    progress_.complete[w].store(done * kBatch, std::memory_order_release);
  }

  // Writers that finish within a compaction or two (a fast machine, a quiet
  // one) keep writing the last batch again, the same samples, until the
  // compactor has sealed twice while writers run: the check that sealing
  // does not wait for the writers then has rounds to count. A compactor
  // starved by the writers still fails it, after 30 s of writing.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (compactions_during_writes_.load(std::memory_order_acquire) < 2 && failures_.count() == 0 &&
         std::chrono::steady_clock::now() < until) {
    WriteBatch batch;
    std::vector<Sample> samples;
    for (size_t m = 0; m < mine.size(); ++m) {
      samples.clear();
      for (int64_t i = (batches - 1) * kBatch; i < batches * kBatch; ++i)
        samples.push_back(Sample{Ts(i), Value(mine[m], i)});
      batch.Add(labels[m], samples);
    }
    Status st = db_->Write(batch);
    if (!st.ok()) {
      failures_.Add("writer " + std::to_string(w) + ": Write again: " + st.ToString());
      return;
    }
    samples_written_.fetch_add(batch.num_samples(), std::memory_order_relaxed);
  }
}

bool ConcurrencyStressTest::CheckScan(int s, int64_t a, int64_t b, const char* who) {
  int64_t complete = progress_.Complete(s);
  SeriesId id = Id(s);
  std::string where = std::string(who) + ": series " + std::to_string(s) + " points [" + std::to_string(a) +
                      ", " + std::to_string(b) + "]: ";
  if (id == 0) {
    if (complete > 0)
      failures_.Add(where + "series not found though " + std::to_string(complete) +
                    " points are acknowledged");
    return complete == 0;
  }
  auto it = db_->Scan(id, Ts(a), Ts(b));
  if (!it.ok()) {
    failures_.Add(where + "Scan: " + it.status().ToString());
    return false;
  }
  int64_t last = -1, below_complete = 0;  // last: the last point read
  for (; (*it)->Valid(); (*it)->Next()) {
    Sample x = (*it)->sample();
    int64_t i = (x.ts - kBase) / kStep;
    if (x.ts < Ts(a) || x.ts > Ts(b) || (x.ts - kBase) % kStep != 0) {
      failures_.Add(where + "sample at ts " + std::to_string(x.ts) + " is off the grid or out of range");
      return false;
    }
    if (last >= 0 && i <= last) {
      failures_.Add(where + "point " + std::to_string(i) + " after point " + std::to_string(last) +
                    ": not strictly increasing");
      return false;
    }
    if (!SameBits(x.value, Value(s, i))) {
      failures_.Add(where + "point " + std::to_string(i) + " has value " + std::to_string(x.value) +
                    ", not " + std::to_string(Value(s, i)));
      return false;
    }
    last = i;
    below_complete += i < complete;
  }
  if (!(*it)->status().ok()) {
    failures_.Add(where + "iteration: " + (*it)->status().ToString());
    return false;
  }
  int64_t want = std::max<int64_t>(0, std::min(b, complete - 1) - a + 1);
  if (below_complete != want) {
    failures_.Add(where + std::to_string(below_complete) + " of the " + std::to_string(want) +
                  " acknowledged points below " + std::to_string(complete) + " were read");
    return false;
  }
  if (int64_t sent = progress_.Sent(s); last >= sent) {
    failures_.Add(where + "point " + std::to_string(last) + " read though only points below " +
                  std::to_string(sent) + " were written");
    return false;
  }
  return true;
}

void ConcurrencyStressTest::Reader(int r) {
  std::mt19937_64 rng(1000 + r);
  while (!progress_.stop.load(std::memory_order_acquire)) {
    int s = static_cast<int>(rng() % kSeries);
    int64_t hi = std::min(points_ - 1, progress_.Sent(s) + kBatch);
    int64_t a = static_cast<int64_t>(rng() % static_cast<uint64_t>(hi + 1));
    int64_t b = std::min(hi, a + static_cast<int64_t>(rng() % (8 * kSpanPoints)));
    if (rng() % 8 == 0) a = 0, b = points_ - 1;  // the whole series: every segment and raw sample
    if (!CheckScan(s, a, b, "reader")) return;
    if (rng() % 16 == 0) {
      // Select by owner: every series with acknowledged points, with its labels.
      std::string owner = OwnerOf(s);
      std::vector<LabelMatcher> m = {{MatchType::kEqual, "owner", owner},
                                     {MatchType::kRegexMatch, "__name__", "st.*"}};
      int64_t complete = progress_.Complete(s);
      auto sel = db_->Select(m);
      if (!sel.ok()) {
        failures_.Add("reader: Select: " + sel.status().ToString());
        return;
      }
      bool found = false;
      for (const SeriesInfo& info : *sel) {
        if (GetLabel(info.labels, "owner") != owner || GetLabel(info.labels, kMetricNameLabel) != "stress") {
          failures_.Add("reader: Select owner=" + owner + " returned " + LabelsToString(info.labels));
          return;
        }
        found |= info.labels == LabelsOf(s);
      }
      if (complete > 0 && !found) {
        failures_.Add("reader: Select owner=" + owner + " misses " + LabelsToString(LabelsOf(s)));
        return;
      }
    }
    if (rng() % 32 == 0) {
      // Label values from the postings, and the stats (which list the
      // directory while RocksDB adds and removes files).
      int64_t complete = progress_.Complete(s);
      auto values = db_->LabelValues("owner");
      if (!values.ok()) return failures_.Add("reader: LabelValues: " + values.status().ToString());
      if (complete > 0 && !std::binary_search(values->begin(), values->end(), OwnerOf(s))) {
        return failures_.Add("reader: LabelValues(owner) misses " + OwnerOf(s));
      }
      DatabaseStats stats = db_->GetStats();
      if (stats.series > static_cast<uint64_t>(kSeries + kWriters) || stats.disk_bytes == 0 ||
          stats.disk_bytes > (uint64_t{1} << 40)) {
        return failures_.Add("reader: GetStats: " + std::to_string(stats.series) + " series, " +
                             std::to_string(stats.disk_bytes) + " bytes on disk");
      }
    }
    if (rng() % 8 == 0 && !CheckScratchScan(static_cast<int>(rng() % kWriters), "reader")) return;
    reads_.fetch_add(1, std::memory_order_relaxed);
  }
}

bool ConcurrencyStressTest::CheckScratchScan(int w, const char* who) {
  std::string where = std::string(who) + ": scratch series of writer " + std::to_string(w) + ": ";
  auto id = db_->FindSeries(ScratchLabels(w));
  if (!id.ok()) return id.status().IsNotFound() || (failures_.Add(where + id.status().ToString()), false);
  auto it = db_->Scan(*id, kMinTime, kMaxTime);
  if (!it.ok())
    return it.status().IsNotFound() || (failures_.Add(where + "Scan: " + it.status().ToString()), false);
  int64_t last = -1;
  for (; (*it)->Valid(); (*it)->Next()) {
    Sample x = (*it)->sample();
    int64_t i = (x.ts - kBase) / kStep;
    if (x.ts < kBase || (x.ts - kBase) % kStep != 0 || i >= points_ || i <= last ||
        !SameBits(x.value, Value(kScratch + w, i))) {
      failures_.Add(where + "unexpected sample (" + std::to_string(x.ts) + ", " + std::to_string(x.value) +
                    ") after point " + std::to_string(last));
      return false;
    }
    last = i;
  }
  if (!(*it)->status().ok()) failures_.Add(where + "iteration: " + (*it)->status().ToString());
  return (*it)->status().ok();
}

// A statement run once to its end, its error kept as text.
class Stmt {
 public:
  Stmt(sqlite3* conn, const std::string& sql) : conn_(conn) {
    if (stmt_.Compile(conn, sql) != SQLITE_OK) error_ = sqlite3_errmsg(conn);
  }

  // Runs to the end, calling row() per row; false (with error()) on an error.
  template <typename Row>
  bool Run(Row row) {
    if (!stmt_) return false;
    int rc;
    while ((rc = stmt_.Step()) == SQLITE_ROW) row(stmt_.get());
    if (rc != SQLITE_DONE) error_ = sqlite3_errmsg(conn_);
    return rc == SQLITE_DONE;
  }
  const std::string& error() const { return error_; }

 private:
  sqlite3* conn_;
  sql::Statement stmt_;
  std::string error_;
};

void ConcurrencyStressTest::SqlClient(int c) {
  sqlite3* conn = nullptr;
  if (sqlite3_open(":memory:", &conn) != SQLITE_OK) {
    failures_.Add("sql: cannot open a connection");
    sqlite3_close(conn);
    return;
  }
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> closer(conn, sqlite3_close);
  if (Status st = RegisterSql(conn, db_.get()); !st.ok()) {
    failures_.Add("sql: RegisterSql: " + st.ToString());
    return;
  }
  std::mt19937_64 rng(2000 + c);
  auto fail = [&](const std::string& sql, const std::string& what) {
    failures_.Add("sql: " + sql + ": " + what);
  };
  while (!progress_.stop.load(std::memory_order_acquire)) {
    int s = static_cast<int>(rng() % kSeries);
    int64_t complete = progress_.Complete(s);
    SeriesId id = Id(s);
    int64_t a = complete > 0 ? static_cast<int64_t>(rng() % static_cast<uint64_t>(complete)) : 0;
    int64_t b = std::min(complete - 1, a + static_cast<int64_t>(rng() % (6 * kSpanPoints)));
    std::string sql;
    switch (rng() % 5) {
      case 0: {  // one series by id: exact count and sum over acknowledged points
        if (id == 0 || complete == 0) break;
        sql = "SELECT count(*), sum(value) FROM samples WHERE series_id = " + std::to_string(id) +
              " AND ts BETWEEN " + std::to_string(Ts(a)) + " AND " + std::to_string(Ts(b));
        int64_t n = -1;
        double sum = 0;
        Stmt q(conn, sql);
        if (!q.Run([&](sqlite3_stmt* st) {
              n = sqlite3_column_int64(st, 0), sum = sqlite3_column_double(st, 1);
            })) {
          return fail(sql, q.error());
        }
        if (n != b - a + 1 || sum != ExpectedSum(s, a, b)) {
          return fail(sql, "count " + std::to_string(n) + " sum " + std::to_string(sum) + ", want " +
                               std::to_string(b - a + 1) + " and " + std::to_string(ExpectedSum(s, a, b)));
        }
        break;
      }
      case 1: {  // every series, by metric or by selector, over points all writers have acknowledged
        int64_t all = progress_.MinComplete();
        if (all == 0) break;
        a = static_cast<int64_t>(rng() % static_cast<uint64_t>(all));
        b = std::min(all - 1, a + static_cast<int64_t>(rng() % (2 * kSpanPoints)));
        bool by_selector = rng() % 2;
        sql = std::string("SELECT count(*), sum(value) FROM samples WHERE ") +
              (by_selector ? "selector = '{__name__=\"stress\", owner=~\"w.*|shared\"}'"
                           : "metric = 'stress'") +
              " AND ts >= " + std::to_string(Ts(a)) + " AND ts <= " + std::to_string(Ts(b));
        int64_t n = -1;
        double sum = 0, want = 0;
        for (int t = 0; t < kSeries; ++t) want += ExpectedSum(t, a, b);
        Stmt q(conn, sql);
        if (!q.Run([&](sqlite3_stmt* st) {
              n = sqlite3_column_int64(st, 0), sum = sqlite3_column_double(st, 1);
            })) {
          return fail(sql, q.error());
        }
        if (n != kSeries * (b - a + 1) || sum != want) {
          return fail(sql, "count " + std::to_string(n) + " sum " + std::to_string(sum) + ", want " +
                               std::to_string(kSeries * (b - a + 1)) + " and " + std::to_string(want));
        }
        break;
      }
      case 2: {  // the series listing: right labels, and every series with acknowledged points
        std::vector<int64_t> complete_of(kSeries);
        for (int t = 0; t < kSeries; ++t) complete_of[t] = progress_.Complete(t);
        sql = "SELECT series_id, labels FROM series WHERE metric = 'stress' ORDER BY series_id";
        std::vector<std::pair<SeriesId, std::string>> rows;
        Stmt q(conn, sql);
        if (!q.Run([&](sqlite3_stmt* st) {
              rows.emplace_back(sqlite3_column_int64(st, 0),
                                reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
            })) {
          return fail(sql, q.error());
        }
        for (int t = 0; t < kSeries; ++t) {
          SeriesId tid = Id(t);
          auto row =
              std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.second == JsonOf(t); });
          if (complete_of[t] > 0 && (row == rows.end() || row->first != tid)) {
            return fail(sql, "series " + std::to_string(t) + " (" + JsonOf(t) + ", id " +
                                 std::to_string(tid) + ") is missing");
          }
        }
        if (rows.size() > static_cast<size_t>(kSeries))
          return fail(sql, std::to_string(rows.size()) + " rows");
        break;
      }
      case 3: {  // over_time over acknowledged points, against sums and extremes computed here
        if (complete < 2) break;
        static const char* const kFns[] = {"sum", "count", "max", "min", "last", "first", "quantile"};
        std::string fn = kFns[rng() % 7];
        int64_t range = 1 + static_cast<int64_t>(rng() % (4 * kSpanPoints));  // in points
        int64_t step = 1 + static_cast<int64_t>(rng() % kSpanPoints);
        int64_t start = static_cast<int64_t>(rng() % static_cast<uint64_t>(complete));
        int64_t end = std::min(complete - 1, start + step * static_cast<int64_t>(rng() % 10));
        sql = "SELECT ts, value FROM over_time('" + fn + "', '" + SelectorOf(s) + "', " +
              std::to_string(Ts(start)) + ", " + std::to_string(Ts(end)) + ", " +
              std::to_string(step * kStep) + ", " + std::to_string(range * kStep) +
              // quantile merges the summaries' sketches (approx = 1), through the shared summary cache
              (fn == "quantile" ? ", 0." + std::to_string(rng() % 10) + ", 1)" : ")");
        std::vector<std::pair<int64_t, double>> rows;
        Stmt q(conn, sql);
        if (!q.Run([&](sqlite3_stmt* st) {
              rows.emplace_back(sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1));
            })) {
          return fail(sql, q.error());
        }
        size_t r = 0;
        for (int64_t t = start; t <= end; t += step, ++r) {
          int64_t lo = std::max<int64_t>(0, t - range + 1);  // window (t - range, t] in points
          double want = 0;
          if (fn == "sum") want = ExpectedSum(s, lo, t);
          if (fn == "count") want = static_cast<double>(t - lo + 1);
          if (fn == "last") want = Value(s, t);
          if (fn == "first") want = Value(s, lo);
          double lowest = Value(s, lo), highest = lowest;
          for (int64_t i = lo; i <= t; ++i)
            lowest = std::min(lowest, Value(s, i)), highest = std::max(highest, Value(s, i));
          if (fn == "max") want = highest;
          if (fn == "min") want = lowest;
          // An approximate quantile is checked only to lie within the window's values.
          if (fn == "quantile" && r < rows.size() && rows[r].second >= lowest && rows[r].second <= highest) {
            want = rows[r].second;
          }
          if (r >= rows.size() || rows[r].first != Ts(t) || rows[r].second != want) {
            return fail(sql, "at point " + std::to_string(t) + " got " +
                                 (r < rows.size()
                                      ? std::to_string(rows[r].first) + " " + std::to_string(rows[r].second)
                                      : "no row") +
                                 ", want " + std::to_string(want));
          }
        }
        if (r != rows.size())
          return fail(sql, std::to_string(rows.size()) + " rows, want " + std::to_string(r));
        break;
      }
      case 4: {  // segments: never more sealed samples than were written
        sql = "SELECT count(*), coalesce(sum(samples), 0) FROM segments WHERE metric = 'stress'";
        int64_t sealed = -1;
        Stmt q(conn, sql);
        if (!q.Run([&](sqlite3_stmt* st) { sealed = sqlite3_column_int64(st, 1); }))
          return fail(sql, q.error());
        if (sealed < 0 || sealed > kSeries * points_)
          return fail(sql, std::to_string(sealed) + " sealed samples");
        break;
      }
    }
    if (!sql.empty()) sql_queries_.fetch_add(1, std::memory_order_relaxed);
  }
}

void ConcurrencyStressTest::Compactor() {
  sqlite3* conn = nullptr;
  if (sqlite3_open(":memory:", &conn) != SQLITE_OK || !RegisterSql(conn, db_.get()).ok()) {
    failures_.Add("compactor: cannot open an SQL connection");
    sqlite3_close(conn);
    return;
  }
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> closer(conn, sqlite3_close);
  std::mt19937_64 rng(3000);
  for (uint64_t round = 0; !progress_.stop.load(std::memory_order_acquire); ++round) {
    // Usually up to what every writer has sent, so late points land in
    // sealed windows; sometimes past everything, sealing the windows being
    // written.
    int64_t sent = progress_.sent[0].load(std::memory_order_acquire);
    for (const auto& x : progress_.sent) sent = std::min(sent, x.load(std::memory_order_acquire));
    int64_t seal_before = rng() % 4 == 0 ? Ts(points_ + kSpanPoints) : Ts(sent);
    if (round % 2 == 0) {
      auto stats = db_->Compact(seal_before);
      if (!stats.ok()) return failures_.Add("compactor: Compact: " + stats.status().ToString());
      samples_sealed_.fetch_add(stats->samples_sealed, std::memory_order_relaxed);
    } else {
      std::string sql = "SELECT compact(" + std::to_string(seal_before) + ")";
      Stmt q(conn, sql);
      if (!q.Run([&](sqlite3_stmt* st) {
            samples_sealed_.fetch_add(sqlite3_column_int64(st, 0), std::memory_order_relaxed);
          })) {
        return failures_.Add("compactor: " + sql + ": " + q.error());
      }
    }
    compactions_.fetch_add(1, std::memory_order_relaxed);
    if (!progress_.writers_done.load(std::memory_order_acquire)) {
      compactions_during_writes_.fetch_add(1, std::memory_order_relaxed);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // let writers fill the next windows
  }
}

// Deletes the scratch series, whole (delete_series) or a range of them
// (delete_samples), through SQL while the writers keep writing them.
void ConcurrencyStressTest::Deleter() {
  sqlite3* conn = nullptr;
  if (sqlite3_open(":memory:", &conn) != SQLITE_OK || !RegisterSql(conn, db_.get()).ok()) {
    failures_.Add("deleter: cannot open an SQL connection");
    sqlite3_close(conn);
    return;
  }
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> closer(conn, sqlite3_close);
  std::mt19937_64 rng(4000);
  while (!progress_.stop.load(std::memory_order_acquire)) {
    std::string selector = R"('{__name__="scratch", owner="w)" + std::to_string(rng() % kWriters) + R"("}')";
    int64_t a = static_cast<int64_t>(rng() % static_cast<uint64_t>(points_));
    std::string sql = rng() % 2
                          ? "SELECT delete_series(" + selector + ")"
                          : "SELECT delete_samples(" + selector + ", " + std::to_string(Ts(a)) + ", " +
                                std::to_string(Ts(a + static_cast<int64_t>(rng() % (4 * kSpanPoints)))) + ")";
    Stmt q(conn, sql);
    if (!q.Run([](sqlite3_stmt*) {})) return failures_.Add("deleter: " + sql + ": " + q.error());
    deletions_.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void ConcurrencyStressTest::VerifyAll(const char* when) {
  for (int s = 0; s < kSeries; ++s) {
    progress_.ids[s].store(0);  // ids are looked up again: after a reopen too
    auto it = db_->FindSeries(LabelsOf(s));
    ASSERT_TRUE(it.ok()) << when << ": series " << s << ": " << it.status().ToString();
    auto scan = db_->Scan(*it, kMinTime, kMaxTime);
    ASSERT_TRUE(scan.ok()) << scan.status().ToString();
    int64_t i = 0;
    for (; (*scan)->Valid(); (*scan)->Next(), ++i) {
      Sample x = (*scan)->sample();
      ASSERT_LT(i, points_) << when << ": series " << s << " has a sample past the last point: ts " << x.ts;
      ASSERT_EQ(x.ts, Ts(i)) << when << ": series " << s << " point " << i;
      ASSERT_TRUE(SameBits(x.value, Value(s, i)))
          << when << ": series " << s << " point " << i << " = " << x.value;
    }
    ASSERT_TRUE((*scan)->status().ok()) << (*scan)->status().ToString();
    ASSERT_EQ(i, points_) << when << ": series " << s;
  }
  auto report = db_->Check();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  std::string problems;
  for (const std::string& p : report->problems) problems += "  " + p + "\n";
  ASSERT_TRUE(report->ok()) << when << ": Check found:\n" << problems;
  EXPECT_EQ(report->series, static_cast<uint64_t>(kSeries));
}

TEST_F(ConcurrencyStressTest, WritersReadersSqlAndCompactionAgree) {
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> writers, others;
  for (int w = 0; w < kWriters; ++w) writers.emplace_back([this, w] { Writer(w); });
  for (int r = 0; r < kReaders; ++r) others.emplace_back([this, r] { Reader(r); });
  for (int c = 0; c < kSqlThreads; ++c) others.emplace_back([this, c] { SqlClient(c); });
  others.emplace_back([this] { Compactor(); });
  others.emplace_back([this] { Deleter(); });
  for (std::thread& t : writers) t.join();
  progress_.writers_done.store(true, std::memory_order_release);
  // One more moment of reading and sealing over the finished data.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  progress_.stop.store(true, std::memory_order_release);
  for (std::thread& t : others) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  ASSERT_EQ(failures_.count(), 0) << failures_.count() << " failures, the first ones:\n"
                                  << failures_.Summary();
  auto n = [](const std::atomic<uint64_t>& x) { return static_cast<unsigned long long>(x.load()); };
  std::printf(
      "%.1f s: %lld points x %d series, %llu samples written, %llu reads, %llu SQL queries, "
      "%llu compactions (%llu while writing) sealing %llu samples, %llu deletions\n",
      seconds, static_cast<long long>(points_), kSeries, n(samples_written_), n(reads_), n(sql_queries_),
      n(compactions_), n(compactions_during_writes_), n(samples_sealed_), n(deletions_));
  // The run must actually have overlapped: each kind of thread did work
  // and compaction sealed samples while writers ran.
  EXPECT_GT(reads_.load(), 0u);
  EXPECT_GT(sql_queries_.load(), 0u);
  EXPECT_GT(samples_sealed_.load(), 0u);
  // Sealing must not wait for the writers to stop (it did while writers
  // could starve it of the seal lock).
  EXPECT_GE(compactions_during_writes_.load(), 2u);
  EXPECT_GT(deletions_.load(), 0u);
  EXPECT_EQ(db_->GetStats().samples_written, samples_written_.load());

  // The scratch series go: whatever a write that raced with a deletion left
  // behind must go with them (Check reports samples of unknown series).
  for (int w = 0; w < kWriters; ++w) {
    if (auto id = db_->FindSeries(ScratchLabels(w)); id.ok()) {
      ASSERT_TRUE(db_->DeleteSeries(*id).ok());
    }
  }
  VerifyAll("after the run");
  // Seal the rest: nothing may be lost or doubled by the last re-sealing.
  auto stats = db_->Compact(Ts(points_ + kSpanPoints));
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  VerifyAll("after sealing everything");
  auto report = db_->Check();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->raw_samples, 0u);
  EXPECT_EQ(report->segment_samples, static_cast<uint64_t>(kSeries * points_));
  OpenDb();
  VerifyAll("after reopening");
}

}  // namespace
}  // namespace overtone
