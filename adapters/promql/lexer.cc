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
  std::vector<Token> tokens;
  while (true) {
    Token tok;
    OT_RETURN_IF_ERROR(Next(&tok));
    bool eof = tok.kind == TokenKind::kEof;
    tokens.push_back(std::move(tok));
    if (eof) break;
  }
  if (brace_depth_ > 0) return Error(q_.size(), "unexpected end of input inside braces");
  if (bracket_depth_ > 0) return Error(q_.size(), "unexpected end of input inside brackets");
  return tokens;
}

Status Lexer::Next(Token* tok) {
  pos_ = engine::SkipSpace(q_, pos_);
  tok->pos = pos_;
  if (pos_ >= q_.size()) {
    tok->kind = TokenKind::kEof;
    tok->end = pos_;
    return Status::OK();
  }
  char c = q_[pos_];
  char n = pos_ + 1 < q_.size() ? q_[pos_ + 1] : '\0';
  auto op = [&](TokenKind kind, size_t len) {
    tok->kind = kind;
    tok->text = std::string(q_.substr(pos_, len));
    pos_ += len;
    tok->end = pos_;
    return Status::OK();
  };
  if (IsDigit(c) || (c == '.' && IsDigit(n))) return LexNumberOrDuration(tok);
  if (c == '"' || c == '\'' || c == '`') return LexString(tok, c);
  // ':' belongs to metric names, but not inside braces (label names) or
  // brackets (the subquery colon).
  const bool colon = brace_depth_ == 0 && bracket_depth_ == 0;
  if (engine::IsNameStart(c, colon)) {
    size_t start = pos_;
    pos_ = engine::NameEnd(q_, pos_, colon);
    tok->text = std::string(q_.substr(start, pos_ - start));
    tok->end = pos_;
    if (brace_depth_ == 0 && (EqualsFold(tok->text, "inf") || EqualsFold(tok->text, "nan"))) {
      tok->kind = TokenKind::kNumber;
      tok->number = EqualsFold(tok->text, "inf") ? std::numeric_limits<double>::infinity()
                                                 : std::numeric_limits<double>::quiet_NaN();
    } else {
      tok->kind = TokenKind::kIdentifier;
    }
    return Status::OK();
  }
  switch (c) {
    case '(': return op(TokenKind::kLeftParen, 1);
    case ')': return op(TokenKind::kRightParen, 1);
    case '{':
      if (brace_depth_ > 0) return Error(pos_, "unexpected left brace '{'");
      ++brace_depth_;
      return op(TokenKind::kLeftBrace, 1);
    case '}':
      if (brace_depth_ == 0) return Error(pos_, "unexpected right brace '}'");
      --brace_depth_;
      return op(TokenKind::kRightBrace, 1);
    case '[':
      if (bracket_depth_ > 0) return Error(pos_, "unexpected left bracket '['");
      ++bracket_depth_;
      return op(TokenKind::kLeftBracket, 1);
    case ']':
      if (bracket_depth_ == 0) return Error(pos_, "unexpected right bracket ']'");
      --bracket_depth_;
      return op(TokenKind::kRightBracket, 1);
    case ',': return op(TokenKind::kComma, 1);
    case ':': return op(TokenKind::kColon, 1);
    case '@': return op(TokenKind::kAt, 1);
    case '+': return op(TokenKind::kAdd, 1);
    case '-': return op(TokenKind::kSub, 1);
    case '*': return op(TokenKind::kMul, 1);
    case '/': return op(TokenKind::kDiv, 1);
    case '%': return op(TokenKind::kMod, 1);
    case '^': return op(TokenKind::kPow, 1);
    case '=':
      if (n == '=') return op(TokenKind::kEql, 2);
      if (n == '~') return op(TokenKind::kEqlRegex, 2);
      return op(TokenKind::kAssign, 1);
    case '!':
      if (n == '=') return op(TokenKind::kNeq, 2);
      if (n == '~') return op(TokenKind::kNeqRegex, 2);
      return Error(pos_, "unexpected character after '!': '" + std::string(1, n) + "'");
    case '<':
      if (n == '=') return op(TokenKind::kLte, 2);
      return op(TokenKind::kLss, 1);
    case '>':
      if (n == '=') return op(TokenKind::kGte, 2);
      return op(TokenKind::kGtr, 1);
    default: break;
  }
  // The whole UTF-8 character, not its first byte.
  const auto lead = static_cast<unsigned char>(c);
  const size_t len = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return Error(pos_, "unexpected character: '" + std::string(q_.substr(pos_, len)) + "'");
}

Status Lexer::LexNumberOrDuration(Token* tok) {
  size_t start = pos_;
  // The longest run that could be a number or a duration; exponent signs
  // belong to it ("1e-3"), hex digits too ("0x1f").
  bool hex = q_.substr(pos_, 2) == "0x" || q_.substr(pos_, 2) == "0X";
  while (pos_ < q_.size()) {
    char c = q_[pos_];
    if (IsAlnum(c) || c == '.') {
      ++pos_;
    } else if ((c == '+' || c == '-') && !hex && pos_ > start &&
               (q_[pos_ - 1] == 'e' || q_[pos_ - 1] == 'E')) {
      ++pos_;
    } else {
      break;
    }
  }
  std::string text(q_.substr(start, pos_ - start));
  tok->text = text;
  tok->end = pos_;
  auto duration = ParseDuration(text);
  if (duration.ok()) {
    tok->kind = TokenKind::kDuration;
    tok->duration_ms = *duration;
    tok->number = static_cast<double>(*duration) / 1000;
    return Status::OK();
  }
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || text.find_first_of("pP") != std::string::npos) {
    return Error(start, "bad number or duration syntax: \"" + text + "\"");
  }
  tok->kind = TokenKind::kNumber;
  tok->number = v;
  return Status::OK();
}

Status Lexer::LexString(Token* tok, char quote) {
  size_t start = pos_;
  StringLiteral lit = ReadStringLiteral(q_, start);
  switch (lit.error) {
    case StringLiteral::kNone: break;
    case StringLiteral::kUnterminated:
    case StringLiteral::kUnterminatedEscape:
      return Error(start, "unterminated quoted string " + std::string(1, quote));
    case StringLiteral::kUnknownEscape:
      return Error(lit.at - 1, "unknown escape sequence '\\" + std::string(1, q_[lit.at]) + "'");
    case StringLiteral::kBadEscapeDigit: return Error(lit.at, "illegal character in escape sequence");
    case StringLiteral::kOctalOutOfRange: return Error(lit.at, "octal escape value > 255");
    case StringLiteral::kInvalidCodePoint:
      return Error(lit.at, "escape sequence is an invalid Unicode code point");
  }
  tok->kind = TokenKind::kString;
  tok->text = std::move(lit.value);
  pos_ = tok->end = lit.end;
  return Status::OK();
}

}  // namespace overtone::promql
