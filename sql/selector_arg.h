// How a series selector reaches our SQL functions and tables: the selector
// argument of instant_vector(), range_function() and over_time(), and
// `selector = ...` on the series and samples tables.
//
// Typed in SQL it is text, parsed here, once per call:
//   SELECT * FROM instant_vector('up{job="a"}', :start, :end, 60000);
// From the PromQL translation it is a SelectorBinding: the matchers the
// PromQL parser produced, registered under a number for as long as the
// binding lives, which the statement's parameter carries. A number and not
// a pointer (sqlite3_bind_pointer), because SQLite hands a pointer value to
// a table-valued function as NULL once the argument is copied
// (sqlite3_value_dup), and the tables keep their arguments as copies.
//
//   SelectorBinding b(matchers);
//   sqlite3_bind_int64(stmt, 1, b.handle());
//   ... in xFilter: OT_ASSIGN_OR_RETURN(auto ms, SelectorArg(argv[0]));

#ifndef OVERTONE_SQL_SELECTOR_ARG_H_
#define OVERTONE_SQL_SELECTOR_ARG_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include <sqlite3.h>

#include "overtone/matcher.h"
#include "overtone/status.h"

namespace overtone::sql {

// Matchers registered for a statement's run; unregistered when destroyed.
// Neither copied nor moved: the registry points at it.
class SelectorBinding {
 public:
  explicit SelectorBinding(std::vector<LabelMatcher> matchers);
  ~SelectorBinding();
  SelectorBinding(const SelectorBinding&) = delete;
  SelectorBinding& operator=(const SelectorBinding&) = delete;

  // What the statement binds: a positive number, unique while registered.
  int64_t handle() const { return handle_; }
  const std::vector<LabelMatcher>& matchers() const { return matchers_; }

 private:
  std::vector<LabelMatcher> matchers_;
  int64_t handle_ = 0;
};

// The matchers a selector argument stands for: a live SelectorBinding's
// handle (an integer, or its decimal text), else selector text, parsed with
// ParseSelector (InvalidArgument worded as ParseSelector words it).
Result<std::vector<LabelMatcher>> SelectorArg(sqlite3_value* v);
Result<std::vector<LabelMatcher>> SelectorArg(std::string_view text);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_SELECTOR_ARG_H_
