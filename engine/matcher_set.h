// Label matchers compiled for evaluation.
//
// Regular expressions are RE2, fully anchored and with `.` matching newlines,
// as Prometheus 3.x compiles them ("^(?s:" + re + ")$").

#ifndef OVERTONE_ENGINE_MATCHER_SET_H_
#define OVERTONE_ENGINE_MATCHER_SET_H_

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "overtone/matcher.h"
#include "overtone/status.h"
#include "overtone/types.h"

namespace re2 {
class RE2;
}

namespace overtone::engine {

class CompiledMatcher {
 public:
  // InvalidArgument for a regex RE2 rejects, naming the matcher. A regex
  // `m` carries already compiled (LabelMatcher::regex) is taken as it is.
  static Result<CompiledMatcher> Compile(const LabelMatcher& m);

  // Whether a label value matches; an absent label has the value "".
  bool Matches(std::string_view value) const;
  bool matches_empty() const { return matches_empty_; }
  // The matcher, its regex (if any) compiled: copies of it need no compiling.
  const LabelMatcher& matcher() const { return m_; }

 private:
  LabelMatcher m_;  // m_.regex is null for = and !=
  bool matches_empty_ = false;
};

Result<std::vector<CompiledMatcher>> CompileAll(std::span<const LabelMatcher> ms);

// True when `labels` satisfy every matcher.
bool MatchesAll(const std::vector<CompiledMatcher>& ms, const Labels& labels);

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_MATCHER_SET_H_
