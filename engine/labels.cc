// Label set helpers: normalization, validation, rendering.

#include <algorithm>

#include "base/text.h"
#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone {
namespace {

bool IsNameStart(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}
bool IsNameChar(char c, bool colon) { return IsNameStart(c, colon) || (c >= '0' && c <= '9'); }

bool IsValidName(std::string_view name, bool colon) {
  if (name.empty() || !IsNameStart(name[0], colon)) return false;
  return std::all_of(name.begin() + 1, name.end(), [&](char c) { return IsNameChar(c, colon); });
}

void AppendQuoted(std::string* out, std::string_view v) {
  out->push_back('"');
  for (char c : v) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      default: out->push_back(c);
    }
  }
  out->push_back('"');
}

}  // namespace

std::string_view GetLabel(const Labels& labels, std::string_view name) {
  for (const Label& l : labels) {
    if (l.name == name) return l.value;
  }
  return {};
}

void NormalizeLabels(Labels* labels) {
  std::erase_if(*labels, [](const Label& l) { return l.value.empty(); });
  if (!std::is_sorted(labels->begin(), labels->end())) std::sort(labels->begin(), labels->end());
}

bool IsNormalized(const Labels& labels) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].value.empty() || (i > 0 && labels[i] < labels[i - 1])) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) { return IsValidName(name, false); }
bool IsValidMetricName(std::string_view name) { return IsValidName(name, true); }

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    // Only an invalid sequence decodes as U+FFFD one byte long.
    if (DecodeUtf8(s, i, &len) == 0xfffd && len == 1) return false;
    i += len;
  }
  return true;
}

Status ValidateLabels(const Labels& labels) {
  bool has_name = false;
  for (size_t i = 0; i < labels.size(); ++i) {
    const Label& l = labels[i];
    if (i > 0 && labels[i - 1].name == l.name) {
      return Status::InvalidArgument("duplicate label name \"" + l.name + "\" in " + LabelsToString(labels));
    }
    if (l.name == kMetricNameLabel) {
      has_name = true;
      if (!IsValidMetricName(l.value)) {
        return Status::InvalidArgument("invalid metric name \"" + l.value + "\"");
      }
      continue;
    }
    if (!IsValidLabelName(l.name)) {
      return Status::InvalidArgument("invalid label name \"" + l.name + "\" in " + LabelsToString(labels));
    }
    if (!IsValidUtf8(l.value)) {
      return Status::InvalidArgument("label \"" + l.name + "\" has a value that is not valid UTF-8");
    }
  }
  if (!has_name) {
    return Status::InvalidArgument("series " + LabelsToString(labels) + " has no metric name");
  }
  return Status::OK();
}

std::string LabelsToString(const Labels& labels) {
  std::string out(GetLabel(labels, kMetricNameLabel));
  out.push_back('{');
  bool first = true;
  for (const Label& l : labels) {
    if (l.name == kMetricNameLabel) continue;
    if (!first) out += ", ";
    first = false;
    out += l.name;
    out.push_back('=');
    AppendQuoted(&out, l.value);
  }
  out.push_back('}');
  return out;
}

}  // namespace overtone
