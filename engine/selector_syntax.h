// The one grammar of series selectors, `name{label op "value", ...}`, read
// by overtone::ParseSelector (include/overtone/matcher.h) and by the PromQL
// parser (adapters/promql/parser.cc) for the selectors in an expression.
//
// The lexical rules are PromQL's, and PromQL's lexer uses the same
// functions: identifiers (a metric name may contain ':', a label name not),
// the four match operators, string literals as base/text.h reads them,
// white space and `#` comments to the end of the line. A quoted name may
// stand for a label name ({"service.name"="x"}) or, alone, for the metric
// name ({"metric.name"}).
//
//   SelectorSyntax s = ReadSelector(R"(rate(up{job="a"}[5m]))", 5);
//   // s.metric_name == "up", s.matchers == {__name__="up", job="a"}, s.end == 16
//
// A reader words its own errors from SelectorSyntaxError: ParseSelector as
// "invalid selector '...' at position N: ...", PromQL as Prometheus does.

#ifndef OVERTONE_ENGINE_SELECTOR_SYNTAX_H_
#define OVERTONE_ENGINE_SELECTOR_SYNTAX_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/text.h"
#include "overtone/matcher.h"

namespace overtone::engine {

// PromQL's identifier characters; `colon` for metric names.
bool IsNameStart(char c, bool colon);
bool IsNameChar(char c, bool colon);
// The end of the identifier that starts at text[pos].
size_t NameEnd(std::string_view text, size_t pos, bool colon);
// Past the white space and `#` comments from text[pos].
size_t SkipSpace(std::string_view text, size_t pos);

struct SelectorSyntaxError {
  enum Kind {
    kExpectedLabelName,     // in braces, where a label name must come
    kExpectedMatchOp,       // after a label name
    kExpectedString,        // after a match operator
    kExpectedCommaOrBrace,  // after a matcher
    kBadString,             // `literal` says what is wrong with it
    kRejected,              // by the reader's check, or the metric name twice; see `message`
  };
  Kind kind = kExpectedLabelName;
  size_t pos = 0;  // byte offset into the text (for kBadString: the literal's start)
  StringLiteral::Error literal = StringLiteral::kNone;
  size_t literal_at = 0;  // kBadString: StringLiteral::at
  std::string message;    // kRejected
};

struct SelectorSyntax {
  std::string metric_name;             // "" when given only by matchers
  std::vector<LabelMatcher> matchers;  // the metric name's __name__ matcher included
  size_t end = 0;                      // just past the selector
  std::optional<SelectorSyntaxError> error;
};

// Returns an error message for a matcher the reader does not accept (the
// error's position is then the matcher's value), or nullopt.
using MatcherCheck = std::function<std::optional<std::string>(const LabelMatcher&)>;

// Reads the selector that starts at text[pos], with a metric name or '{'.
SelectorSyntax ReadSelector(std::string_view text, size_t pos, const MatcherCheck& check = nullptr);

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_SELECTOR_SYNTAX_H_
