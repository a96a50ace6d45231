// Export then import of one sample: what `overtone export` writes
// (adapters/formats/sample_writer.h, lossless NaN style) must read back, through
// the line parser of the same format, to the same labels, timestamp and
// value bits (docs/IMPORT_EXPORT.md promises it). Both line targets check
// every sample they parse this way (CheckLines).

#ifndef OVERTONE_FUZZ_EXPORT_ROUND_TRIP_H_
#define OVERTONE_FUZZ_EXPORT_ROUND_TRIP_H_

#include <sys/mman.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/formats/csv_format.h"
#include "adapters/formats/openmetrics_parser.h"
#include "adapters/formats/sample_writer.h"
#include "fuzz/fuzz_input.h"

namespace overtone::fuzz {

class ExportRoundTrip {
 public:
  ExportRoundTrip() {
    fd_ = memfd_create("export", 0);
    FUZZ_CHECK(fd_ >= 0);
    file_ = adapters::OutputFile::ForFd(fd_, "export");
  }

  // Parses `text` line by line with `parser` (a CsvLineParser or a
  // TextLineParser) and checks every sample line: its series parses to labels
  // the engine accepts, and the sample survives export to `format` and
  // re-import (Check).
  template <typename LineParser>
  void CheckLines(LineParser* parser, std::string_view text, adapters::ExportFormat format) {
    for (std::string_view line : SplitLines(text)) {
      adapters::ParsedLine parsed;
      if (!parser->ParseLine(line, &parsed).ok()) continue;
      if (parsed.kind != adapters::ParsedLine::Kind::kSample) continue;
      Labels labels;
      if (!LineParser::ParseSeries(parsed.series, &labels).ok()) continue;
      FUZZ_CHECK(ValidateLabels(labels).ok());
      Check(format, labels, Sample{parsed.ts, parsed.value});
    }
  }

  // REQUIRES: labels as a parser's ParseSeries returned them.
  void Check(adapters::ExportFormat format, const Labels& labels, Sample sample) {
    std::string text = Export(format, labels, sample);
    std::unique_ptr<adapters::TextLineParser> text_parser;
    std::unique_ptr<adapters::CsvLineParser> csv_parser;
    if (format == adapters::ExportFormat::kCsv) {
      csv_parser = std::make_unique<adapters::CsvLineParser>();
    } else {
      text_parser = std::make_unique<adapters::TextLineParser>(format == adapters::ExportFormat::kOpenMetrics
                                                                   ? adapters::TextFormat::kOpenMetrics
                                                                   : adapters::TextFormat::kPrometheus);
    }
    int samples = 0;
    for (std::string_view line : SplitLines(text)) {
      adapters::ParsedLine parsed;
      Status s = csv_parser ? csv_parser->ParseLine(line, &parsed) : text_parser->ParseLine(line, &parsed);
      if (!s.ok()) std::fprintf(stderr, "%s\n%s\n", s.ToString().c_str(), text.c_str());
      FUZZ_CHECK(s.ok());
      if (parsed.kind != adapters::ParsedLine::Kind::kSample) continue;
      ++samples;
      Labels back;
      FUZZ_CHECK((csv_parser ? csv_parser->ParseSeries(parsed.series, &back)
                             : text_parser->ParseSeries(parsed.series, &back))
                     .ok());
      FUZZ_CHECK(back == labels);
      FUZZ_CHECK(parsed.ts == sample.ts);
      FUZZ_CHECK(SameBits(parsed.value, sample.value));
    }
    FUZZ_CHECK(samples == 1);
    if (text_parser) FUZZ_CHECK(text_parser->Finish().ok());
  }

 private:
  std::string Export(adapters::ExportFormat format, const Labels& labels, Sample sample) {
    FUZZ_CHECK(ftruncate(fd_, 0) == 0 && lseek(fd_, 0, SEEK_SET) == 0);
    auto writer = adapters::MakeSampleWriter(format, file_.get(), adapters::NanStyle::kLossless);
    writer->BeginSeries(labels);
    writer->WriteSamples({&sample, 1});
    FUZZ_CHECK(writer->Finish().ok());
    std::string text(static_cast<size_t>(lseek(fd_, 0, SEEK_END)), '\0');
    FUZZ_CHECK(pread(fd_, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()));
    return text;
  }

  int fd_;
  std::unique_ptr<adapters::OutputFile> file_;
};

}  // namespace overtone::fuzz

#endif  // OVERTONE_FUZZ_EXPORT_ROUND_TRIP_H_
