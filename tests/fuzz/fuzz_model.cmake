# fuzz_model: the .luodi loader (format::Reader and Model, with and without the structure CRC)
# and, for files that load, a Session in a fixed borrowed arena and one run(). Seeded with the
# runtime's corpus (tests/runtime/corpus: valid models and one file per kind of damage).
add_executable(fuzz_model "${CMAKE_CURRENT_SOURCE_DIR}/fuzz_model.cpp")
target_link_libraries(fuzz_model PRIVATE luodi::luodi luodi_project_options)
target_compile_options(fuzz_model PRIVATE ${LUODI_FUZZ_FLAGS})
target_link_options(fuzz_model PRIVATE ${LUODI_FUZZ_FLAGS})
set(_model_corpus_run "${CMAKE_CURRENT_BINARY_DIR}/fuzz_model_corpus")
add_test(NAME fuzz_model
  COMMAND "${CMAKE_COMMAND}" -E env UBSAN_OPTIONS=halt_on_error=1 ASAN_OPTIONS=allocator_may_return_null=1
          sh -c "mkdir -p '${_model_corpus_run}' && exec '$<TARGET_FILE:fuzz_model>' -max_total_time=${LUODI_FUZZ_SECONDS} -max_len=65536 -rss_limit_mb=2048 -timeout=10 '${_model_corpus_run}' '${PROJECT_SOURCE_DIR}/tests/runtime/corpus'")
set_tests_properties(fuzz_model PROPERTIES LABELS "fuzz" TIMEOUT 600)
