# cmake -DBUILD_DIR=... -DEXAMPLE_DIR=... -DWORK_DIR=... -DCXX_COMPILER=...
#       -DGENERATOR=... -P install_test.cmake
#
# 1. cmake --install BUILD_DIR into WORK_DIR/prefix
# 2. configure and build EXAMPLE_DIR with CMAKE_PREFIX_PATH=WORK_DIR/prefix
# 3. run it on a fresh database directory and check its output

foreach(var BUILD_DIR EXAMPLE_DIR WORK_DIR CXX_COMPILER GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_test.cmake: -D${var}=... is required")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(example_build "${WORK_DIR}/embed-build")
set(db_dir "${WORK_DIR}/db")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run step)
  execute_process(COMMAND ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 500)
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "${step} failed (${rc}):\n${ARGN}\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

run("install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
run("configure example" "${CMAKE_COMMAND}" -S "${EXAMPLE_DIR}" -B "${example_build}"
    -G "${GENERATOR}"
    -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)

# The package must come from the prefix, not from the build tree.
file(STRINGS "${example_build}/CMakeCache.txt" found_dir REGEX "^overtone_DIR:")
string(FIND "${found_dir}" "${prefix}/" at)
if(at EQUAL -1)
  message(FATAL_ERROR "overtone was not found in the install prefix: ${found_dir}")
endif()

run("build example" "${CMAKE_COMMAND}" --build "${example_build}")
run("run example" "${example_build}/embed" "${db_dir}")
message(STATUS "example printed:\n${step_output}")

set(expected
  "series http_requests_total{instance=\"a:9090\", job=\"api\"}\n"
  "  1700000000000 1\n"
  "  1700000015000 2.5\n"
  "  1700000030000 NaN\n"
  "  1700000045000 +Inf\n"
  "  1700000060000 stale\n"
  "sql: 6 samples\n"
  "embed: OK\n")
foreach(line IN LISTS expected)
  string(FIND "${step_output}" "${line}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the example's output lacks the line: ${line}")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
message(STATUS "install test passed")
