# One model test, end to end through the command-line tools:
#   luodi-convert MODEL OUT.luodi ${CONVERT_ARGS}; luodi-run OUT.luodi --input IN --output OUT.npy;
#   npy_compare REF OUT.npy --tol TOL
# -D: CONVERT RUN COMPARE MODEL IN REF WORK NAME TOL [CONVERT_ARGS] [RUN_ARGS] (arguments separated by |)
string(REPLACE "|" ";" CONVERT_ARGS "${CONVERT_ARGS}")
string(REPLACE "|" ";" RUN_ARGS "${RUN_ARGS}")
string(REPLACE "|" ";" EMULATOR "${EMULATOR}")  # cross builds: e.g. qemu-aarch64 -L ...
file(MAKE_DIRECTORY "${WORK}")
set(_luodi "${WORK}/${NAME}.luodi")
set(_out "${WORK}/${NAME}.out.npy")
execute_process(COMMAND ${EMULATOR} "${CONVERT}" "${MODEL}" "${_luodi}" ${CONVERT_ARGS} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "luodi-convert failed (${rc})")
endif()
execute_process(COMMAND ${EMULATOR} "${RUN}" "${_luodi}" --input "${IN}" --output "${_out}" ${RUN_ARGS} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "luodi-run failed (${rc})")
endif()
execute_process(COMMAND ${EMULATOR} "${COMPARE}" "${REF}" "${_out}" --tol "${TOL}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the output does not match the reference")
endif()
