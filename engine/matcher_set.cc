#include "engine/matcher_set.h"

#include <re2/re2.h>

#include <string>

namespace overtone::engine {

namespace {

std::string AnchoredPattern(const std::string& re) { return "^(?:" + re + ")$"; }

}  // namespace

Result<CompiledMatcher> CompiledMatcher::Compile(const LabelMatcher& m) {
  CompiledMatcher c;
  c.m_ = m;
  if (m.type == MatchType::kRegexMatch || m.type == MatchType::kRegexNoMatch) {
    std::string pattern = AnchoredPattern(m.value);
    if (!m.regex || m.regex->pattern() != pattern) {
      RE2::Options options;
      options.set_dot_nl(true);
      options.set_log_errors(false);
      auto re = std::make_shared<const RE2>(pattern, options);
      if (!re->ok()) {
        return Status::InvalidArgument("invalid regular expression in " + ToString(m) + ": " + re->error());
      }
      c.m_.regex = std::move(re);
    }
  } else {
    c.m_.regex.reset();
  }
  c.matches_empty_ = c.Matches("");
  return c;
}

bool CompiledMatcher::Matches(std::string_view value) const {
  switch (m_.type) {
    case MatchType::kEqual: return value == m_.value;
    case MatchType::kNotEqual: return value != m_.value;
    case MatchType::kRegexMatch: return RE2::FullMatch(value, *m_.regex);
    case MatchType::kRegexNoMatch: return !RE2::FullMatch(value, *m_.regex);
  }
  return false;
}

Result<std::vector<CompiledMatcher>> CompileAll(std::span<const LabelMatcher> ms) {
  std::vector<CompiledMatcher> out;
  out.reserve(ms.size());
  for (const LabelMatcher& m : ms) {
    if (m.name.empty()) return Status::InvalidArgument("a label matcher needs a label name");
    OT_ASSIGN_OR_RETURN(CompiledMatcher c, CompiledMatcher::Compile(m));
    out.push_back(std::move(c));
  }
  return out;
}

bool MatchesAll(const std::vector<CompiledMatcher>& ms, const Labels& labels) {
  for (const CompiledMatcher& m : ms) {
    if (!m.Matches(GetLabel(labels, m.matcher().name))) return false;
  }
  return true;
}

}  // namespace overtone::engine
