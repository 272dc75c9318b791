// im2col panels, packed straight from the NCHW input without a full im2col matrix.
//
// Row k of the implicit im2col matrix is (ci, ky, kx) in OIHW weight order, column j is output
// pixel (oy, ox) = (j / W_out, j % W_out). pack_im2col_panels writes rows [k0, k0 + kc) and
// columns [j0, j0 + n) as PW-wide panels [n/PW][kc][PW], zero outside the input and past the
// last column. With PW = NR these are the GEMM's B panels (Conv2dAlgo::Gemm); with PW = MR they
// are k-major A panels (Conv2dAlgo::GemmT). Only one kc x n block lives in scratch at a time.
#pragma once

#include <cstdint>
#include <cstring>

#include "../../simd/arch.hpp"
#include "plan.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

// out[q] = r[2q] for q < n: the columns a stride-2 tap reads from one input row. Reads nothing
// past r[2n - 2] (the row may end the input). Vectorised on AVX-512 (two loads and a two-source
// permute per 16 outputs, masked at the end) and AVX2 (a shuffle and a lane permute per 8):
// the scalar loop made the panel packing 15-25% of 1x1 and 3x3 stride-2 layers.
template <class Arch, class Enable = void>
struct Stride2Copy {
  static LUODI_ALWAYS_INLINE void run(const float* r, float* out, std::int64_t n) noexcept {
    for (std::int64_t q = 0; q < n; ++q) out[q] = r[2 * q];
  }
};
#if defined(__AVX512F__)
template <>
struct Stride2Copy<xsimd::avx512f> {
  static LUODI_ALWAYS_INLINE void run(const float* r, float* out, std::int64_t n) noexcept {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    std::int64_t q = 0;
    for (; q + 16 <= n; q += 16) {
      const __m512 lo = _mm512_loadu_ps(r + 2 * q);
      const __m512 hi = _mm512_maskz_loadu_ps(static_cast<__mmask16>(0x7fff), r + 2 * q + 16);
      _mm512_storeu_ps(out + q, _mm512_permutex2var_ps(lo, even, hi));
    }
    if (q < n) {
      const unsigned m = static_cast<unsigned>(n - q), need = 2 * m - 1;  // inputs read
      const __mmask16 mlo = static_cast<__mmask16>(need >= 16 ? 0xffffu : (1u << need) - 1u);
      const __mmask16 mhi = static_cast<__mmask16>(need > 16 ? (1u << (need - 16)) - 1u : 0u);
      const __m512 lo = _mm512_maskz_loadu_ps(mlo, r + 2 * q);
      const __m512 hi = _mm512_maskz_loadu_ps(mhi, r + 2 * q + 16);
      _mm512_mask_storeu_ps(out + q, static_cast<__mmask16>((1u << m) - 1u), _mm512_permutex2var_ps(lo, even, hi));
    }
  }
};
#endif
#if defined(__AVX2__) && defined(__FMA__)
template <>
struct Stride2Copy<xsimd::fma3<xsimd::avx2>> {
  static LUODI_ALWAYS_INLINE void run(const float* r, float* out, std::int64_t n) noexcept {
    const __m256i seven = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, -1, 0);
    std::int64_t q = 0;
    for (; q + 8 <= n; q += 8) {
      const __m256 lo = _mm256_loadu_ps(r + 2 * q);
      const __m256 hi = _mm256_maskload_ps(r + 2 * q + 8, seven);
      const __m256 e = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));  // lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6
      _mm256_storeu_ps(out + q, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0))));
    }
    for (; q < n; ++q) out[q] = r[2 * q];
  }
};
#endif

// x points at the first input channel of the group in this image.
template <class Arch, int PW>
void pack_im2col_panels(const Conv2dPlan& plan, const float* x, std::int64_t k0, std::int64_t kc, std::int64_t j0,
                        std::int64_t n, float* dst) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr int L = static_cast<int>(B::size);
  const Conv2dParams& p = plan.p;
  const std::int64_t H = p.H, W = p.W, Wo = plan.out_w, HWo = plan.out_h * plan.out_w;
  const std::int64_t kh = p.kernel_h, kw = p.kernel_w, khw = kh * kw;
  const std::int64_t sh = p.stride_h, sw = p.stride_w;
  const bool pointwise = khw == 1 && sh == 1 && sw == 1 && p.pad_top == 0 && p.pad_left == 0 && p.pad_bottom == 0 &&
                         p.pad_right == 0;
  for (std::int64_t jp = j0; jp < j0 + n; jp += PW) {
    float* d = dst + ((jp - j0) / PW) * kc * PW;
    const std::int64_t valid = (HWo - jp < PW) ? HWo - jp : PW;
    if (pointwise) {
      // 1x1 stride 1 without pads: row k is input channel k; the panel is a plain copy.
      const float* src = x + k0 * H * W + jp;
      if (valid == PW && PW % L == 0) {
        for (std::int64_t k = 0; k < kc; ++k, src += H * W, d += PW)
LUODI_UNROLL(4)
          for (int v = 0; v < PW / L; ++v) B::load_unaligned(src + v * L).store_unaligned(d + v * L);
      } else {
        for (std::int64_t k = 0; k < kc; ++k, src += H * W, d += PW) {
          std::int64_t t = 0;
          for (; t < valid; ++t) d[t] = src[t];
          for (; t < PW; ++t) d[t] = 0.0f;
        }
      }
      continue;
    }
    const std::int64_t oy0 = jp / Wo, ox0 = jp % Wo;
    std::int64_t ci = k0 / khw, ky = (k0 % khw) / kw, kx = k0 % kw;
    for (std::int64_t k = 0; k < kc; ++k, d += PW) {
      const float* xc = x + ci * H * W;
      std::int64_t t = 0, oy = oy0, ox = ox0;
      while (t < valid) {
        std::int64_t seg = Wo - ox;
        if (seg > valid - t) seg = valid - t;
        const std::int64_t iy = oy * sh - p.pad_top + ky * p.dilation_h;
        if (iy < 0 || iy >= H) {
          for (std::int64_t s = 0; s < seg; ++s) d[t + s] = 0.0f;
        } else {
          const float* row = xc + iy * W;
          const std::int64_t ix0 = ox * sw - p.pad_left + kx * p.dilation_w;
          if (sw == 1) {
            // contiguous: zeros left of the input, a copy, zeros right of it
            std::int64_t a = ix0 < 0 ? -ix0 : 0;
            if (a > seg) a = seg;
            std::int64_t b = W - ix0;
            if (b > seg) b = seg;
            if (b < a) b = a;
            std::int64_t s = 0;
            for (; s < a; ++s) d[t + s] = 0.0f;
            for (; s < b; ++s) d[t + s] = row[ix0 + s];
            for (; s < seg; ++s) d[t + s] = 0.0f;
          } else {
            // strided: the same three parts, with the bounds worked out once per segment
            // instead of tested per element (the per-element test was 15-25% of the time of
            // 1x1 and 3x3 stride-2 layers)
            std::int64_t a = ix0 < 0 ? (-ix0 + sw - 1) / sw : 0;
            if (a > seg) a = seg;
            std::int64_t b = ix0 < W ? (W - ix0 + sw - 1) / sw : 0;
            if (b > seg) b = seg;
            if (b < a) b = a;
            std::int64_t s = 0;
            for (; s < a; ++s) d[t + s] = 0.0f;
            if (b > a) {
              const float* r = row + (ix0 + a * sw);  // the first column inside the input
              float* o = d + t + a;
              if (sw == 2)
                Stride2Copy<Arch>::run(r, o, b - a);
              else
                for (std::int64_t q = 0; q < b - a; ++q) o[q] = r[q * sw];
              s = b;
            }
            for (; s < seg; ++s) d[t + s] = 0.0f;
          }
        }
        t += seg;
        ox += seg;
        if (ox == Wo) {
          ox = 0;
          ++oy;
        }
      }
      for (; t < PW; ++t) d[t] = 0.0f;
      if (++kx == kw) {
        kx = 0;
        if (++ky == kh) {
          ky = 0;
          ++ci;
        }
      }
    }
  }
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
