// How a series selector reaches our SQL functions and tables: the selector
// argument of instant_vector(), range_function() and over_time(), and
// `selector = ...` on the series, samples and segments tables.
//
// Typed in SQL it is text, parsed here, once per call:
//   SELECT * FROM instant_vector('up{job="a"}', :start, :end, 60000);
// From the PromQL translation it is the matchers the PromQL parser produced,
// bound as an SQLite pointer value of type kSelectorPointerType (as SQLite's
// carray extension takes its array): the statement's parameter carries the
// address of the caller's std::vector<LabelMatcher>, which must outlive the
// statement's run. Only sqlite3_bind_pointer (or sqlite3_result_pointer)
// makes such a value; SQL text cannot, so no query can stand for another's
// selector. Any other value, integers included, is taken as text.
//
//   sqlite3_bind_pointer(stmt, 1, const_cast<std::vector<LabelMatcher>*>(&matchers),
//                        kSelectorPointerType, nullptr);  // or BindSelector(stmt, 1, matchers)
//   ... in xFilter: OT_ASSIGN_OR_RETURN(auto ms, SelectorArg(argv[0]));
//
// SQLite copies a pointer value (sqlite3_value_dup) as NULL: code that keeps
// copies of its arguments takes the pointer first (FunctionArgs does).

#ifndef OVERTONE_SQL_SELECTOR_ARG_H_
#define OVERTONE_SQL_SELECTOR_ARG_H_

#include <sqlite3.h>

#include <vector>

#include "overtone/matcher.h"
#include "overtone/status.h"

namespace overtone::sql {

// The pointer type name of a bound selector: a std::vector<LabelMatcher>.
inline constexpr char kSelectorPointerType[] = "overtone_selector";

// Binds `matchers` to parameter `i` of `stmt` as a selector pointer; they are
// not copied and must stay alive and unchanged while the statement runs.
int BindSelector(sqlite3_stmt* stmt, int i, const std::vector<LabelMatcher>& matchers);

// The matchers a selector pointer value carries; null for any other value
// (text, numbers, NULL, a pointer of another type).
const std::vector<LabelMatcher>* SelectorPointer(sqlite3_value* v);

// The matchers a selector argument stands for: a selector pointer's, else
// the value's text, parsed with ParseSelector (InvalidArgument worded as
// ParseSelector words it).
Result<std::vector<LabelMatcher>> SelectorArg(sqlite3_value* v);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_SELECTOR_ARG_H_
