# cmake/run_consumer.cmake — configures, builds and runs one consumer project
# from tests/consumers/ (a ctest test; see tests/build/CMakeLists.txt).
#
#   cmake -DSOURCE_DIR=<consumer source> -DBINARY_DIR=<fresh build dir>
#         -DCXX_COMPILER=<compiler> -DGENERATOR=<generator>
#         [-DMAKE_PROGRAM=<make/ninja>] [-DPREFIX_PATH=<install prefix>]
#         [-DLSM_SOURCE_DIR=<lsm source tree>] -P run_consumer.cmake
#
# The build directory is wiped first so every run configures from scratch.
# The consumer builds an executable named `consumer` and the test passes only
# if configure, build and run all succeed.
cmake_minimum_required(VERSION 3.20)

foreach(var SOURCE_DIR BINARY_DIR CXX_COMPILER GENERATOR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()

set(configure_args -S ${SOURCE_DIR} -B ${BINARY_DIR} -G ${GENERATOR}
                   -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=Release)
if(MAKE_PROGRAM)
  list(APPEND configure_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(PREFIX_PATH)
  list(APPEND configure_args -DCMAKE_PREFIX_PATH=${PREFIX_PATH})
endif()
if(LSM_SOURCE_DIR)
  list(APPEND configure_args -DLSM_SOURCE_DIR=${LSM_SOURCE_DIR})
endif()

file(REMOVE_RECURSE ${BINARY_DIR})

message(STATUS "configure: ${CMAKE_COMMAND} ${configure_args}")
execute_process(COMMAND ${CMAKE_COMMAND} ${configure_args} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer ${SOURCE_DIR}: configure failed (${rc})")
endif()

execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY_DIR} --config Release
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer ${SOURCE_DIR}: build failed (${rc})")
endif()

set(program ${BINARY_DIR}/consumer)
if(NOT EXISTS ${program} AND EXISTS ${BINARY_DIR}/Release/consumer)
  set(program ${BINARY_DIR}/Release/consumer)  # multi-config generators
endif()
execute_process(COMMAND ${program} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer ${SOURCE_DIR}: ${program} exited with ${rc}")
endif()
message(STATUS "consumer ${SOURCE_DIR}: configured, built and ran")
