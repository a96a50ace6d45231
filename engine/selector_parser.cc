// Parser for series selectors: `metric{name op "value", ...}`.
//
// The lexical rules are PromQL's: identifiers, the four match operators, and
// strings in double quotes, single quotes (both with Go escapes) or
// backticks (raw). Errors quote the selector and name the 1-based byte
// position: "invalid selector 'up{a=}' at position 6: expected a quoted string".

#include <string>

#include "overtone/matcher.h"
#include "overtone/types.h"
#include "engine/matcher_set.h"

namespace overtone {
namespace {

class SelectorParser {
 public:
  explicit SelectorParser(std::string_view text) : text_(text) {}

  Result<std::vector<LabelMatcher>> Parse() {
    std::vector<LabelMatcher> out;
    SkipSpace();
    if (AtEnd()) return Error("empty selector");
    if (IsNameStart(Peek())) {
      std::string name = Identifier(/*colon=*/true);
      out.push_back(LabelMatcher{MatchType::kEqual, std::string(kMetricNameLabel), name});
      SkipSpace();
    }
    if (!AtEnd() && Peek() == '{') {
      ++pos_;
      OT_RETURN_IF_ERROR(ParseMatchers(&out));
    }
    SkipSpace();
    if (!AtEnd()) return Error(std::string("unexpected character '") + Peek() + "'");
    bool has_non_empty = false;
    for (const LabelMatcher& m : out) {
      OT_ASSIGN_OR_RETURN(engine::CompiledMatcher compiled, engine::CompiledMatcher::Compile(m));
      has_non_empty |= !compiled.matches_empty();
    }
    if (!has_non_empty) {
      return Status::InvalidArgument(
          "selector must contain at least one matcher that does not match the empty string");
    }
    return out;
  }

 private:
  Status ParseMatchers(std::vector<LabelMatcher>* out) {
    for (;;) {
      SkipSpace();
      if (AtEnd()) return Error("unclosed '{'");
      if (Peek() == '}') {
        ++pos_;
        return Status::OK();
      }
      if (!IsNameStart(Peek())) return Error(std::string("expected a label name, found '") + Peek() + "'");
      LabelMatcher m;
      m.name = Identifier(/*colon=*/false);
      SkipSpace();
      OT_RETURN_IF_ERROR(ParseOp(&m.type));
      SkipSpace();
      OT_RETURN_IF_ERROR(ParseString(&m.value));
      out->push_back(std::move(m));
      SkipSpace();
      if (AtEnd()) return Error("unclosed '{'");
      if (Peek() == ',') {
        ++pos_;
      } else if (Peek() != '}') {
        return Error(std::string("expected ',' or '}', found '") + Peek() + "'");
      }
    }
  }

  Status ParseOp(MatchType* type) {
    std::string_view rest = text_.substr(pos_);
    if (rest.starts_with("=~")) {
      *type = MatchType::kRegexMatch;
      pos_ += 2;
    } else if (rest.starts_with("!~")) {
      *type = MatchType::kRegexNoMatch;
      pos_ += 2;
    } else if (rest.starts_with("!=")) {
      *type = MatchType::kNotEqual;
      pos_ += 2;
    } else if (rest.starts_with("=")) {
      *type = MatchType::kEqual;
      pos_ += 1;
    } else {
      return Error("expected one of =, !=, =~, !~");
    }
    return Status::OK();
  }

  Status ParseString(std::string* out) {
    if (AtEnd()) return Error("expected a string");
    char quote = Peek();
    if (quote != '"' && quote != '\'' && quote != '`') return Error("expected a quoted string");
    size_t start = pos_++;
    out->clear();
    while (!AtEnd()) {
      char c = text_[pos_++];
      if (c == quote) return Status::OK();
      if (c == '\\' && quote != '`') {
        OT_RETURN_IF_ERROR(ParseEscape(quote, out));
        continue;
      }
      if (c == '\n' && quote != '`') break;
      out->push_back(c);
    }
    pos_ = start;
    return Error("unterminated string");
  }

  Status ParseEscape(char quote, std::string* out) {
    if (AtEnd()) return Error("unterminated escape");
    char c = text_[pos_++];
    switch (c) {
      case 'a': out->push_back('\a'); return Status::OK();
      case 'b': out->push_back('\b'); return Status::OK();
      case 'f': out->push_back('\f'); return Status::OK();
      case 'n': out->push_back('\n'); return Status::OK();
      case 'r': out->push_back('\r'); return Status::OK();
      case 't': out->push_back('\t'); return Status::OK();
      case 'v': out->push_back('\v'); return Status::OK();
      case '\\': out->push_back('\\'); return Status::OK();
      case 'x': return ParseCodeUnit(2, 16, out, /*byte=*/true);
      case 'u': return ParseCodeUnit(4, 16, out, false);
      case 'U': return ParseCodeUnit(8, 16, out, false);
      default:
        if (c == quote) {
          out->push_back(c);
          return Status::OK();
        }
        if (c >= '0' && c <= '7') {
          --pos_;
          return ParseCodeUnit(3, 8, out, /*byte=*/true);
        }
        return Error(std::string("unknown escape sequence '\\") + c + "'");
    }
  }

  Status ParseCodeUnit(int digits, int base, std::string* out, bool byte) {
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
      if (AtEnd()) return Error("escape sequence is too short");
      char c = text_[pos_++];
      int d = (c >= '0' && c <= '9') ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : 99;
      if (d >= base) return Error("invalid digit in escape sequence");
      v = v * base + d;
    }
    if (byte) {
      if (v > 0xff) return Error("octal escape value > 255");
      out->push_back(static_cast<char>(v));
      return Status::OK();
    }
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return Error("invalid Unicode code point");
    AppendUtf8(v, out);
    return Status::OK();
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  std::string Identifier(bool colon) {
    size_t start = pos_;
    while (!AtEnd() && (IsNameStart(Peek()) || (Peek() >= '0' && Peek() <= '9') || (colon && Peek() == ':'))) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  static bool IsNameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) ++pos_;
  }
  Status Error(const std::string& what) const {
    return Status::InvalidArgument("invalid selector '" + std::string(text_) + "' at position " +
                                   std::to_string(pos_ + 1) + ": " + what);
  }

  std::string_view text_;
  size_t pos_ = 0;
};

const char* OpText(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return "=";
    case MatchType::kNotEqual: return "!=";
    case MatchType::kRegexMatch: return "=~";
    case MatchType::kRegexNoMatch: return "!~";
  }
  return "?";
}

}  // namespace

Result<std::vector<LabelMatcher>> ParseSelector(std::string_view text) {
  return SelectorParser(text).Parse();
}

std::string ToString(const LabelMatcher& m) {
  std::string out = m.name + OpText(m.type) + "\"";
  for (char c : m.value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string ToString(const std::vector<LabelMatcher>& ms) {
  std::string out = "{";
  for (size_t i = 0; i < ms.size(); ++i) {
    if (i) out += ", ";
    out += ToString(ms[i]);
  }
  out += "}";
  return out;
}

}  // namespace overtone
