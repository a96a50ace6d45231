// Writing series and their samples out as text: the interface that the
// exporter and the emulator write through, and the buffered file it writes to.
//
//   auto out = OutputFile::Open("fleet.om");            // "-" is stdout
//   auto w = MakeSampleWriter(ExportFormat::kOpenMetrics, out->get(), NanStyle::kLossless);
//   w->BeginFamily({"cpu_usage_percent", "gauge", "CPU busy.", ""});
//   w->BeginSeries(labels);
//   w->WriteSamples(samples);
//   Status s = w->Finish();                              // "# EOF", flush
//
// A writer's caller keeps each family's series together and each series'
// samples together and in time order, as OpenMetrics requires.

#ifndef OVERTONE_ADAPTERS_FORMATS_SAMPLE_WRITER_H_
#define OVERTONE_ADAPTERS_FORMATS_SAMPLE_WRITER_H_

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "adapters/formats/value_text.h"
#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::adapters {

enum class ExportFormat { kOpenMetrics, kPrometheusText, kCsv };

// "openmetrics", "prometheus" or "csv".
Result<ExportFormat> ParseExportFormat(std::string_view name);

// A file descriptor with a large write buffer. Errors are sticky: Append()
// after a failure does nothing, and Flush()/Close() report the first error.
class OutputFile {
 public:
  // `path` "-" is standard output (not closed by Close()).
  static Result<std::unique_ptr<OutputFile>> Open(const std::string& path);
  // Writes to `fd`, which the caller keeps open.
  static std::unique_ptr<OutputFile> ForFd(int fd, std::string name);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void Append(std::string_view text) {
    buf_.append(text);
    if (buf_.size() >= kFlushAt) Drain();
  }
  // Room to format into directly: append to buffer() and call MaybeDrain().
  std::string* buffer() { return &buf_; }
  void MaybeDrain() {
    if (buf_.size() >= kFlushAt) Drain();
  }
  Status Flush();
  // Flushes and closes the file.
  Status Close();
  uint64_t bytes_written() const { return written_ + buf_.size(); }

 private:
  static constexpr size_t kFlushAt = 1 << 20;
  OutputFile(int fd, bool owned, std::string name);
  void Drain();

  int fd_;
  bool owned_;
  std::string name_;
  std::string buf_;
  uint64_t written_ = 0;
  Status status_;
};

struct FamilyInfo {
  std::string_view name;  // the family, e.g. "http_requests" for http_requests_total
  std::string_view type;  // counter, gauge, ...; "" for none
  std::string_view help;  // "" for none
  std::string_view unit;  // "" for none
};

class SampleWriter {
 public:
  virtual ~SampleWriter() = default;
  // Metadata for the series that follow (OpenMetrics/Prometheus text only).
  virtual void BeginFamily(const FamilyInfo& family) = 0;
  // The series (with __name__) whose samples follow.
  virtual void BeginSeries(const Labels& labels) = 0;
  virtual void WriteSamples(std::span<const Sample> samples) = 0;
  // Ends the output (OpenMetrics: "# EOF") and flushes it.
  virtual Status Finish() = 0;
};

// For the writers of line formats: appends to `out` one line per sample,
// `prefix`, what append_fields(sample, buffer) appends, then '\n', leaving
// staleness markers out when `nan_style` is kPortable.
template <typename AppendFields>
void WriteSampleLines(OutputFile* out, std::string_view prefix, NanStyle nan_style,
                      std::span<const Sample> samples, AppendFields append_fields) {
  std::string* b = out->buffer();
  for (const Sample& s : samples) {
    if (nan_style == NanStyle::kPortable && IsStaleNaN(s.value)) continue;
    b->append(prefix);
    append_fields(s, b);
    b->push_back('\n');
    out->MaybeDrain();
  }
}

// REQUIRES: `out` outlives the writer. With NanStyle::kPortable staleness
// markers are left out and every NaN is written as NaN.
std::unique_ptr<SampleWriter> MakeSampleWriter(ExportFormat format, OutputFile* out, NanStyle nan_style);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_FORMATS_SAMPLE_WRITER_H_
