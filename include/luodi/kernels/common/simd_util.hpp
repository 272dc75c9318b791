// Small SIMD helpers shared by the kernel families: NaN-propagating max / min, partial loads
// and stores for row tails, horizontal sums. Templates over the Arch only (they are compiled
// into the per-ISA dispatch units).
#pragma once

#include <cstdint>
#include <cstring>

#include "../../simd/arch.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

using ::luodi::simd::fbatch;

// max / min that propagate NaN from either operand, whatever the ISA's instruction does
// (x86's maxps returns its second operand when either is NaN). isnan is an unordered compare;
// xsimd's != is ordered on AVX and would miss NaN.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> nan_max(const fbatch<Arch>& acc, const fbatch<Arch>& v) noexcept {
  return xsimd::select((v > acc) | xsimd::isnan(v), v, acc);
}
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> nan_min(const fbatch<Arch>& acc, const fbatch<Arch>& v) noexcept {
  return xsimd::select((v < acc) | xsimd::isnan(v), v, acc);
}

// Loads `rem` (< lanes) floats; the other lanes hold `fill`.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> load_partial(const float* p, std::int64_t rem, float fill) noexcept {
  alignas(64) float buf[fbatch<Arch>::size];
  for (std::size_t k = 0; k < fbatch<Arch>::size; ++k) buf[k] = fill;
  std::memcpy(buf, p, static_cast<std::size_t>(rem) * sizeof(float));
  return fbatch<Arch>::load_aligned(buf);
}
template <class Arch>
LUODI_ALWAYS_INLINE void store_partial(float* p, const fbatch<Arch>& v, std::int64_t rem) noexcept {
  alignas(64) float buf[fbatch<Arch>::size];
  v.store_aligned(buf);
  std::memcpy(p, buf, static_cast<std::size_t>(rem) * sizeof(float));
}

// The lanes summed as a balanced tree, whose dependency chain is log2(lanes) adds instead of
// lanes (xsimd's hadd would instantiate narrower-arch kernels whose symbols do not carry this
// TU's ISA).
template <class Arch>
LUODI_ALWAYS_INLINE float hsum(const fbatch<Arch>& v) noexcept {
  constexpr std::size_t L = fbatch<Arch>::size;
  alignas(64) float t[L];
  v.store_aligned(t);
  for (std::size_t w = L / 2; w > 0; w /= 2)
    for (std::size_t k = 0; k < w; ++k) t[k] += t[k + w];
  return t[0];
}

// The lanes folded as a balanced tree with a scalar combine f(a, b) (for max / min with NaN
// propagation, write f branch-free, e.g. (b > a || b != b) ? b : a).
template <class Arch, class F>
LUODI_ALWAYS_INLINE float hfold(const fbatch<Arch>& v, F f) noexcept {
  constexpr std::size_t L = fbatch<Arch>::size;
  alignas(64) float t[L];
  v.store_aligned(t);
  for (std::size_t w = L / 2; w > 0; w /= 2)
    for (std::size_t k = 0; k < w; ++k) t[k] = f(t[k], t[k + w]);
  return t[0];
}

// Gathers src[idx[k]] lane by lane. On Zen 4 (and many other cores) the hardware gathers of
// AVX2 / AVX-512 are slower than scalar loads into a buffer; resize measured both.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> gather_loads(const float* src, const std::int32_t* idx) noexcept {
  constexpr std::size_t L = fbatch<Arch>::size;
  alignas(64) float t[L];
  for (std::size_t k = 0; k < L; ++k) t[k] = src[idx[k]];
  return fbatch<Arch>::load_aligned(t);
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
