# cmake/check_pkg_config.cmake — proves the installed lsm.pc is usable and
# relocatable: copies an install prefix to a new place, asks pkg-config for
# the flags from the copy, checks they point into the copy, then compiles and
# runs tests/consumers/consumer.cpp with exactly those flags.
#
#   cmake -DPKG_CONFIG=<pkg-config> -DPREFIX=<install prefix> -DWORK_DIR=<scratch>
#         -DCXX_COMPILER=<compiler> -DSOURCE=<consumer.cpp> -P check_pkg_config.cmake
cmake_minimum_required(VERSION 3.20)

foreach(var PKG_CONFIG PREFIX WORK_DIR CXX_COMPILER SOURCE)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "check_pkg_config.cmake: -D${var}=... is required")
  endif()
endforeach()

file(GLOB_RECURSE pc_files ${PREFIX}/*/lsm.pc)
list(LENGTH pc_files n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected exactly one lsm.pc under ${PREFIX}, found ${n}: ${pc_files}")
endif()
file(RELATIVE_PATH pc_rel ${PREFIX} ${pc_files})
get_filename_component(pc_dir_rel ${pc_rel} DIRECTORY)

# Relocate: the copy must work without any reference to the original prefix.
set(moved ${WORK_DIR}/moved-prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
file(COPY ${PREFIX}/ DESTINATION ${moved})

set(ENV{PKG_CONFIG_PATH} ${moved}/${pc_dir_rel})
unset(ENV{PKG_CONFIG_LIBDIR})
execute_process(COMMAND ${PKG_CONFIG} --cflags lsm OUTPUT_VARIABLE cflags
                RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags lsm failed (${rc}) with PKG_CONFIG_PATH=$ENV{PKG_CONFIG_PATH}")
endif()
execute_process(COMMAND ${PKG_CONFIG} --libs lsm OUTPUT_VARIABLE libs
                RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --libs lsm failed (${rc})")
endif()
message(STATUS "pkg-config --cflags lsm: ${cflags}")
message(STATUS "pkg-config --libs lsm: ${libs}")

separate_arguments(cflags_list UNIX_COMMAND "${cflags}")
separate_arguments(libs_list UNIX_COMMAND "${libs}")
set(include_ok FALSE)
foreach(flag IN LISTS cflags_list)
  if(flag MATCHES "^-I(.+)$")
    file(REAL_PATH "${CMAKE_MATCH_1}" dir)
    file(REAL_PATH "${moved}/include" expected)
    if(dir STREQUAL expected AND EXISTS ${dir}/lsm/lsm.hpp)
      set(include_ok TRUE)
    endif()
  endif()
endforeach()
if(NOT include_ok)
  message(FATAL_ERROR "pkg-config --cflags lsm (${cflags}) does not point at the "
                      "relocated ${moved}/include: lsm.pc is not relocatable")
endif()

execute_process(COMMAND ${CXX_COMPILER} ${cflags_list} ${SOURCE} ${libs_list}
                        -o ${WORK_DIR}/consumer
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling ${SOURCE} with the pkg-config flags failed (${rc})")
endif()
execute_process(COMMAND ${WORK_DIR}/consumer RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${WORK_DIR}/consumer exited with ${rc}")
endif()
