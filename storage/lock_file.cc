#include "storage/lock_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

namespace overtone::storage {
namespace {

using FileId = std::pair<uint64_t, uint64_t>;  // (device, inode): one file, whatever path leads to it

std::optional<FileId> IdOf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

// The LOCK files this process holds; guarded by LockFileMutex().
std::set<FileId>& Held() {
  static auto* held = new std::set<FileId>;  // never destroyed: a Store may outlive statics
  return *held;
}

// The process that has a lock on `path` a write lock would conflict with,
// or 0. REQUIRES: this process holds no lock on it (see the header).
pid_t LockingProcess(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct flock probe = {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  probe.l_start = 0;
  probe.l_len = 0;  // the whole file, as RocksDB locks it
  bool locked = ::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
  ::close(fd);
  return locked ? probe.l_pid : 0;
}

}  // namespace

std::mutex& LockFileMutex() {
  static auto* mu = new std::mutex;  // never destroyed: a Store may outlive statics
  return *mu;
}

HeldLockFile::HeldLockFile(const std::string& path) : file_(IdOf(path)) {
  if (file_) Held().insert(*file_);
}

HeldLockFile::~HeldLockFile() {
  if (file_) Held().erase(*file_);
}

bool IsLockFileHeld(const std::string& path) {
  std::optional<FileId> id = IdOf(path);
  if (!id) return false;
  return Held().count(*id) != 0 || LockingProcess(path) != 0;
}

int64_t LockFileHolder(const std::string& path) {
  std::optional<FileId> id = IdOf(path);
  if (!id) return 0;
  if (Held().count(*id) != 0) return ::getpid();
  return LockingProcess(path);
}

}  // namespace overtone::storage
