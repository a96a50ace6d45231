#include "storage/info_log.h"

#include <fcntl.h>
#include <rocksdb/env.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <system_error>

namespace overtone::storage {
namespace {

class InfoLog final : public rocksdb::Logger {
 public:
  explicit InfoLog(int fd) : fd_(fd) {}
  ~InfoLog() override {
    if (fd_ >= 0) ::close(fd_);
  }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (fd_ < 0) return;
    char line[4096];
    struct timeval now;
    gettimeofday(&now, nullptr);
    struct tm t;
    localtime_r(&now.tv_sec, &t);
    int n =
        std::snprintf(line, sizeof line, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld ", t.tm_year + 1900,
                      t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, static_cast<long>(now.tv_usec));
    if (n < 0) return;
    va_list copy;
    va_copy(copy, ap);
    int m = std::vsnprintf(line + n, sizeof line - static_cast<size_t>(n) - 1, format, copy);
    va_end(copy);
    if (m < 0) return;
    size_t len = std::min(sizeof line - 2, static_cast<size_t>(n) + static_cast<size_t>(m));
    if (len == 0 || line[len - 1] != '\n') line[len++] = '\n';
    // One write per line, so lines of threads never interleave (O_APPEND);
    // a failed or short write loses the line, nothing else.
    ssize_t written = ::write(fd_, line, len);
    (void)written;
  }

 private:
  int fd_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewInfoLog(const std::string& dir, bool rotate) {
  const std::string path = dir + "/LOG";
  if (rotate) {
    std::error_code ec;
    std::filesystem::rename(path, path + ".old", ec);  // none yet, or not renamable: keep appending
  }
  // A reader appends only to a LOG that is there: opening read-only
  // creates no file.
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | (rotate ? O_CREAT : 0), 0644);
  // Without a file (the disk full at open, a read-only directory) lines are
  // dropped; the database works the same.
  return std::make_shared<InfoLog>(fd);
}

}  // namespace overtone::storage
