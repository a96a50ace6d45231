// A query answer written out bit for bit, for tests that compare two ways
// of evaluating the same query: per series its labels, then every point's
// time and value as a hex float (NaN spelled out, since NaN payloads may
// differ in sign between paths that are otherwise equal).

#ifndef OVERTONE_TESTS_ADAPTERS_PROMQL_ANSWER_BITS_H_
#define OVERTONE_TESTS_ADAPTERS_PROMQL_ANSWER_BITS_H_

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "adapters/promql/query.h"

namespace overtone::testing {

inline std::vector<std::string> AnswerBits(const promql::QueryResult& r) {
  std::vector<std::string> out;
  for (const promql::Series& s : r.series) {
    std::string line = LabelsToString(s.labels);
    for (const promql::Point& p : s.points) {
      char buf[64];
      std::snprintf(buf, sizeof buf, " %lld:%a", static_cast<long long>(p.ts), p.value);
      line += std::isnan(p.value) ? " " + std::to_string(p.ts) + ":NaN" : std::string(buf);
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace overtone::testing

#endif  // OVERTONE_TESTS_ADAPTERS_PROMQL_ANSWER_BITS_H_
