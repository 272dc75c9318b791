# Build rules for the embedded example, shared by examples/embedded and tests/examples.
include(luodiEmbed)
set(LUODI_EMBEDDED_DIR "${CMAKE_CURRENT_LIST_DIR}")

# luodi_tiny_shapes_luodi(<out var> [converter]): converts model/tiny_shapes.onnx into this
# directory's build tree with its preprocessing contract, labels and a golden pair; <out var> is
# the .luodi path. The converter is this build's luodi-convert target, or the given host program
# (a cross build).
function(luodi_tiny_shapes_luodi out)
  set(_src "${LUODI_EMBEDDED_DIR}/model")
  set(_dst "${CMAKE_CURRENT_BINARY_DIR}/tiny_shapes.luodi")
  set(_conv luodi-convert)
  if(ARGC GREATER 1)
    set(_conv "${ARGV1}")
  endif()
  add_custom_command(OUTPUT "${_dst}"
    COMMAND "${_conv}" "${_src}/tiny_shapes.onnx" "${_dst}"
            --preprocess "order=gray,size=32x32,pixel_scale=1/255,mean=0.5,std=0.25" --labels "${_src}/labels.txt"
            --golden --quiet
    DEPENDS "${_conv}" "${_src}/tiny_shapes.onnx" "${_src}/labels.txt"
    COMMENT "luodi-convert tiny_shapes.onnx" VERBATIM)
  set(${out} "${_dst}" PARENT_SCOPE)
endfunction()

# luodi_embedded_program(<target> <model.luodi> [extra sources]): the example built the way a
# device build is: the model compiled in; the ISA fixed at compile time by the compiler flags
# (a device runs on one known CPU; runtime dispatch would also link its per-ISA library, which is
# built with exceptions); no thread pool (LUODI_NO_THREADS); no exceptions, no RTTI; and, the
# program being single-threaded, no thread-safe guards on function-local statics (their
# libstdc++ support code throws, which links the exception machinery back in).
function(luodi_embedded_program target model)
  add_executable(${target} "${LUODI_EMBEDDED_DIR}/embedded.cpp" ${ARGN})
  luodi_embed_model(${target} "${model}" tiny_shapes_model)
  target_link_libraries(${target} PRIVATE luodi::luodi luodi_project_options)
  target_compile_definitions(${target} PRIVATE LUODI_NO_THREADS=1)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -fno-exceptions -fno-rtti -fno-threadsafe-statics)
    if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
      # The shared libstdc++ allocates its emergency exception pool when it is loaded; linked
      # statically, and with nothing that can throw, that code is left out.
      target_link_options(${target} PRIVATE -static-libstdc++)
    endif()
  endif()
endfunction()
