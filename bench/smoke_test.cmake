# cmake -DBENCH=path/to/overtone_bench -P smoke_test.cmake
# Runs the benchmark on tiny sizes, writing by label set (a series at a
# time, and a sample of every series at a time) and by series id;
# passes when each run exits 0 (the samples read back match SQLite's) and
# printed every row of its table.
foreach(mode "" "--by-id" "--add-each")
  execute_process(
    COMMAND "${BENCH}" --series 8 --samples 500 --batch 1000 --scans 50 --full-scans 4 ${mode}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 240)
  message(STATUS "overtone_bench ${mode} printed:\n${out}${err}")
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "overtone_bench ${mode} exited with ${rc}")
  endif()
  foreach(row
      "(^|\n)metric +overtone +sqlite +ratio"
      "\ningest samples/s +[0-9]"
      "\ningest, writer thread, /CPU-s +[0-9]"
      "\ningest, other threads, /CPU-s +[0-9]"
      "\ningest \\+ last flush, /CPU-s +[0-9]"
      "\ncompact samples/s +[0-9]"
      "\nrange scan 1h samples/s +[0-9]"
      "\nrange scan 1h queries/s +[0-9]"
      "\nfull scan samples/s +[0-9]"
      "\nbytes on disk/sample +[0-9]")
    if(NOT out MATCHES "${row}")
      message(FATAL_ERROR "overtone_bench ${mode} did not print the row: ${row}")
    endif()
  endforeach()
endforeach()
