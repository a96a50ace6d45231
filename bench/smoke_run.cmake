# cmake -DBENCH=path/to/bench "-DARGS=--flag value ..." "-DEXPECT=text" -P smoke_run.cmake
# Runs a benchmark on tiny sizes; passes when it exits 0 and its output
# contains EXPECT (literal text), so a smoke test catches a crash or a
# failed check as well as a missing result.
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND "${BENCH}" ${args}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${BENCH} ${ARGS} printed:\n${out}${err}")
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "${BENCH} exited with ${rc}")
endif()
if(DEFINED EXPECT AND NOT EXPECT STREQUAL "")
  string(FIND "${out}${err}" "${EXPECT}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${BENCH} did not print: ${EXPECT}")
  endif()
endif()
