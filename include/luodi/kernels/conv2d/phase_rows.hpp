// Helpers shared by the row-wise convolution kernels (depthwise.hpp, depthwise_rows.hpp,
// depthwise_small.hpp, direct_rows.hpp): building zero-padded, stride-split input rows
// (pad_phase_row), short vector copies, and partial-vector loads and stores.
#pragma once

#include <cstdint>

#include "../../simd/arch.hpp"

namespace luodi {
namespace kernels {

#if LUODI_HAS_XSIMD
namespace simd_impl {

// Deinterleave2<Arch>::run(src, even, odd, n) splits src[0, 2n) into even[i] = src[2i] and
// odd[i] = src[2i + 1] for the leading i it can do in vectors and returns that count; the
// caller finishes the rest. Specialised with the shuffles each ISA has (the generic version does
// nothing, so the caller's scalar loop does it all).
template <class Arch, class Enable = void>
struct Deinterleave2 {
  static LUODI_ALWAYS_INLINE std::int64_t run(const float*, float*, float*, std::int64_t) noexcept { return 0; }
};
#if defined(__AVX2__) && defined(__FMA__)
template <>
struct Deinterleave2<xsimd::fma3<xsimd::avx2>> {
  static LUODI_ALWAYS_INLINE std::int64_t run(const float* src, float* even, float* odd, std::int64_t n) noexcept {
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const __m256 a = _mm256_loadu_ps(src + 2 * i), b = _mm256_loadu_ps(src + 2 * i + 8);
      // [a0 a2 b0 b2 | a4 a6 b4 b6], then 64-bit lanes (0, 2, 1, 3): [a0 a2 a4 a6 b0 b2 b4 b6]
      const __m256 e = _mm256_shuffle_ps(a, b, 0x88), o = _mm256_shuffle_ps(a, b, 0xDD);
      _mm256_storeu_ps(even + i, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8)));
      _mm256_storeu_ps(odd + i, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8)));
    }
    if (i < n && n >= 8) {  // the last, partial step again as a whole one, overlapping the previous
      i = n - 8;
      const __m256 a = _mm256_loadu_ps(src + 2 * i), b = _mm256_loadu_ps(src + 2 * i + 8);
      const __m256 e = _mm256_shuffle_ps(a, b, 0x88), o = _mm256_shuffle_ps(a, b, 0xDD);
      _mm256_storeu_ps(even + i, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8)));
      _mm256_storeu_ps(odd + i, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8)));
      i = n;
    }
    return i;
  }
};
#endif
#if defined(__AVX512F__)
template <>
struct Deinterleave2<xsimd::avx512f> {
  static LUODI_ALWAYS_INLINE std::int64_t run(const float* src, float* even, float* odd, std::int64_t n) noexcept {
    const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const __m512 a = _mm512_loadu_ps(src + 2 * i), b = _mm512_loadu_ps(src + 2 * i + 16);
      _mm512_storeu_ps(even + i, _mm512_permutex2var_ps(a, ie, b));
      _mm512_storeu_ps(odd + i, _mm512_permutex2var_ps(a, io, b));
    }
    if (i < n) {  // the last 1..15 pairs with masked loads and stores (no reads past src + 2n)
      const unsigned r = static_cast<unsigned>(n - i);
      const __mmask16 ma = static_cast<__mmask16>(r >= 8 ? 0xFFFFu : (1u << (2 * r)) - 1u);
      const __mmask16 mb = static_cast<__mmask16>(r > 8 ? (1u << (2 * (r - 8))) - 1u : 0u);
      const __mmask16 ms = static_cast<__mmask16>((1u << r) - 1u);
      const __m512 a = _mm512_maskz_loadu_ps(ma, src + 2 * i), b = _mm512_maskz_loadu_ps(mb, src + 2 * i + 16);
      _mm512_mask_storeu_ps(even + i, ms, _mm512_permutex2var_ps(a, ie, b));
      _mm512_mask_storeu_ps(odd + i, ms, _mm512_permutex2var_ps(a, io, b));
      i = n;
    }
    return i;
  }
};
#endif
#if defined(__SSE2__)
template <>
struct Deinterleave2<xsimd::sse2> {
  static LUODI_ALWAYS_INLINE std::int64_t run(const float* src, float* even, float* odd, std::int64_t n) noexcept {
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      const __m128 a = _mm_loadu_ps(src + 2 * i), b = _mm_loadu_ps(src + 2 * i + 4);
      _mm_storeu_ps(even + i, _mm_shuffle_ps(a, b, 0x88));
      _mm_storeu_ps(odd + i, _mm_shuffle_ps(a, b, 0xDD));
    }
    return i;
  }
};
#endif
#if defined(__aarch64__)
template <>
struct Deinterleave2<xsimd::neon64> {
  static LUODI_ALWAYS_INLINE std::int64_t run(const float* src, float* even, float* odd, std::int64_t n) noexcept {
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      const float32x4_t a = vld1q_f32(src + 2 * i), b = vld1q_f32(src + 2 * i + 4);
      vst1q_f32(even + i, vuzp1q_f32(a, b));
      vst1q_f32(odd + i, vuzp2q_f32(a, b));
    }
    return i;
  }
};
#endif

// dst[0, n) = src[0, n), in vectors (short rows are common here; a memcpy call would cost more).
// When n >= L the tail is one more vector overlapping the previous one.
template <class Arch>
LUODI_ALWAYS_INLINE void copy_floats(const float* src, float* dst, std::int64_t n) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  if (n >= L) {
    std::int64_t i = 0;
    for (; i + L <= n; i += L) B::load_unaligned(src + i).store_unaligned(dst + i);
    if (i < n) B::load_unaligned(src + n - L).store_unaligned(dst + n - L);
    return;
  }
  for (std::int64_t i = 0; i < n; ++i) dst[i] = src[i];
}

// One padded input row into stride-phase rows: the row is pl zero cells, then src[0, W), then
// zeros; padded column c goes to phase c % S at index c / S. S = 1 copies src to ph0 + pl; S = 2
// splits it into its even (ph0) and odd (ph1) padded columns in vectors. Only the cells that come
// from src are written: callers zero the padding cells once and reuse the rows. Shared by the
// depthwise kernels (depthwise.hpp, depthwise_rows.hpp) and the stem's direct_rows.hpp.
template <class Arch, int S>
LUODI_ALWAYS_INLINE void pad_phase_row(const float* src, std::int64_t W, std::int64_t pl, float* ph0, float* ph1) noexcept {
  static_assert(S == 1 || S == 2, "stride 1 or 2");
  if constexpr (S == 1) {
    (void)ph1;
    copy_floats<Arch>(src, ph0 + pl, W);
  } else {
    // input column ix is padded column ix + pl: the even input columns land in phase pl % 2
    float* even = (pl % 2 == 0) ? ph0 + pl / 2 : ph1 + (pl - 1) / 2;
    float* odd = (pl % 2 == 0) ? ph1 + pl / 2 : ph0 + (pl + 1) / 2;
    const std::int64_t pairs = W / 2;
    std::int64_t i = Deinterleave2<Arch>::run(src, even, odd, pairs);
    for (; i < pairs; ++i) {
      even[i] = src[2 * i];
      odd[i] = src[2 * i + 1];
    }
    if (W % 2) even[pairs] = src[W - 1];
  }
}

// The first n (0 < n < L) lanes of a vector: masked on AVX-512 and AVX2, through a buffer
// elsewhere. Loads leave the other lanes zero; stores leave memory past n untouched.
template <class Arch, class Enable = void>
struct PartialIO {
  using B = simd::fbatch<Arch>;
  static LUODI_ALWAYS_INLINE B load(const float* src, std::int64_t n) noexcept {
    alignas(64) float buf[B::size] = {};
    for (std::int64_t i = 0; i < n; ++i) buf[i] = src[i];
    return B::load_aligned(buf);
  }
  static LUODI_ALWAYS_INLINE void store(const B& v, float* dst, std::int64_t n) noexcept {
    alignas(64) float buf[B::size];
    v.store_aligned(buf);
    for (std::int64_t i = 0; i < n; ++i) dst[i] = buf[i];
  }
};
#if defined(__AVX512F__)
template <>
struct PartialIO<xsimd::avx512f> {
  using B = simd::fbatch<xsimd::avx512f>;
  static LUODI_ALWAYS_INLINE __mmask16 mask(std::int64_t n) noexcept {
    return static_cast<__mmask16>((1u << static_cast<unsigned>(n)) - 1u);
  }
  static LUODI_ALWAYS_INLINE B load(const float* src, std::int64_t n) noexcept { return _mm512_maskz_loadu_ps(mask(n), src); }
  static LUODI_ALWAYS_INLINE void store(const B& v, float* dst, std::int64_t n) noexcept {
    _mm512_mask_storeu_ps(dst, mask(n), v);
  }
};
#endif
#if defined(__AVX2__) && defined(__FMA__)
template <>
struct PartialIO<xsimd::fma3<xsimd::avx2>> {
  using B = simd::fbatch<xsimd::fma3<xsimd::avx2>>;
  static LUODI_ALWAYS_INLINE __m256i mask(std::int64_t n) noexcept {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static LUODI_ALWAYS_INLINE B load(const float* src, std::int64_t n) noexcept { return _mm256_maskload_ps(src, mask(n)); }
  static LUODI_ALWAYS_INLINE void store(const B& v, float* dst, std::int64_t n) noexcept {
    _mm256_maskstore_ps(dst, mask(n), v);
  }
};
#endif

}  // namespace simd_impl
#endif  // LUODI_HAS_XSIMD

}  // namespace kernels
}  // namespace luodi
