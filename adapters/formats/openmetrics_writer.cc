#include "adapters/formats/openmetrics_writer.h"

#include <bit>
#include <cmath>

namespace overtone::adapters {
namespace {

// HELP text escapes backslash and newline (and, in OpenMetrics, quotes).
void AppendEscapedHelp(std::string_view help, bool escape_quotes, std::string* out) {
  for (char c : help) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '"' && escape_quotes) {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

class TextWriter final : public SampleWriter {
 public:
  TextWriter(TextFormat format, OutputFile* out, NanStyle nan_style)
      : om_(format == TextFormat::kOpenMetrics), out_(out), nan_style_(nan_style) {}

  void BeginFamily(const FamilyInfo& f) override {
    std::string* b = out_->buffer();
    if (!f.type.empty()) {
      std::string_view type = f.type;
      // The Prometheus text format knows fewer types than OpenMetrics.
      if (!om_ && type != "counter" && type != "gauge" && type != "histogram" && type != "summary") {
        type = "untyped";
      }
      b->append("# TYPE ").append(f.name).append(" ").append(type).append("\n");
    }
    if (om_ && !f.unit.empty()) b->append("# UNIT ").append(f.name).append(" ").append(f.unit).append("\n");
    if (!f.help.empty()) {
      b->append("# HELP ").append(f.name).append(" ");
      AppendEscapedHelp(f.help, om_, b);
      b->append("\n");
    }
    out_->MaybeDrain();
  }

  void BeginSeries(const Labels& labels) override {
    prefix_.clear();
    AppendSeriesText(labels, &prefix_);
    prefix_.push_back(' ');
  }

  void WriteSamples(std::span<const Sample> samples) override {
    WriteSampleLines(out_, prefix_, nan_style_, samples, [this](const Sample& s, std::string* b) {
      char num[kMaxNumberChars];
      b->append(num, FormatValue(s.value, nan_style_, num));
      b->push_back(' ');
      b->append(num, om_ ? FormatSeconds(s.ts, num) : FormatMillis(s.ts, num));
    });
  }

  Status Finish() override {
    if (om_) out_->Append("# EOF\n");
    return out_->Flush();
  }

 private:
  bool om_;
  OutputFile* out_;
  NanStyle nan_style_;
  std::string prefix_;  // `name{labels} ` of the current series
};

}  // namespace

std::unique_ptr<SampleWriter> NewTextWriter(TextFormat format, OutputFile* out, NanStyle nan_style) {
  return std::make_unique<TextWriter>(format, out, nan_style);
}

void AppendSeriesText(const Labels& labels, std::string* out) {
  out->append(GetLabel(labels, kMetricNameLabel));
  bool first = true;
  for (const Label& l : labels) {
    if (l.name == kMetricNameLabel) continue;
    out->append(first ? "{" : ",");
    first = false;
    out->append(l.name).append("=\"");
    AppendEscapedLabelValue(l.value, out);
    out->push_back('"');
  }
  if (!first) out->push_back('}');
}

}  // namespace overtone::adapters
