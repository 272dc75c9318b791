// Depthwise Conv2D at stride 2 reading NCHW in place (algorithm DepthwiseS2, AVX-512): 3x3 and
// 5x5, dilation 1, any pads, output rows up to kDwS2MaxWo wide (chosen from 17 columns, up to
// 128 for 3x3 and 64 for 5x5: MobileNet's 112 -> 56 and 56 -> 28 layers; depthwise_small keeps
// <= 16). The same kernel runs stride 1 (algorithm DepthwiseS1, template parameter S = 1):
// there a vector holds Q = 16 output columns and tap column kx is one masked load at
// 16j + kx - pad_left (the mask drops the lanes in the padding), so no permute and no padded
// copy; the blocks below are otherwise the same (docs/performance.md, "Depthwise stride 1 in
// place").
//
// The other stride-2 kernels split each input row into its even and odd columns through memory
// first (phase_rows.hpp): a copy of the input, written and read back, before any FMA. Here the
// split happens in registers. A vector holds Q output columns of a row, Q = 15 for 3x3 and 14
// for 5x5: then the 2(Q - 1) + K <= 32 input columns that all K taps of those Q outputs read are
// one pair of 16-float loads, and tap column kx is one two-source permute (vpermt2ps) of that
// pair, lane i taking window column kx + 2i. Per input row and output vector: 2 loads and K
// permutes, no store. (With Q = 16 the taps need 33..35 columns, a second pair of loads per row
// and vector: measured 1.19-1.26x slower for 3x3, 1.05x for 5x5. At the MobileNet widths Q costs
// no extra vectors: 56 and 28 columns are 4 and 2 vectors either way.) The loads are masked to the columns inside the
// row: a lane in the left or right padding loads zero and is never read, so a load that starts
// before the row or ends past the plane cannot fault; each vector's load offset, load masks
// and store mask are computed once per run (DwS2Geo), since every channel has the same
// geometry.
//
// A block keeps R output rows x V vectors of accumulators in registers and walks the
// (R - 1) * 2 + K input rows they read; each input row is loaded and split once per block and
// feeds every output row of the block that uses it, so the FMAs do not wait on each other
// (R * V independent chains) and the permutes are shared. Bias is the accumulators' start value;
// residual and identity/relu/clip/hardswish are applied in registers before the masked store;
// other activations run over the plane right after, in L1. No scratch.
//
// AVX-512 only: AVX2 has no two-source permute across 8 lanes (an even/odd split takes two
// shuffles and a cross-lane permute per phase there), so AVX2 and NEON keep depthwise_rows and
// the flat kernel for these shapes.
#pragma once

#include <cstdint>
#include <type_traits>

#include "depthwise_small.hpp"

namespace luodi {
namespace kernels {

// The widest output row DepthwiseS2 takes (its per-run tables cover this many columns).
inline constexpr std::int64_t kDwS2MaxWo = 128;

#if LUODI_HAS_XSIMD
namespace simd_impl {

#if defined(__AVX512F__)
// Output vectors per row the geometry tables cover (128 columns); wider rows are not planned.
inline constexpr std::int64_t kDwS2MaxV = (kDwS2MaxWo + 13) / 14;  // 14 columns per vector at 5x5

struct DwS2Geo {
  std::int64_t H, W, Ho, Wo, pt, nv, Q;  // Q: output columns per vector
  std::int32_t off[kDwS2MaxV];          // vector j loads x[row + off[j]], x[row + off[j] + 16]
  __mmask16 mlo[kDwS2MaxV], mhi[kDwS2MaxV];  // ... masked to the columns inside the row
  __mmask16 st[kDwS2MaxV];              // and stores these lanes
  __m512i idx[5];                       // tap column kx: lane i takes window column kx + 2i
  __mmask16 tap[kDwS2MaxV][5];          // stride 1: vector j loads tap kx at x[row + off[j] + kx]
};

template <class Arch>
DwS2Geo dw_s2_geometry(const Conv2dPlan& plan) noexcept {
  const Conv2dParams& p = plan.p;
  DwS2Geo g{};
  g.H = p.H;
  g.W = p.W;
  g.Ho = plan.out_h;
  g.Wo = plan.out_w;
  g.pt = p.pad_top;
  const std::int64_t S = p.stride_w;
  g.Q = S == 1 ? 16 : (33 - p.kernel_w) / 2;
  g.nv = (g.Wo + g.Q - 1) / g.Q;
  const auto in_row = [&](std::int64_t c0) {  // lanes whose column c0 + l is in [0, W)
    unsigned m = 0;
    for (std::int64_t l = 0; l < 16; ++l)
      if (c0 + l >= 0 && c0 + l < g.W) m |= 1u << static_cast<unsigned>(l);
    return static_cast<__mmask16>(m);
  };
  for (std::int64_t j = 0; j < g.nv && j < kDwS2MaxV; ++j) {
    const std::int64_t c0 = S * g.Q * j - p.pad_left;
    g.off[j] = static_cast<std::int32_t>(c0);
    g.mlo[j] = in_row(c0);
    g.mhi[j] = in_row(c0 + 16);
    for (std::int64_t kx = 0; kx < p.kernel_w; ++kx) g.tap[j][kx] = in_row(c0 + kx);
    const std::int64_t n = g.Wo - g.Q * j;
    g.st[j] = dw_small_lanes<Arch>(n < g.Q ? n : g.Q);
  }
  for (std::int64_t kx = 0; kx < p.kernel_w; ++kx) {
    alignas(64) std::int32_t ix[16] = {};
    for (std::int64_t l = 0; l < g.Q; ++l) ix[l] = static_cast<std::int32_t>(kx + 2 * l);
    g.idx[kx] = _mm512_load_si512(ix);
  }
  return g;
}

// Weight t of the plane: 3x3 keeps its 9 broadcasts in registers; 5x5 (25 would leave too few
// registers for the accumulators) broadcasts from memory at each FMA, which AVX-512 folds into
// the FMA as a {1to16} operand.
template <class Arch, int K>
struct DwS2Weights {
  const float* p;
  __m512 r[K == 3 ? 9 : 1];
  explicit DwS2Weights(const float* w) noexcept : p(w) {
    if constexpr (K == 3) {
LUODI_UNROLL(9)
      for (int t = 0; t < 9; ++t) r[t] = _mm512_set1_ps(w[t]);
    } else {
      r[0] = _mm512_setzero_ps();
    }
  }
  LUODI_ALWAYS_INLINE __m512 operator[](int t) const noexcept {
    if constexpr (K == 3)
      return r[t];
    else
      return _mm512_set1_ps(p[t]);
  }
};

// Output rows [oy, oy + n) (n <= R; rows past n are computed from whatever input rows exist and
// dropped), vectors [j0, j0 + V) of each. Input row pr of the block is padded row S oy + pr: its
// taps are loaded (stride 1) or loaded and split (stride 2) once and feed output row r at tap
// row ky = pr - S r.
template <class Arch, int K, int S, int R, int V, ActivationKind ACT>
LUODI_ALWAYS_INLINE void dw_s2_block(const DwS2Geo& g, const float* xc, const DwS2Weights<Arch, K>& w, __m512 bias, float* yc,
                                     const float* rc, std::int64_t oy, std::int64_t n, std::int64_t j0,
                                     const ActivationParams& ap) noexcept {
  __m512 acc[R][V];
LUODI_UNROLL(8)
  for (int r = 0; r < R; ++r)
LUODI_UNROLL(4)
    for (int v = 0; v < V; ++v) acc[r][v] = bias;
LUODI_UNROLL(16)
  for (int pr = 0; pr < (R - 1) * S + K; ++pr) {
    const std::int64_t iy = S * oy - g.pt + pr;
    if (iy < 0 || iy >= g.H) continue;
    const float* row = xc + iy * g.W;
LUODI_UNROLL(4)
    for (int v = 0; v < V; ++v) {
      const std::int64_t j = j0 + v;
      const float* src = row + g.off[j];
      __m512 a = _mm512_setzero_ps(), b = a;
      if constexpr (S == 2) a = _mm512_maskz_loadu_ps(g.mlo[j], src), b = _mm512_maskz_loadu_ps(g.mhi[j], src + 16);
LUODI_UNROLL(5)
      for (int kx = 0; kx < K; ++kx) {
        __m512 t;
        if constexpr (S == 2)
          t = _mm512_permutex2var_ps(a, g.idx[kx], b);
        else
          t = _mm512_maskz_loadu_ps(g.tap[j][kx], src + kx);
LUODI_UNROLL(8)
        for (int r = 0; r < R; ++r) {
          const int ky = pr - S * r;
          if (ky >= 0 && ky < K) acc[r][v] = _mm512_fmadd_ps(w[ky * K + kx], t, acc[r][v]);
        }
      }
    }
  }
LUODI_UNROLL(8)
  for (int r = 0; r < R; ++r) {
    if (r >= n) break;
    const std::int64_t o = (oy + r) * g.Wo;
LUODI_UNROLL(4)
    for (int v = 0; v < V; ++v) {
      const std::int64_t j = j0 + v, c = o + g.Q * j;
      dw_small_store<Arch, ACT>(acc[r][v], yc + c, rc ? rc + c : nullptr, g.st[j], ap);
    }
  }
}

// Accumulators per block: R = 4 rows x up to V vectors, at both strides. 3x3: 16 accumulators,
// 9 weights, 3 permute indices, the two loaded vectors and one split one take 31 of the 32 zmm
// registers (stride 1 needs no indices);
// 5x5 (weights from memory, 5 indices) stops at 2 vectors. Measured on the MobileNet shapes
// (docs/performance.md, "Depthwise stride 2 in place"): R = 6 or 8 rows and V = 2 for 3x3 were
// within noise or slower.
template <int K>
struct DwS2Tile {
  static constexpr int R = 4;
  static constexpr int V = K == 3 ? 4 : 2;
};

template <class Arch, int K, int S, ActivationKind ACT>
void dw_s2_plane(const DwS2Geo& g, const float* xc, const float* wc, float bv, float* yc, const float* rc,
                 const ActivationParams& ap) noexcept {
  constexpr int R = DwS2Tile<K>::R, V = DwS2Tile<K>::V;
  const DwS2Weights<Arch, K> w(wc);
  const __m512 bias = _mm512_set1_ps(bv);
  for (std::int64_t oy = 0; oy < g.Ho; oy += R) {
    std::int64_t j = 0;
    if constexpr (V >= 4)
      for (; j + 4 <= g.nv; j += 4) dw_s2_block<Arch, K, S, R, 4, ACT>(g, xc, w, bias, yc, rc, oy, g.Ho - oy, j, ap);
    for (; j + 2 <= g.nv; j += 2) dw_s2_block<Arch, K, S, R, 2, ACT>(g, xc, w, bias, yc, rc, oy, g.Ho - oy, j, ap);
    if (j < g.nv) dw_s2_block<Arch, K, S, R, 1, ACT>(g, xc, w, bias, yc, rc, oy, g.Ho - oy, j, ap);
  }
}

template <class Arch, int K, int S>
void dw_s2_run_avx512(const Conv2dPlan& plan, const float* x, const float* w, const float* bias, const float* residual,
                      float* y, std::int64_t b, std::int64_t e) noexcept {
  const Conv2dParams& p = plan.p;
  const std::int64_t HW = p.H * p.W, HWo = plan.out_h * plan.out_w, mult = plan.dw_multiplier;
  const DwS2Geo g = dw_s2_geometry<Arch>(plan);
  const ActivationKind act = p.activation;
  const ActivationParams& ap = p.act_params;
  for (std::int64_t i = b; i < e; ++i) {
    const std::int64_t img = i / p.C_in, ci = i % p.C_in;
    const float* xc = x + i * HW;
    for (std::int64_t m = 0; m < mult; ++m) {
      const std::int64_t co = ci * mult + m;
      const float* wc = w + co * K * K;
      const float bv = bias ? bias[co] : 0.0f;
      float* yc = y + (img * p.C_out + co) * HWo;
      const float* rc = residual ? residual + (img * p.C_out + co) * HWo : nullptr;
      if (dw_with_fused_act(act, [&](auto a) { dw_s2_plane<Arch, K, S, decltype(a)::value>(g, xc, wc, bv, yc, rc, ap); }))
        act_array<xsimd::avx512f>(act, ap, yc, HWo);
    }
  }
}
#endif  // __AVX512F__

template <class Arch>
void conv2d_run_depthwise_s2(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y,
                             void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
#if defined(__AVX512F__)
  // (Arch is always avx512f here: it puts the ISA in the symbol name, see simd/dispatch.hpp.)
  if constexpr (std::is_same<Arch, xsimd::avx512f>::value) {
    const Conv2dParams& p = plan.p;
    const float* w = static_cast<const float*>(packed);
    const float* bias = p.has_bias ? w + plan.bias_offset : nullptr;
    const int k = static_cast<int>(p.kernel_h), s = static_cast<int>(p.stride_h);
    parallel_items<Arch>(p.N * p.C_in, thread, threads, [&](std::int64_t, std::int64_t b, std::int64_t e) {
      dw_with_kernel_stride(k, s, [&](auto kt, auto st) {
        dw_s2_run_avx512<Arch, decltype(kt)::value, decltype(st)::value>(plan, x, w, bias, residual, y, b, e);
      });
    });
    return;
  }
#endif
  (void)plan, (void)x, (void)packed, (void)residual, (void)y, (void)scratch, (void)thread, (void)threads;
}

// The DepthwiseS2 entry of Arch's table: only AVX-512 has the kernel.
template <class Arch>
constexpr Conv2dRunFnPtr dw_s2_entry() noexcept {
#if defined(__AVX512F__)
  if constexpr (std::is_same<Arch, xsimd::avx512f>::value) return &conv2d_run_depthwise_s2<Arch>;
#endif
  return nullptr;
}

}  // namespace simd_impl
#endif  // LUODI_HAS_XSIMD

}  // namespace kernels
}  // namespace luodi
