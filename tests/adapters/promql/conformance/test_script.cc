#include "tests/adapters/promql/conformance/test_script.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <regex>
#include <sstream>

#include "adapters/promql/lexer.h"

namespace overtone::conformance {
namespace {

std::string Trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

Result<int64_t> Duration(const std::string& s) {
  if (s == "0") return int64_t{0};
  return promql::ParseDuration(s);
}

// `name{a="b", ...}` (name optional) via the PromQL lexer, for its string
// escapes.
Result<Labels> ParseLabels(const std::string& text) {
  promql::Lexer lexer(text);
  OT_ASSIGN_OR_RETURN(std::vector<promql::Token> t, lexer.Tokenize());
  Labels labels;
  size_t i = 0;
  using K = promql::TokenKind;
  if (t[i].kind == K::kIdentifier) labels.push_back(Label{"__name__", t[i++].text});
  if (t[i].kind == K::kLeftBrace) {
    ++i;
    while (t[i].kind != K::kRightBrace) {
      if (t[i].kind == K::kString && (t[i + 1].kind == K::kComma || t[i + 1].kind == K::kRightBrace)) {
        labels.push_back(Label{"__name__", t[i++].text});
      } else {
        if ((t[i].kind != K::kIdentifier && t[i].kind != K::kString) || t[i + 1].kind != K::kAssign ||
            t[i + 2].kind != K::kString) {
          return Status::InvalidArgument("bad series labels: " + text);
        }
        labels.push_back(Label{t[i].text, t[i + 2].text});
        i += 3;
      }
      if (t[i].kind == K::kComma) ++i;
    }
    ++i;
  }
  if (t[i].kind != K::kEof) return Status::InvalidArgument("bad series labels: " + text);
  NormalizeLabels(&labels);
  return labels;
}

double ParseFloat(const std::string& s, bool* ok) {
  std::string l = s;
  for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string body = l[0] == '+' || l[0] == '-' ? l.substr(1) : l;
  double sign = l[0] == '-' ? -1 : 1;
  *ok = true;
  if (body == "inf") return sign * std::numeric_limits<double>::infinity();
  if (body == "nan") return std::numeric_limits<double>::quiet_NaN();
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  *ok = !s.empty() && end == s.c_str() + s.size();
  return v;
}

// One whitespace-separated item of a value sequence.
Status ExpandItem(const std::string& item, std::vector<SequenceValue>* out) {
  static const std::regex kItem(
      R"(^([+-]?(?:[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.|[Ii]nf|[Nn]a[Nn]))(?:([+-](?:[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[Ii]nf|[Nn]a[Nn])))?(?:x([0-9]+))?$)");
  if (item == "_") {
    out->push_back(SequenceValue{true, false, 0});
    return Status::OK();
  }
  if (item.rfind("_x", 0) == 0) {
    int n = std::atoi(item.c_str() + 2);
    for (int i = 0; i < n; ++i) out->push_back(SequenceValue{true, false, 0});
    return Status::OK();
  }
  if (item == "stale") {
    out->push_back(SequenceValue{false, false, StaleNaN()});
    return Status::OK();
  }
  std::smatch m;
  if (!std::regex_match(item, m, kItem)) return Status::InvalidArgument("bad series value: " + item);
  bool ok;
  double a = ParseFloat(m[1], &ok);
  if (!ok) return Status::InvalidArgument("bad series value: " + item);
  if (!m[3].matched) {
    if (m[2].matched) return Status::InvalidArgument("bad series value: " + item);
    out->push_back(SequenceValue{false, false, a});
    return Status::OK();
  }
  int n = std::atoi(m[3].str().c_str());
  double b = 0;
  if (m[2].matched) {
    b = ParseFloat(m[2], &ok);
    if (!ok) return Status::InvalidArgument("bad series value: " + item);
  }
  out->push_back(SequenceValue{false, false, a});
  for (int i = 1; i <= n; ++i) {
    if (m[2].matched) a += b;  // accumulated, as Prometheus's parser does
    out->push_back(SequenceValue{false, false, a});
  }
  return Status::OK();
}

// Values after the labels; `{{...}}` histograms take their positions.
Status ParseValues(const std::string& text, std::vector<SequenceValue>* out, bool* histograms) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i >= text.size()) break;
    if (text.compare(i, 2, "{{") == 0) {
      *histograms = true;
      size_t close = text.find("}}", i);
      if (close == std::string::npos) return Status::InvalidArgument("unterminated histogram");
      size_t j = close + 2;
      if (j < text.size() && (text[j] == '+' || text[j] == '-') && text.compare(j + 1, 2, "{{") == 0) {
        close = text.find("}}", j);
        if (close == std::string::npos) return Status::InvalidArgument("unterminated histogram");
        j = close + 2;
      }
      int repeat = 0;
      if (j < text.size() && text[j] == 'x') {
        repeat = std::atoi(text.c_str() + j + 1);
        while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
      }
      for (int k = 0; k <= repeat; ++k) out->push_back(SequenceValue{false, true, 0});
      i = j;
      continue;
    }
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    OT_RETURN_IF_ERROR(ExpandItem(text.substr(i, j - i), out));
    i = j;
  }
  return Status::OK();
}

Result<SeriesValues> ParseSeries(const std::string& line, bool* histograms) {
  // The labels end at the first blank outside braces and quotes.
  size_t i = 0;
  int depth = 0;
  char quote = 0;
  for (; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '\'' || c == '`') {
      quote = c;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      --depth;
    } else if ((c == ' ' || c == '\t') && depth == 0) {
      break;
    }
  }
  SeriesValues s;
  OT_ASSIGN_OR_RETURN(s.labels, ParseLabels(line.substr(0, i)));
  OT_RETURN_IF_ERROR(ParseValues(line.substr(i), &s.values, histograms));
  return s;
}

}  // namespace

bool AlmostEqual(double a, double b) {
  constexpr double kEpsilon = 0.000001;
  const double min_normal = std::numeric_limits<double>::min();  // 0x0010000000000000
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < min_normal) return diff < kEpsilon * min_normal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < kEpsilon;
}

Result<std::vector<Command>> ParseTestScript(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    l = Trim(l);
    if (!l.empty() && l[0] == '#') l.clear();
    lines.push_back(l);
  }
  static const std::regex kLoad(R"(^load(?:_(with_nhcb))?\s+(.+?)$)");
  static const std::regex kInstant(
      R"(^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$)");
  static const std::regex kRange(
      R"(^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$)");
  static const std::regex kExpect(
      R"(^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$)");
  static const std::regex kRangeVector(R"(^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$)");
  std::vector<Command> cmds;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.empty()) continue;
    auto error = [&](const std::string& msg) {
      return Status::InvalidArgument("line " + std::to_string(i + 1) + ": " + msg);
    };
    std::smatch m;
    if (l == "clear") {
      cmds.push_back(Command{Command::Kind::kClear, {}, {}});
    } else if (std::regex_match(l, m, kLoad)) {
      Command c{Command::Kind::kLoad, {}, {}};
      c.load.with_nhcb = m[1].matched;
      OT_ASSIGN_OR_RETURN(c.load.interval_ms, Duration(m[2]));
      while (i + 1 < lines.size() && !lines[i + 1].empty()) {
        bool hist = false;
        auto s = ParseSeries(lines[++i], &hist);
        if (!s.ok()) return error(s.status().message());
        (void)hist;  // the runner skips histogram samples and the evals reading them
        c.load.series.push_back(std::move(*s));
      }
      cmds.push_back(std::move(c));
    } else if (l.rfind("eval", 0) == 0) {
      Command c{Command::Kind::kEval, {}, {}};
      EvalCommand& e = c.eval;
      e.line = static_cast<int>(i + 1);
      std::string mod;
      if (std::regex_match(l, m, kRange)) {
        mod = m[1];
        e.range = true;
        OT_ASSIGN_OR_RETURN(e.start, Duration(m[2]));
        OT_ASSIGN_OR_RETURN(e.end, Duration(m[3]));
        OT_ASSIGN_OR_RETURN(e.step, Duration(m[4]));
        e.expr = m[5];
      } else if (std::regex_match(l, m, kInstant)) {
        mod = m[1];
        OT_ASSIGN_OR_RETURN(e.start, Duration(m[2].matched ? m[2].str() : "0"));
        e.end = e.start;
        e.expr = m[3];
      } else {
        return error("bad eval command: " + l);
      }
      e.fail = mod == "fail";
      e.ordered = mod == "ordered";
      while (i + 1 < lines.size() && !lines[i + 1].empty()) {
        const std::string& d = lines[++i];
        std::smatch x;
        if (d.rfind("expected_fail_message", 0) == 0) {
          e.fail_message = Trim(d.substr(21));
        } else if (d.rfind("expected_fail_regexp", 0) == 0) {
          e.fail_regex = Trim(d.substr(20));
        } else if (std::regex_match(d, x, kRangeVector)) {
          e.expect_range_vector = true;
          OT_ASSIGN_OR_RETURN(e.rv_start, Duration(x[1]));
          OT_ASSIGN_OR_RETURN(e.rv_step, Duration(x[3]));
        } else if (d.rfind("expect string", 0) == 0) {
          std::string q = Trim(d.substr(13));
          promql::Lexer lexer(q);
          auto t = lexer.Tokenize();
          if (!t.ok() || (*t)[0].kind != promql::TokenKind::kString) return error("bad expect string: " + d);
          e.expect_string = (*t)[0].text;
        } else if (d.substr(0, d.find(' ')) == "expect") {
          if (!std::regex_match(d, x, kExpect)) return error("bad expect line: " + d);
          if (x[1] == "fail") {
            e.fail = true;
            if (x[2] == "msg") e.fail_message = Trim(x[3]);
            if (x[2] == "regex") e.fail_regex = Trim(x[3]);
          } else if (x[1] == "ordered") {
            e.ordered = true;
          }
        } else {
          bool ok;
          double v = ParseFloat(d, &ok);
          if (ok) {
            e.expect_scalar = true;
            e.expected.push_back(SeriesValues{{}, {SequenceValue{false, false, v}}});
            continue;
          }
          bool hist = false;
          auto s = ParseSeries(d, &hist);
          if (!s.ok()) return error(s.status().message());
          e.expected_histograms = e.expected_histograms || hist;
          e.expected.push_back(std::move(*s));
        }
      }
      cmds.push_back(std::move(c));
    } else {
      return error("unknown command: " + l);
    }
  }
  return cmds;
}

}  // namespace overtone::conformance
