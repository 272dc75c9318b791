// Depthwise Conv2D for small planes (algorithm DepthwiseSmall, AVX-512): 3x3 and 5x5, stride 1
// or 2, output rows <= 16 wide: the 7x7, 14x14 and 28x28-stride-2 MobileNet layers.
//
// There the per-plane setup of the row kernels (padded copy, strips) costs more than the
// arithmetic, so this one reads the NCHW input directly and puts output columns in the lanes:
//   - one output row per vector ("single"): stride 1 loads each tap's input row with a mask that
//     drops the lanes falling in the left/right padding (masked-off lanes are never read, so a
//     load that starts before the row or ends past the plane cannot fault); stride 2 loads the
//     input row (<= 32 wide) into two registers once and takes each tap's even/odd columns with
//     one masked two-source permute, so no deinterleave pass;
//   - several output rows per vector ("packed") when a row is <= 8 wide: at stride 1 with
//     Wo == W, 16 / W consecutive output rows read consecutive input rows, so a tap of all of them
//     is one masked load; at stride 2, two output rows per vector, each tap one permute of the two
//     input rows they read (lanes [0, Wo) from the first, [Wo, 2 Wo) from the second). A 7x7
//     plane then takes 4 vectors instead of 7 and no lane is spent on a 7-wide row's padding
//     beyond 2 of 16.
// Each block keeps U independent vectors of accumulators (U output rows, or U packed vectors):
// one accumulator chain would wait on the FMA latency at every tap (measured: the 7x7 5x5 layer
// ran at a quarter of the FMA rate with one chain). In the single-row kernels an input row is
// loaded (or permuted) once per block and feeds every output row of the block that reads it;
// the packed stride-1 layout (7x7) takes two channels per block, so that its 4 vectors per plane
// make 8 chains and its load-table entries serve both (docs/performance.md has the figures).
// Bias is the accumulators' start value; residual and identity/relu/clip/hardswish are applied
// in registers before the masked store; other activations run over the plane after, in L1.
#pragma once

#include <cstdint>
#include <type_traits>

#include "depthwise_avx2.hpp"

namespace luodi {
namespace kernels {

#if LUODI_HAS_XSIMD
namespace simd_impl {

#if defined(__AVX512F__)
// Packed vectors per plane covered by the load tables below; taller planes run one row per
// vector.
inline constexpr std::int64_t kDwSmallMaxV = 16;

// Per-run geometry of one plane: what every channel shares. The packed modes' per-(vector, tap
// row) load offsets and masks are computed here once, not per channel: computed in the block
// (row validity, shifts) they cost as much as its FMAs. (Measured against a zero-padded copy of
// each plane, which needs no row masks: the copy was 10-25% slower.)
struct DwSmallGeo {
  std::int64_t H, W, Ho, Wo, pt, pl;
  int mode;                 // 0: one output row per vector; 1: packed stride 1; 2: packed stride 2
  std::int64_t G, nv;       // output rows per vector, vectors per plane (packed modes)
  __mmask16 lo, hi;         // stride 2: lanes of an input row in the first / second register
  __mmask16 km[5];          // per tap column kx: lanes whose input column is inside the row
  __m512i idx[5];           // stride 2: the permute index of each lane's input column
  std::int32_t off[kDwSmallMaxV][5], off2[kDwSmallMaxV][5];  // packed: where tap row ky of vector v loads
  __mmask16 mk[kDwSmallMaxV][5][5];                     // mode 1: lanes of tap (ky, kx) inside the plane
  __mmask16 m1[kDwSmallMaxV][5], m2[kDwSmallMaxV][5];  // mode 2: the two rows' load masks (0: padding row)
};

template <class Arch>
LUODI_ALWAYS_INLINE __mmask16 dw_small_lanes(std::int64_t n) noexcept {
  return static_cast<__mmask16>(n >= 16 ? 0xFFFFu : (1u << static_cast<unsigned>(n)) - 1u);
}

template <class Arch>
DwSmallGeo dw_small_geometry(const Conv2dPlan& plan) noexcept {
  const Conv2dParams& p = plan.p;
  DwSmallGeo g{};
  g.H = p.H;
  g.W = p.W;
  g.Ho = plan.out_h;
  g.Wo = plan.out_w;
  g.pt = p.pad_top;
  g.pl = p.pad_left;
  const std::int64_t S = p.stride_w, K = p.kernel_w;
  // packed: 16 / W rows per vector at stride 1 with Wo == W, 2 rows at stride 2 with W <= 16
  g.mode = 0;
  g.G = 1;
  if (S == 1 && g.Wo == g.W && 2 * g.W <= 16 && (g.Ho + 16 / g.W - 1) / (16 / g.W) <= kDwSmallMaxV) {
    g.mode = 1;
    g.G = 16 / g.W;
  } else if (S == 2 && 2 * g.Wo <= 16 && g.W <= 16 && (g.Ho + 1) / 2 <= kDwSmallMaxV) {
    g.mode = 2;
    g.G = 2;
  }
  g.nv = (g.Ho + g.G - 1) / g.G;
  g.nv = (g.Ho + g.G - 1) / g.G;
  g.lo = dw_small_lanes<Arch>(g.W);
  g.hi = dw_small_lanes<Arch>(g.W > 16 ? g.W - 16 : 0);
  for (std::int64_t kx = 0; kx < K; ++kx) {
    unsigned m = 0;
    alignas(64) std::int32_t ix[16] = {};
    // lane l: output column l % Wo' of packed row l / Wo' (Wo' = W in mode 1, Wo otherwise)
    const std::int64_t rw = g.mode == 1 ? g.W : g.Wo;
    for (std::int64_t l = 0; l < g.G * rw; ++l) {
      const std::int64_t row = l / rw, ox = l % rw;
      const std::int64_t c = ox * S + kx - g.pl;
      if (c < 0 || c >= g.W) continue;
      m |= 1u << static_cast<unsigned>(l);
      ix[l] = static_cast<std::int32_t>(c + (g.mode == 2 ? 16 * row : 0));
    }
    g.km[kx] = static_cast<__mmask16>(m);
    g.idx[kx] = _mm512_load_si512(ix);
  }
  if (g.mode == 0) return g;
  auto lanes_below = [&g](std::int64_t rows) { return (1u << static_cast<unsigned>(rows * g.W)) - 1u; };
  for (std::int64_t v = 0; v < g.nv; ++v)
    for (std::int64_t ky = 0; ky < K; ++ky) {
      if (g.mode == 1) {
        // lane rows [lo, hi) of vector v read input rows inside the plane
        const std::int64_t iy = v * g.G + ky - g.pt;
        const std::int64_t lo = iy < 0 ? -iy : 0, hi = g.H - iy < g.G ? g.H - iy : g.G;
        const unsigned rowm = lo < hi ? lanes_below(hi) & ~lanes_below(lo) : 0u;
        g.off[v][ky] = static_cast<std::int32_t>(iy * g.W - g.pl);
        for (std::int64_t kx = 0; kx < K; ++kx) g.mk[v][ky][kx] = static_cast<__mmask16>(g.km[kx] & rowm);
      } else {
        const std::int64_t ia = 4 * v + ky - g.pt, ib = ia + 2;
        const bool va = ia >= 0 && ia < g.H, vb = ib >= 0 && ib < g.H;
        g.off[v][ky] = static_cast<std::int32_t>(va ? ia * g.W : 0);
        g.off2[v][ky] = static_cast<std::int32_t>(vb ? ib * g.W : 0);
        g.m1[v][ky] = va ? g.lo : static_cast<__mmask16>(0);
        g.m2[v][ky] = vb ? g.lo : static_cast<__mmask16>(0);
      }
    }
  return g;
}

template <class Arch, ActivationKind ACT>
LUODI_ALWAYS_INLINE void dw_small_store(__m512 acc, float* y, const float* res, __mmask16 m,
                                        const ActivationParams& ap) noexcept {
  using B = simd::fbatch<xsimd::avx512f>;
  if (res) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, res));
  _mm512_mask_storeu_ps(y, m, activate<xsimd::avx512f, ACT>(B(acc), ap));
}

// Single: output rows [oy, oy + n) (n <= U; rows past n are computed from whatever input rows
// exist and dropped). Input row j of the block is padded row oy*S + j; it is loaded once and
// feeds output row r at tap row ky = j - r*S.
template <class Arch, int K, int S, int U, ActivationKind ACT>
LUODI_ALWAYS_INLINE void dw_small_single_block(const DwSmallGeo& g, const float* xc, const __m512* w, __m512 bias, float* yc,
                                               const float* rc, std::int64_t oy, std::int64_t n,
                                               const ActivationParams& ap) noexcept {
  __m512 acc[U];
LUODI_UNROLL(8)
  for (int r = 0; r < U; ++r) acc[r] = bias;
LUODI_UNROLL(20)
  for (int j = 0; j < (U - 1) * S + K; ++j) {
    const std::int64_t iy = oy * S - g.pt + j;
    if (iy < 0 || iy >= g.H) continue;
    const float* row = xc + iy * g.W;
    if constexpr (S == 1) {
LUODI_UNROLL(5)
      for (int kx = 0; kx < K; ++kx) {
        const __m512 v = _mm512_maskz_loadu_ps(g.km[kx], row + kx - g.pl);
LUODI_UNROLL(8)
        for (int r = 0; r < U; ++r) {
          const int ky = j - r;
          if (ky >= 0 && ky < K) acc[r] = _mm512_fmadd_ps(w[ky * K + kx], v, acc[r]);
        }
      }
    } else {
      const __m512 a = _mm512_maskz_loadu_ps(g.lo, row), b = _mm512_maskz_loadu_ps(g.hi, row + 16);
LUODI_UNROLL(5)
      for (int kx = 0; kx < K; ++kx) {
        const __m512 v = _mm512_maskz_permutex2var_ps(g.km[kx], a, g.idx[kx], b);
LUODI_UNROLL(8)
        for (int r = 0; r < U; ++r) {
          const int ky = j - r * S;
          if (ky >= 0 && ky < K) acc[r] = _mm512_fmadd_ps(w[ky * K + kx], v, acc[r]);
        }
      }
    }
  }
  const __mmask16 om = dw_small_lanes<Arch>(g.Wo);
LUODI_UNROLL(8)
  for (int r = 0; r < U; ++r)
    if (r < n) dw_small_store<Arch, ACT>(acc[r], yc + (oy + r) * g.Wo, rc ? rc + (oy + r) * g.Wo : nullptr, om, ap);
}

// Packed stride 1 (Wo == W <= 8): vectors [v, v + U) of G output rows each; lane l of vector v
// is output (v*G + l / W, l % W), and tap (ky, kx) of all its lanes is one load at
// (v*G + ky - pt) * W + kx - pl, masked to the lanes whose column is inside the row and whose
// input row is inside the plane (the geometry's tables; zero past the plane's vectors, so a
// block running past them loads nothing and stores nothing there).
template <class Arch, int K, int U, ActivationKind ACT>
LUODI_ALWAYS_INLINE void dw_small_packed1_block(const DwSmallGeo& g, const float* xc, const __m512* w, __m512 bias,
                                                float* yc, const float* rc, std::int64_t v, std::int64_t n,
                                                const ActivationParams& ap) noexcept {
  const std::int64_t W = g.W, G = g.G;
  __m512 acc[U];
LUODI_UNROLL(8)
  for (int r = 0; r < U; ++r) acc[r] = bias;
LUODI_UNROLL(5)
  for (int ky = 0; ky < K; ++ky)
LUODI_UNROLL(5)
    for (int kx = 0; kx < K; ++kx)
LUODI_UNROLL(8)
      for (int r = 0; r < U; ++r)
        acc[r] = _mm512_fmadd_ps(w[ky * K + kx], _mm512_maskz_loadu_ps(g.mk[v + r][ky][kx], xc + g.off[v + r][ky] + kx),
                                 acc[r]);
LUODI_UNROLL(8)
  for (int r = 0; r < U; ++r) {
    if (r >= n) break;
    const std::int64_t oy = (v + r) * G, rows = g.Ho - oy < G ? g.Ho - oy : G;
    dw_small_store<Arch, ACT>(acc[r], yc + oy * W, rc ? rc + oy * W : nullptr, dw_small_lanes<Arch>(rows * W), ap);
  }
}

// The same for two channels at once (multiplier 1): each table entry (mask, offset) is loaded
// once for both, and the two channels' accumulators are independent chains. The weights are
// broadcast from memory at each tap (2 x 25 would not fit the registers for 5x5).
template <class Arch, int K, int U, ActivationKind ACT>
LUODI_ALWAYS_INLINE void dw_small_packed1_block_x2(const DwSmallGeo& g, const float* x0, const float* x1, const float* w0,
                                                   const float* w1, __m512 b0, __m512 b1, float* y0, float* y1,
                                                   const float* r0, const float* r1, std::int64_t v, std::int64_t n,
                                                   const ActivationParams& ap) noexcept {
  const std::int64_t W = g.W, G = g.G;
  __m512 a0[U], a1[U];
LUODI_UNROLL(8)
  for (int r = 0; r < U; ++r) a0[r] = b0, a1[r] = b1;
LUODI_UNROLL(5)
  for (int ky = 0; ky < K; ++ky)
LUODI_UNROLL(5)
    for (int kx = 0; kx < K; ++kx) {
      const __m512 wa = _mm512_set1_ps(w0[ky * K + kx]), wb = _mm512_set1_ps(w1[ky * K + kx]);
LUODI_UNROLL(8)
      for (int r = 0; r < U; ++r) {
        const __mmask16 m = g.mk[v + r][ky][kx];
        const std::int64_t o = g.off[v + r][ky] + kx;
        a0[r] = _mm512_fmadd_ps(wa, _mm512_maskz_loadu_ps(m, x0 + o), a0[r]);
        a1[r] = _mm512_fmadd_ps(wb, _mm512_maskz_loadu_ps(m, x1 + o), a1[r]);
      }
    }
LUODI_UNROLL(8)
  for (int r = 0; r < U; ++r) {
    if (r >= n) break;
    const std::int64_t oy = (v + r) * G, rows = g.Ho - oy < G ? g.Ho - oy : G;
    const __mmask16 om = dw_small_lanes<Arch>(rows * W);
    dw_small_store<Arch, ACT>(a0[r], y0 + oy * W, r0 ? r0 + oy * W : nullptr, om, ap);
    dw_small_store<Arch, ACT>(a1[r], y1 + oy * W, r1 ? r1 + oy * W : nullptr, om, ap);
  }
}

// Packed stride 2 (Wo <= 8, W <= 16): vectors [v, v + U) of two output rows each, 2v and 2v + 1,
// at lanes [0, Wo) and [Wo, 2 Wo) (so the store is one contiguous masked store). Tap (ky, kx)
// permutes input rows 4v + ky - pt (first register) and 4v + 2 + ky - pt (second); a row in the
// padding loads with an empty mask, as a zero register.
template <class Arch, int K, int U, ActivationKind ACT>
LUODI_ALWAYS_INLINE void dw_small_packed2_block(const DwSmallGeo& g, const float* xc, const __m512* w, __m512 bias,
                                                float* yc, const float* rc, std::int64_t v, std::int64_t n,
                                                const ActivationParams& ap) noexcept {
  __m512 acc[U];
LUODI_UNROLL(8)
  for (int r = 0; r < U; ++r) acc[r] = bias;
LUODI_UNROLL(5)
  for (int ky = 0; ky < K; ++ky) {
    __m512 a[U], b[U];
LUODI_UNROLL(8)
    for (int r = 0; r < U; ++r) {
      a[r] = _mm512_maskz_loadu_ps(g.m1[v + r][ky], xc + g.off[v + r][ky]);
      b[r] = _mm512_maskz_loadu_ps(g.m2[v + r][ky], xc + g.off2[v + r][ky]);
    }
LUODI_UNROLL(5)
    for (int kx = 0; kx < K; ++kx)
LUODI_UNROLL(8)
      for (int r = 0; r < U; ++r)
        acc[r] = _mm512_fmadd_ps(w[ky * K + kx], _mm512_maskz_permutex2var_ps(g.km[kx], a[r], g.idx[kx], b[r]), acc[r]);
  }
  const std::int64_t Wo = g.Wo;
LUODI_UNROLL(8)
  for (int r = 0; r < U; ++r) {
    if (r >= n) break;
    const std::int64_t oy = 2 * (v + r), rows = g.Ho - oy < 2 ? g.Ho - oy : 2;
    dw_small_store<Arch, ACT>(acc[r], yc + oy * Wo, rc ? rc + oy * Wo : nullptr, dw_small_lanes<Arch>(rows * Wo), ap);
  }
}

// Accumulator vectors per block: the K*K broadcast weights, U accumulators and the loaded rows
// share 32 zmm registers.
template <int K, int S>
struct DwSmallTile {
  static constexpr int U_single = K == 3 ? 7 : 4;
  static constexpr int U_packed = K == 3 ? 4 : (S == 1 ? 4 : 2);
};

template <class Arch, int K, ActivationKind ACT>
void dw_small_plane_x2(const DwSmallGeo& g, const float* x0, std::int64_t HW, const float* w0, const float* bias, float* y0,
                       const float* r0, const ActivationParams& ap) noexcept {
  constexpr int U = DwSmallTile<K, 1>::U_packed;
  const std::int64_t HWo = g.Ho * g.Wo;
  const __m512 b0 = _mm512_set1_ps(bias ? bias[0] : 0.0f), b1 = _mm512_set1_ps(bias ? bias[1] : 0.0f);
  for (std::int64_t v = 0; v < g.nv; v += U)
    dw_small_packed1_block_x2<Arch, K, U, ACT>(g, x0, x0 + HW, w0, w0 + K * K, b0, b1, y0, y0 + HWo, r0,
                                               r0 ? r0 + HWo : nullptr, v, g.nv - v, ap);
}

template <class Arch, int K, int S, ActivationKind ACT>
void dw_small_plane(const DwSmallGeo& g, const float* xc, const float* wc, float bv, float* yc, const float* rc,
                    const ActivationParams& ap) noexcept {
  __m512 w[K * K];
LUODI_UNROLL(25)
  for (int t = 0; t < K * K; ++t) w[t] = _mm512_set1_ps(wc[t]);
  const __m512 bias = _mm512_set1_ps(bv);
  if (g.mode == 0) {
    constexpr int U = DwSmallTile<K, S>::U_single;
    for (std::int64_t oy = 0; oy < g.Ho; oy += U)
      dw_small_single_block<Arch, K, S, U, ACT>(g, xc, w, bias, yc, rc, oy, g.Ho - oy, ap);
    return;
  }
  constexpr int U = DwSmallTile<K, S>::U_packed;
  // a block reads table rows [v, v + U): past nv they are zero (empty masks, nothing read)
  static_assert(kDwSmallMaxV % U == 0, "blocks must not run past the tables");
  const std::int64_t nv = g.nv;
  for (std::int64_t v = 0; v < nv; v += U) {
    if constexpr (S == 1)
      dw_small_packed1_block<Arch, K, U, ACT>(g, xc, w, bias, yc, rc, v, nv - v, ap);
    else
      dw_small_packed2_block<Arch, K, U, ACT>(g, xc, w, bias, yc, rc, v, nv - v, ap);
  }
}

template <class Arch, int K, int S>
void dw_small_run_avx512(const Conv2dPlan& plan, const float* x, const float* w, const float* bias, const float* residual,
                         float* y, std::int64_t b, std::int64_t e) noexcept {
  const Conv2dParams& p = plan.p;
  const std::int64_t HW = p.H * p.W, HWo = plan.out_h * plan.out_w, mult = plan.dw_multiplier;
  const DwSmallGeo g = dw_small_geometry<Arch>(plan);
  const ActivationKind act = p.activation;
  const ActivationParams& ap = p.act_params;
  std::int64_t i = b;
  if (S == 1 && g.mode == 1 && mult == 1) {
    // pairs of channels (planes i and i + 1 are adjacent in x, y and the residual, across images
    // too, since C_out == C_in)
    for (; i + 2 <= e; i += 2) {
      const float* xc = x + i * HW;
      float* yc = y + i * HWo;
      const float* rc = residual ? residual + i * HWo : nullptr;
      const float* wc = w + (i % p.C_in) * K * K;
      const float* bc = bias ? bias + (i % p.C_in) : nullptr;
      if ((i % p.C_in) + 1 == p.C_in) break;  // the pair would span two images' weights
      if (dw_with_fused_act(act, [&](auto a) { dw_small_plane_x2<Arch, K, decltype(a)::value>(g, xc, HW, wc, bc, yc, rc, ap); }))
        act_array<xsimd::avx512f>(act, ap, yc, 2 * HWo);
    }
  }
  for (; i < e; ++i) {
    const std::int64_t img = i / p.C_in, ci = i % p.C_in;
    const float* xc = x + i * HW;
    for (std::int64_t m = 0; m < mult; ++m) {
      const std::int64_t co = ci * mult + m;
      const float* wc = w + co * K * K;
      const float bv = bias ? bias[co] : 0.0f;
      float* yc = y + (img * p.C_out + co) * HWo;
      const float* rc = residual ? residual + (img * p.C_out + co) * HWo : nullptr;
      if (dw_with_fused_act(act, [&](auto a) { dw_small_plane<Arch, K, S, decltype(a)::value>(g, xc, wc, bv, yc, rc, ap); }))
        act_array<xsimd::avx512f>(act, ap, yc, HWo);
    }
  }
}
#endif  // __AVX512F__

template <class Arch>
void conv2d_run_depthwise_small(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y,
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
        dw_small_run_avx512<Arch, decltype(kt)::value, decltype(st)::value>(plan, x, w, bias, residual, y, b, e);
      });
    });
    return;
  }
#endif
  (void)plan, (void)x, (void)packed, (void)residual, (void)y, (void)scratch, (void)thread, (void)threads;
}

using Conv2dRunFnPtr = void (*)(const Conv2dPlan&, const float*, const void*, const float*, float*, void*, std::int64_t,
                                std::int64_t) noexcept;

// The DepthwiseSmall entry of Arch's table: this kernel on AVX-512, depthwise_avx2.hpp's on AVX2.
template <class Arch>
constexpr Conv2dRunFnPtr dw_small_entry() noexcept {
#if defined(__AVX512F__)
  if constexpr (std::is_same<Arch, xsimd::avx512f>::value) return &conv2d_run_depthwise_small<Arch>;
#endif
#if defined(__AVX2__) && defined(__FMA__)
  if constexpr (std::is_same<Arch, DwAvx2Arch>::value) return &conv2d_run_depthwise_avx2<Arch>;
#endif
  return nullptr;
}

}  // namespace simd_impl
#endif  // LUODI_HAS_XSIMD

}  // namespace kernels
}  // namespace luodi
