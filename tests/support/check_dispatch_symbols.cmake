# Fails if a per-ISA dispatch object defines a weak (inline / template) symbol that does not carry
# its ISA in its name. Such a symbol could be picked by the linker for the whole program, and an
# AVX-512 copy of a shared inline function would crash a CPU without AVX-512.
# Usage: cmake -DNM=nm -DLIB=libluodi_dispatch.a -P check_dispatch_symbols.cmake
execute_process(COMMAND "${NM}" -C --defined-only "${LIB}" OUTPUT_VARIABLE _out RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIB}")
endif()
string(REPLACE "\n" ";" _lines "${_out}")
set(_bad "")
set(_checked 0)
set(_object "")
foreach(_l IN LISTS _lines)
  if(_l MATCHES "^(.*\\.o):$")
    set(_object "${CMAKE_MATCH_1}")
    continue()
  endif()
  # A TU for the target's baseline ISA (neon64 on AArch64: NEON is mandatory there) is compiled
  # with no extra flags, so its inline copies are the same code every other TU would emit.
  if(_object MATCHES "_neon64\\.cpp\\.o$")
    continue()
  endif()
  # weak code (W), weak objects (V) and unique globals (u): the ones the linker deduplicates
  if(NOT _l MATCHES "^[0-9a-fA-F]+ [WVu] (.*)$")
    continue()
  endif()
  set(_sym "${CMAKE_MATCH_1}")
  math(EXPR _checked "${_checked} + 1")
  # Data that is identical in every TU whatever the flags: the exception personality pointer,
  # and the type_info objects UBSan emits for function types.
  if(_sym MATCHES "^DW\\.ref\\.__gxx_personality_v0$" OR _sym MATCHES "^typeinfo (name )?for ")
    continue()
  endif()
  if(_sym MATCHES "xsimd::(sse2|fma3<xsimd::avx2>|avx512f|neon64)")
    continue()
  endif()
  # xsimd's own per-arch constants are harmless when their names carry the arch in template args
  # via a batch type; anything else is reported.
  list(APPEND _bad "${_object}: ${_sym}")
endforeach()
if(_bad)
  list(JOIN _bad "\n  " _msg)
  message(FATAL_ERROR "dispatch objects define shared inline symbols without an ISA in their name:\n  ${_msg}")
endif()
message(STATUS "dispatch_symbols: ${_checked} weak symbols checked, all carry their ISA")
