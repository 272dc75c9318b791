// What the CPU can do, detected once with CPUID (x86) or the aux vector (Linux on ARM).
//
// AVX and AVX-512 need the operating system to save their registers; this checks XGETBV as well
// as the CPUID bits, so a feature reported here is one a program may actually use.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "../config.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define LUODI_X86_CPUID 1
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <intrin.h>
#define LUODI_X86_CPUID 1
#else
#define LUODI_X86_CPUID 0
#endif

#if defined(__linux__) && (defined(__aarch64__) || defined(__arm__))
#include <sys/auxv.h>
#endif

namespace luodi {

struct CpuFeatures {
  char vendor[16] = "unknown";
  char brand[64] = "unknown";
  bool x86 = false, arm = false;
  bool sse2 = false, sse4_1 = false, sse4_2 = false;
  bool avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false, avx512vnni = false;
  bool neon = false, asimd_dotprod = false, fp16_arith = false;
};

namespace detail {
#if LUODI_X86_CPUID
inline void cpuid(std::uint32_t leaf, std::uint32_t sub, std::uint32_t r[4]) noexcept {
#if defined(_MSC_VER)
  int x[4];
  __cpuidex(x, static_cast<int>(leaf), static_cast<int>(sub));
  for (int i = 0; i < 4; ++i) r[i] = static_cast<std::uint32_t>(x[i]);
#else
  __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
#endif
}
inline std::uint64_t xgetbv0() noexcept {
#if defined(_MSC_VER)
  return _xgetbv(0);
#else
  std::uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
#endif
}
#endif

inline CpuFeatures detect_cpu() noexcept {
  CpuFeatures f;
#if LUODI_X86_CPUID
  f.x86 = true;
  std::uint32_t r[4];
  cpuid(0, 0, r);
  const std::uint32_t max_leaf = r[0];
  std::memcpy(f.vendor + 0, &r[1], 4);
  std::memcpy(f.vendor + 4, &r[3], 4);
  std::memcpy(f.vendor + 8, &r[2], 4);
  f.vendor[12] = '\0';
  cpuid(1, 0, r);
  const std::uint32_t ecx1 = r[2], edx1 = r[3];
  f.sse2 = (edx1 >> 26) & 1;
  f.sse4_1 = (ecx1 >> 19) & 1;
  f.sse4_2 = (ecx1 >> 20) & 1;
  const bool osxsave = (ecx1 >> 27) & 1;
  const std::uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  const bool os_avx = (xcr0 & 0x6) == 0x6;         // XMM and YMM state
  const bool os_avx512 = (xcr0 & 0xE6) == 0xE6;    // plus opmask, ZMM_Hi256, Hi16_ZMM
  f.avx = os_avx && ((ecx1 >> 28) & 1);
  f.fma = f.avx && ((ecx1 >> 12) & 1);
  f.f16c = f.avx && ((ecx1 >> 29) & 1);
  if (max_leaf >= 7) {
    cpuid(7, 0, r);
    const std::uint32_t ebx7 = r[1], ecx7 = r[2];
    f.avx2 = f.avx && ((ebx7 >> 5) & 1);
    f.avx512f = os_avx512 && ((ebx7 >> 16) & 1);
    f.avx512dq = f.avx512f && ((ebx7 >> 17) & 1);
    f.avx512bw = f.avx512f && ((ebx7 >> 30) & 1);
    f.avx512vl = f.avx512f && ((ebx7 >> 31) & 1);
    f.avx512vnni = f.avx512f && ((ecx7 >> 11) & 1);
  }
  cpuid(0x80000000u, 0, r);
  if (r[0] >= 0x80000004u) {
    char b[49];
    for (std::uint32_t i = 0; i < 3; ++i) {
      cpuid(0x80000002u + i, 0, r);
      std::memcpy(b + 16 * i, r, 16);
    }
    b[48] = '\0';
    const char* s = b;
    while (*s == ' ') ++s;
    std::snprintf(f.brand, sizeof f.brand, "%s", s);
  }
#elif defined(__aarch64__) || defined(_M_ARM64)
  f.arm = true;
  f.neon = true;  // Advanced SIMD is mandatory on AArch64
  std::snprintf(f.vendor, sizeof f.vendor, "arm");
#if defined(__linux__)
  const unsigned long hw = getauxval(AT_HWCAP);
  f.asimd_dotprod = (hw >> 20) & 1;  // HWCAP_ASIMDDP
  f.fp16_arith = (hw >> 10) & 1;     // HWCAP_ASIMDHP
#endif
#elif defined(__arm__)
  f.arm = true;
  std::snprintf(f.vendor, sizeof f.vendor, "arm");
#if defined(__linux__)
  f.neon = (getauxval(AT_HWCAP) >> 12) & 1;  // HWCAP_NEON
#endif
#endif
  return f;
}
}  // namespace detail

// Detected once, on first call; thread-safe.
inline const CpuFeatures& cpu_features() noexcept {
  static const CpuFeatures f = detail::detect_cpu();
  return f;
}

}  // namespace luodi
