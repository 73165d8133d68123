# cmake/check_single_header.cmake — regenerates the single header into the
# build tree and byte-compares it with the committed single_include/lsm/lsm.hpp.
#
#   cmake -DPYTHON=<python3> -DSOURCE_DIR=<lsm source> -DOUTPUT=<file in build dir>
#         -P check_single_header.cmake
cmake_minimum_required(VERSION 3.20)

foreach(var PYTHON SOURCE_DIR OUTPUT)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "check_single_header.cmake: -D${var}=... is required")
  endif()
endforeach()

execute_process(COMMAND ${PYTHON} ${SOURCE_DIR}/tools/amalgamate.py --output ${OUTPUT}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tools/amalgamate.py failed (${rc}); see its message above")
endif()

set(committed ${SOURCE_DIR}/single_include/lsm/lsm.hpp)
if(NOT EXISTS ${committed})
  message(FATAL_ERROR "single_include/lsm/lsm.hpp is missing; run: python3 tools/amalgamate.py")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUTPUT} ${committed}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  # NOTICE prints the line as is (FATAL_ERROR would re-wrap it).
  message(NOTICE "single_include/lsm/lsm.hpp is out of date with include/lsm/ "
                 "(regenerated copy: ${OUTPUT})\nrun: python3 tools/amalgamate.py")
  message(FATAL_ERROR "single header out of date")
endif()
message(STATUS "single_include/lsm/lsm.hpp is up to date")
