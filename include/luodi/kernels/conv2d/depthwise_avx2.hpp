// Depthwise Conv2D on small planes with AVX2 + FMA (algorithm DepthwiseSmall on avx2): 3x3 and
// 5x5, stride 1 or 2, dilation 1, any pads, output rows <= 16 wide (the 7x7, 14x14 and
// 28x28-stride-2 MobileNet layers), NCHW read in place.
//
// The AVX-512 kernel (depthwise_small.hpp) leans on mask registers and the two-source permute.
// With 8 lanes neither is needed in the same form:
//   - a vector holds 8 output columns of one row (a 14-wide row is 2 vectors, a 7-wide one 1);
//   - stride 1: tap column kx of vector j is one `vmaskmovps` load at 8j + kx - pad_left whose
//     mask drops the lanes in the left/right padding (masked-off lanes are not read, so a load
//     that starts before the row or ends past the plane cannot fault);
//   - stride 2: the 8 outputs of vector j read input columns 16j - pad_left + 2i + kx. Two
//     masked loads at c = 16j - pad_left + 2t and c + 8 hold columns c .. c + 15, and one
//     `vshufps` (even or odd of each 128-bit half of the pair) plus one `vpermpd` (64-bit lanes
//     0, 2, 1, 3) give columns c + 2i (tap 2t) and c + 2i + 1 (tap 2t + 1). So K taps cost
//     2 ceil(K / 2) loads and 2 K shuffles per input row and vector, no deinterleave pass.
// The load masks of every vector are computed once per run (DwAvx2Geo): every channel has the
// same geometry. A ragged last vector is stored in 4/2/1-float pieces, not with `vmaskmovps`
// (microcoded on AMD: measured 1.2-2.4x slower on these planes).
//
// A block keeps R output rows x V vectors of accumulators (8 chains: 8 x 1 for one-vector rows,
// 4 x 2 for two) and walks the (R - 1) S + K input rows they read once; each loaded or split tap
// feeds every output row of the block that uses it, and each weight broadcast (from memory: 9
// or 25 of them would not leave registers for the chains) feeds the V vectors of a row. Bias is
// the accumulators' start value; residual and identity/relu/clip/hardswish are applied in
// registers before the store; other activations run over the plane right after, in L1. No
// scratch. docs/performance.md, "Depthwise on small planes with AVX2", has the measurements
// (and why wider planes keep depthwise_rows and the flat kernel).
#pragma once

#include <cstdint>
#include <type_traits>

#include "depthwise_rows.hpp"

namespace luodi {
namespace kernels {

// Vectors of 8 output columns per row the AVX2 kernel takes (DepthwiseSmall: up to 16 columns).
inline constexpr std::int64_t kDwAvx2MaxV = 2;

#if LUODI_HAS_XSIMD
namespace simd_impl {

// Calls f(std::integral_constant<ActivationKind, A>{}), A the activation a plane kernel applies
// in registers before its store: relu, clip and hardswish as themselves, any other as Identity.
// Returns whether `act` must still run over the output afterwards (those others), so that the
// plane kernels are instantiated 4 times, not once per activation.
template <class F>
LUODI_ALWAYS_INLINE bool dw_with_fused_act(ActivationKind act, F&& f) noexcept {
  using A = ActivationKind;
  if (act == A::Relu) {
    f(std::integral_constant<A, A::Relu>{});
  } else if (act == A::Clip) {
    f(std::integral_constant<A, A::Clip>{});
  } else if (act == A::HardSwish) {
    f(std::integral_constant<A, A::HardSwish>{});
  } else {
    f(std::integral_constant<A, A::Identity>{});
    return act != A::Identity;
  }
  return false;
}

#if defined(__AVX2__) && defined(__FMA__)
using DwAvx2Arch = xsimd::fma3<xsimd::avx2>;

struct DwAvx2Geo {
  std::int64_t H, W, Ho, Wo, pt, nv;
  std::int32_t off[kDwAvx2MaxV];   // vector j reads from input column off[j] = 8 S j - pad_left
  __m256i lm[kDwAvx2MaxV][6];      // its load masks: stride 1 tap kx at off + kx (index kx);
                                   // stride 2 the pair at off + 2t (index 2t) and off + 2t + 8
  __m256i st[kDwAvx2MaxV];         // the lanes it stores (masks the residual load)
  int nst[kDwAvx2MaxV];            // how many: 8 is a plain store
};



template <class Arch>
LUODI_ALWAYS_INLINE __m256i dw_avx2_cols(std::int64_t c0, std::int64_t lo, std::int64_t hi) noexcept {
  // lanes l with lo <= c0 + l < hi
  const __m256i l = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(c0)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  return _mm256_and_si256(_mm256_cmpgt_epi32(l, _mm256_set1_epi32(static_cast<int>(lo) - 1)),
                          _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(hi)), l));
}

template <class Arch>
void dw_avx2_geometry(const Conv2dPlan& plan, DwAvx2Geo& g) noexcept {
  const Conv2dParams& p = plan.p;
  const std::int64_t S = p.stride_w, K = p.kernel_w;
  g.H = p.H, g.W = p.W, g.pt = p.pad_top;
  g.Ho = plan.out_h, g.Wo = plan.out_w, g.nv = (plan.out_w + 7) / 8;
  for (std::int64_t j = 0; j < g.nv && j < kDwAvx2MaxV; ++j) {
    const std::int64_t c0 = 8 * S * j - p.pad_left;
    g.off[j] = static_cast<std::int32_t>(c0);
    for (std::int64_t i = 0; i < 6; ++i) {
      const std::int64_t c = S == 1 ? c0 + i : c0 + 2 * (i / 2) + 8 * (i % 2);
      g.lm[j][i] = i < (S == 1 ? K : 2 * ((K + 1) / 2)) ? dw_avx2_cols<Arch>(c, 0, g.W) : _mm256_setzero_si256();
    }
    g.st[j] = dw_avx2_cols<Arch>(8 * j, 0, g.Wo);
    g.nst[j] = static_cast<int>(g.Wo - 8 * j < 8 ? g.Wo - 8 * j : 8);
  }
}

// The first n (1..8) lanes of v to y. A partial vector is stored in 4-, 2- and 1-float pieces:
// `vmaskmovps` to memory is microcoded on AMD (measured here: 14x14 planes, whose rows end in a
// 6-lane vector, ran at about two thirds of the speed with it).
template <class Arch>
LUODI_ALWAYS_INLINE void dw_avx2_store_n(float* y, __m256 v, int n) noexcept {
  if (n == 8) {
    _mm256_storeu_ps(y, v);
    return;
  }
  __m128 h = _mm256_castps256_ps128(v);
  if (n >= 4) {
    _mm_storeu_ps(y, h);
    h = _mm256_extractf128_ps(v, 1);
    y += 4;
    n -= 4;
  }
  if (n >= 2) {
    _mm_storel_pi(reinterpret_cast<__m64*>(y), h);
    h = _mm_movehl_ps(h, h);
    y += 2;
    n -= 2;
  }
  if (n == 1) _mm_store_ss(y, h);
}

template <class Arch, ActivationKind ACT>
LUODI_ALWAYS_INLINE void dw_avx2_store(__m256 acc, float* y, const float* res, __m256i m, int n,
                                       const ActivationParams& ap) noexcept {
  using B = simd::fbatch<Arch>;
  if (res) acc = _mm256_add_ps(acc, n == 8 ? _mm256_loadu_ps(res) : _mm256_maskload_ps(res, m));
  dw_avx2_store_n<Arch>(y, activate<Arch, ACT>(B(acc), ap), n);
}

// Output rows [oy, oy + n) (n <= R; rows past n are computed from whatever input rows exist and
// dropped), vectors [j0, j0 + V) of each. Input row pr of the block is padded row S oy + pr: its
// taps are loaded (stride 1) or loaded and split (stride 2) once and feed output row r at tap row
// ky = pr - S r.
template <class Arch, int K, int S, int R, int V, ActivationKind ACT>
LUODI_ALWAYS_INLINE void dw_avx2_block(const DwAvx2Geo& g, const float* xc, const float* wc, __m256 bias, float* yc,
                                       const float* rc, std::int64_t oy, std::int64_t n, std::int64_t j0,
                                       const ActivationParams& ap) noexcept {
  // block input rows [lo, hi) are inside the plane; row pr starts at `first + pr * W`
  const std::int64_t top = S * oy - g.pt, lo = top < 0 ? -top : 0, hi = g.H - top;
  const float* first = xc + top * g.W;
  __m256 acc[R * V];
LUODI_UNROLL(16)
  for (int a = 0; a < R * V; ++a) acc[a] = bias;
LUODI_UNROLL(20)
  for (int pr = 0; pr < (R - 1) * S + K; ++pr) {
    if (pr < lo || pr >= hi) continue;
    const float* row = first + pr * g.W;
    if constexpr (S == 1) {
LUODI_UNROLL(5)
      for (int kx = 0; kx < K; ++kx) {
        __m256 t[V];
LUODI_UNROLL(2)
        for (int v = 0; v < V; ++v) t[v] = _mm256_maskload_ps(row + g.off[j0 + v] + kx, g.lm[j0 + v][kx]);
LUODI_UNROLL(8)
        for (int r = 0; r < R; ++r) {
          const int ky = pr - r;
          if (ky < 0 || ky >= K) continue;
          const __m256 w = _mm256_broadcast_ss(wc + ky * K + kx);
LUODI_UNROLL(2)
          for (int v = 0; v < V; ++v) acc[r * V + v] = _mm256_fmadd_ps(w, t[v], acc[r * V + v]);
        }
      }
    } else {
LUODI_UNROLL(3)
      for (int tp = 0; tp < (K + 1) / 2; ++tp) {
        __m256 e[V], o[V];
LUODI_UNROLL(2)
        for (int v = 0; v < V; ++v) {
          const float* src = row + g.off[j0 + v] + 2 * tp;
          const __m256 a = _mm256_maskload_ps(src, g.lm[j0 + v][2 * tp]);
          const __m256 b = _mm256_maskload_ps(src + 8, g.lm[j0 + v][2 * tp + 1]);
          // [a0 a2 b0 b2 | a4 a6 b4 b6], then 64-bit lanes (0, 2, 1, 3): columns c + 2i
          e[v] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
          o[v] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
        }
LUODI_UNROLL(2)
        for (int h = 0; h < 2; ++h) {
          const int kx = 2 * tp + h;
          if (kx >= K) continue;
LUODI_UNROLL(8)
          for (int r = 0; r < R; ++r) {
            const int ky = pr - S * r;
            if (ky < 0 || ky >= K) continue;
            const __m256 w = _mm256_broadcast_ss(wc + ky * K + kx);
LUODI_UNROLL(2)
            for (int v = 0; v < V; ++v) acc[r * V + v] = _mm256_fmadd_ps(w, h == 0 ? e[v] : o[v], acc[r * V + v]);
          }
        }
      }
    }
  }
  // accumulator a is output row oy + a / V, vector j0 + a % V
LUODI_UNROLL(16)
  for (int a = 0; a < R * V; ++a) {
    if (a / V >= n) break;
    const std::int64_t j = j0 + a % V, c = (oy + a / V) * g.Wo + 8 * j;
    dw_avx2_store<Arch, ACT>(acc[a], yc + c, rc ? rc + c : nullptr, g.st[j], g.nst[j], ap);
  }
}

// Rows of one vector (7-wide and narrower) run 8 rows per block, rows of two 4 rows x 2 vectors.
template <class Arch, int K, int S, ActivationKind ACT>
void dw_avx2_plane(const DwAvx2Geo& g, const float* xc, const float* wc, float bv, float* yc, const float* rc,
                   const ActivationParams& ap) noexcept {
  const __m256 bias = _mm256_set1_ps(bv);
  if (g.nv == 1) {
    for (std::int64_t oy = 0; oy < g.Ho; oy += 8) dw_avx2_block<Arch, K, S, 8, 1, ACT>(g, xc, wc, bias, yc, rc, oy, g.Ho - oy, 0, ap);
  } else {
    for (std::int64_t oy = 0; oy < g.Ho; oy += 4) dw_avx2_block<Arch, K, S, 4, 2, ACT>(g, xc, wc, bias, yc, rc, oy, g.Ho - oy, 0, ap);
  }
}

// Output planes [b, e) of the N x C_out ones (plane o reads input plane o / multiplier: the
// channels of one image are consecutive in x and y alike).
template <class Arch, int K, int S>
void dw_avx2_planes(const Conv2dPlan& plan, const DwAvx2Geo& g, const float* x, const float* w, const float* bias,
                    const float* residual, float* y, std::int64_t b, std::int64_t e) noexcept {
  const Conv2dParams& p = plan.p;
  const std::int64_t in_plane = p.H * p.W, out_plane = plan.out_h * plan.out_w, mult = plan.dw_multiplier;
  for (std::int64_t o = b; o < e; ++o) {
    const std::int64_t co = o % p.C_out;
    float* yo = y + o * out_plane;
    const float* ro = residual ? residual + o * out_plane : nullptr;
    const float* xo = x + (o / mult) * in_plane;  // (img * C_out + co) / mult = img * C_in + co / mult
    const float* wo = w + co * K * K;
    const float bo = bias ? bias[co] : 0.0f;
    const bool after = dw_with_fused_act(p.activation, [&](auto a) {
      dw_avx2_plane<Arch, K, S, decltype(a)::value>(g, xo, wo, bo, yo, ro, p.act_params);
    });
    if (after) act_array<Arch>(p.activation, p.act_params, yo, out_plane);
  }
}

template <class Arch>
void conv2d_run_depthwise_avx2(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y,
                               void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
  (void)scratch;
  DwAvx2Geo g;
  dw_avx2_geometry<Arch>(plan, g);
  const float* w = static_cast<const float*>(packed);
  const float* bias = plan.p.has_bias ? w + plan.bias_offset : nullptr;
  dw_with_kernel_stride(static_cast<int>(plan.p.kernel_h), static_cast<int>(plan.p.stride_h), [&](auto kt, auto st) {
    parallel_items<Arch>(plan.p.N * plan.p.C_out, thread, threads, [&](std::int64_t, std::int64_t b, std::int64_t e) {
      dw_avx2_planes<Arch, decltype(kt)::value, decltype(st)::value>(plan, g, x, w, bias, residual, y, b, e);
    });
  });
}
#endif  // __AVX2__ && __FMA__

}  // namespace simd_impl
#endif  // LUODI_HAS_XSIMD

}  // namespace kernels
}  // namespace luodi
