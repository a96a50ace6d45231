// A packed vector operand (sql/vector_match.h) as text to compare in tests:
// one "labelset@ts=value" line a point, "(drop)" after a labelset whose
// metric name is to be dropped, sorted.

#ifndef OVERTONE_TESTS_SQL_VECTOR_OPERAND_LINES_H_
#define OVERTONE_TESTS_SQL_VECTOR_OPERAND_LINES_H_

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "sql/vector_match.h"

namespace overtone::sql {

inline std::vector<std::string> Lines(const VectorOperand& v) {
  std::vector<std::string> out;
  for (const auto& p : v.points) {
    char value[64];
    std::snprintf(value, sizeof value, "%g", p.value);
    out.push_back(v.series[p.series].labelset + (v.series[p.series].drop_name ? "(drop)" : "") + "@" +
                  std::to_string(p.ts) + "=" + value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace overtone::sql

#endif  // OVERTONE_TESTS_SQL_VECTOR_OPERAND_LINES_H_
