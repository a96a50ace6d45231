// The selector grammar (engine/selector_syntax.h) and ParseSelector, its
// reader for selectors given on their own. ParseSelector's errors quote the
// selector and name the 1-based byte position:
// "invalid selector 'up{a=}' at position 6: expected a quoted string".

#include <string>

#include "base/text.h"
#include "engine/matcher_set.h"
#include "engine/selector_syntax.h"
#include "overtone/matcher.h"
#include "overtone/types.h"

namespace overtone {
namespace engine {
namespace {

class SelectorReader {
 public:
  SelectorReader(std::string_view text, const MatcherCheck& check) : text_(text), check_(check) {}

  SelectorSyntax Read(size_t pos) {
    pos_ = pos;
    if (IsNameStart(Peek(), /*colon=*/true)) {
      pos_ = NameEnd(text_, pos_, /*colon=*/true);
      out_.metric_name = std::string(text_.substr(pos, pos_ - pos));
      out_.matchers.push_back(
          LabelMatcher{MatchType::kEqual, std::string(kMetricNameLabel), out_.metric_name});
      out_.end = pos_;
      pos_ = SkipSpace(text_, pos_);
    }
    if (Peek() == '{') {
      ++pos_;
      ReadMatchers(!out_.metric_name.empty());
      out_.end = pos_;
    }
    return std::move(out_);
  }

 private:
  // Reads up to and including the closing brace; false after an error.
  bool ReadMatchers(bool named_outside) {
    for (;;) {
      pos_ = SkipSpace(text_, pos_);
      if (Peek() == '}') {
        ++pos_;
        return true;
      }
      size_t name_pos = pos_;
      std::string name;
      if (IsQuote(Peek())) {
        if (!ReadString(&name)) return false;
        size_t after = SkipSpace(text_, pos_);
        if (Peek(after) == ',' || Peek(after) == '}') {  // {"metric.name"}
          if (!out_.metric_name.empty()) return MetricNameTwice(name_pos, out_.metric_name, name);
          out_.metric_name = name;
          out_.matchers.push_back(LabelMatcher{MatchType::kEqual, std::string(kMetricNameLabel), name});
          pos_ = after;
          if (!AfterMatcher()) return false;
          continue;
        }
      } else if (IsNameStart(Peek(), /*colon=*/false)) {
        pos_ = NameEnd(text_, pos_, /*colon=*/false);
        name = std::string(text_.substr(name_pos, pos_ - name_pos));
      } else {
        return Fail(SelectorSyntaxError::kExpectedLabelName);
      }
      LabelMatcher m;
      m.name = std::move(name);
      pos_ = SkipSpace(text_, pos_);
      if (!ReadOp(&m.type)) return false;
      pos_ = SkipSpace(text_, pos_);
      size_t value_pos = pos_;
      if (!IsQuote(Peek())) return Fail(SelectorSyntaxError::kExpectedString);
      if (!ReadString(&m.value)) return false;
      if (check_) {
        if (std::optional<std::string> problem = check_(m)) {
          pos_ = value_pos;
          Fail(SelectorSyntaxError::kRejected);
          out_.error->message = std::move(*problem);
          return false;
        }
      }
      if (m.name == kMetricNameLabel && named_outside)
        return MetricNameTwice(name_pos, out_.metric_name, m.value);
      out_.matchers.push_back(std::move(m));
      pos_ = SkipSpace(text_, pos_);
      if (!AfterMatcher()) return false;
    }
  }

  // A ',' (skipped) or the '}' (left for the caller).
  bool AfterMatcher() {
    if (Peek() == ',') {
      ++pos_;
      return true;
    }
    if (Peek() == '}') return true;
    return Fail(SelectorSyntaxError::kExpectedCommaOrBrace);
  }

  bool ReadOp(MatchType* type) {
    std::string_view rest = text_.substr(pos_);
    if (rest.starts_with("=~")) {
      *type = MatchType::kRegexMatch;
    } else if (rest.starts_with("!~")) {
      *type = MatchType::kRegexNoMatch;
    } else if (rest.starts_with("!=")) {
      *type = MatchType::kNotEqual;
    } else if (rest.starts_with("=") && !rest.starts_with("==")) {
      *type = MatchType::kEqual;
    } else {
      return Fail(SelectorSyntaxError::kExpectedMatchOp);
    }
    pos_ += *type == MatchType::kEqual ? 1 : 2;
    return true;
  }

  bool ReadString(std::string* out) {
    StringLiteral lit = ReadStringLiteral(text_, pos_);
    if (lit.error != StringLiteral::kNone) {
      Fail(SelectorSyntaxError::kBadString);
      out_.error->literal = lit.error;
      out_.error->literal_at = lit.at;
      return false;
    }
    *out = std::move(lit.value);
    pos_ = lit.end;
    return true;
  }

  bool MetricNameTwice(size_t pos, const std::string& first, const std::string& second) {
    pos_ = pos;
    Fail(SelectorSyntaxError::kRejected);
    out_.error->message = "metric name must not be set twice: \"" + first + "\" or \"" + second + "\"";
    return false;
  }

  bool Fail(SelectorSyntaxError::Kind kind) {
    out_.error.emplace();
    out_.error->kind = kind;
    out_.error->pos = pos_;
    return false;
  }

  static bool IsQuote(char c) { return c == '"' || c == '\'' || c == '`'; }
  char Peek() const { return Peek(pos_); }
  char Peek(size_t at) const { return at < text_.size() ? text_[at] : '\0'; }

  std::string_view text_;
  const MatcherCheck& check_;
  size_t pos_ = 0;
  SelectorSyntax out_;
};

}  // namespace

bool IsNameStart(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

bool IsNameChar(char c, bool colon) { return IsNameStart(c, colon) || (c >= '0' && c <= '9'); }

size_t NameEnd(std::string_view text, size_t pos, bool colon) {
  while (pos < text.size() && IsNameChar(text[pos], colon)) ++pos;
  return pos;
}

size_t SkipSpace(std::string_view text, size_t pos) {
  while (pos < text.size()) {
    char c = text[pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++pos;
    } else if (c == '#') {  // a comment runs to the end of the line
      while (pos < text.size() && text[pos] != '\n') ++pos;
    } else {
      break;
    }
  }
  return pos;
}

SelectorSyntax ReadSelector(std::string_view text, size_t pos, const MatcherCheck& check) {
  return SelectorReader(text, check).Read(pos);
}

}  // namespace engine

namespace {

// ParseSelector's wording of a grammar error: what, and the 0-based byte
// offset it names (shown 1-based).
std::pair<std::string, size_t> Describe(std::string_view text, const engine::SelectorSyntaxError& e) {
  using E = engine::SelectorSyntaxError;
  bool at_end = e.pos >= text.size();
  std::string found = at_end ? "" : std::string(1, text[e.pos]);
  switch (e.kind) {
    case E::kExpectedLabelName:
      return {at_end ? "unclosed '{'" : "expected a label name, found '" + found + "'", e.pos};
    case E::kExpectedMatchOp: return {"expected one of =, !=, =~, !~", e.pos};
    case E::kExpectedString: return {at_end ? "expected a string" : "expected a quoted string", e.pos};
    case E::kExpectedCommaOrBrace:
      return {at_end ? "unclosed '{'" : "expected ',' or '}', found '" + found + "'", e.pos};
    case E::kRejected: return {e.message, e.pos};
    case E::kBadString: break;
  }
  size_t at = e.literal_at;
  switch (e.literal) {
    case StringLiteral::kUnterminated: return {"unterminated string", at};
    case StringLiteral::kUnterminatedEscape: return {"unterminated escape", at};
    case StringLiteral::kUnknownEscape:
      return {std::string("unknown escape sequence '\\") + text[at] + "'", at + 1};
    case StringLiteral::kBadEscapeDigit:
      if (at >= text.size()) return {"escape sequence is too short", at};
      return {"invalid digit in escape sequence", at + 1};
    case StringLiteral::kOctalOutOfRange: return {"octal escape value > 255", at};
    case StringLiteral::kInvalidCodePoint: return {"invalid Unicode code point", at};
    case StringLiteral::kNone: break;
  }
  return {"invalid string", at};
}

Status SelectorError(std::string_view text, size_t pos, const std::string& what) {
  return Status::InvalidArgument("invalid selector '" + std::string(text) + "' at position " +
                                 std::to_string(pos + 1) + ": " + what);
}

}  // namespace

std::string_view MatchOpText(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return "=";
    case MatchType::kNotEqual: return "!=";
    case MatchType::kRegexMatch: return "=~";
    case MatchType::kRegexNoMatch: return "!~";
  }
  return "?";
}

Result<std::vector<LabelMatcher>> ParseSelector(std::string_view text) {
  size_t pos = engine::SkipSpace(text, 0);
  if (pos >= text.size()) return SelectorError(text, pos, "empty selector");
  engine::SelectorSyntax s;
  if (engine::IsNameStart(text[pos], /*colon=*/true) || text[pos] == '{') {
    s = engine::ReadSelector(text, pos);
    if (s.error) {
      auto [what, at] = Describe(text, *s.error);
      return SelectorError(text, at, what);
    }
    pos = engine::SkipSpace(text, s.end);
  }
  if (pos < text.size())
    return SelectorError(text, pos, std::string("unexpected character '") + text[pos] + "'");
  bool has_non_empty = false;
  for (LabelMatcher& m : s.matchers) {
    OT_ASSIGN_OR_RETURN(engine::CompiledMatcher compiled, engine::CompiledMatcher::Compile(m));
    has_non_empty |= !compiled.matches_empty();
    m = compiled.matcher();  // with its regex compiled
  }
  if (!has_non_empty) {
    return Status::InvalidArgument(
        "selector must contain at least one matcher that does not match the empty string");
  }
  return std::move(s.matchers);
}

std::string ToString(const LabelMatcher& m) {
  return m.name + std::string(MatchOpText(m.type)) + QuoteGo(m.value);
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
