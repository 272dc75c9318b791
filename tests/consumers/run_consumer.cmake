# Build and run one consumer project against luodi. Invoked by CTest (tests/CMakeLists.txt).
# -DMODE=find_package|add_subdirectory|fetchcontent -DLUODI_SOURCE_DIR -DLUODI_BINARY_DIR -DWORK_DIR -DCXX
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(_args -DLUODI_SOURCE_DIR=${LUODI_SOURCE_DIR} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Release)
if(MODE STREQUAL "find_package")
  execute_process(COMMAND "${CMAKE_COMMAND}" --install "${LUODI_BINARY_DIR}" --prefix "${WORK_DIR}/prefix"
                  RESULT_VARIABLE rc OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install failed")
  endif()
  # One ISA is enough to prove the installed dispatch helper works; all of them would compile
  # every kernel family three times.
  # Debug (-O0): the installed dispatch helper is what is checked here, and GCC compiles the
  # kernel families at -O0 in a third of the -O3 time.
  list(APPEND _args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DLUODI_DISPATCH_ISAS=sse2 -DCMAKE_BUILD_TYPE=Debug)
  foreach(_f luodiConfig.cmake luodiConfigVersion.cmake luodiDispatch.cmake)
    if(NOT EXISTS "${WORK_DIR}/prefix/share/cmake/luodi/${_f}")
      message(FATAL_ERROR "install is missing share/cmake/luodi/${_f}")
    endif()
  endforeach()
  if(NOT EXISTS "${WORK_DIR}/prefix/share/pkgconfig/luodi.pc")
    message(FATAL_ERROR "install is missing share/pkgconfig/luodi.pc")
  endif()
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${CMAKE_CURRENT_LIST_DIR}/${MODE}" -B "${WORK_DIR}/build" ${_args}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configure failed:\n${out}\n${err}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}/build" -j 2 RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "build failed:\n${out}\n${err}")
endif()
execute_process(COMMAND "${WORK_DIR}/build/consumer" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer failed (${rc}):\n${out}\n${err}")
endif()
if(MODE STREQUAL "find_package" AND EXPECT_RUNTIME_DISPATCH AND NOT out MATCHES "dispatch: runtime")
  message(FATAL_ERROR "find_package consumer did not get runtime dispatch: ${out}")
endif()
