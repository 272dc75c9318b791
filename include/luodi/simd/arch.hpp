// The SIMD architecture as a type.
//
// Kernels are templates over an Arch tag. With xsimd the tags are xsimd's (xsimd::sse2,
// xsimd::fma3<xsimd::avx2>, xsimd::avx512f, xsimd::neon64, ...) and the kernels are written
// against xsimd::batch<T, Arch>. luodi adds one tag of its own, simd::scalar, which selects the
// plain reference kernels. Without xsimd (or with LUODI_FORCE_REFERENCE) scalar is the only arch.
//
// default_arch is what the including translation unit was compiled for: the best arch its -m
// flags enable. See simd/dispatch.hpp for choosing at run time instead.
#pragma once

#include <cstddef>
#include <type_traits>

#include "../config.hpp"

#if LUODI_HAS_XSIMD
// GCC 12's avx512fintrin.h trips -Wmaybe-uninitialized on its own _mm512_undefined_*() once
// inlined into AVX-512 code (a compiler bug, not luodi's or the user's). The warning is located
// in the intrinsics header, so silencing it where that header is first included keeps a user's
// -Wall -march=native build quiet without touching the user's own diagnostics. If the user's
// TU included <immintrin.h> before luodi, the warning shows; -Wno-maybe-uninitialized hides it.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <xsimd/xsimd.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

namespace luodi {
namespace simd {

struct scalar {
  static constexpr const char* name() noexcept { return "scalar"; }
  static constexpr std::size_t alignment() noexcept { return alignof(float); }
};

#if LUODI_HAS_XSIMD && !defined(LUODI_FORCE_REFERENCE)
// xsimd names the best arch the -m flags enable; luodi's kernels are written for the arches of
// its dispatch set, and the AVX-512 specialisations (the GEMM tile, the depthwise and im2col
// kernels) are keyed on exactly xsimd::avx512f. xsimd's avx512cd/dq/bw add integer, conflict-
// detection and a few float instructions (DQ's float and/or/xor, which AVX-512F does with its
// integer ones). So any AVX-512 level maps to avx512f, which is also what the runtime-dispatch
// build runs: under -march=native on an AVX-512 CPU (xsimd says avx512bw) the kernels otherwise
// fell back to their generic code (tests/support/native_arch_check.cpp checks the mapping).
template <class XArch>
using normalized_arch = std::conditional_t<std::is_base_of<xsimd::avx512f, XArch>::value, xsimd::avx512f, XArch>;
using default_arch = std::conditional_t<std::is_same<xsimd::default_arch, xsimd::unavailable>::value, scalar,
                                        normalized_arch<xsimd::default_arch>>;
#else
using default_arch = scalar;
#endif

template <class Arch>
inline constexpr bool is_scalar_v = std::is_same<Arch, scalar>::value;

#if LUODI_HAS_XSIMD
template <class Arch>
using fbatch = xsimd::batch<float, Arch>;
template <class Arch>
using ibatch = xsimd::batch<std::int32_t, Arch>;
template <class Arch>
inline constexpr std::size_t lanes_v = xsimd::batch<float, Arch>::size;
#endif

}  // namespace simd
}  // namespace luodi
