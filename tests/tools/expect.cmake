# Runs CMD (a ;-list) and checks its exit code (RC) and that its output matches REGEX.
# -D: CMD (arguments separated by |) RC [REGEX] [WORK]
string(REPLACE "|" ";" CMD "${CMD}")
if(WORK)
  file(MAKE_DIRECTORY "${WORK}")
endif()
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err WORKING_DIRECTORY "${WORK}")
message("${out}${err}")
if(NOT rc STREQUAL "${RC}")
  message(FATAL_ERROR "exit code ${rc}, expected ${RC}")
endif()
if(REGEX AND NOT "${out}${err}" MATCHES "${REGEX}")
  message(FATAL_ERROR "the output does not match \"${REGEX}\"")
endif()
