// Depthwise Conv2D, register-blocked rows (algorithm DepthwiseRows): 3x3 and 5x5 kernels,
// stride 1 or 2, dilation 1. The workhorse for MobileNet-style planes of 14x14 and up.
//
// Input side: the same zero-padded stride-phase planes as the flat kernel (depthwise.hpp,
// dw_build_phases): stride 2 splits each padded row into its even and odd columns once, so every
// tap of every output is a unit-stride vector load and no stride-1 outputs are computed and
// thrown away.
//
// Arithmetic: a block of R output rows x V vectors of output columns lives in registers. The
// kernel walks the (R-1)*S + K padded input rows that block needs, loads each row's K shifted
// vectors once and feeds them to every output row of the block that uses that input row (K/S of
// them). Per output vector that is K*(R-1+K)/R loads (stride 1; 4.5 for 3x3 at R = 4) instead of
// the K*K = 9 of a tap-at-a-time kernel, so the loop is bound by FMAs, not loads.
//
// Output side: bias is the accumulators' start value; the residual is added and identity, relu
// or clip (relu6) applied in registers, then each vector is stored straight into the NCHW
// output row (the row tail with a masked store on AVX-512 / AVX2). Other activations run over
// the block's rows right after, while they are in L1. No intermediate plane, no compaction pass.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "depthwise.hpp"

namespace luodi {
namespace kernels {

#if LUODI_HAS_XSIMD
namespace simd_impl {

// Keeps a loaded vector in a register: without this GCC folds the load into each FMA that uses
// it (a memory operand per FMA), which undoes the row reuse below and makes the loop load-bound
// (measured: ~1 load per FMA in the generated code). An empty asm that "modifies" the register
// forces one load and register uses.
template <class B>
LUODI_ALWAYS_INLINE void dw_pin_register(B& v) noexcept {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  typename B::register_type r = v;
  __asm__("" : "+v"(r));
  v = r;
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
  typename B::register_type r = v;
  __asm__("" : "+w"(r));
  v = r;
#else
  (void)v;
#endif
}

// One block: R output rows x V vectors starting at (oy0, x). `ph` points at the strip buffer's
// padded row oy0 * S, column x; padded rows are pf floats apart, and for S = 2 each holds its
// even columns then, Wq floats later, its odd ones. `y` (and `res`, or null) points at output
// (oy0, x), rows Wo apart. With PARTIAL the
// last vector of each row holds n_last < L valid columns. The loops have constant trip counts
// and are unrolled completely, so acc[][] and the ky test resolve at compile time.
template <class Arch, int K, int S, int R, int V, ActivationKind ACT, bool PARTIAL>
LUODI_ALWAYS_INLINE void dw_rows_block(const float* ph, std::int64_t pf, std::int64_t Wq, const simd::fbatch<Arch>* w,
                                       const simd::fbatch<Arch>& bias, float* y, const float* res, std::int64_t Wo,
                                       std::int64_t n_last, const ActivationParams& ap) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  B acc[R][V];
LUODI_UNROLL(8)
  for (int r = 0; r < R; ++r)
LUODI_UNROLL(4)
    for (int j = 0; j < V; ++j) acc[r][j] = bias;
LUODI_UNROLL(16)
  for (int pr = 0; pr < (R - 1) * S + K; ++pr) {
    const float* row = ph + pr * pf;
LUODI_UNROLL(8)
    for (int kx = 0; kx < K; ++kx) {
      const float* src = row + (kx % S) * Wq + kx / S;
      B v[V];
LUODI_UNROLL(4)
      for (int j = 0; j < V; ++j) {
        v[j] = B::load_unaligned(src + j * L);
        dw_pin_register(v[j]);
      }
LUODI_UNROLL(8)
      for (int r = 0; r < R; ++r) {
        const int ky = pr - r * S;
        if (ky < 0 || ky >= K) continue;
LUODI_UNROLL(4)
        for (int j = 0; j < V; ++j) acc[r][j] = xsimd::fma(w[ky * K + kx], v[j], acc[r][j]);
      }
    }
  }
LUODI_UNROLL(8)
  for (int r = 0; r < R; ++r)
LUODI_UNROLL(4)
    for (int j = 0; j < V; ++j) {
      float* d = y + r * Wo + j * L;
      const bool last = PARTIAL && j == V - 1;
      B a = acc[r][j];
      if (res) a += last ? PartialIO<Arch>::load(res + r * Wo + j * L, n_last) : B::load_unaligned(res + r * Wo + j * L);
      a = activate<Arch, ACT>(a, ap);
      if (last)
        PartialIO<Arch>::store(a, d, n_last);
      else
        a.store_unaligned(d);
    }
}

// R output rows starting at oy0, all columns: blocks of V vectors, then single vectors, then
// the masked tail.
template <class Arch, int K, int S, int R, int V, ActivationKind ACT>
LUODI_ALWAYS_INLINE void dw_rows_strip(const float* ph, std::int64_t pf, std::int64_t Wq, const simd::fbatch<Arch>* w,
                                       const simd::fbatch<Arch>& bias, float* y, const float* res, std::int64_t Wo,
                                       const ActivationParams& ap) noexcept {
  constexpr std::int64_t L = static_cast<std::int64_t>(simd::fbatch<Arch>::size);
  std::int64_t x = 0;
  for (; x + V * L <= Wo; x += V * L)
    dw_rows_block<Arch, K, S, R, V, ACT, false>(ph + x, pf, Wq, w, bias, y + x, res ? res + x : nullptr, Wo, 0, ap);
  if constexpr (V > 1)
    for (; x + L <= Wo; x += L)
      dw_rows_block<Arch, K, S, R, 1, ACT, false>(ph + x, pf, Wq, w, bias, y + x, res ? res + x : nullptr, Wo, 0, ap);
  if (x < Wo)
    dw_rows_block<Arch, K, S, R, 1, ACT, true>(ph + x, pf, Wq, w, bias, y + x, res ? res + x : nullptr, Wo, Wo - x, ap);
}

// Calls f(std::integral_constant<int, K>{}, std::integral_constant<int, S>{}) for a depthwise
// plan's kernel k (3 or 5) and stride s (1 or 2): the plane kernels are instantiated per (K, S).
template <class F>
LUODI_ALWAYS_INLINE void dw_with_kernel_stride(int k, int s, F&& f) noexcept {
  using C3 = std::integral_constant<int, 3>;
  using C5 = std::integral_constant<int, 5>;
  using S1 = std::integral_constant<int, 1>;
  using S2 = std::integral_constant<int, 2>;
  if (k == 3 && s == 1)
    f(C3{}, S1{});
  else if (k == 3)
    f(C3{}, S2{});
  else if (s == 1)
    f(C5{}, S1{});
  else
    f(C5{}, S2{});
}

// Output rows per strip: the strip buffer (dw_strip_floats, dw_plan) is sized for this many.
inline constexpr std::int64_t kDwRowsMaxR = 4;

// Register blocking per ISA: R rows x V vectors of accumulators, K*K broadcast weights and V
// loaded vectors must fit the register file (32 zmm / 32 NEON q; 16 ymm / xmm), and R*V >= 4
// independent accumulator chains hide the FMA latency.
template <class Arch, int K>
struct DwRowsTile {
  static constexpr bool wide = simd::fbatch<Arch>::size >= 16
#if defined(__aarch64__)
                               || std::is_same<Arch, xsimd::neon64>::value
#endif
      ;
  static constexpr int R = 4;
  static constexpr int V = (wide && K == 3) ? 2 : 1;
};

// The padded rows [py0, py0 + n) of one input plane into the strip buffer: padded row py0 + r
// at r * S * Wq, split into its even and odd columns (Wq floats apart) for S = 2. Rows in the top or bottom padding are zeroed; the left and right
// padding cells are never written, so they stay zero from the one memset per run.
template <class Arch, int S>
LUODI_ALWAYS_INLINE void dw_strip_rows(const Conv2dParams& p, const float* xc, std::int64_t py0, int n, float* buf,
                                       std::int64_t Wq) noexcept {
  const std::int64_t W = p.W, pl = p.pad_left;
  for (int r = 0; r < n; ++r) {
    const std::int64_t iy = py0 + r - p.pad_top;
    float* row0 = buf + r * S * Wq;
    if (iy < 0 || iy >= p.H) {
      std::memset(row0, 0, static_cast<std::size_t>(S * Wq) * sizeof(float));
      continue;
    }
    pad_phase_row<Arch, S>(xc + iy * W, W, pl, row0, row0 + Wq);
  }
}

// Floats in the strip buffer: the (R-1)*S + K padded rows a strip reads, S*Wq floats each, plus
// a row and 64 floats of slack for the last vector's over-read (dw_plan sizes the scratch so
// that this fits).
template <class Arch>
constexpr std::int64_t dw_strip_floats(std::int64_t k, std::int64_t s, std::int64_t Wq) noexcept {
  return (((kDwRowsMaxR - 1) * s + k + 1) * s * Wq + 64 + 15) / 16 * 16;
}

// RR output rows starting at oy0 for every output channel of one input plane (the channel
// multiplier), from padded rows already in `ph` (padded row oy0 * S, S * Wq floats per row).
template <class Arch, int K, int S, int RR, ActivationKind ACT>
LUODI_ALWAYS_INLINE void dw_rows_strip_all(const Conv2dPlan& plan, const float* ph, std::int64_t oy0, const float* w,
                                           const float* bias, float* y, const float* res, ActivationKind post) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr int V = DwRowsTile<Arch, K>::V;
  const std::int64_t Wq = plan.dw_plane_w, Wo = plan.out_w, HWo = plan.out_h * Wo;
  for (std::int64_t m = 0; m < plan.dw_multiplier; ++m) {
    B wv[K * K];
LUODI_UNROLL(25)
    for (int t = 0; t < K * K; ++t) wv[t] = B(w[m * K * K + t]);
    const B b(bias ? bias[m] : 0.0f);
    float* yr = y + m * HWo + oy0 * Wo;
    const float* rr = res ? res + m * HWo + oy0 * Wo : nullptr;
    dw_rows_strip<Arch, K, S, RR, V, ACT>(ph, S * Wq, Wq, wv, b, yr, rr, Wo, plan.p.act_params);
    if (post != ActivationKind::Identity) act_array<Arch>(post, plan.p.act_params, yr, RR * Wo);
  }
}

// Floats of the buffer holding all padded rows of a plane, with the same slack as a strip's.
template <class Arch>
constexpr std::int64_t dw_whole_floats(std::int64_t Ho, std::int64_t k, std::int64_t s, std::int64_t Wq) noexcept {
  return (((Ho - 1) * s + k + 1) * s * Wq + 64 + 15) / 16 * 16;
}
// Planes whose padded rows take at most this many bytes are copied in one go and then computed;
// larger ones a strip at a time (R output rows: the input rows are built just before use, so
// they are read from L3 or memory once and used from L1). Measured on Zen 4: whole planes win
// at 56x56 and below (per-strip setup), strips at 112x112 (52 KB, more than L1 holds).
inline constexpr std::int64_t kDwWholePlaneBytes = 24 * 1024;

template <class Arch, int K, int S, ActivationKind ACT>
void dw_rows_plane(const Conv2dPlan& plan, const float* xc, const float* w, const float* bias, float* y, const float* res,
                   float* buf, bool whole, ActivationKind post) noexcept {
  constexpr int R = DwRowsTile<Arch, K>::R;
  static_assert(R <= kDwRowsMaxR, "the strip buffer holds kDwRowsMaxR output rows");
  const std::int64_t Ho = plan.out_h, Wq = plan.dw_plane_w, row = S * Wq;
  std::int64_t oy = 0;
  if (whole) {
    dw_strip_rows<Arch, S>(plan.p, xc, 0, static_cast<int>((Ho - 1) * S + K), buf, Wq);
    for (; oy + R <= Ho; oy += R) dw_rows_strip_all<Arch, K, S, R, ACT>(plan, buf + oy * S * row, oy, w, bias, y, res, post);
    for (; oy < Ho; ++oy) dw_rows_strip_all<Arch, K, S, 1, ACT>(plan, buf + oy * S * row, oy, w, bias, y, res, post);
    return;
  }
  for (; oy + R <= Ho; oy += R) {
    dw_strip_rows<Arch, S>(plan.p, xc, oy * S, (R - 1) * S + K, buf, Wq);
    dw_rows_strip_all<Arch, K, S, R, ACT>(plan, buf, oy, w, bias, y, res, post);
  }
  for (; oy < Ho; ++oy) {
    dw_strip_rows<Arch, S>(plan.p, xc, oy * S, K, buf, Wq);
    dw_rows_strip_all<Arch, K, S, 1, ACT>(plan, buf, oy, w, bias, y, res, post);
  }
}

template <class Arch, int K, int S>
LUODI_ALWAYS_INLINE void dw_rows_plane_act(const Conv2dPlan& plan, const float* xc, const float* w, const float* bias,
                                           float* y, const float* res, float* buf, bool whole) noexcept {
  const ActivationKind act = plan.p.activation;
  if (act == ActivationKind::Relu)
    dw_rows_plane<Arch, K, S, ActivationKind::Relu>(plan, xc, w, bias, y, res, buf, whole, ActivationKind::Identity);
  else if (act == ActivationKind::Clip)
    dw_rows_plane<Arch, K, S, ActivationKind::Clip>(plan, xc, w, bias, y, res, buf, whole, ActivationKind::Identity);
  else
    dw_rows_plane<Arch, K, S, ActivationKind::Identity>(plan, xc, w, bias, y, res, buf, whole, act);
}

template <class Arch>
void conv2d_run_depthwise_rows(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y,
                               void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
  const Conv2dParams& p = plan.p;
  const float* w = static_cast<const float*>(packed);
  const float* bias = p.has_bias ? w + plan.bias_offset : nullptr;
  const std::int64_t HW = p.H * p.W, HWo = plan.out_h * plan.out_w, Wq = plan.dw_plane_w;
  const std::int64_t mult = plan.dw_multiplier, khw = p.kernel_h * p.kernel_w;
  const std::int64_t slot = plan.scratch_per_thread / static_cast<std::int64_t>(sizeof(float));
  const int k = static_cast<int>(p.kernel_h), s = static_cast<int>(p.stride_h);
  const std::int64_t whole_floats = dw_whole_floats<Arch>(plan.out_h, k, s, Wq);
  const bool whole = whole_floats * static_cast<std::int64_t>(sizeof(float)) <= kDwWholePlaneBytes;
  const std::int64_t pfl = whole ? whole_floats : dw_strip_floats<Arch>(k, s, Wq);
  parallel_items<Arch>(p.N * p.C_in, thread, threads, [&](std::int64_t t, std::int64_t b, std::int64_t e) {
    float* buf = static_cast<float*>(scratch) + t * slot;
    std::memset(buf, 0, static_cast<std::size_t>(pfl) * sizeof(float));
    for (std::int64_t idx = b; idx < e; ++idx) {
      const std::int64_t img = idx / p.C_in, ci = idx % p.C_in, co0 = ci * mult;
      const float* xc = x + idx * HW;
      const float* wc = w + co0 * khw;
      const float* bc = bias ? bias + co0 : nullptr;
      float* yc = y + (img * p.C_out + co0) * HWo;
      const float* rc = residual ? residual + (img * p.C_out + co0) * HWo : nullptr;
      dw_with_kernel_stride(k, s, [&](auto kt, auto st) {
        dw_rows_plane_act<Arch, decltype(kt)::value, decltype(st)::value>(plan, xc, wc, bc, yc, rc, buf, whole);
      });
    }
  });
}

}  // namespace simd_impl
#endif  // LUODI_HAS_XSIMD

}  // namespace kernels
}  // namespace luodi
