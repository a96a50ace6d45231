#include "adapters/formats/importer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "adapters/formats/csv_format.h"
#include "adapters/formats/exposition.h"
#include "adapters/formats/openmetrics_parser.h"

namespace overtone::adapters {
namespace {

constexpr size_t kReadChunk = 1 << 20;
constexpr size_t kMaxLine = 256u << 20;
constexpr size_t kSniffBytes = 64 << 10;
constexpr uint64_t kProgressEveryLines = 1 << 14;

// Reads a file descriptor a line at a time through one growing buffer.
class LineReader {
 public:
  LineReader(int fd, std::string name) : fd_(fd), name_(std::move(name)), buf_(kReadChunk) {}

  // Reads until at least `n` bytes are buffered or the input ends; returns
  // what is buffered.
  Result<std::string_view> Peek(size_t n) {
    while (end_ - begin_ < n && !eof_) OT_RETURN_IF_ERROR(ReadMore());
    return std::string_view(buf_.data() + begin_, end_ - begin_);
  }

  // The next line without its line ending; false at the end of the input.
  Result<bool> Next(std::string_view* line) {
    size_t scanned = begin_;
    for (;;) {
      const char* nl = static_cast<const char*>(std::memchr(buf_.data() + scanned, '\n', end_ - scanned));
      if (nl != nullptr) {
        size_t len = static_cast<size_t>(nl - (buf_.data() + begin_));
        *line = std::string_view(buf_.data() + begin_, len);
        begin_ += len + 1;
        if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
        return true;
      }
      if (eof_) {
        if (begin_ == end_) return false;
        *line = std::string_view(buf_.data() + begin_, end_ - begin_);
        begin_ = end_;
        if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
        return true;
      }
      scanned = end_ - begin_;  // relative, as ReadMore() compacts
      OT_RETURN_IF_ERROR(ReadMore());
      scanned += begin_;
    }
  }

  uint64_t consumed() const { return read_ - (end_ - begin_); }

 private:
  Status ReadMore() {
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (buf_.size() - end_ < kReadChunk / 2) {
      if (buf_.size() >= kMaxLine) {
        return Status::InvalidArgument("a line of " + name_ + " is longer than 256 MiB");
      }
      buf_.resize(buf_.size() * 2);
    }
    for (;;) {
      ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::IOError("cannot read " + name_ + ": " + std::strerror(errno));
      if (n == 0) eof_ = true;
      end_ += static_cast<size_t>(n);
      read_ += static_cast<uint64_t>(n);
      return Status::OK();
    }
  }

  int fd_;
  std::string name_;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  uint64_t read_ = 0;
  bool eof_ = false;
};

// The parsers behind one interface.
class LineParser {
 public:
  virtual ~LineParser() = default;
  virtual Status ParseLine(std::string_view line, ParsedLine* out) = 0;
  virtual Status ParseSeries(std::string_view series, Labels* labels) = 0;
  virtual Status Finish() = 0;
};

class TextParser final : public LineParser {
 public:
  explicit TextParser(TextFormat f) : p_(f) {}
  Status ParseLine(std::string_view line, ParsedLine* out) override { return p_.ParseLine(line, out); }
  Status ParseSeries(std::string_view s, Labels* l) override { return TextLineParser::ParseSeries(s, l); }
  Status Finish() override { return p_.Finish(); }

 private:
  TextLineParser p_;
};

class CsvParser final : public LineParser {
 public:
  Status ParseLine(std::string_view line, ParsedLine* out) override { return p_.ParseLine(line, out); }
  Status ParseSeries(std::string_view s, Labels* l) override { return CsvLineParser::ParseSeries(s, l); }
  Status Finish() override { return Status::OK(); }

 private:
  CsvLineParser p_;
};

// The last non-blank line of a regular file is "# EOF".
bool EndsWithEof(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return false;
  char tail[256];
  off_t off =
      st.st_size > static_cast<off_t>(sizeof(tail)) ? st.st_size - static_cast<off_t>(sizeof(tail)) : 0;
  ssize_t n = ::pread(fd, tail, sizeof(tail), off);
  if (n <= 0) return false;
  std::string_view t(tail, static_cast<size_t>(n));
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ' || t.back() == '\t')) {
    t.remove_suffix(1);
  }
  return t.ends_with("\n# EOF") || t == "# EOF";
}

ImportFormat DetectFormat(int fd, std::string_view head) {
  size_t i = 0;
  while (i < head.size()) {  // the first non-blank line
    size_t nl = head.find('\n', i);
    std::string_view line = head.substr(i, nl == std::string_view::npos ? head.npos : nl - i);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      if (IsCsvHeader(line)) return ImportFormat::kCsv;
      // Commas and no blank: no text-format line looks so, a CSV header
      // with a wrong column does; let the CSV parser say what is wrong.
      while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.front() != '#' && line.find(',') != std::string_view::npos &&
          line.find_first_of(" \t") == std::string_view::npos) {
        return ImportFormat::kCsv;
      }
      break;
    }
    if (nl == std::string_view::npos) break;
    i = nl + 1;
  }
  if (EndsWithEof(fd)) return ImportFormat::kOpenMetrics;
  return GuessTextFormat(head) == TextFormat::kOpenMetrics ? ImportFormat::kOpenMetrics
                                                           : ImportFormat::kPrometheusText;
}

// Lets the map be searched with a string_view, without a copy.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Samples of one batch, gathered per series.
class BatchBuilder {
 public:
  BatchBuilder(Database* db, LineParser* parser, ImportStats* stats)
      : db_(db), parser_(parser), stats_(stats) {}

  // Adds a sample of series text `series`; an error is the series' labels.
  Status Add(std::string_view series, Sample sample) {
    if (!have_last_ || series != last_key_) {
      auto it = slot_of_.find(series);
      if (it != slot_of_.end()) {
        last_slot_ = it->second;
      } else {
        if (num_slots_ == slots_.size()) slots_.emplace_back();
        Slot& slot = slots_[num_slots_];
        OT_RETURN_IF_ERROR(parser_->ParseSeries(series, &slot.labels));
        slot.samples.clear();
        last_slot_ = num_slots_++;
        slot_of_.emplace(std::string(series), last_slot_);
        CountSeries(slot.labels);
      }
      last_key_.assign(series);
      have_last_ = true;
    }
    slots_[last_slot_].samples.push_back(sample);
    ++pending_;
    return Status::OK();
  }

  size_t pending() const { return pending_; }

  // Writes the pending samples, which come from lines up to `through_line`.
  Status Flush(uint64_t through_line) {
    if (pending_ > 0) {
      WriteBatch batch;
      for (size_t i = 0; i < num_slots_; ++i) batch.Add(slots_[i].labels, slots_[i].samples);
      Status s = db_->Write(batch);
      if (!s.ok()) {
        return s.WithContext("writing the samples of lines " + std::to_string(stats_->lines_written + 1) +
                             ".." + std::to_string(through_line));
      }
      stats_->samples += pending_;
      ++stats_->batches;
    }
    stats_->lines_written = through_line;
    slot_of_.clear();
    num_slots_ = 0;
    pending_ = 0;
    have_last_ = false;
    return Status::OK();
  }

 private:
  struct Slot {
    Labels labels;
    std::vector<Sample> samples;
  };

  void CountSeries(const Labels& labels) {
    key_scratch_.clear();
    for (const Label& l : labels) {
      key_scratch_.append(l.name).push_back('\xff');
      key_scratch_.append(l.value).push_back('\xfe');
    }
    if (seen_.insert(std::hash<std::string>{}(key_scratch_)).second) ++stats_->series;
  }

  Database* db_;
  LineParser* parser_;
  ImportStats* stats_;
  std::vector<Slot> slots_;  // [0, num_slots_) in use; the rest keep their memory
  size_t num_slots_ = 0;
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> slot_of_;
  std::string last_key_;
  bool have_last_ = false;
  size_t last_slot_ = 0;
  size_t pending_ = 0;
  std::unordered_set<uint64_t> seen_;  // hashes of every series' labels, for the count
  std::string key_scratch_;
};

}  // namespace

Result<ImportFormat> ParseImportFormat(std::string_view name) {
  if (name == "auto") return ImportFormat::kAuto;
  if (name == "openmetrics" || name == "om") return ImportFormat::kOpenMetrics;
  if (name == "prometheus" || name == "text") return ImportFormat::kPrometheusText;
  if (name == "csv") return ImportFormat::kCsv;
  return Status::InvalidArgument("unknown format '" + std::string(name) +
                                 "' (auto, openmetrics, prometheus or csv)");
}

const char* ImportFormatName(ImportFormat format) {
  switch (format) {
    case ImportFormat::kAuto: return "auto";
    case ImportFormat::kOpenMetrics: return "openmetrics";
    case ImportFormat::kPrometheusText: return "prometheus";
    case ImportFormat::kCsv: return "csv";
  }
  return "?";
}

Status ImportFromFd(Database* db, int fd, const std::string& name, const ImportOptions& options,
                    ImportStats* stats) {
  *stats = ImportStats{};
  auto started = std::chrono::steady_clock::now();
  // The metadata lines read, stored at the end whatever stopped the import.
  MetadataCollector metadata;
  auto finish = [&](Status s) {
    if (!metadata.empty()) {
      Status m = db->PutMetadata(metadata.Entries());
      if (s.ok()) s = m.WithContext("storing the metric metadata");
    }
    stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return s;
  };
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) stats->total_bytes = static_cast<uint64_t>(st.st_size);

  LineReader reader(fd, name);
  stats->format = options.format;
  if (stats->format == ImportFormat::kAuto) {
    Result<std::string_view> head = reader.Peek(kSniffBytes);
    if (!head.ok()) return finish(head.status());
    stats->format = DetectFormat(fd, *head);
  }
  std::unique_ptr<LineParser> parser;
  if (stats->format == ImportFormat::kCsv) {
    parser = std::make_unique<CsvParser>();
  } else {
    parser = std::make_unique<TextParser>(
        stats->format == ImportFormat::kOpenMetrics ? TextFormat::kOpenMetrics : TextFormat::kPrometheus);
  }

  BatchBuilder builder(db, parser.get(), stats);
  size_t batch_samples = options.batch_samples > 0 ? options.batch_samples : 1;
  // A bad line: stop (after writing what came before) or skip it.
  auto bad = [&](uint64_t line_no, const Status& error) -> Status {
    Status located = error.WithContext("line " + std::to_string(line_no));
    if (options.skip_bad) {
      ++stats->bad_lines;
      if (options.on_bad_line) options.on_bad_line(line_no, located);
      return Status::OK();
    }
    OT_RETURN_IF_ERROR(builder.Flush(line_no - 1));
    return located;
  };

  ParsedLine parsed;
  std::string_view line;
  for (;;) {
    Result<bool> more = reader.Next(&line);
    if (!more.ok()) {
      Status s = builder.Flush(stats->lines);
      return finish(s.ok() ? more.status() : s);
    }
    if (!*more) break;
    uint64_t line_no = ++stats->lines;
    Status s = parser->ParseLine(line, &parsed);
    if (s.ok() && parsed.kind == ParsedLine::Kind::kSample) {
      s = builder.Add(parsed.series, Sample{parsed.ts, parsed.value});
    } else if (s.ok() && parsed.kind == ParsedLine::Kind::kMetadata) {
      metadata.Add(parsed);
    }
    if (!s.ok()) {
      s = bad(line_no, s);
      if (!s.ok()) return finish(s);
    }
    if (builder.pending() >= batch_samples) {
      Status w = builder.Flush(line_no);
      if (!w.ok()) return finish(w);
    }
    if (line_no % kProgressEveryLines == 0 && options.on_progress) {
      stats->bytes_read = reader.consumed();
      options.on_progress(*stats);
    }
  }
  stats->bytes_read = reader.consumed();
  Status s = builder.Flush(stats->lines);
  if (!s.ok()) return finish(s);
  s = parser->Finish();
  if (!s.ok()) return finish(s.WithContext("line " + std::to_string(stats->lines)));
  return finish(Status::OK());
}

Status ImportFile(Database* db, const std::string& path, const ImportOptions& options, ImportStats* stats) {
  if (path == "-") return ImportFromFd(db, STDIN_FILENO, "standard input", options, stats);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *stats = ImportStats{};
    return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  }
  Status s = ImportFromFd(db, fd, path, options, stats);
  ::close(fd);
  return s;
}

}  // namespace overtone::adapters
