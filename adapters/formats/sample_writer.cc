#include "adapters/formats/sample_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "adapters/formats/csv_format.h"
#include "adapters/formats/openmetrics_writer.h"

namespace overtone::adapters {

Result<ExportFormat> ParseExportFormat(std::string_view name) {
  if (name == "openmetrics" || name == "om") return ExportFormat::kOpenMetrics;
  if (name == "prometheus" || name == "text") return ExportFormat::kPrometheusText;
  if (name == "csv") return ExportFormat::kCsv;
  return Status::InvalidArgument("unknown format '" + std::string(name) +
                                 "' (openmetrics, prometheus or csv)");
}

Result<std::unique_ptr<OutputFile>> OutputFile::Open(const std::string& path) {
  if (path == "-") return ForFd(STDOUT_FILENO, "standard output");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  return std::unique_ptr<OutputFile>(new OutputFile(fd, true, path));
}

std::unique_ptr<OutputFile> OutputFile::ForFd(int fd, std::string name) {
  return std::unique_ptr<OutputFile>(new OutputFile(fd, false, std::move(name)));
}

OutputFile::OutputFile(int fd, bool owned, std::string name)
    : fd_(fd), owned_(owned), name_(std::move(name)) {
  buf_.reserve(kFlushAt + (64 << 10));
}

OutputFile::~OutputFile() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

void OutputFile::Drain() {
  if (!status_.ok()) {
    buf_.clear();
    return;
  }
  const char* p = buf_.data();
  size_t left = buf_.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      status_ = Status::IOError("cannot write " + name_ + ": " + std::strerror(errno));
      break;
    }
    p += n;
    left -= static_cast<size_t>(n);
    written_ += static_cast<uint64_t>(n);
  }
  buf_.clear();
}

Status OutputFile::Flush() {
  Drain();
  return status_;
}

Status OutputFile::Close() {
  Drain();
  if (owned_ && fd_ >= 0) {
    if (::close(fd_) != 0 && status_.ok()) {
      status_ = Status::IOError("cannot close " + name_ + ": " + std::strerror(errno));
    }
    fd_ = -1;
  }
  return status_;
}

std::unique_ptr<SampleWriter> MakeSampleWriter(ExportFormat format, OutputFile* out, NanStyle nan_style) {
  switch (format) {
    case ExportFormat::kCsv: return NewCsvWriter(out, nan_style);
    case ExportFormat::kPrometheusText: return NewTextWriter(TextFormat::kPrometheus, out, nan_style);
    case ExportFormat::kOpenMetrics: break;
  }
  return NewTextWriter(TextFormat::kOpenMetrics, out, nan_style);
}

}  // namespace overtone::adapters
