#include "adapters/formats/csv_format.h"

#include <cctype>

#include "base/csv.h"
#include "sql/labels_json.h"

namespace overtone::adapters {
namespace {

constexpr int kNumColumns = 4;
constexpr char kKeySeparator = '\n';  // cannot occur inside a record

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits a CSV line into exactly kNumColumns fields (unquoted).
Status SplitFields(std::string_view line, std::string* fields) {
  size_t i = 0;
  int n = 0;
  for (;;) {
    if (n == kNumColumns) {
      return Status::InvalidArgument("more than " + std::to_string(kNumColumns) +
                                     " fields (labels with commas must be in double quotes)");
    }
    std::string& f = fields[n++];
    f.clear();
    size_t start = i;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '"') {
      size_t open = i;
      for (++i;; ++i) {
        if (i >= line.size()) {
          return Status::InvalidArgument("column " + std::to_string(open + 1) +
                                         ": unterminated quoted field");
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            f.push_back('"');
            ++i;
            continue;
          }
          ++i;
          break;
        }
        f.push_back(line[i]);
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',') {
        return Status::InvalidArgument("column " + std::to_string(i + 1) +
                                       ": expected ',' after a quoted field");
      }
    } else {
      size_t comma = line.find(',', start);
      size_t end = comma == std::string_view::npos ? line.size() : comma;
      f.assign(Trim(line.substr(start, end - start)));
      i = end;
    }
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  if (n != kNumColumns) {
    return Status::InvalidArgument(std::to_string(n) + " fields, expected " + std::to_string(kNumColumns) +
                                   " (metric,labels,ts,value)");
  }
  return Status::OK();
}

}  // namespace

bool IsCsvHeader(std::string_view line) {
  std::string l = Lower(Trim(line));
  return l.find(',') != std::string::npos && l.find("metric") != std::string::npos &&
         l.find("value") != std::string::npos && l.find('{') == std::string::npos;
}

Status CsvLineParser::ParseHeader(std::string_view line) {
  OT_RETURN_IF_ERROR(SplitFields(line, fields_).WithContext("header"));
  for (int c = 0; c < kNumColumns; ++c) {
    std::string name = Lower(fields_[c]);
    int* col = name == "metric"                      ? &metric_col_
               : name == "labels"                    ? &labels_col_
               : name == "ts" || name == "timestamp" ? &ts_col_
               : name == "value"                     ? &value_col_
                                                     : nullptr;
    if (col == nullptr || *col >= 0) {
      return Status::InvalidArgument(
          "the first line must be the header metric,labels,ts,value; "
          "found '" +
          std::string(line) + "'");
    }
    *col = c;
  }
  have_header_ = true;
  return Status::OK();
}

Status CsvLineParser::ParseLine(std::string_view line, ParsedLine* out) {
  out->kind = ParsedLine::Kind::kSkip;
  if (Trim(line).empty()) return Status::OK();
  if (!have_header_) return ParseHeader(line);
  OT_RETURN_IF_ERROR(SplitFields(line, fields_));
  const std::string& ts = fields_[ts_col_];
  if (!ParseMillis(ts, &out->ts)) {
    return Status::InvalidArgument("bad ts '" + ts + "' (integer milliseconds since 1970)");
  }
  const std::string& value = fields_[value_col_];
  if (!ParseValue(value, &out->value)) {
    return Status::InvalidArgument("bad value '" + value +
                                   "' (expected a number, NaN, +Inf, -Inf, stale or raw:0x<16 hex digits>)");
  }
  const std::string& metric = fields_[metric_col_];
  if (metric.empty()) return Status::InvalidArgument("empty metric name");
  key_.assign(metric);
  key_.push_back(kKeySeparator);
  key_.append(Trim(fields_[labels_col_]));
  out->series = key_;
  out->kind = ParsedLine::Kind::kSample;
  return Status::OK();
}

Status CsvLineParser::ParseSeries(std::string_view series, Labels* labels) {
  size_t sep = series.find(kKeySeparator);
  std::string_view metric = series.substr(0, sep);
  std::string_view json = sep == std::string_view::npos ? "" : series.substr(sep + 1);
  OT_ASSIGN_OR_RETURN(*labels, sql::LabelsFromSql(metric, true, json));
  return Status::OK();
}

namespace {

class CsvWriter final : public SampleWriter {
 public:
  CsvWriter(OutputFile* out, NanStyle nan_style) : out_(out), nan_style_(nan_style) {
    out_->Append("metric,labels,ts,value\n");
  }

  void BeginFamily(const FamilyInfo&) override {}

  void BeginSeries(const Labels& labels) override {
    prefix_.assign(GetLabel(labels, kMetricNameLabel));
    prefix_.push_back(',');
    AppendCsvField(sql::LabelsToJson(labels), CsvQuoting::kAlways, &prefix_);
    prefix_.push_back(',');
  }

  void WriteSamples(std::span<const Sample> samples) override {
    WriteSampleLines(out_, prefix_, nan_style_, samples, [this](const Sample& s, std::string* b) {
      char num[kMaxNumberChars];
      b->append(num, FormatMillis(s.ts, num));
      b->push_back(',');
      b->append(num, FormatValue(s.value, nan_style_, num));
    });
  }

  Status Finish() override { return out_->Flush(); }

 private:
  OutputFile* out_;
  NanStyle nan_style_;
  std::string prefix_;  // `metric,"labels",` of the current series
};

}  // namespace

std::unique_ptr<SampleWriter> NewCsvWriter(OutputFile* out, NanStyle nan_style) {
  return std::make_unique<CsvWriter>(out, nan_style);
}

}  // namespace overtone::adapters
