# Bare-metal Cortex-M4F (hard float) with Debian's gcc-arm-none-eabi and newlib. Builds the
# embedded checks only: no OS, no threads, no files, no exceptions, no RTTI.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# -Wno-psabi: GCC notes that passing std::initializer_list changed ABI in GCC 7.1, once per use;
# everything here is built by one compiler.
set(CMAKE_CXX_FLAGS_INIT "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -fno-exceptions -fno-rtti -Wno-psabi")
set(CMAKE_C_FLAGS_INIT "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
# No C library stubs here: a program picks them when it links (--specs=nosys.specs for stubs that
# fail, as the link-only checks do; --specs=rdimon.specs for semihosting, as the programs run on
# QEMU do; a product, its board's own).
