// Choosing kernels: compile-time by default, runtime dispatch on request.
//
// Kernels come in families (activations, GEMM, conv, image resize, ...). A family is a struct
// of function pointers, its Table, filled for one Arch by Family::table<Arch>(). Code that runs
// a kernel asks for the table of an Isa: kernels::activation_kernels(isa).fn[...](...).
//
// Two modes, chosen per target at build time:
//
//  * Compile-time (the default). The including translation unit's own -m flags decide:
//    Isa::native is simd::default_arch (e.g. AVX2+FMA under -mavx2 -mfma, NEON on AArch64),
//    and Isa::scalar is the reference path. Nothing else is needed; this is what a product
//    that is built for one known CPU wants.
//
//  * Runtime dispatch. `luodi_enable_runtime_dispatch(target)` in CMake (cmake/luodiDispatch.cmake)
//    compiles one extra translation unit per ISA, each with its own flags: sse2, avx2+fma and
//    avx512f on x86-64, neon64 on AArch64. It defines LUODI_RUNTIME_DISPATCH and
//    LUODI_DISPATCH_<ISA>. Each family then declares Family::sse2(), ::avx2(), ... and those
//    TUs define them (see detail/families.def and cmake/luodi_dispatch_tu.cpp.in). At run time
//    the best ISA the CPU supports is used. One binary is fast on every x86-64.
//
// In both modes the choice can be narrowed at run time, never widened beyond what was compiled
// and what the CPU has: set_isa(Isa::avx2), or the environment variable LUODI_ISA=avx2. Isa::scalar
// is always available; it is how luodi-run --check and the tests compare against ref.
//
// The per-ISA TUs must not emit non-template inline code that the rest of the program could end
// up linking to (the linker keeps one copy of each inline function, and an AVX-512 copy would
// crash an older CPU). Dispatched kernels therefore take plain pointers and POD params and call
// only templates that carry the Arch; the test `dispatch_symbols` checks the object files.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "../config.hpp"
#include "../core/status.hpp"
#include "arch.hpp"
#include "cpu.hpp"

#ifndef LUODI_RUNTIME_DISPATCH
#define LUODI_RUNTIME_DISPATCH 0
#endif
#if defined(LUODI_FORCE_REFERENCE)
#undef LUODI_RUNTIME_DISPATCH
#define LUODI_RUNTIME_DISPATCH 0
#endif
#ifndef LUODI_DISPATCH_SSE2
#define LUODI_DISPATCH_SSE2 0
#endif
#ifndef LUODI_DISPATCH_AVX2
#define LUODI_DISPATCH_AVX2 0
#endif
#ifndef LUODI_DISPATCH_AVX512F
#define LUODI_DISPATCH_AVX512F 0
#endif
#ifndef LUODI_DISPATCH_NEON64
#define LUODI_DISPATCH_NEON64 0
#endif

namespace luodi {

enum class Isa : std::uint8_t {
  scalar = 0,   // the reference kernels, always present
  native = 1,   // compile-time mode: simd::default_arch of the including TU
  sse2 = 2,     // runtime mode, x86-64 baseline
  avx2 = 3,     // runtime mode: AVX2 + FMA3 + F16C (Haswell, Zen 1 and later)
  avx512f = 4,  // runtime mode: AVX-512F (Skylake-SP, Ice Lake, Zen 4 and later)
  neon64 = 5,   // runtime mode, AArch64
};
inline constexpr int kIsaCount = 6;

inline const char* isa_name(Isa isa) noexcept {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::native: return simd::default_arch::name();
    case Isa::sse2: return "sse2";
    case Isa::avx2: return "avx2+fma";
    case Isa::avx512f: return "avx512f";
    case Isa::neon64: return "neon64";
  }
  return "invalid";
}

// Whether this build contains kernels for `isa`.
inline constexpr bool isa_compiled(Isa isa) noexcept {
  switch (isa) {
    case Isa::scalar: return true;
#if LUODI_RUNTIME_DISPATCH
    case Isa::native: return false;
    case Isa::sse2: return LUODI_DISPATCH_SSE2 != 0;
    case Isa::avx2: return LUODI_DISPATCH_AVX2 != 0;
    case Isa::avx512f: return LUODI_DISPATCH_AVX512F != 0;
    case Isa::neon64: return LUODI_DISPATCH_NEON64 != 0;
#else
    case Isa::native: return !simd::is_scalar_v<simd::default_arch>;
    default: return false;
#endif
  }
  return false;
}

// Whether `isa` runs the avx2+fma kernels: Isa::avx2, or Isa::native in a compile-time build for
// AVX2 + FMA without AVX-512 (-mavx2 -mfma, -march=native on Zen 3). For planning rules measured
// on avx2, so that both kinds of build plan alike.
inline constexpr bool isa_runs_avx2(Isa isa) noexcept {
#if LUODI_HAS_XSIMD && !defined(LUODI_FORCE_REFERENCE)
  if (isa == Isa::native) return std::is_same<simd::default_arch, xsimd::fma3<xsimd::avx2>>::value;
#endif
  return isa == Isa::avx2;
}

// Whether this CPU can run the kernels of `isa`.
inline bool isa_supported_by_cpu(Isa isa) noexcept {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::native: return true;  // the program was compiled for it; it would not get here otherwise
    case Isa::sse2: return f.sse2;
    case Isa::avx2: return f.avx2 && f.fma && f.f16c;
    case Isa::avx512f: return f.avx512f && f.avx2 && f.fma && f.f16c;
    case Isa::neon64: return f.neon && f.arm;
  }
  return false;
}

inline bool isa_available(Isa isa) noexcept { return isa_compiled(isa) && isa_supported_by_cpu(isa); }

// The widest available ISA.
inline Isa best_isa() noexcept {
  const Isa order[] = {Isa::avx512f, Isa::avx2, Isa::neon64, Isa::sse2, Isa::native};
  for (Isa i : order)
    if (isa_available(i)) return i;
  return Isa::scalar;
}

inline Result<Isa> parse_isa(const char* s) noexcept {
  if (!s) return Status(StatusCode::InvalidArgument, "no ISA name given");
  struct Name {
    const char* text;
    Isa isa;
  };
  const Name names[] = {{"scalar", Isa::scalar}, {"ref", Isa::scalar},      {"native", Isa::native},
                        {"sse2", Isa::sse2},     {"avx2", Isa::avx2},       {"avx2+fma", Isa::avx2},
                        {"avx512f", Isa::avx512f}, {"avx512", Isa::avx512f}, {"neon64", Isa::neon64},
                        {"neon", Isa::neon64},   {"best", best_isa()}};
  for (const Name& n : names)
    if (std::strcmp(s, n.text) == 0) return n.isa;
  return Status::error(StatusCode::InvalidArgument,
                       "unknown ISA \"%s\" (expected scalar, native, sse2, avx2, avx512f, neon64 or best)", s);
}

namespace detail {
inline std::atomic<int>& isa_override() noexcept {
  static std::atomic<int> v{-1};
  return v;
}
inline Isa isa_from_environment() noexcept {
#if defined(LUODI_FORCE_REFERENCE)
  return Isa::scalar;
#else
#if LUODI_HAS_FILESYSTEM
  if (const char* e = std::getenv("LUODI_ISA")) {
    Result<Isa> r = parse_isa(e);
    if (r.ok() && isa_available(*r)) return *r;
    std::fprintf(stderr, "luodi: ignoring LUODI_ISA=%s (%s)\n", e,
                 r.ok() ? "not available on this build or CPU" : r.status().message());
  }
#endif
  return best_isa();
#endif
}
}  // namespace detail

// The ISA kernels use unless told otherwise: set_isa(), else LUODI_ISA, else best_isa().
inline Isa active_isa() noexcept {
  const int o = detail::isa_override().load(std::memory_order_relaxed);
  if (o >= 0) return static_cast<Isa>(o);
  static const Isa from_env = detail::isa_from_environment();
  return from_env;
}

// Narrow the process-wide default. Fails for an ISA this build or CPU lacks.
inline Status set_isa(Isa isa) noexcept {
  if (!isa_available(isa))
    return Status::error(StatusCode::Unsupported, "ISA %s is not available (compiled: %s, supported by this CPU: %s)",
                         isa_name(isa), isa_compiled(isa) ? "yes" : "no", isa_supported_by_cpu(isa) ? "yes" : "no");
  detail::isa_override().store(static_cast<int>(isa), std::memory_order_relaxed);
  return Status();
}
inline void reset_isa() noexcept { detail::isa_override().store(-1, std::memory_order_relaxed); }

struct CpuInfo {
  CpuFeatures features;
  bool runtime_dispatch = false;
  bool force_reference = false;
  Isa active = Isa::scalar;
  const char* active_name = "scalar";
  bool available[kIsaCount] = {};

  // One line: "cpu: AMD EPYC ... | features: avx2 fma avx512f | dispatch: runtime | available: ... | active: avx2+fma"
  void summary(char* buf, std::size_t n) const noexcept {
    std::size_t pos = 0;
    auto add = [&](const char* fmt, const char* s) {
      if (pos >= n) return;
      int k = std::snprintf(buf + pos, n - pos, fmt, s);
      if (k > 0) pos += static_cast<std::size_t>(k);
    };
    add("cpu: %s | features:", features.brand);
    const struct {
      bool on;
      const char* name;
    } feats[] = {{features.sse2, "sse2"},         {features.sse4_2, "sse4.2"},     {features.avx, "avx"},
                 {features.avx2, "avx2"},         {features.fma, "fma"},           {features.f16c, "f16c"},
                 {features.avx512f, "avx512f"},   {features.avx512bw, "avx512bw"}, {features.avx512vnni, "avx512vnni"},
                 {features.neon, "neon"},         {features.asimd_dotprod, "dotprod"}};
    for (const auto& f : feats)
      if (f.on) add(" %s", f.name);
    add(" | dispatch: %s | available:", runtime_dispatch ? "runtime" : "compile-time");
    for (int i = 0; i < kIsaCount; ++i)
      if (available[i]) add(" %s", isa_name(static_cast<Isa>(i)));
    add(" | active: %s", active_name);
    if (force_reference) add("%s", " (LUODI_FORCE_REFERENCE)");
  }
};

// What was detected, what this build can run, and what is in use.
inline CpuInfo cpu_info() noexcept {
  CpuInfo c;
  c.features = cpu_features();
  c.runtime_dispatch = LUODI_RUNTIME_DISPATCH != 0;
#if defined(LUODI_FORCE_REFERENCE)
  c.force_reference = true;
#endif
  c.active = active_isa();
  c.active_name = isa_name(c.active);
  for (int i = 0; i < kIsaCount; ++i) c.available[i] = isa_available(static_cast<Isa>(i));
  return c;
}

// ---- kernel families ---------------------------------------------------------------------------
// Declares, inside a family struct, the per-ISA getters that runtime dispatch defines in its
// per-ISA translation units. Declaring all of them is harmless: only compiled ones are called.
#define LUODI_DISPATCH_DECLARE_ISAS(TableType)  \
  static const TableType& isa_sse2() noexcept;    \
  static const TableType& isa_avx2() noexcept;    \
  static const TableType& isa_avx512f() noexcept; \
  static const TableType& isa_neon64() noexcept;

// The table of `Family` for `isa`; an ISA that is not compiled falls back to scalar (ref).
template <class Family>
const typename Family::Table& select_table(Isa isa) noexcept {
  switch (isa) {
#if LUODI_RUNTIME_DISPATCH
#if LUODI_DISPATCH_SSE2
    case Isa::sse2: return Family::isa_sse2();
#endif
#if LUODI_DISPATCH_AVX2
    case Isa::avx2: return Family::isa_avx2();
#endif
#if LUODI_DISPATCH_AVX512F
    case Isa::avx512f: return Family::isa_avx512f();
#endif
#if LUODI_DISPATCH_NEON64
    case Isa::neon64: return Family::isa_neon64();
#endif
#elif !defined(LUODI_FORCE_REFERENCE)
    case Isa::native: return Family::template table<simd::default_arch>();
#endif
    default: return Family::template table<simd::scalar>();
  }
}

}  // namespace luodi
