// Reset code for the Cortex-M4F programs the cortex-m4 preset runs on QEMU's mps2-an386 board
// (mps2_an386.ld). A device's startup does the same three things before the C library's own:
// turn the FPU on (the program is built for the hard-float ABI, and the first float instruction
// would fault with the FPU off), copy initialised data from flash to RAM, and enter the C
// runtime, which here is newlib's semihosting crt0: it zeroes .bss, asks the debugger (QEMU) for
// the command line, runs the constructors, calls main and reports main's return value as the
// exit status.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <unistd.h>

extern "C" {
void _start();  // newlib's crt0 (rdimon)
extern char __stack[], __luodi_data_load[], __luodi_data_start[], __luodi_data_end[];

[[noreturn]] void luodi_mps2_reset() {
  volatile std::uint32_t* const cpacr = reinterpret_cast<volatile std::uint32_t*>(0xE000ED88u);
  *cpacr |= 0xFu << 20;  // CP10 and CP11 (the FPU): full access
  __asm volatile("dsb\n\tisb" ::: "memory");
  std::memcpy(__luodi_data_start, __luodi_data_load,
              static_cast<std::size_t>(__luodi_data_end - __luodi_data_start));
  _start();
  for (;;) {
  }
}

// A fault ends the program with a status of its own (70, through newlib's _exit, which reports
// it to the debugger), so a test sees it at once instead of timing out.
[[noreturn]] void luodi_mps2_fault() { _exit(70); }
}

namespace {
using Handler = void (*)();
// Initial stack pointer, then reset, NMI, hard fault, memory management, bus and usage faults.
__attribute__((section(".luodi_vectors"), used)) const Handler kVectors[7] = {
    reinterpret_cast<Handler>(__stack), luodi_mps2_reset, luodi_mps2_fault, luodi_mps2_fault,
    luodi_mps2_fault, luodi_mps2_fault, luodi_mps2_fault};
}  // namespace
