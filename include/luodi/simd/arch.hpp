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
#include <xsimd/xsimd.hpp>
#endif

namespace luodi {
namespace simd {

struct scalar {
  static constexpr const char* name() noexcept { return "scalar"; }
  static constexpr std::size_t alignment() noexcept { return alignof(float); }
};

#if LUODI_HAS_XSIMD && !defined(LUODI_FORCE_REFERENCE)
using default_arch = std::conditional_t<std::is_same<xsimd::default_arch, xsimd::unavailable>::value, scalar,
                                        xsimd::default_arch>;
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
