#include "adapters/promql/lexer.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "base/text.h"
#include "engine/selector_syntax.h"

namespace overtone::promql {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return engine::IsNameChar(c, /*colon=*/false); }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Go's strconv.IsPrint, close enough for the characters an error names.
bool IsPrintable(int32_t cp) { return (cp >= 0x20 && cp < 0x7f) || (cp >= 0xa0 && cp != 0xad); }

std::string Hex(uint32_t v, int width, bool upper) {
  std::string out;
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  for (int shift = (width - 1) * 4; shift >= 0; shift -= 4) out.push_back(digits[(v >> shift) & 15]);
  return out;
}

// A character as Go's %q writes it ('x', '\n', '\x01'); the end of the
// input as Go writes rune -1, the replacement character.
std::string QuoteRune(std::string_view text, size_t pos) {
  size_t len = 0;
  int32_t cp = DecodeUtf8(text, pos, &len);
  if (cp < 0) cp = 0xfffd;
  switch (cp) {
    case '\'': return "'\\''";
    case '\\': return "'\\\\'";
    case '\a': return "'\\a'";
    case '\b': return "'\\b'";
    case '\f': return "'\\f'";
    case '\n': return "'\\n'";
    case '\r': return "'\\r'";
    case '\t': return "'\\t'";
    case '\v': return "'\\v'";
    default: break;
  }
  if (cp < 0x80 && !IsPrintable(cp)) return "'\\x" + Hex(cp, 2, false) + "'";
  if (!IsPrintable(cp)) return "'\\u" + Hex(cp, 4, false) + "'";
  std::string out = "'";
  AppendUtf8(static_cast<uint32_t>(cp), &out);
  return out + "'";
}

// A character as Go's %#U writes it: U+0071 'q' (U+000A for one that does
// not print).
std::string RuneName(std::string_view text, size_t pos) {
  size_t len = 0;
  int32_t cp = DecodeUtf8(text, pos, &len);
  if (cp < 0) cp = 0xfffd;
  std::string out = "U+" + Hex(static_cast<uint32_t>(cp), cp > 0xffff ? 6 : 4, true);
  if (!IsPrintable(cp)) return out;
  out += " '";
  AppendUtf8(static_cast<uint32_t>(cp), &out);
  return out + "'";
}

// PromQL's number literal as Go reads it (strconv.ParseInt with base 0,
// then strconv.ParseFloat): 0x1f hex, 017 octal, 1e3, .5. The lexer lets
// "0x" and "1e" through; Go's message for those is returned in `error`.
double NumberValue(const std::string& text, std::string* error) {
  const bool hex = text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const bool digits_only = text.find_first_not_of("0123456789") == std::string::npos;
  const bool octal =
      text.size() > 1 && text[0] == '0' && text.find_first_not_of("01234567") == std::string::npos;
  if (hex || octal) {
    errno = 0;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text.c_str() + (hex ? 2 : 1), &end, hex ? 16 : 8);
    const bool whole = end == text.c_str() + text.size() && text.size() > (hex ? 2u : 1u);
    if (whole && errno == 0 && v <= static_cast<unsigned long long>(std::numeric_limits<int64_t>::max())) {
      return static_cast<double>(static_cast<int64_t>(v));
    }
    if (hex) {  // ParseFloat takes no hex number without a 'p' exponent
      *error = "strconv.ParseFloat: parsing " + QuoteGo(text) + ": invalid syntax";
      return 0;
    }
  }
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || (!digits_only && text.find_first_of("xX") != std::string::npos)) {
    *error = "strconv.ParseFloat: parsing " + QuoteGo(text) + ": invalid syntax";
  } else if (std::isinf(v)) {
    *error = "strconv.ParseFloat: parsing " + QuoteGo(text) + ": value out of range";
  }
  return v;
}

bool EqualsFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

const char* TokenKindName(TokenKind k) {
  switch (k) {
    case TokenKind::kEof: return "end of input";
    case TokenKind::kIdentifier: return "identifier";
    case TokenKind::kNumber: return "number";
    case TokenKind::kDuration: return "duration";
    case TokenKind::kString: return "string";
    case TokenKind::kLeftParen: return "\"(\"";
    case TokenKind::kRightParen: return "\")\"";
    case TokenKind::kLeftBrace: return "\"{\"";
    case TokenKind::kRightBrace: return "\"}\"";
    case TokenKind::kLeftBracket: return "\"[\"";
    case TokenKind::kRightBracket: return "\"]\"";
    case TokenKind::kComma: return "\",\"";
    case TokenKind::kColon: return "\":\"";
    case TokenKind::kAt: return "\"@\"";
    case TokenKind::kAssign: return "\"=\"";
    case TokenKind::kEqlRegex: return "\"=~\"";
    case TokenKind::kNeqRegex: return "\"!~\"";
    case TokenKind::kAdd: return "\"+\"";
    case TokenKind::kSub: return "\"-\"";
    case TokenKind::kMul: return "\"*\"";
    case TokenKind::kDiv: return "\"/\"";
    case TokenKind::kMod: return "\"%\"";
    case TokenKind::kPow: return "\"^\"";
    case TokenKind::kEql: return "\"==\"";
    case TokenKind::kNeq: return "\"!=\"";
    case TokenKind::kLss: return "\"<\"";
    case TokenKind::kLte: return "\"<=\"";
    case TokenKind::kGtr: return "\">\"";
    case TokenKind::kGte: return "\">=\"";
    case TokenKind::kError: return "error";
  }
  return "?";
}

Status ParseError(std::string_view query, size_t pos, std::string_view msg) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < pos && i < query.size(); ++i) {
    if (query[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return Status::InvalidArgument(std::to_string(line) + ":" + std::to_string(col) +
                                 ": parse error: " + std::string(msg));
}

Result<int64_t> ParseDuration(std::string_view text) {
  // Units must come in this order, each at most once: y w d h m s ms.
  struct Unit {
    std::string_view name;
    int64_t ms;
  };
  static constexpr Unit kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                                    {"w", 7LL * 24 * 3600 * 1000},
                                    {"d", 24LL * 3600 * 1000},
                                    {"h", 3600LL * 1000},
                                    {"m", 60LL * 1000},
                                    {"s", 1000},
                                    {"ms", 1}};
  auto bad = [&] {
    return Status::InvalidArgument("not a valid duration string: \"" + std::string(text) + "\"");
  };
  if (text.empty()) return bad();
  size_t i = 0, next_unit = 0;
  int64_t total = 0;
  bool any = false;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == start) return bad();
    int64_t n = 0;
    for (size_t k = start; k < i; ++k) {
      if (n > (std::numeric_limits<int64_t>::max() - 9) / 10) return bad();
      n = n * 10 + (text[k] - '0');
    }
    size_t unit_start = i;
    while (i < text.size() && !IsDigit(text[i])) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].name != unit) ++u;
    if (u == std::size(kUnits)) return bad();
    if (n != 0 && kUnits[u].ms > std::numeric_limits<int64_t>::max() / n) return bad();
    total += n * kUnits[u].ms;
    next_unit = u + 1;
    any = true;
  }
  if (!any) return bad();
  return total;
}

Result<std::vector<Token>> Lexer::Tokenize() {
  std::vector<Token> tokens = TokenizeUntilError();
  if (tokens.back().kind == TokenKind::kError) return ParseError(q_, tokens.back().pos, tokens.back().text);
  return tokens;
}

std::vector<Token> Lexer::TokenizeUntilError() {
  std::vector<Token> tokens;
  while (true) {
    Token tok;
    const bool ok = Next(&tok);
    const bool last = !ok || tok.kind == TokenKind::kEof;
    tokens.push_back(std::move(tok));
    if (last) return tokens;
  }
}

bool Lexer::Fail(Token* tok, size_t pos, std::string msg) {
  tok->kind = TokenKind::kError;
  tok->pos = pos;
  tok->end = q_.size();
  tok->text = std::move(msg);
  return false;
}

bool Lexer::Emit(Token* tok, TokenKind kind, size_t len) {
  tok->kind = kind;
  tok->pos = pos_;
  tok->text = std::string(q_.substr(pos_, len));
  pos_ += len;
  tok->end = pos_;
  return true;
}

bool Lexer::Next(Token* tok) {
  if (range_expected_) {
    range_expected_ = false;
    return LexRangeDuration(tok);
  }
  pos_ = engine::SkipSpace(q_, pos_);
  tok->pos = pos_;
  if (brace_open_) return LexInsideBraces(tok);
  if (pos_ >= q_.size()) {
    // Prometheus's lexer checks the parentheses before the bracket.
    if (paren_depth_ != 0) return Fail(tok, pos_, "unclosed left parenthesis");
    if (bracket_open_) return Fail(tok, pos_, "unclosed left bracket");
    tok->kind = TokenKind::kEof;
    tok->end = pos_;
    return true;
  }
  const char c = q_[pos_];
  const char n = pos_ + 1 < q_.size() ? q_[pos_ + 1] : '\0';
  if (IsDigit(c) || (c == '.' && IsDigit(n))) return LexNumberOrDuration(tok);
  if (c == '"' || c == '\'' || c == '`') return LexString(tok, c);
  if (bracket_open_ && (engine::IsNameStart(c, /*colon=*/false) || c == ':')) {
    // Inside brackets only the subquery's colon may come, once; Prometheus
    // 2.42's lexer takes a letter there for the colon too, so a letter after
    // the colon is an "unexpected colon" in its words.
    if (got_colon_) return Fail(tok, pos_, "unexpected colon " + QuoteRune(q_, pos_));
    if (c == ':') {
      got_colon_ = true;
      return Emit(tok, TokenKind::kColon, 1);
    }
  }
  if (engine::IsNameStart(c, /*colon=*/true)) {
    // ':' belongs to metric names, not to what is inside brackets.
    const bool colon = !bracket_open_;
    size_t start = pos_;
    pos_ = engine::NameEnd(q_, pos_, colon);
    tok->text = std::string(q_.substr(start, pos_ - start));
    tok->end = pos_;
    if (EqualsFold(tok->text, "inf") || EqualsFold(tok->text, "nan")) {
      tok->kind = TokenKind::kNumber;
      tok->number = EqualsFold(tok->text, "inf") ? std::numeric_limits<double>::infinity()
                                                 : std::numeric_limits<double>::quiet_NaN();
    } else {
      tok->kind = TokenKind::kIdentifier;
    }
    return true;
  }
  return LexOperator(tok);
}

bool Lexer::LexOperator(Token* tok) {
  const char c = q_[pos_];
  const char n = pos_ + 1 < q_.size() ? q_[pos_ + 1] : '\0';
  switch (c) {
    case '(': ++paren_depth_; return Emit(tok, TokenKind::kLeftParen, 1);
    case ')':
      // Prometheus's lexer reports this after the parenthesis.
      if (--paren_depth_ < 0) return Fail(tok, pos_ + 1, "unexpected right parenthesis ')'");
      return Emit(tok, TokenKind::kRightParen, 1);
    case '{': brace_open_ = true; return Emit(tok, TokenKind::kLeftBrace, 1);
    case '[':
      if (bracket_open_) return Fail(tok, pos_, "unexpected left bracket '['");
      bracket_open_ = true;
      got_colon_ = false;
      Emit(tok, TokenKind::kLeftBracket, 1);
      while (pos_ < q_.size() && IsSpace(q_[pos_])) ++pos_;
      range_expected_ = true;
      return true;
    case ']':
      if (!bracket_open_) return Fail(tok, pos_, "unexpected right bracket ']'");
      bracket_open_ = false;
      return Emit(tok, TokenKind::kRightBracket, 1);
    case ',': return Emit(tok, TokenKind::kComma, 1);
    case '@': return Emit(tok, TokenKind::kAt, 1);
    case '+': return Emit(tok, TokenKind::kAdd, 1);
    case '-': return Emit(tok, TokenKind::kSub, 1);
    case '*': return Emit(tok, TokenKind::kMul, 1);
    case '/': return Emit(tok, TokenKind::kDiv, 1);
    case '%': return Emit(tok, TokenKind::kMod, 1);
    case '^': return Emit(tok, TokenKind::kPow, 1);
    case '=':
      if (n == '=') return Emit(tok, TokenKind::kEql, 2);
      // Regex matchers belong inside braces only.
      if (n == '~') return Fail(tok, pos_, "unexpected character after '=': '~'");
      return Emit(tok, TokenKind::kAssign, 1);
    case '!':
      if (n == '=') return Emit(tok, TokenKind::kNeq, 2);
      return Fail(tok, pos_, "unexpected character after '!': " + QuoteRune(q_, pos_ + 1));
    case '<':
      if (n == '=') return Emit(tok, TokenKind::kLte, 2);
      return Emit(tok, TokenKind::kLss, 1);
    case '>':
      if (n == '=') return Emit(tok, TokenKind::kGte, 2);
      return Emit(tok, TokenKind::kGtr, 1);
    default: break;
  }
  return Fail(tok, pos_, "unexpected character: " + QuoteRune(q_, pos_));
}

// Between '{' and '}': label names (no ':'), strings, ',' and the four
// match operators.
bool Lexer::LexInsideBraces(Token* tok) {
  if (pos_ >= q_.size()) return Fail(tok, pos_, "unexpected end of input inside braces");
  const char c = q_[pos_];
  const char n = pos_ + 1 < q_.size() ? q_[pos_ + 1] : '\0';
  if (engine::IsNameStart(c, /*colon=*/false)) {
    size_t start = pos_;
    pos_ = engine::NameEnd(q_, pos_, /*colon=*/false);
    tok->kind = TokenKind::kIdentifier;
    tok->label = true;
    tok->text = std::string(q_.substr(start, pos_ - start));
    tok->end = pos_;
    return true;
  }
  switch (c) {
    case ',': return Emit(tok, TokenKind::kComma, 1);
    case '"':
    case '\'':
    case '`': return LexString(tok, c);
    case '=':
      if (n == '~') return Emit(tok, TokenKind::kEqlRegex, 2);
      return Emit(tok, TokenKind::kAssign, 1);
    case '!':
      if (n == '~') return Emit(tok, TokenKind::kNeqRegex, 2);
      if (n == '=') return Emit(tok, TokenKind::kNeq, 2);
      return Fail(tok, pos_, "unexpected character after '!' inside braces: " + QuoteRune(q_, pos_ + 1));
    case '{': return Fail(tok, pos_, "unexpected left brace '{'");
    case '}': brace_open_ = false; return Emit(tok, TokenKind::kRightBrace, 1);
    default: return Fail(tok, pos_, "unexpected character inside braces: " + QuoteRune(q_, pos_));
  }
}

size_t Lexer::ScanNumber(size_t p, bool* whole) const {
  auto accept = [&](std::string_view valid) {
    if (p < q_.size() && valid.find(q_[p]) != std::string_view::npos) {
      ++p;
      return true;
    }
    return false;
  };
  std::string_view digits = "0123456789";
  if (accept("0") && accept("xX")) digits = "0123456789abcdefABCDEF";
  while (accept(digits)) {
  }
  if (accept(".")) {
    while (accept(digits)) {
    }
  }
  if (accept("eE")) {
    accept("+-");
    while (accept("0123456789")) {
    }
  }
  // A letter or digit right after it makes it no number (perhaps a duration).
  *whole = p >= q_.size() || !IsAlnum(q_[p]);
  return p;
}

bool Lexer::AcceptRemainingDuration(size_t* pos) const {
  size_t& p = *pos;
  auto accept = [&](std::string_view valid) {
    if (p < q_.size() && valid.find(q_[p]) != std::string_view::npos) {
      ++p;
      return true;
    }
    return false;
  };
  if (!accept("smhdwy")) return false;
  accept("s");  // ms; a bad unit such as "hs" fails when the duration is read
  while (accept("0123456789")) {
    while (accept("0123456789")) {
    }
    if (!accept("smhdw")) return false;
    accept("s");
  }
  // Prometheus's message names the character it stopped at too.
  if (p < q_.size() && IsAlnum(q_[p])) {
    ++p;
    return false;
  }
  return true;
}

void Lexer::SetDuration(Token* tok, size_t start, size_t end) {
  tok->kind = TokenKind::kDuration;
  tok->pos = start;
  tok->text = std::string(q_.substr(start, end - start));
  tok->end = pos_ = end;
  auto duration = ParseDuration(tok->text);
  if (!duration.ok()) {
    tok->value_error = std::string(duration.status().message());
  } else if (*duration == 0) {
    tok->value_error = "duration must be greater than 0";
  } else {
    tok->duration_ms = *duration;
    tok->number = static_cast<double>(*duration) / 1000;
  }
}

bool Lexer::LexNumberOrDuration(Token* tok) {
  const size_t start = pos_;
  bool whole = false;
  size_t p = ScanNumber(start, &whole);
  if (whole) {
    tok->kind = TokenKind::kNumber;
    tok->pos = start;
    tok->text = std::string(q_.substr(start, p - start));
    tok->end = pos_ = p;
    std::string error;
    tok->number = NumberValue(tok->text, &error);
    if (!error.empty()) tok->value_error = "error parsing number: " + error;
    return true;
  }
  if (AcceptRemainingDuration(&p)) {
    SetDuration(tok, start, p);
    return true;
  }
  return Fail(tok, start, "bad number or duration syntax: " + QuoteGo(q_.substr(start, p - start)));
}

// The range or subquery duration right after '['.
bool Lexer::LexRangeDuration(Token* tok) {
  const size_t start = pos_;
  bool whole = false;
  size_t p = ScanNumber(start, &whole);
  // A bare number is a number of seconds here (as in Prometheus 3); where
  // there is no number at all, Prometheus 2.42's words.
  if (whole && p == start) return Fail(tok, start, "missing unit character in duration");
  if (whole) return LexNumberOrDuration(tok);
  if (!AcceptRemainingDuration(&p)) {
    return Fail(tok, start, "bad duration syntax: " + QuoteGo(q_.substr(start, p - start)));
  }
  SetDuration(tok, start, p);
  return true;
}

bool Lexer::LexString(Token* tok, char quote) {
  const size_t start = pos_;
  StringLiteral lit = ReadStringLiteral(q_, start);
  // Prometheus names the string's start for every error inside it.
  switch (lit.error) {
    case StringLiteral::kNone: break;
    case StringLiteral::kUnterminated:
      return Fail(tok, start, quote == '`' ? "unterminated raw string" : "unterminated quoted string");
    case StringLiteral::kUnterminatedEscape: return Fail(tok, start, "escape sequence not terminated");
    case StringLiteral::kUnknownEscape:
      return Fail(tok, start, "unknown escape sequence " + RuneName(q_, lit.at));
    case StringLiteral::kBadEscapeDigit:
      if (lit.at >= q_.size()) return Fail(tok, start, "escape sequence not terminated");
      return Fail(tok, start, "illegal character " + RuneName(q_, lit.at) + " in escape sequence");
    case StringLiteral::kOctalOutOfRange:
    case StringLiteral::kInvalidCodePoint:
      return Fail(tok, start, "escape sequence is an invalid Unicode code point");
  }
  tok->kind = TokenKind::kString;
  tok->pos = start;
  tok->text = std::move(lit.value);
  pos_ = tok->end = lit.end;
  return true;
}

}  // namespace overtone::promql
