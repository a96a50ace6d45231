// PromQL's lexical grammar: numbers (decimal, hex, exponent, Inf, NaN),
// durations (1h30m, 500ms), strings ("...", '...' with Go escapes, `raw`),
// identifiers, operators and `#` comments to the end of the line.
//
//   Lexer lexer("rate(http_requests_total{job=\"api\"}[5m])");
//   Result<std::vector<Token>> tokens = lexer.Tokenize();
//
// Errors name their position as Prometheus does ("1:12: parse error: ...").

#ifndef OVERTONE_ADAPTERS_PROMQL_LEXER_H_
#define OVERTONE_ADAPTERS_PROMQL_LEXER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"

namespace overtone::promql {

enum class TokenKind {
  kEof,
  kIdentifier,  // metric names, label names, keywords, function names
  kNumber,      // value in Token::number
  kDuration,    // milliseconds in Token::duration_ms
  kString,      // unquoted value in Token::text
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kColon,
  kAt,
  kAssign,    // =  (in matchers)
  kEqlRegex,  // =~
  kNeqRegex,  // !~
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEql,
  kNeq,
  kLss,
  kLte,
  kGtr,
  kGte,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  size_t pos = 0;    // byte offset of the first character
  size_t end = 0;    // byte offset past the last character
  std::string text;  // the source text, or a string's unquoted value
  double number = 0;
  int64_t duration_ms = 0;
};

const char* TokenKindName(TokenKind k);

// "line:col: parse error: msg" for a byte offset into `query`.
Status ParseError(std::string_view query, size_t pos, std::string_view msg);

// Parses a Prometheus duration such as "1h30m" or "500ms" into ms.
// InvalidArgument for anything else (including "" and a bare number).
Result<int64_t> ParseDuration(std::string_view text);

class Lexer {
 public:
  explicit Lexer(std::string_view query) : q_(query) {}
  Result<std::vector<Token>> Tokenize();

 private:
  Status Next(Token* tok);
  Status LexNumberOrDuration(Token* tok);
  Status LexString(Token* tok, char quote);
  Status Error(size_t pos, std::string_view msg) const { return ParseError(q_, pos, msg); }

  std::string_view q_;
  size_t pos_ = 0;
  int brace_depth_ = 0;
  int bracket_depth_ = 0;
};

}  // namespace overtone::promql

#endif  // OVERTONE_ADAPTERS_PROMQL_LEXER_H_
