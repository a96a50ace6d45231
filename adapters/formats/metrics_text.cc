#include "adapters/formats/metrics_text.h"

#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace overtone::adapters {

void MetricsText::Header(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += help;
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void MetricsText::Line(std::string_view name, std::string_view labels, double v) {
  char buf[64];
  // The range first: converting a double outside int64's range (or NaN) is undefined.
  if (v < 1e15 && v > -1e15 && v == static_cast<double>(static_cast<int64_t>(v))) {
    std::snprintf(buf, sizeof buf, "%" PRId64, static_cast<int64_t>(v));
  } else if (std::isnan(v)) {
    std::snprintf(buf, sizeof buf, "NaN");  // as the text format spells them
  } else if (std::isinf(v)) {
    std::snprintf(buf, sizeof buf, v > 0 ? "+Inf" : "-Inf");
  } else {
    std::snprintf(buf, sizeof buf, "%.17g", v);
  }
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    out_ += labels;
    out_ += '}';
  }
  out_ += ' ';
  out_ += buf;
  out_ += '\n';
}

void MetricsText::Metric(std::string_view name, std::string_view type, std::string_view help, double v) {
  Header(name, type, help);
  Line(name, "", v);
}

std::string LabelPair(std::string_view name, std::string_view value) {
  std::string out(name);
  out += "=\"";
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace overtone::adapters
