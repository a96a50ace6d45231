// For tests that drive the real `overtone` binary: OVERTONE_BIN is its path
// (the build passes it to every test declared RUNS_BINARY), and
// RunOvertone() runs it as a child process.

#ifndef OVERTONE_TESTS_SUPPORT_OVERTONE_BINARY_H_
#define OVERTONE_TESTS_SUPPORT_OVERTONE_BINARY_H_

#include <string>
#include <string_view>
#include <vector>

#include "tests/support/run_program.h"

#ifndef OVERTONE_BIN
#error "OVERTONE_BIN must name the overtone binary: declare the test RUNS_BINARY"
#endif

namespace overtone::testing {

// `overtone ARGS...` with `input` on stdin.
inline ProgramResult RunOvertone(std::vector<std::string> args, std::string_view input = "",
                                 int timeout_ms = 60000) {
  args.insert(args.begin(), OVERTONE_BIN);
  return RunProgram(args, input, timeout_ms);
}

}  // namespace overtone::testing

#endif  // OVERTONE_TESTS_SUPPORT_OVERTONE_BINARY_H_
