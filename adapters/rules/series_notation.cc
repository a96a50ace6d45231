// Reading the expanding notation of series_notation.h, as Prometheus's
// PromQL parser reads series descriptions (ParseSeriesDesc).

#include "adapters/rules/series_notation.h"

#include <cctype>
#include <string>

#include "adapters/formats/value_text.h"
#include "overtone/matcher.h"

namespace overtone::rules {
namespace {

Status Bad(std::string_view item, std::string_view why) {
  return Status::InvalidArgument("bad series value \"" + std::string(item) + "\": " + std::string(why));
}

// A single value: a number, Inf, NaN, or `stale`.
bool ParseOne(std::string_view text, double* v) {
  if (text == "stale") {
    *v = StaleNaN();
    return true;
  }
  return adapters::ParseValue(text, v);
}

bool ParseCount(std::string_view text, uint64_t* n) {
  if (text.empty() || text.size() > 18) return false;
  *n = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    *n = *n * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

}  // namespace

Result<std::vector<std::optional<double>>> ParseSeriesValues(std::string_view text) {
  std::vector<std::optional<double>> out;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    size_t end = pos;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    if (end == pos) break;
    std::string_view item = text.substr(pos, end - pos);
    pos = end;
    // Split off a trailing "xN".
    std::string_view head = item;
    std::optional<uint64_t> times;
    size_t x = item.rfind('x');
    if (x != std::string_view::npos && x > 0) {
      uint64_t n = 0;
      if (!ParseCount(item.substr(x + 1), &n)) return Bad(item, "expected a count after 'x'");
      times = n;
      head = item.substr(0, x);
    }
    if (head == "_") {
      for (uint64_t i = 0; i < (times ? *times : 1); ++i) out.push_back(std::nullopt);
      continue;
    }
    // "a+b" or "a-b": the sign that is not the value's own and not an exponent's.
    size_t op = std::string_view::npos;
    for (size_t i = 1; i < head.size(); ++i) {
      if ((head[i] == '+' || head[i] == '-') && head[i - 1] != 'e' && head[i - 1] != 'E') {
        op = i;
        break;
      }
    }
    double value = 0, delta = 0;
    if (op != std::string_view::npos) {
      if (!times) return Bad(item, "a step (+ or -) needs a count: 1+2x10");
      if (!ParseOne(head.substr(0, op), &value) || !ParseOne(head.substr(op + 1), &delta)) {
        return Bad(item, "not a number");
      }
      if (head[op] == '-') delta = -delta;
    } else if (!ParseOne(head, &value)) {
      return Bad(item, "not a number");
    }
    if (out.size() + (times ? *times : 0) > (1u << 26)) return Bad(item, "too many values");
    out.push_back(value);
    for (uint64_t i = 1; times && i <= *times; ++i) {
      // A repeat copies the value bit for bit (a staleness marker stays one).
      if (op != std::string_view::npos) value += delta;
      out.push_back(value);
    }
  }
  return out;
}

Result<Labels> ParseSeriesLabels(std::string_view text) {
  Labels labels;
  size_t first = text.find_first_not_of(" \t\n");
  if (first == std::string_view::npos) return labels;
  // `{}` is the empty label set (a scalar's result, say), as Prometheus's
  // ParseMetric reads it; a selector needs a matcher.
  size_t close = text.find_first_not_of(" \t\n", first + 1);
  if (text[first] == '{' && close != std::string_view::npos && text[close] == '}' &&
      text.find_first_not_of(" \t\n", close + 1) == std::string_view::npos) {
    return labels;
  }
  auto matchers = ParseSelector(text);
  if (!matchers.ok()) return matchers.status();
  for (const LabelMatcher& m : *matchers) {
    if (m.type != MatchType::kEqual) {
      return Status::InvalidArgument("series \"" + std::string(text) +
                                     "\": only = matchers describe a series");
    }
    labels.push_back({m.name, m.value});
  }
  NormalizeLabels(&labels);
  return labels;
}

}  // namespace overtone::rules
