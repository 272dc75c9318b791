# The cortex-m4 preset's programs, run: linked for QEMU's mps2-an386 board (one Cortex-M4F,
# mps2_an386.ld, startup.cpp) with newlib's semihosting C library, so a program's files, output
# and exit status go through QEMU to the host, and registered as CTest tests (label "embedded")
# that run them under qemu-system-arm. Everything else about the build is the preset's: the
# reference kernels (no xsimd, no Eigen), -fno-exceptions -fno-rtti, no threads, no file system
# in luodi, hard-float ABI.
#
#   mps2_core_check        tests/embedded/cortex_m_check.cpp: core, arena, reference activation
#   mps2_runtime_check     tests/embedded/runtime_check.cpp: a .luodi in place from a const array,
#                          a static arena, the model's golden outputs bit for bit
#   mps2_embedded_<class>  examples/embedded (the tiny shapes CNN with its preprocessing
#                          contract) on each sample frame: the right class, and the logits
#                          against PyTorch's (compare_logits.py). Needs a host luodi-convert
#                          (LUODI_HOST_CONVERT; tools/test.sh builds one).
if(NOT CMAKE_SYSTEM_PROCESSOR STREQUAL "arm")
  return()
endif()
find_program(LUODI_QEMU_SYSTEM_ARM qemu-system-arm)
set(LUODI_HOST_CONVERT "" CACHE FILEPATH "luodi-convert built for the host, for the cross-built embedded example")

function(luodi_mps2_program target)
  target_sources(${target} PRIVATE "${PROJECT_SOURCE_DIR}/tests/embedded/mps2/startup.cpp")
  target_link_options(${target} PRIVATE --specs=rdimon.specs "-T${PROJECT_SOURCE_DIR}/tests/embedded/mps2/mps2_an386.ld")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${PROJECT_SOURCE_DIR}/tests/embedded/mps2/mps2_an386.ld")
endfunction()

# luodi_mps2_test(<name> <target> [args...]): run <target> on the board; extra properties are
# set by the caller. LUODI_MPS2_WRAP (a list) goes before the QEMU command.
function(luodi_mps2_test name target)
  list(JOIN ARGN " " _args)
  add_test(NAME ${name}
    COMMAND ${LUODI_MPS2_WRAP} "${LUODI_QEMU_SYSTEM_ARM}" -M mps2-an386 -nographic -monitor none -serial none
            -semihosting-config enable=on,target=native -kernel $<TARGET_FILE:${target}> -append "${_args}")
  set_tests_properties(${name} PROPERTIES LABELS "embedded" TIMEOUT 120)
endfunction()

add_executable(luodi_mps2_core_check "${PROJECT_SOURCE_DIR}/tests/embedded/cortex_m_check.cpp")
target_link_libraries(luodi_mps2_core_check PRIVATE luodi::luodi luodi_project_options)
luodi_mps2_program(luodi_mps2_core_check)
luodi_runtime_embedded_check(luodi_mps2_runtime_check)
luodi_mps2_program(luodi_mps2_runtime_check)

set(_have_convert FALSE)
if(LUODI_HOST_CONVERT)
  if(NOT EXISTS "${LUODI_HOST_CONVERT}")
    message(FATAL_ERROR "LUODI_HOST_CONVERT=${LUODI_HOST_CONVERT} does not exist")
  endif()
  set(_have_convert TRUE)
  include("${PROJECT_SOURCE_DIR}/examples/embedded/embedded.cmake")
  luodi_tiny_shapes_luodi(_tiny "${LUODI_HOST_CONVERT}")
  luodi_embedded_program(luodi_mps2_embedded "${_tiny}")
  luodi_mps2_program(luodi_mps2_embedded)
endif()

if(NOT LUODI_QEMU_SYSTEM_ARM)
  message(STATUS "luodi: qemu-system-arm not found; the Cortex-M4 programs are built but not run")
  return()
endif()
enable_testing()
luodi_mps2_test(mps2_core_check luodi_mps2_core_check)
luodi_mps2_test(mps2_runtime_check luodi_mps2_runtime_check)
if(_have_convert)
  set(_frames "${PROJECT_SOURCE_DIR}/examples/embedded/model")
  find_program(LUODI_SYSTEM_PYTHON3 NAMES python3 HINTS /usr/bin NO_DEFAULT_PATH REQUIRED)
  foreach(_c circle square triangle cross ring bar)
    set(LUODI_MPS2_WRAP "${LUODI_SYSTEM_PYTHON3}" "${PROJECT_SOURCE_DIR}/tests/embedded/mps2/compare_logits.py"
        "${_frames}/reference.txt" ${_c} --)
    luodi_mps2_test(mps2_embedded_${_c} luodi_mps2_embedded "${_frames}/${_c}.gray")
  endforeach()
  unset(LUODI_MPS2_WRAP)
  luodi_mps2_test(mps2_embedded_errors_short_frame luodi_mps2_embedded "${_frames}/labels.txt")
  set_tests_properties(mps2_embedded_errors_short_frame PROPERTIES PASS_REGULAR_EXPRESSION "is not a 32 x 32 frame")
else()
  message(STATUS "luodi: LUODI_HOST_CONVERT is not set; the embedded example is not run on the Cortex-M4 board")
endif()
