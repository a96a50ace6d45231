// Store's storage-fault handling (store.h): the failing state, and the
// thread that brings writes back.
//
// How writes come back, and why this way: every second the thread first
// tries a small write (a key of the metadata family). RocksDB recovers by
// itself from some faults (a flush or compaction that ran out of space,
// through its SstFileManager once space returns); the probe sees that. When
// the probe still fails, RocksDB is stuck: a failed write to the write-ahead
// log, or any I/O error it classes as fatal, is never lifted by
// DB::Resume() in RocksDB 7.8 (tried with the faults of
// tests/storage/store_fault_test.cc: Resume() returned the old error, or
// Busy while RocksDB's own attempt ran and failed). Then, once the disk
// reports room for the reopen (the log's size and 1 MiB), the thread closes
// the database and opens it again: RocksDB replays the write-ahead log up to its
// last whole record (everything acknowledged is in a whole record, since a
// write is acknowledged only after its record was appended) and flushes it.
// The reopen waits until no pin is held; if it fails (the disk failed
// again) the store stays closed, reads and writes fail with the reason, and
// the next attempt follows a second later.

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "storage/rocks_status.h"
#include "storage/store.h"

namespace overtone::storage {
namespace {

constexpr auto kRecoveryInterval = std::chrono::seconds(1);
// A reopen writes a new log and a new MANIFEST and flushes the write-ahead
// log it replays into table files: it needs about the log's size free, plus
// this much. With less it would fail at once and leave the store closed, so
// that reads fail too, until the next attempt: wait for more instead.
constexpr uint64_t kMinFreeBytesToReopen = 1u << 20;
constexpr std::string_view kProbeKey = "write_probe";

// The bytes of the write-ahead log files (NNNNNN.log) in `dir`.
uint64_t LogBytes(rocksdb::Env* env, const std::string& dir) {
  std::vector<std::string> names;
  if (!env->GetChildren(dir, &names).ok()) return 0;
  uint64_t total = 0;
  for (const std::string& name : names) {
    if (name.size() <= 4 || name.compare(name.size() - 4, 4, ".log") != 0) continue;
    uint64_t size = 0;
    if (env->GetFileSize(dir + "/" + name, &size).ok()) total += size;
  }
  return total;
}

}  // namespace

Status Store::write_fault() const {
  std::lock_guard lock(fault_mu_);
  return write_fault_;
}

Status Store::RefuseWrite() {
  failed_writes_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(fault_mu_);
  if (!write_fault_.ok()) return write_fault_;
  return Status::IOError("the database is closed while it recovers from a storage fault; retry later");
}

Status Store::WriteFailed(const Status& s) {
  if (s.ok() || !s.IsStorageFault()) return s;
  failed_writes_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(fault_mu_);
  if (write_fault_.ok()) write_fault_ = s;
  writes_failing_.store(true, std::memory_order_release);
  if (!recovering_ && !closing_) {
    if (recovery_thread_.joinable()) recovery_thread_.join();  // the last one has returned
    recovering_ = true;
    recovery_thread_ = std::thread([this] { RecoveryLoop(); });
  }
  return s;
}

void Store::StopRecovery() {
  {
    std::lock_guard lock(fault_mu_);
    closing_ = true;
  }
  fault_cv_.notify_all();
  if (recovery_thread_.joinable()) recovery_thread_.join();
}

void Store::RecoveryLoop() {
  std::unique_lock lock(fault_mu_);
  while (!fault_cv_.wait_for(lock, kRecoveryInterval, [this] { return closing_; })) {
    lock.unlock();
    bool recovered = TryRecover();
    lock.lock();
    if (recovered) {
      write_fault_ = Status::OK();
      writes_failing_.store(false, std::memory_order_release);
      recoveries_.fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  recovering_ = false;
}

bool Store::TryRecover() {
  {
    StorePin pin = Pin();
    if (db_) {
      rocksdb::WriteOptions wo;
      wo.sync = options_.sync;
      if (db_->Put(wo, cfs_[0], rocksdb::Slice(kProbeKey.data(), kProbeKey.size()), "").ok()) return true;
    }
  }
  rocksdb::Env* env = env_ ? env_.get() : rocksdb::Env::Default();
  uint64_t free_bytes = 0;
  if (env->GetFreeSpace(path_, &free_bytes).ok() &&
      free_bytes < kMinFreeBytesToReopen + LogBytes(env, path_)) {
    return false;
  }

  // Exclusive: no cursor, view or batch may outlive the instance it uses.
  // try_lock, not lock: a pin holder may be waiting for a writer that waits
  // for this thread's verdict; a later attempt finds a quiet moment.
  std::unique_lock<std::shared_mutex> exclusive(db_mu_, std::defer_lock);
  for (int i = 0; i < 100 && !exclusive.try_lock(); ++i) {
    {
      std::lock_guard lock(fault_mu_);
      if (closing_) return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!exclusive.owns_lock()) return false;
  CloseDb();
  reopens_.fetch_add(1, std::memory_order_relaxed);
  Status s = OpenDb();
  if (!s.ok()) {
    std::lock_guard lock(fault_mu_);
    write_fault_ = s.IsStorageFault() ? s : Status::IOError(s.message());
    return false;
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return db_->Put(wo, cfs_[0], rocksdb::Slice(kProbeKey.data(), kProbeKey.size()), "").ok();
}

}  // namespace overtone::storage
