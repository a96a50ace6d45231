// PromQL's function signatures: what the parser type-checks calls against,
// and whether the translator supports the function.

#ifndef OVERTONE_ADAPTERS_PROMQL_FUNCTIONS_H_
#define OVERTONE_ADAPTERS_PROMQL_FUNCTIONS_H_

#include <string_view>
#include <vector>

#include "adapters/promql/ast.h"

namespace overtone::promql {

struct FunctionInfo {
  std::string_view name;
  std::vector<ValueType> args;
  // How many trailing arguments may be left out (>= 0), or -1: the last
  // argument type repeats any number of times (label_join).
  int variadic;
  ValueType returns;
  bool supported;  // false: parses, but evaluating it is "not supported"
};

// nullopt-like: nullptr for a name that is no PromQL function.
const FunctionInfo* FindFunction(std::string_view name);

}  // namespace overtone::promql

#endif  // OVERTONE_ADAPTERS_PROMQL_FUNCTIONS_H_
