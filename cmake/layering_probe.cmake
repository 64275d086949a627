# Compiles a one-line file that includes HEADER with a domain module's include path (the poison
# directories first) and passes iff the compiler refuses it with the layering message.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/layering_probe.cpp "#include <${HEADER}>\n")
execute_process(
  COMMAND ${CXX} -std=c++20 -fsyntax-only -I${POISON}/net -I${POISON}/sql
          ${CMAKE_CURRENT_BINARY_DIR}/layering_probe.cpp
  RESULT_VARIABLE result ERROR_VARIABLE errors OUTPUT_QUIET)
if(result EQUAL 0)
  message(FATAL_ERROR "<${HEADER}> compiled with a domain module's include path")
endif()
if(NOT errors MATCHES "layering: this module may not include")
  message(FATAL_ERROR "<${HEADER}> failed for another reason:\n${errors}")
endif()
message(STATUS "<${HEADER}> refused: ${HEADER}")
