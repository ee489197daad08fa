# flotilla_module(<name> DEPS <targets...>): the library target flotilla_<name>
# built from src/<name>/*.cpp (recursively), linked PUBLIC to DEPS.
function(flotilla_module name)
  cmake_parse_arguments(ARG "" "" "DEPS;EXCLUDE" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp)
  foreach(x ${ARG_EXCLUDE})
    list(FILTER srcs EXCLUDE REGEX "${x}")
  endforeach()
  if(srcs)
    add_library(flotilla_${name} ${srcs})
    target_link_libraries(flotilla_${name} PUBLIC ${ARG_DEPS})
  else()
    # A module with no sources yet is a header-only interface.
    add_library(flotilla_${name} INTERFACE)
    target_link_libraries(flotilla_${name} INTERFACE ${ARG_DEPS})
  endif()
endfunction()
