#include "sql/selector_arg.h"

#include "sql/vtab_common.h"

namespace overtone::sql {

int BindSelector(sqlite3_stmt* stmt, int i, const std::vector<LabelMatcher>& matchers) {
  // SQLite's pointer values are void*; the matchers are only read.
  return sqlite3_bind_pointer(stmt, i, const_cast<std::vector<LabelMatcher>*>(&matchers),
                              kSelectorPointerType, nullptr);
}

const std::vector<LabelMatcher>* SelectorPointer(sqlite3_value* v) {
  if (v == nullptr) return nullptr;
  return static_cast<const std::vector<LabelMatcher>*>(sqlite3_value_pointer(v, kSelectorPointerType));
}

Result<std::vector<LabelMatcher>> SelectorArg(sqlite3_value* v) {
  if (const std::vector<LabelMatcher>* matchers = SelectorPointer(v)) return *matchers;
  return ParseSelector(TextOf(v));
}

}  // namespace overtone::sql
