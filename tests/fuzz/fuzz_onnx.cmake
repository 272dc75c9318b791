# fuzz_onnx: the ONNX protobuf reader and the importer on arbitrary bytes. The seed corpus is
# tests/fuzz/corpus_onnx (small models made by tests/onnx/make_hostile.py) plus a few models of
# the ONNX test data when installed.
add_executable(fuzz_onnx "${CMAKE_CURRENT_SOURCE_DIR}/fuzz_onnx.cpp")
target_link_libraries(fuzz_onnx PRIVATE luodi::luodi luodi_project_options)
target_compile_options(fuzz_onnx PRIVATE ${LUODI_FUZZ_FLAGS})
target_link_options(fuzz_onnx PRIVATE ${LUODI_FUZZ_FLAGS})
set(_corpus_run "${CMAKE_CURRENT_BINARY_DIR}/fuzz_onnx_corpus")
set(_seeds "'${CMAKE_CURRENT_SOURCE_DIR}/corpus_onnx'")
foreach(_t conv_with_strides_padding resize_upsample_scales_linear softmax_axis_0 slice batchnorm_example
        constantofshape_int_zeros)
  set(_d "/usr/share/libonnx-testdata/data/node/test_${_t}")
  if(EXISTS "${_d}")
    string(APPEND _seeds " '${_d}'")
  endif()
endforeach()
add_test(NAME fuzz_onnx
  COMMAND "${CMAKE_COMMAND}" -E env UBSAN_OPTIONS=halt_on_error=1
          sh -c "mkdir -p '${_corpus_run}' && exec '$<TARGET_FILE:fuzz_onnx>' -max_total_time=${LUODI_FUZZ_SECONDS} -max_len=65536 -rss_limit_mb=2048 -timeout=10 '${_corpus_run}' ${_seeds}")
set_tests_properties(fuzz_onnx PROPERTIES LABELS "fuzz" TIMEOUT 600)
