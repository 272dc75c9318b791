# luodi_embedded_model_inc(<model file> <output .inc>): the model's bytes as a C initializer list,
# made at configure time by CMake itself, so a cross build needs no host tool.
function(luodi_embedded_model_inc model out)
  file(READ "${model}" _hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_hex}")
  string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n" _bytes "${_bytes}")
  file(CONFIGURE OUTPUT "${out}" CONTENT "${_bytes}\n")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${model}")
endfunction()

# luodi_runtime_embedded_check(<target>): the runtime check program with the corpus model.
function(luodi_runtime_embedded_check target)
  set(_inc "${CMAKE_CURRENT_BINARY_DIR}/${target}_model.inc")
  luodi_embedded_model_inc("${PROJECT_SOURCE_DIR}/tests/runtime/corpus/valid_activations.luodi" "${_inc}")
  add_executable(${target} "${PROJECT_SOURCE_DIR}/tests/embedded/runtime_check.cpp")
  target_compile_definitions(${target} PRIVATE LUODI_EMBEDDED_MODEL_INC="${_inc}")
  target_link_libraries(${target} PRIVATE luodi::luodi luodi_project_options)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")  # as luodi_test_program (tests/CMakeLists.txt)
    target_compile_options(${target} PRIVATE $<$<CONFIG:Release>:-O2>)
  endif()
endfunction()
