// FaultFileSystem: a RocksDB FileSystem (the public FileSystemWrapper API)
// over the real one that fails on command, as a full or failing disk does.
//
//   auto fs = std::make_shared<FaultFileSystem>();
//   options.file_system = fs;                 // storage::StoreOptions or
//                                             // engine::OpenWithFileSystem
//   fs->Arm({.error = FaultFileSystem::kNoSpace, .after_bytes = 4096});
//   ... writes fail with NoSpace once 4 KiB more have been written ...
//   fs->Disarm();                             // "space returns"
//
// While armed, each operation named in the plan fails once its trigger is
// reached: `after_bytes` more bytes appended to files, or the `after_calls`th
// matching call. `file_suffix` limits the plan to files whose name ends so
// (".sst": flush and compaction output; ".log": the write-ahead log).
// GetFreeSpace() reports 0 bytes while a NoSpace plan is armed, as a full
// disk does, so RocksDB's own recovery waits for Disarm().

#ifndef OVERTONE_TESTS_SUPPORT_FAULT_FILE_SYSTEM_H_
#define OVERTONE_TESTS_SUPPORT_FAULT_FILE_SYSTEM_H_

#include <rocksdb/file_system.h>
#include <rocksdb/io_status.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace overtone::testing {

class FaultFileSystem : public rocksdb::FileSystemWrapper {
 public:
  enum Error { kNoSpace, kIOError };
  struct Plan {
    Error error = kNoSpace;
    bool on_write = true;    // Append / PositionedAppend
    bool on_sync = true;     // Sync / Fsync / Flush
    bool on_rename = true;   // RenameFile (CURRENT, OPTIONS)
    bool on_create = false;  // NewWritableFile and its kin
    uint64_t after_bytes = 0;
    uint64_t after_calls = 0;
    std::string file_suffix;  // empty: every file
  };

  FaultFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultFileSystem"; }

  void Arm(const Plan& plan) {
    std::lock_guard lock(mu_);
    plan_ = plan;
    bytes_ = 0;
    calls_ = 0;
    armed_ = true;
  }
  void Disarm() {
    std::lock_guard lock(mu_);
    armed_ = false;
  }
  bool armed() const {
    std::lock_guard lock(mu_);
    return armed_;
  }
  // Operations failed on purpose so far.
  uint64_t injected() const { return injected_.load(); }

  // Whether an operation of `kind` on `file` adding `bytes` fails now; the
  // error to return when it does.
  enum Kind { kWrite, kSync, kRename, kCreate };
  rocksdb::IOStatus Check(Kind kind, const std::string& file, uint64_t bytes) {
    std::lock_guard lock(mu_);
    if (!armed_) return rocksdb::IOStatus::OK();
    if (!plan_.file_suffix.empty() && !file.ends_with(plan_.file_suffix)) return rocksdb::IOStatus::OK();
    const bool applies = (kind == kWrite && plan_.on_write) || (kind == kSync && plan_.on_sync) ||
                         (kind == kRename && plan_.on_rename) || (kind == kCreate && plan_.on_create);
    if (!applies) return rocksdb::IOStatus::OK();
    ++calls_;
    bytes_ += bytes;
    if (calls_ <= plan_.after_calls || (plan_.after_bytes > 0 && bytes_ <= plan_.after_bytes)) {
      return rocksdb::IOStatus::OK();
    }
    injected_.fetch_add(1);
    if (plan_.error == kNoSpace) return rocksdb::IOStatus::NoSpace("injected: no space left on device", file);
    return rocksdb::IOStatus::IOError("injected: input/output error", file);
  }

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override {
    if (auto s = Check(kCreate, f, 0); !s.ok()) return s;
    auto s = target()->NewWritableFile(f, o, r, dbg);
    if (s.ok()) *r = std::make_unique<File>(std::move(*r), this, f);
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override {
    if (auto s = Check(kCreate, f, 0); !s.ok()) return s;
    auto s = target()->ReopenWritableFile(f, o, r, dbg);
    if (s.ok()) *r = std::make_unique<File>(std::move(*r), this, f);
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                                      const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* dbg) override {
    if (auto s = Check(kCreate, f, 0); !s.ok()) return s;
    auto s = target()->ReuseWritableFile(f, old, o, r, dbg);
    if (s.ok()) *r = std::make_unique<File>(std::move(*r), this, f);
    return s;
  }
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& dst, const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* dbg) override {
    if (auto s = Check(kRename, dst, 0); !s.ok()) return s;
    return target()->RenameFile(src, dst, o, dbg);
  }
  rocksdb::IOStatus GetFreeSpace(const std::string& path, const rocksdb::IOOptions& o, uint64_t* free,
                                 rocksdb::IODebugContext* dbg) override {
    {
      std::lock_guard lock(mu_);
      if (armed_ && plan_.error == kNoSpace) {
        *free = 0;
        return rocksdb::IOStatus::OK();
      }
    }
    return target()->GetFreeSpace(path, o, free, dbg);
  }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile>&& t, FaultFileSystem* fs, std::string name)
        : FSWritableFileOwnerWrapper(std::move(t)), fs_(fs), name_(std::move(name)) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->Check(kWrite, name_, data.size()); !s.ok()) return s;
      return target()->Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& v, rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->Check(kWrite, name_, data.size()); !s.ok()) return s;
      return target()->Append(data, o, v, dbg);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t off, const rocksdb::IOOptions& o,
                                       rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->Check(kWrite, name_, data.size()); !s.ok()) return s;
      return target()->PositionedAppend(data, off, o, dbg);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t off, const rocksdb::IOOptions& o,
                                       const rocksdb::DataVerificationInfo& v,
                                       rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->Check(kWrite, name_, data.size()); !s.ok()) return s;
      return target()->PositionedAppend(data, off, o, v, dbg);
    }
    rocksdb::IOStatus Flush(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->Check(kSync, name_, 0); !s.ok()) return s;
      return target()->Flush(o, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->Check(kSync, name_, 0); !s.ok()) return s;
      return target()->Sync(o, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->Check(kSync, name_, 0); !s.ok()) return s;
      return target()->Fsync(o, dbg);
    }
    rocksdb::IOStatus RangeSync(uint64_t off, uint64_t n, const rocksdb::IOOptions& o,
                                rocksdb::IODebugContext* dbg) override {
      if (auto s = fs_->Check(kSync, name_, 0); !s.ok()) return s;
      return target()->RangeSync(off, n, o, dbg);
    }

   private:
    FaultFileSystem* fs_;
    std::string name_;
  };

  mutable std::mutex mu_;
  Plan plan_;
  bool armed_ = false;
  uint64_t bytes_ = 0;
  uint64_t calls_ = 0;
  std::atomic<uint64_t> injected_{0};
};

}  // namespace overtone::testing

#endif  // OVERTONE_TESTS_SUPPORT_FAULT_FILE_SYSTEM_H_
