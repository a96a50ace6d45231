// The standing windows rules ask for: every `*_over_time(selector[range])`
// in a rule expression whose function a standing window serves
// (overtone/over_time.h, StandingWindowServes) becomes one, so that ingest
// keeps its state and each evaluation reads it instead of rescanning the
// range (engine/standing_windows.h, docs/RULES.md#standing-windows).
//
//   RuleWindows windows(db);
//   windows.Replace(StandingWindowsOf(exprs));  // on every (re)load
//
// Selectors with `@` are left out: their window does not move with the
// evaluation time. A rule needs to ask for nothing: the answers are the
// same bits as without the window.

#ifndef OVERTONE_ADAPTERS_RULES_RULE_WINDOWS_H_
#define OVERTONE_ADAPTERS_RULES_RULE_WINDOWS_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/rules/rule_file.h"
#include "overtone/database.h"
#include "overtone/over_time.h"

namespace overtone::rules {

// The windows of these expressions, without repeats; an expression that
// does not parse contributes none.
std::vector<StandingWindowSpec> StandingWindowsOf(const std::vector<std::string>& exprs);
// Every rule expression of the groups.
std::vector<std::string> ExpressionsOf(const std::vector<RuleGroup>& groups);

// Registers windows with a database and removes them when replaced or
// destroyed. REQUIRES: db outlives it.
class RuleWindows {
 public:
  explicit RuleWindows(Database* db) : db_(db) {}
  ~RuleWindows();
  RuleWindows(const RuleWindows&) = delete;
  RuleWindows& operator=(const RuleWindows&) = delete;

  // Registers the new windows, then removes the old ones, so that a window
  // in both keeps its state. A database that keeps none (not open for
  // writing) is left alone: the rules then evaluate afresh.
  void Replace(const std::vector<StandingWindowSpec>& specs);
  size_t size() const;

 private:
  Database* db_;
  mutable std::mutex mu_;
  std::vector<uint64_t> handles_;
};

}  // namespace overtone::rules

#endif  // OVERTONE_ADAPTERS_RULES_RULE_WINDOWS_H_
