// PromQL's lexical grammar: numbers (decimal, hex, exponent, Inf, NaN),
// durations (1h30m, 500ms), strings ("...", '...' with Go escapes, `raw`),
// identifiers, operators and `#` comments to the end of the line.
//
//   Lexer lexer("rate(http_requests_total{job=\"api\"}[5m])");
//   Result<std::vector<Token>> tokens = lexer.Tokenize();
//
// Errors name their position as Prometheus does ("1:12: parse error: ...").
// Like Prometheus's lexer, this one tracks the open parentheses, the open
// bracket and the open braces, and words their errors as Prometheus does:
// "unclosed left parenthesis", "unexpected right bracket ']'", ...

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
  kError,  // a lexical error: Token::text is the message, Token::pos its position
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  size_t pos = 0;    // byte offset of the first character
  size_t end = 0;    // byte offset past the last character
  std::string text;  // the source text, or a string's unquoted value
  double number = 0;
  int64_t duration_ms = 0;
  // A kNumber or kDuration whose text is none ("0x", "1e", "1.5m", "0s"):
  // Prometheus's lexer lets it through and its parser rejects it where it
  // is used, with this message.
  std::string value_error;
  bool label = false;  // lexed inside braces, where no word is a keyword
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
  // Every token, or the first lexical error.
  Result<std::vector<Token>> Tokenize();
  // The tokens up to the first lexical error, then a kError token (or
  // kEof). The parser reports the error only when it reaches it, so that a
  // syntax error before it comes first, as Prometheus's lexer, which runs
  // a token ahead of its parser, has it.
  std::vector<Token> TokenizeUntilError();

 private:
  // false (and `tok` a kError token) on a lexical error.
  bool Next(Token* tok);
  bool LexOperator(Token* tok);
  bool LexInsideBraces(Token* tok);
  bool LexNumberOrDuration(Token* tok);
  bool LexRangeDuration(Token* tok);
  bool LexString(Token* tok, char quote);
  // Prometheus's scanning of a number from text[p]: the end of the longest
  // number-like run; `whole` when no letter or digit follows it.
  size_t ScanNumber(size_t p, bool* whole) const;
  // The unit letters and further number-unit pairs of a duration from *pos.
  bool AcceptRemainingDuration(size_t* pos) const;
  void SetDuration(Token* tok, size_t start, size_t end);
  bool Fail(Token* tok, size_t pos, std::string msg);
  bool Emit(Token* tok, TokenKind kind, size_t len);

  std::string_view q_;
  size_t pos_ = 0;
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;       // inside the brackets, after the subquery's ':'
  bool range_expected_ = false;  // just after '[': a duration must follow
};

}  // namespace overtone::promql

#endif  // OVERTONE_ADAPTERS_PROMQL_LEXER_H_
