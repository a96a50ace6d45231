# cmake -DREADME=README.md -DSOURCE=file -P readme_quotes_source.cmake
# Fails unless README contains SOURCE verbatim.
file(READ "${README}" readme)
file(READ "${SOURCE}" source)
string(FIND "${readme}" "${source}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${README} does not quote ${SOURCE} verbatim: paste the file "
                      "into its code block again")
endif()
