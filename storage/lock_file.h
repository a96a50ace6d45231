// Whether a database is held by a writer, asked of the operating system
// rather than read from the wording of RocksDB's error.
//
// RocksDB lets one writer at a time open a database: it takes a POSIX record
// lock (fcntl F_SETLK) on the database's LOCK file, and it refuses a second
// writer in the same process by a list of the LOCK files it holds. Either
// refusal reaches us as a plain I/O error, so when an open fails Store asks
// here whether the LOCK file is held, and if it is reports kBusy.
//
// A lock of another process shows through F_GETLK. This process's own locks
// do not (a process never conflicts with itself), and worse, closing any
// descriptor of a locked file drops every lock the process has on it. So the
// LOCK files this process holds are noted in a HeldLockFile while Store has
// them, and a file noted there is never opened to probe it. For the note to
// be true when a probe reads it, taking a lock and noting it, letting it go
// and un-noting it, and probing all happen under LockFileMutex().

#ifndef OVERTONE_STORAGE_LOCK_FILE_H_
#define OVERTONE_STORAGE_LOCK_FILE_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace overtone::storage {

// Held while a database is opened for writing or closed, and by the calls
// below.
std::mutex& LockFileMutex();

// Notes, for as long as it lives, that this process holds a LOCK file.
// REQUIRES: LockFileMutex() is held while it is made and destroyed.
class HeldLockFile {
 public:
  // REQUIRES: this process has just locked `path` (RocksDB opened the
  // database for writing). Notes nothing if `path` cannot be found.
  explicit HeldLockFile(const std::string& path);
  ~HeldLockFile();
  HeldLockFile(const HeldLockFile&) = delete;
  HeldLockFile& operator=(const HeldLockFile&) = delete;

 private:
  std::optional<std::pair<uint64_t, uint64_t>> file_;  // (device, inode)
};

// Whether a writer, in this process or another, holds the LOCK file `path`.
// False when `path` does not exist or cannot be read.
// REQUIRES: LockFileMutex() is held.
bool IsLockFileHeld(const std::string& path);

// The process id of the writer holding the LOCK file `path`: this
// process's own when it holds it, else the one the operating system names;
// 0 when nobody holds it. REQUIRES: LockFileMutex() is held.
int64_t LockFileHolder(const std::string& path);

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_LOCK_FILE_H_
