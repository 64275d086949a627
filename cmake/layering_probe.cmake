# Compiles a one-line file that includes HEADER with a module's own include path (INCLUDES,
# '|'-separated, as the build passes it: the poison directories first where the module may not
# use a library). EXPECT=refused passes iff the compiler stops with the layering message;
# EXPECT=allowed passes iff it compiles.
string(REPLACE "|" ";" dirs "${INCLUDES}")
set(flags "")
foreach(dir ${dirs})
  list(APPEND flags "-I${dir}")
endforeach()
# PROBE (the test's name) keeps probes with the same header and include path from sharing a
# file when ctest runs them in parallel.
string(MAKE_C_IDENTIFIER "${PROBE}_${HEADER}_${INCLUDES}" stem)
string(SHA1 stem "${stem}")
set(source ${CMAKE_CURRENT_BINARY_DIR}/layering_probe_${stem}.cpp)
file(WRITE ${source} "#include <${HEADER}>\n")
execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only ${flags} ${source}
                RESULT_VARIABLE result ERROR_VARIABLE errors OUTPUT_QUIET)
file(REMOVE ${source})
if(EXPECT STREQUAL "allowed")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "<${HEADER}> should compile with this include path:\n${errors}")
  endif()
  message(STATUS "<${HEADER}> allowed")
  return()
endif()
if(result EQUAL 0)
  message(FATAL_ERROR "<${HEADER}> compiled with this module's include path: ${INCLUDES}")
endif()
if(NOT errors MATCHES "layering: this module may not include")
  message(FATAL_ERROR "<${HEADER}> failed for another reason:\n${errors}")
endif()
message(STATUS "<${HEADER}> refused")
