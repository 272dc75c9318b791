# Cross-compile for 64-bit ARM Linux with Debian's g++-aarch64-linux-gnu; tests run under
# qemu-aarch64 (Debian qemu-user) through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# Header-only dependencies (xsimd, Eigen, doctest) live in the host's /usr/include and are
# architecture independent; let find_package see the host's CMake packages for them.
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/usr/aarch64-linux-gnu)
# xsimd's CMake package sits in the host's multiarch directory (/usr/lib/x86_64-linux-gnu/cmake)
# although the library is header-only and architecture independent: point find_package at it.
if(NOT xsimd_DIR)
  file(GLOB _luodi_xsimd_dirs /usr/lib/*-linux-gnu/cmake/xsimd)
  if(_luodi_xsimd_dirs)
    list(GET _luodi_xsimd_dirs 0 _luodi_xsimd_dir)
    set(xsimd_DIR "${_luodi_xsimd_dir}" CACHE PATH "xsimd CMake package (header-only, from the host)")
  endif()
endif()
