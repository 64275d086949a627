# Layering: which module may include which outside world, enforced by the compiler.
#
# A module that may not speak the network (Beast, Asio) or SQL (SQLite, libpq) compiles with a
# directory of "poison" headers first on its include path: every header of those libraries has a
# stand-in there that stops the build with #error. Includes inside other headers are caught too,
# since a library's own includes resolve through the same path. Only transport/ and app/ may use
# the network libraries; only storage/ may use the SQL ones.

set(PADDOCK_POISON_DIR ${CMAKE_BINARY_DIR}/layering)

# Writes one #error stand-in per header of the libraries in `layer` (net or sql), once.
function(paddock_poison_layer layer)
  set(dir ${PADDOCK_POISON_DIR}/${layer})
  if(EXISTS ${dir}/.complete)
    return()
  endif()
  if(layer STREQUAL "net")
    file(GLOB_RECURSE headers RELATIVE /usr/include
         /usr/include/boost/asio/* /usr/include/boost/beast/*)
    list(APPEND headers boost/asio.hpp boost/beast.hpp)
    set(what "the network libraries (Beast, Asio): only transport/ may")
  elseif(layer STREQUAL "sql")
    set(headers sqlite3.h sqlite3ext.h libpq-fe.h postgresql/libpq-fe.h)
    set(what "SQL client libraries: only storage/ may")
  else()
    message(FATAL_ERROR "unknown layer ${layer}")
  endif()
  foreach(header ${headers})
    file(WRITE ${dir}/${header}
         "#error \"layering: this module may not include <${header}>, one of ${what} (see docs/ARCHITECTURE.md)\"\n")
  endforeach()
  file(WRITE ${dir}/.complete "")
endfunction()

paddock_poison_layer(net)
paddock_poison_layer(sql)

# paddock_forbid(TARGET LAYER...): TARGET's own sources cannot include LAYER's headers.
function(paddock_forbid target)
  foreach(layer ${ARGN})
    target_include_directories(${target} BEFORE PRIVATE ${PADDOCK_POISON_DIR}/${layer})
  endforeach()
endfunction()
