// Label matchers and the series selector syntax.
//
// Matching follows Prometheus: `=~` and `!~` use RE2 syntax and are fully
// anchored; a matcher that matches the empty string also matches series that
// do not have the label at all (`{env=""}` selects series without `env`).

#ifndef OVERTONE_MATCHER_H_
#define OVERTONE_MATCHER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"

namespace re2 {
class RE2;
}

namespace overtone {

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

struct LabelMatcher {
  MatchType type = MatchType::kEqual;
  std::string name;
  std::string value;
  // The compiled =~ / !~ pattern, once compiled (engine/matcher_set.h):
  // ParseSelector and the PromQL parser compile it, and copies share it, so
  // that a query compiles each regex once. Null until then; a stale one (the
  // value changed since) is not used. Not part of equality.
  std::shared_ptr<const re2::RE2> regex = nullptr;

  bool operator==(const LabelMatcher& o) const {
    return type == o.type && name == o.name && value == o.value;
  }
};

// Parses a series selector such as `up`, `up{job="a"}`,
// `{__name__=~"http_.*", code!="200"}`. Strings use double quotes, single
// quotes or backticks with Go's escapes, as in PromQL (the grammar is
// PromQL's: engine/selector_syntax.h). The error message names the position
// of the problem. The regex matchers come compiled.
Result<std::vector<LabelMatcher>> ParseSelector(std::string_view text);

// "=", "!=", "=~" or "!~".
std::string_view MatchOpText(MatchType t);

// `name="value"` etc., with the value quoted as Go quotes strings.
std::string ToString(const LabelMatcher& m);
std::string ToString(const std::vector<LabelMatcher>& ms);

}  // namespace overtone

#endif  // OVERTONE_MATCHER_H_
