#include "adapters/formats/openmetrics_parser.h"

#include <string>

#include "adapters/formats/value_text.h"

namespace overtone::adapters {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsLabelStart(char c) { return c != ':' && IsNameStart(c); }
bool IsLabelChar(char c) { return c != ':' && IsNameChar(c); }

size_t SkipBlanks(std::string_view s, size_t i) {
  while (i < s.size() && IsBlank(s[i])) ++i;
  return i;
}
size_t TokenEnd(std::string_view s, size_t i) {
  while (i < s.size() && !IsBlank(s[i])) ++i;
  return i;
}

Status At(size_t pos, const std::string& what) {
  return Status::InvalidArgument("column " + std::to_string(pos + 1) + ": " + what);
}

// Types either format knows; a TYPE line naming another is an error.
bool IsKnownType(std::string_view t) {
  return t == "counter" || t == "gauge" || t == "histogram" || t == "summary" || t == "untyped" ||
         t == "unknown" || t == "gaugehistogram" || t == "stateset" || t == "info";
}
bool IsOpenMetricsOnlyType(std::string_view t) {
  return t == "unknown" || t == "gaugehistogram" || t == "stateset" || t == "info";
}

// The end of `name{...}` starting at `i`, honouring quoted label values, or
// npos with *error set.
size_t SeriesEnd(std::string_view line, size_t i, Status* error) {
  size_t start = i;
  if (i >= line.size() || !IsNameStart(line[i])) {
    *error = At(i, "expected a metric name");
    return std::string_view::npos;
  }
  while (i < line.size() && IsNameChar(line[i])) ++i;
  if (i >= line.size() || line[i] != '{') return i;
  bool in_quote = false;
  for (++i; i < line.size(); ++i) {
    char c = line[i];
    if (in_quote) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_quote = false;
      }
    } else if (c == '"') {
      in_quote = true;
    } else if (c == '}') {
      return i + 1;
    }
  }
  *error = At(start,
              in_quote ? "unterminated label value (missing '\"')" : "unterminated label set (missing '}')");
  return std::string_view::npos;
}

}  // namespace

Status TextLineParser::ParseLine(std::string_view line, ParsedLine* out) {
  out->kind = ParsedLine::Kind::kSkip;
  size_t i = SkipBlanks(line, 0);
  if (i == line.size()) return Status::OK();  // blank line
  if (seen_eof_) return At(i, "text after '# EOF' (it must end an OpenMetrics text)");
  if (line[i] == '#') return ParseComment(line, i, out);

  Status error;
  size_t end = SeriesEnd(line, i, &error);
  if (end == std::string_view::npos) return error;
  out->series = line.substr(i, end - i);
  if (end < line.size() && !IsBlank(line[end])) {
    return At(end, "expected a space after the series, found '" + std::string(1, line[end]) + "'");
  }

  size_t v = SkipBlanks(line, end);
  if (v == line.size()) return At(v, "expected a value after the series");
  size_t v_end = TokenEnd(line, v);
  std::string_view value = line.substr(v, v_end - v);
  if (!ParseValue(value, &out->value)) {
    return At(v, "bad value '" + std::string(value) +
                     "' (expected a number, NaN, +Inf, -Inf, stale or raw:0x<16 hex digits>)");
  }

  size_t t = SkipBlanks(line, v_end);
  if ((t == line.size() || line[t] == '#') && default_ts_) {
    out->ts = *default_ts_;
    if (t != line.size() && !IsExemplar(line, t)) {
      return At(t, "unexpected text after the value: '" + std::string(line.substr(t)) + "'");
    }
    out->kind = ParsedLine::Kind::kSample;
    return Status::OK();
  }
  if (t == line.size() || line[t] == '#') {
    return At(t, "the sample has no timestamp (an import needs one on every sample)");
  }
  size_t t_end = TokenEnd(line, t);
  std::string_view ts = line.substr(t, t_end - t);
  if (format_ == TextFormat::kOpenMetrics) {
    if (!ParseSeconds(ts, &out->ts)) {
      return At(t, "bad timestamp '" + std::string(ts) +
                       "' (OpenMetrics timestamps are seconds, e.g. 1700000000.123)");
    }
  } else if (!ParseMillis(ts, &out->ts)) {
    return At(t, "bad timestamp '" + std::string(ts) +
                     "' (Prometheus text timestamps are integer milliseconds; for seconds use "
                     "--format openmetrics)");
  }

  size_t rest = SkipBlanks(line, t_end);
  if (rest != line.size()) {
    // OpenMetrics exemplar: `# {trace_id="x"} 1 [ts]`; not stored.
    if (!IsExemplar(line, rest)) {
      return At(rest, "unexpected text after the timestamp: '" + std::string(line.substr(rest)) + "'");
    }
  }
  out->kind = ParsedLine::Kind::kSample;
  return Status::OK();
}

bool TextLineParser::IsExemplar(std::string_view line, size_t at) const {
  return format_ == TextFormat::kOpenMetrics && line[at] == '#' && SkipBlanks(line, at + 1) < line.size() &&
         line[SkipBlanks(line, at + 1)] == '{';
}

Status TextLineParser::ParseComment(std::string_view line, size_t hash, ParsedLine* out) {
  // line[hash] == '#'
  size_t k = SkipBlanks(line, hash + 1);
  size_t k_end = TokenEnd(line, k);
  std::string_view keyword = line.substr(k, k_end - k);
  bool om = format_ == TextFormat::kOpenMetrics;
  if (keyword == "EOF" && om) {
    if (SkipBlanks(line, k_end) != line.size()) return At(k_end, "text after '# EOF'");
    seen_eof_ = true;
    out->kind = ParsedLine::Kind::kEof;
    return Status::OK();
  }
  bool metadata = keyword == "HELP" || keyword == "TYPE" || (om && keyword == "UNIT");
  if (!metadata) return Status::OK();  // a comment

  size_t n = SkipBlanks(line, k_end);
  size_t n_end = TokenEnd(line, n);
  std::string_view name = line.substr(n, n_end - n);
  if (name.empty() || !IsValidMetricName(name)) {
    return At(n, "# " + std::string(keyword) + " needs a metric name, found '" + std::string(name) + "'");
  }
  if (keyword == "TYPE") {
    size_t t = SkipBlanks(line, n_end);
    size_t t_end = TokenEnd(line, t);
    std::string_view type = line.substr(t, t_end - t);
    if (!IsKnownType(type)) {
      return At(t, "unknown metric type '" + std::string(type) +
                       "' (counter, gauge, histogram, summary, untyped, unknown, gaugehistogram, "
                       "stateset or info)");
    }
    if (SkipBlanks(line, t_end) != line.size()) return At(t_end, "text after the metric type");
  }
  out->kind = ParsedLine::Kind::kMetadata;
  out->keyword = keyword == "HELP"   ? ParsedLine::Keyword::kHelp
                 : keyword == "TYPE" ? ParsedLine::Keyword::kType
                                     : ParsedLine::Keyword::kUnit;
  out->family = name;
  size_t text = SkipBlanks(line, n_end);
  std::string_view rest = line.substr(text);
  while (!rest.empty() && IsBlank(rest.back())) rest.remove_suffix(1);
  out->text = rest;
  return Status::OK();
}

std::string UnescapeHelp(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out.push_back(text[i]);
      continue;
    }
    char e = text[++i];
    if (e == 'n') {
      out.push_back('\n');
    } else if (e == '\\' || e == '"') {
      out.push_back(e);
    } else {
      out.push_back('\\');
      out.push_back(e);
    }
  }
  return out;
}

Status TextLineParser::ParseSeries(std::string_view series, Labels* labels) {
  labels->clear();
  size_t i = 0;
  while (i < series.size() && IsNameChar(series[i])) ++i;
  labels->push_back(Label{std::string(kMetricNameLabel), std::string(series.substr(0, i))});
  if (i < series.size()) {
    // series[i] == '{': SeriesEnd() made sure the braces and quotes close.
    ++i;
    for (;;) {
      i = SkipBlanks(series, i);
      if (i < series.size() && series[i] == '}') break;
      size_t name_start = i;
      if (i >= series.size() || !IsLabelStart(series[i])) {
        return Status::InvalidArgument("expected a label name or '}' at '" + std::string(series.substr(i)) +
                                       "'");
      }
      while (i < series.size() && IsLabelChar(series[i])) ++i;
      std::string name(series.substr(name_start, i - name_start));
      i = SkipBlanks(series, i);
      if (i >= series.size() || series[i] != '=') {
        return Status::InvalidArgument("expected '=' after label name '" + name + "'");
      }
      i = SkipBlanks(series, i + 1);
      if (i >= series.size() || series[i] != '"') {
        return Status::InvalidArgument("expected '\"' to start the value of label '" + name + "'");
      }
      std::string value;
      for (++i; i < series.size() && series[i] != '"'; ++i) {
        char c = series[i];
        if (c != '\\') {
          value.push_back(c);
          continue;
        }
        char e = ++i < series.size() ? series[i] : '\0';
        if (e == '\\' || e == '"') {
          value.push_back(e);
        } else if (e == 'n') {
          value.push_back('\n');
        } else {
          return Status::InvalidArgument("invalid escape '\\" + std::string(1, e) +
                                         "' in the value of label '" + name + "' (only \\\\, \\\" and \\n)");
        }
      }
      ++i;  // the closing quote
      labels->push_back(Label{std::move(name), std::move(value)});
      i = SkipBlanks(series, i);
      if (i < series.size() && series[i] == ',') {
        ++i;
        continue;
      }
      if (i < series.size() && series[i] == '}') break;
      return Status::InvalidArgument("expected ',' or '}' after the value of label '" + labels->back().name +
                                     "'");
    }
  }
  NormalizeLabels(labels);
  return ValidateLabels(*labels);
}

Status TextLineParser::Finish() const {
  if (format_ == TextFormat::kOpenMetrics && !seen_eof_) {
    return Status::InvalidArgument(
        "the input ended without '# EOF', which ends every OpenMetrics text (truncated file? "
        "for the Prometheus text format use --format prometheus)");
  }
  return Status::OK();
}

TextFormat GuessTextFormat(std::string_view head) {
  // Ignore a cut-off last line: its timestamp may be cut short too.
  size_t last_nl = head.rfind('\n');
  if (last_nl != std::string_view::npos) head = head.substr(0, last_nl + 1);
  while (!head.empty()) {
    size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head = nl == std::string_view::npos ? std::string_view() : head.substr(nl + 1);
    size_t i = SkipBlanks(line, 0);
    if (i == line.size()) continue;
    if (line[i] == '#') {
      std::string_view rest = line.substr(i);
      if (rest.starts_with("# EOF") || rest.starts_with("# UNIT ")) return TextFormat::kOpenMetrics;
      if (rest.starts_with("# TYPE ")) {
        size_t t = rest.find_last_of(" \t");
        if (IsOpenMetricsOnlyType(rest.substr(t + 1))) return TextFormat::kOpenMetrics;
      }
      continue;
    }
    // The first sample decides by its timestamp.
    Status ignored;
    size_t end = SeriesEnd(line, i, &ignored);
    if (end == std::string_view::npos) return TextFormat::kPrometheus;
    size_t t = TokenEnd(line, SkipBlanks(line, end));
    t = SkipBlanks(line, t);
    std::string_view ts = line.substr(t, TokenEnd(line, t) - t);
    if (ts.empty()) return TextFormat::kPrometheus;
    if (ts.find_first_of(".eE") != std::string_view::npos) return TextFormat::kOpenMetrics;
    int64_t n = 0;
    // 1e11 ms is March 1973; 1e11 s is the year 5138.
    if (ParseMillis(ts, &n) && n < 100'000'000'000 && n > -100'000'000'000) {
      return TextFormat::kOpenMetrics;
    }
    return TextFormat::kPrometheus;
  }
  return TextFormat::kPrometheus;
}

void AppendEscapedLabelValue(std::string_view value, std::string* out) {
  for (char c : value) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '"': out->append("\\\""); break;
      case '\n': out->append("\\n"); break;
      default: out->push_back(c);
    }
  }
}

}  // namespace overtone::adapters
