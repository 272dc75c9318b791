// ConvTranspose2D by GEMM + col2im. Per image and group, for a block of input pixels:
//   cols[(co, ky, kx)][j] = sum_ci W[ci][co][ky][kx] * x[ci][j]     (GEMM micro-kernels)
//   y[co][iy*sh - pt + ky*dh][ix*sw - pl + kx*dw] += cols[(co, ky, kx)][(iy, ix)]   (col2im)
// The output planes start at the bias and get the residual and activation at the end. Threads
// own disjoint output channels (each computes the GEMM rows of its channels, rounded out to
// whole MR panels), so the scatter needs no atomics and results do not depend on the split.
#pragma once

#include <cstdint>

#include "../gemm/driver.hpp"
#include "plan.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

template <class Arch>
void conv_transpose2d_run_gemm(const ConvTranspose2dPlan& plan, const float* x, const void* packed, const float* residual,
                               float* y, void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
  using Tile = GemmTile<Arch>;
  constexpr int MR = Tile::MR;
  const ConvTranspose2dParams& p = plan.p;
  const float* w = static_cast<const float*>(packed);
  const float* bias = p.has_bias ? w + plan.bias_offset : nullptr;
  const std::int64_t HW = p.H * p.W, Ho = plan.out_h, Wo = plan.out_w, HWo = Ho * Wo;
  const std::int64_t kk = p.kernel_h * p.kernel_w;
  const std::int64_t K = plan.cin_g;
  const std::int64_t cols_cap = plan.cols;
  const std::int64_t slot = plan.scratch_per_thread / static_cast<std::int64_t>(sizeof(float));
  const std::int64_t cols_floats = (plan.m_pad * cols_cap * 4 + 63) / 64 * 64 / 4;
  GemmBlocking blk = {};
  blk.kc = plan.kc;
  blk.mc = 1 << 30;
  blk.nc = cols_cap;
  for (std::int64_t img = 0; img < p.N; ++img) {
    for (std::int64_t g = 0; g < p.groups; ++g) {
      const float* xg = x + (img * p.C_in + g * plan.cin_g) * HW;
      float* yg = y + (img * p.C_out + g * plan.cout_g) * HWo;
      const float* rg = residual ? residual + (img * p.C_out + g * plan.cout_g) * HWo : nullptr;
      const GemmA A = {w + g * plan.group_floats, K, MR, false};
      parallel_items<Arch>(plan.cout_g, thread, threads, [&](std::int64_t t, std::int64_t co0, std::int64_t co1) {
        float* cols = static_cast<float*>(scratch) + t * slot;
        float* bbuf = cols + cols_floats;
        for (std::int64_t co = co0; co < co1; ++co) {
          const float b = bias ? bias[g * plan.cout_g + co] : 0.0f;
          float* yc = yg + co * HWo;
          for (std::int64_t i = 0; i < HWo; ++i) yc[i] = b;
        }
        const std::int64_t m0 = co0 * kk / MR * MR;
        std::int64_t m1 = (co1 * kk + MR - 1) / MR * MR;
        if (m1 > plan.M) m1 = plan.M;
        GemmEpilogue ep = {};
        ep.alpha = 1.0f;
        ep.bias_scale = 1.0f;
        ep.act = ActivationKind::Identity;
        for (std::int64_t j0 = 0; j0 < HW; j0 += cols_cap) {
          const std::int64_t nj = (HW - j0 < cols_cap) ? HW - j0 : cols_cap;
          // cols[m][j - j0] for m in [m0, m1): the C matrix starts at row 0 = m0... indexed by global m
          auto pack = [&](std::int64_t k0, std::int64_t kc, std::int64_t jj, std::int64_t nc, float* dst) {
            pack_b_row_major<Arch>(xg + j0, HW, nj, k0, kc, jj, nc, dst);
          };
          gemm_blocked<Arch>(plan.M, nj, K, A, nullptr, pack, cols, cols_cap, ep, blk, m0, m1, 0, nj, bbuf);
          for (std::int64_t co = co0; co < co1; ++co) {
            float* yc = yg + co * HWo;
            for (std::int64_t ky = 0; ky < p.kernel_h; ++ky)
              for (std::int64_t kx = 0; kx < p.kernel_w; ++kx) {
                const float* crow = cols + ((co * p.kernel_h + ky) * p.kernel_w + kx) * cols_cap;
                for (std::int64_t j = 0; j < nj; ++j) {
                  const std::int64_t pix = j0 + j;
                  const std::int64_t iy = pix / p.W, ix = pix % p.W;
                  const std::int64_t oy = iy * p.stride_h - p.pad_top + ky * p.dilation_h;
                  const std::int64_t ox = ix * p.stride_w - p.pad_left + kx * p.dilation_w;
                  if (oy >= 0 && oy < Ho && ox >= 0 && ox < Wo) yc[oy * Wo + ox] += crow[j];
                }
              }
          }
        }
        for (std::int64_t co = co0; co < co1; ++co) {
          float* yc = yg + co * HWo;
          if (rg) {
            const float* rc = rg + co * HWo;
            for (std::int64_t i = 0; i < HWo; ++i) yc[i] += rc[i];
          }
          act_array<Arch>(p.activation, p.act_params, yc, HWo);
        }
      });
    }
  }
}

// Zip2<Arch>::run(a, b, lo, hi): lo = [a0 b0 a1 b1 ...] (the low halves interleaved), hi the
// high halves. A true zip on every ISA (xsimd 8's zip_lo/zip_hi interleave within 128-bit lanes
// on AVX and AVX-512); the generic version goes through memory.
template <class Arch, class Enable = void>
struct Zip2 {
  using B = simd::fbatch<Arch>;
  static LUODI_ALWAYS_INLINE void run(const B& a, const B& b, B& lo, B& hi) noexcept {
    constexpr std::size_t L = B::size;
    alignas(64) float fa[L], fb[L], f[2 * L];
    a.store_aligned(fa);
    b.store_aligned(fb);
    for (std::size_t i = 0; i < L; ++i) {
      f[2 * i] = fa[i];
      f[2 * i + 1] = fb[i];
    }
    lo = B::load_aligned(f);
    hi = B::load_aligned(f + L);
  }
};
#if defined(__AVX512F__)
template <>
struct Zip2<xsimd::avx512f> {
  using B = simd::fbatch<xsimd::avx512f>;
  static LUODI_ALWAYS_INLINE void run(const B& a, const B& b, B& lo, B& hi) noexcept {
    const __m512i il = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i ih = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    lo = _mm512_permutex2var_ps(a, il, b);
    hi = _mm512_permutex2var_ps(a, ih, b);
  }
};
#endif
#if defined(__AVX2__) && defined(__FMA__)
template <>
struct Zip2<xsimd::fma3<xsimd::avx2>> {
  using B = simd::fbatch<xsimd::fma3<xsimd::avx2>>;
  static LUODI_ALWAYS_INLINE void run(const B& a, const B& b, B& lo, B& hi) noexcept {
    const __m256 t0 = _mm256_unpacklo_ps(a, b), t1 = _mm256_unpackhi_ps(a, b);  // per 128-bit lane
    lo = _mm256_permute2f128_ps(t0, t1, 0x20);
    hi = _mm256_permute2f128_ps(t0, t1, 0x31);
  }
};
#endif
#if defined(__SSE2__)
template <>
struct Zip2<xsimd::sse2> {
  using B = simd::fbatch<xsimd::sse2>;
  static LUODI_ALWAYS_INLINE void run(const B& a, const B& b, B& lo, B& hi) noexcept {
    lo = _mm_unpacklo_ps(a, b);
    hi = _mm_unpackhi_ps(a, b);
  }
};
#endif
#if defined(__aarch64__)
template <>
struct Zip2<xsimd::neon64> {
  using B = simd::fbatch<xsimd::neon64>;
  static LUODI_ALWAYS_INLINE void run(const B& a, const B& b, B& lo, B& hi) noexcept {
    lo = vzip1q_f32(a, b);
    hi = vzip2q_f32(a, b);
  }
};
#endif

// One output row of a kernel == stride ConvTranspose: yr[ix*kw + kx] = act(src[kx][ix] + bias +
// rr[ix*kw + kx]) for ix < W. kw == 2 is zipped in vectors with the epilogue in registers (ACT:
// identity, relu or clip; other activations run over the row afterwards); the rest is scalar.
template <class Arch, ActivationKind ACT>
LUODI_ALWAYS_INLINE void ct_phase_row(const float* const* src, std::int64_t kw, std::int64_t W, float bv, float* yr,
                                      const float* rr, ActivationKind act, const ActivationParams& ap) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  std::int64_t ix = 0;
  if (kw == 2) {
    const B b(bv);
    for (; ix + L <= W; ix += L) {
      B lo, hi;
      Zip2<Arch>::run(B::load_unaligned(src[0] + ix), B::load_unaligned(src[1] + ix), lo, hi);
      lo += b;
      hi += b;
      if (rr) {
        lo += B::load_unaligned(rr + 2 * ix);
        hi += B::load_unaligned(rr + 2 * ix + L);
      }
      activate<Arch, ACT>(lo, ap).store_unaligned(yr + 2 * ix);
      activate<Arch, ACT>(hi, ap).store_unaligned(yr + 2 * ix + L);
    }
  }
  const std::int64_t t0 = ix * kw;
  for (; ix < W; ++ix)
    for (std::int64_t kx = 0; kx < kw; ++kx) {
      const std::int64_t o = ix * kw + kx;
      yr[o] = src[kx][ix] + bv + (rr ? rr[o] : 0.0f);
    }
  if (ACT == ActivationKind::Identity && act != ActivationKind::Identity)
    act_array<Arch>(act, ap, yr, W * kw);  // the vector part was stored without it
  else
    act_array<Arch>(act, ap, yr + t0, W * kw - t0);
}

// ConvTranspose2D with kernel == stride, no pads, dilation 1 (conv_transpose2d_algo_applies):
// output pixel (iy*kh + ky, ix*kw + kx) takes exactly one product sum, column row (co, ky, kx) at
// input pixel (iy, ix). So the op is one GEMM per block of whole input rows, cols = W^T x
// (M = Cout*kh*kw rows), and each column row is written once into its output phase with bias,
// residual and activation fused: no zero fill, no accumulation, no scatter index arithmetic.
// Threads split the blocks of input rows (all output channels each), which own disjoint output
// rows, so a single output channel (a detection head's last upsampling) still uses every thread.
template <class Arch>
void conv_transpose2d_run_gemm_phase(const ConvTranspose2dPlan& plan, const float* x, const void* packed,
                                     const float* residual, float* y, void* scratch, std::int64_t thread,
                                     std::int64_t threads) noexcept {
  using Tile = GemmTile<Arch>;
  constexpr int MR = Tile::MR;
  const ConvTranspose2dParams& p = plan.p;
  const float* w = static_cast<const float*>(packed);
  const float* bias = p.has_bias ? w + plan.bias_offset : nullptr;
  const std::int64_t HW = p.H * p.W, Wo = plan.out_w, HWo = plan.out_h * Wo;
  const std::int64_t kh = p.kernel_h, kw = p.kernel_w;
  const std::int64_t K = plan.cin_g, ldc = plan.cols, rows_blk = plan.rows_blk;
  const std::int64_t slot = plan.scratch_per_thread / static_cast<std::int64_t>(sizeof(float));
  const std::int64_t cols_floats = (plan.m_pad * ldc * 4 + 63) / 64 * 64 / 4;
  const std::int64_t blocks = (p.H + rows_blk - 1) / rows_blk;
  GemmBlocking blk = {};
  blk.kc = plan.kc;
  blk.mc = 1 << 30;
  blk.nc = ldc;
  GemmEpilogue ep = {};
  ep.alpha = 1.0f;
  ep.bias_scale = 1.0f;
  ep.act = ActivationKind::Identity;
  const ActivationKind act = p.activation;
  const ActivationKind fused = (act == ActivationKind::Relu || act == ActivationKind::Clip) ? act : ActivationKind::Identity;
  parallel_items<Arch>(p.N * p.groups * blocks, thread, threads, [&](std::int64_t t, std::int64_t b, std::int64_t e) {
    float* cols = static_cast<float*>(scratch) + t * slot;
    float* bbuf = cols + cols_floats;
    for (std::int64_t item = b; item < e; ++item) {
      const std::int64_t img = item / (p.groups * blocks), g = (item / blocks) % p.groups, blk_i = item % blocks;
      const std::int64_t iy0 = blk_i * rows_blk, nrows = (p.H - iy0 < rows_blk) ? p.H - iy0 : rows_blk;
      const std::int64_t nj = nrows * p.W;
      const float* xg = x + (img * p.C_in + g * plan.cin_g) * HW + iy0 * p.W;
      const GemmA A = {w + g * plan.group_floats, K, MR, false};
      auto pack = [&](std::int64_t k0, std::int64_t kc, std::int64_t jj, std::int64_t nc, float* dst) {
        pack_b_row_major<Arch>(xg, HW, nj, k0, kc, jj, nc, dst);
      };
      gemm_blocked<Arch>(plan.M, nj, K, A, nullptr, pack, cols, ldc, ep, blk, 0, plan.M, 0, nj, bbuf);
      for (std::int64_t co = 0; co < plan.cout_g; ++co) {
        const std::int64_t oc = g * plan.cout_g + co;
        const float bv = bias ? bias[oc] : 0.0f;
        float* yc = y + (img * p.C_out + oc) * HWo;
        const float* rc = residual ? residual + (img * p.C_out + oc) * HWo : nullptr;
        for (std::int64_t r = 0; r < nrows; ++r)
          for (std::int64_t ky = 0; ky < kh; ++ky) {
            const float* src[64];
            for (std::int64_t kx = 0; kx < kw; ++kx) src[kx] = cols + ((co * kh + ky) * kw + kx) * ldc + r * p.W;
            const std::int64_t oy = (iy0 + r) * kh + ky;
            float* yr = yc + oy * Wo;
            const float* rr = rc ? rc + oy * Wo : nullptr;
            if (fused == ActivationKind::Relu)
              ct_phase_row<Arch, ActivationKind::Relu>(src, kw, p.W, bv, yr, rr, act, p.act_params);
            else if (fused == ActivationKind::Clip)
              ct_phase_row<Arch, ActivationKind::Clip>(src, kw, p.W, bv, yr, rr, act, p.act_params);
            else
              ct_phase_row<Arch, ActivationKind::Identity>(src, kw, p.W, bv, yr, rr, act, p.act_params);
          }
      }
    }
  });
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
