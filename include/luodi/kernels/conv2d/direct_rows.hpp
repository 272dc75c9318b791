// Direct Conv2D for few input channels (algorithm DirectRows): groups == 1, C_in <= 4, any
// kernel up to 7x7, stride 1 or 2, dilation 1, any pads. The first layer of every CNN (3-channel
// image in: ResNet's 7x7/2, MobileNet's and EfficientNet's 3x3/2).
//
// Why not im2col GEMM: there K = C_in*kh*kw is 27 or 147, so every output pixel's column is
// packed (kh*kw*C_in gathers) and then used by one or two FMA panels only; packing and the
// epilogue pass cost as much as the arithmetic (measured 26-61 GFLOP/s on avx512f, where the
// core peaks at 115).
//
// Layout: NCHW in and out, vectors along the output row. A block of MC output channels x NV
// vectors of one output row is held in registers. For every (ci, ky, kx) the kernel loads the NV
// input vectors once and feeds them to the MC channels with broadcast weights (on AVX-512 the
// broadcast is the FMA's memory operand), so each FMA costs one scalar load and the loaded input
// is reused MC times. Weights are packed once as [cout/MC][ci][ky][kx][MC] so the broadcasts walk
// memory in order.
//
// Input side: for stride 2 every input row is split once into its even and odd columns (the
// same "phase" rows as depthwise_rows.hpp), so tap kx of output column ox is column
// ox + kx/2 of phase kx%2: a unit-stride vector load, no outputs computed and thrown away. Pads
// are real zeros in those rows (a per-thread strip of padded rows in scratch, built for a few
// output rows at a time so it stays in L1/L2), so there are no edge cases in the inner loop: the
// row tail computes a whole vector and stores the valid lanes with a mask.
//
// Output side: bias is the accumulators' start value; the residual is added and identity, relu,
// clip, hardswish or silu (the stems' activations) applied in registers before the (masked)
// store. Other activations run over each output row right after, while it is in L1.
//
// Threads split the (image, strip of output rows) items; every output is computed by one thread
// in the same order whatever the thread count, so the result does not depend on it.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "depthwise_rows.hpp"
#include "phase_rows.hpp"
#include "plan.hpp"

namespace luodi {
namespace kernels {

// The largest C_in and kernel side the kernel takes (conv2d_algo_applies). The kernel itself has
// no C_in limit; 4 is where it was measured and tested (docs/performance.md: at stride 2 it stays
// ahead of im2col GEMM well beyond, at 3x3 stride 1 Winograd overtakes it from C_in = 8).
inline constexpr std::int64_t kDirectRowsMaxCin = 4;
inline constexpr std::int64_t kDirectRowsMaxK = 7;
// Output rows per strip of padded input rows: as many (up to kDirectRowsMaxStrip) as keep the
// strip within kDirectRowsStripBytes, so it stays in L1 while every channel block walks it, even
// for wide images. (Measured on Zen 4 at 224x224: 1, 2, 4 or 8 rows per strip are within 3% of
// each other; the strip rebuild is a few thousand floats per output row against ~10^6 FMAs.)
inline constexpr std::int64_t kDirectRowsStripBytes = 24 * 1024;
inline constexpr std::int64_t kDirectRowsMaxStrip = 8;

// Output channels per register block: 8 where the register file has 32 vectors of 16 lanes
// (AVX-512), 4 elsewhere (16 registers; NEON could take more but measures were not done there).
inline constexpr int direct_rows_mc(int lanes) noexcept { return lanes >= 16 ? 8 : 4; }

inline void direct_rows_plan(Conv2dPlan* plan, int lanes) noexcept {
  const Conv2dParams& p = plan->p;
  const std::int64_t mc = direct_rows_mc(lanes);
  const std::int64_t sw = p.stride_w;
  const std::int64_t Wp = p.W + p.pad_left + p.pad_right;
  const std::int64_t Wq = (Wp + sw - 1) / sw;
  plan->cout_pad = (p.C_out + mc - 1) / mc * mc;
  plan->group_floats = plan->cout_pad * plan->K;
  plan->dr_mc = mc;
  plan->dr_row_floats = sw * Wq;
  std::int64_t r = 1;
  while (r < kDirectRowsMaxStrip && r < plan->out_h &&
         p.C_in * (r * p.stride_h + p.kernel_h) * plan->dr_row_floats * static_cast<std::int64_t>(sizeof(float)) <=
             kDirectRowsStripBytes)
    ++r;
  plan->dr_strip_rows = r;
  // padded rows a strip reads, per input channel
  plan->dr_rows = (plan->dr_strip_rows - 1) * p.stride_h + p.kernel_h;
  // + 64 floats: the last vector of the last row reads up to L + (kw-1)/S - 1 past the row
  const std::int64_t floats = (p.C_in * plan->dr_rows * plan->dr_row_floats + 64 + 15) / 16 * 16;
  plan->scratch_per_thread = floats * static_cast<std::int64_t>(sizeof(float));
}

// OIHW -> [cout_pad/MC][ci][ky][kx'][MC], zero past C_out, where kx' runs over the even taps
// and then the odd ones for stride_w 2 (kx = 0, 2, 4, 6, 1, 3, 5): the order the kernel visits
// the two phase rows in, so its inner loop is two pointer increments.
inline void direct_rows_pack_weights(const Conv2dPlan& plan, const float* w, float* dst) noexcept {
  const Conv2dParams& p = plan.p;
  const std::int64_t mc = plan.dr_mc, K = plan.K, kw = p.kernel_w, sw = p.stride_w;
  for (std::int64_t c0 = 0; c0 < plan.cout_pad; c0 += mc)
    for (std::int64_t r = 0; r < p.C_in * p.kernel_h; ++r)  // (ci, ky)
      for (std::int64_t ph = 0; ph < sw; ++ph)
        for (std::int64_t kx = ph; kx < kw; kx += sw)
          for (std::int64_t m = 0; m < mc; ++m) *dst++ = c0 + m < p.C_out ? w[(c0 + m) * K + r * kw + kx] : 0.0f;
}

#if LUODI_HAS_XSIMD
namespace simd_impl {

template <class Arch>
struct DirectRowsTile {
  static constexpr int L = static_cast<int>(simd::fbatch<Arch>::size);
  static constexpr int MC = direct_rows_mc(L);
  // MC x NV accumulators + NV loaded inputs + a broadcast: 8 x 2 + 2 + 1 of 32 zmm; 4 x 2 + 2 + 1
  // of 16 ymm/xmm. (Measured on Zen 4, avx2: NV = 3 (16 registers, no slack) ran the 7x7/2 stem
  // at half the speed of NV = 2, 4.9 ms against 2.4 ms. On avx512f NV = 3, and tap loops fully
  // unrolled for kernel widths 3 and 7, measured within noise of this, so neither is kept.)
  static constexpr int NV = 2;
};

// One block: MC output channels x NV vectors at output row `y` (channel co0, column x; channels
// HWo floats apart). `in` is the strip at the block's first padded row and phase column x;
// input channels are cs floats apart, padded rows rp, stride-2 phases Wq. `w` is the channel
// block's packed weights. With PARTIAL the last vector holds n_last < L valid columns.
template <class Arch, int S, int MC, int NV, ActivationKind ACT, bool PARTIAL>
LUODI_ALWAYS_INLINE void direct_rows_block(const float* in, std::int64_t cs, std::int64_t rp, std::int64_t Wq, int cin, int kh,
                                           int kw, const float* w, const float* bias, int mvalid, float* y,
                                           const float* res, std::int64_t HWo, std::int64_t n_last,
                                           const ActivationParams& ap) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  B acc[MC][NV];
LUODI_UNROLL(8)
  for (int m = 0; m < MC; ++m) {
    const B b(bias[m]);
LUODI_UNROLL(4)
    for (int j = 0; j < NV; ++j) acc[m][j] = b;
  }
  for (int ci = 0; ci < cin; ++ci) {
    for (int ky = 0; ky < kh; ++ky) {
LUODI_UNROLL(2)
      for (int ph = 0; ph < S; ++ph) {  // tap kx = ph + S*t reads phase row ph at column t
        const float* src = in + ci * cs + ky * rp + ph * Wq;
        const float* end = src + (kw - ph + S - 1) / S;
        for (; src < end; ++src, w += MC) {
          B v[NV];
LUODI_UNROLL(4)
          for (int j = 0; j < NV; ++j) {
            v[j] = B::load_unaligned(src + j * L);
            dw_pin_register(v[j]);
          }
LUODI_UNROLL(8)
          for (int m = 0; m < MC; ++m) {
            const B wb(w[m]);
LUODI_UNROLL(4)
            for (int j = 0; j < NV; ++j) acc[m][j] = xsimd::fma(wb, v[j], acc[m][j]);
          }
        }
      }
    }
  }
LUODI_UNROLL(8)
  for (int m = 0; m < MC; ++m) {
    if (m >= mvalid) break;
LUODI_UNROLL(4)
    for (int j = 0; j < NV; ++j) {
      float* d = y + m * HWo + j * L;
      const bool last = PARTIAL && j == NV - 1;
      B a = acc[m][j];
      if (res) {
        const float* r = res + m * HWo + j * L;
        a += last ? PartialIO<Arch>::load(r, n_last) : B::load_unaligned(r);
      }
      a = activate<Arch, ACT>(a, ap);
      if (last)
        PartialIO<Arch>::store(a, d, n_last);
      else
        a.store_unaligned(d);
    }
  }
}

// The padded rows [py0, py0 + n) of every input channel of one image into the strip buffer:
// channel ci's padded row py0 + r at ci * cs + r * rp, split into even and odd columns (Wq
// floats apart) for S = 2. Rows in the top or bottom padding are zeroed; the left and right
// padding cells are never written, so they stay zero from the one memset per run.
template <class Arch, int S>
LUODI_ALWAYS_INLINE void direct_rows_strip(const Conv2dParams& p, const float* x, std::int64_t py0, std::int64_t n, float* buf,
                                           std::int64_t cs, std::int64_t rp, std::int64_t Wq) noexcept {
  const std::int64_t W = p.W, pl = p.pad_left, HW = p.H * p.W;
  for (std::int64_t ci = 0; ci < p.C_in; ++ci)
    for (std::int64_t r = 0; r < n; ++r) {
      const std::int64_t iy = py0 + r - p.pad_top;
      float* row0 = buf + ci * cs + r * rp;
      if (iy < 0 || iy >= p.H) {
        std::memset(row0, 0, static_cast<std::size_t>(rp) * sizeof(float));
        continue;
      }
      pad_phase_row<Arch, S>(x + ci * HW + iy * W, W, pl, row0, row0 + Wq);
    }
}

// One output row of one channel block: blocks of NV vectors, then single vectors, then the
// masked tail.
template <class Arch, int S, ActivationKind ACT>
LUODI_ALWAYS_INLINE void direct_rows_row(const Conv2dPlan& plan, const float* in, const float* w, const float* bias, int mvalid,
                                         float* y, const float* res) noexcept {
  using T = DirectRowsTile<Arch>;
  constexpr int MC = T::MC, NV = T::NV;
  constexpr std::int64_t L = T::L;
  const Conv2dParams& p = plan.p;
  const std::int64_t Wo = plan.out_w, HWo = plan.out_h * Wo, rp = plan.dr_row_floats, cs = plan.dr_rows * rp;
  const std::int64_t Wq = rp / S;
  const int cin = static_cast<int>(p.C_in), kh = static_cast<int>(p.kernel_h), kw = static_cast<int>(p.kernel_w);
  const ActivationParams& ap = p.act_params;
  std::int64_t x = 0;
  for (; x + NV * L <= Wo; x += NV * L)
    direct_rows_block<Arch, S, MC, NV, ACT, false>(in + x, cs, rp, Wq, cin, kh, kw, w, bias, mvalid, y + x,
                                                   res ? res + x : nullptr, HWo, 0, ap);
  if constexpr (NV > 1)
    for (; x + L <= Wo; x += L)
      direct_rows_block<Arch, S, MC, 1, ACT, false>(in + x, cs, rp, Wq, cin, kh, kw, w, bias, mvalid, y + x,
                                                    res ? res + x : nullptr, HWo, 0, ap);
  if (x < Wo)
    direct_rows_block<Arch, S, MC, 1, ACT, true>(in + x, cs, rp, Wq, cin, kh, kw, w, bias, mvalid, y + x,
                                                 res ? res + x : nullptr, HWo, Wo - x, ap);
}

template <class Arch, int S, ActivationKind ACT>
void direct_rows_image_rows(const Conv2dPlan& plan, const float* x, const float* w, const float* bias, float* y,
                            const float* res, float* buf, std::int64_t oy0, std::int64_t oy1, ActivationKind post) noexcept {
  using T = DirectRowsTile<Arch>;
  constexpr int MC = T::MC;
  const Conv2dParams& p = plan.p;
  const std::int64_t Wo = plan.out_w, HWo = plan.out_h * Wo, rp = plan.dr_row_floats, K = plan.K;
  const std::int64_t sh = p.stride_h;
  direct_rows_strip<Arch, S>(p, x, oy0 * sh, (oy1 - oy0 - 1) * sh + p.kernel_h, buf, plan.dr_rows * rp, rp, rp / S);
  alignas(64) float bias_blk[MC];
  for (std::int64_t c0 = 0; c0 < p.C_out; c0 += MC) {
    const int mvalid = static_cast<int>(p.C_out - c0 < MC ? p.C_out - c0 : MC);
    for (int m = 0; m < MC; ++m) bias_blk[m] = (bias && m < mvalid) ? bias[c0 + m] : 0.0f;
    const float* wb = w + c0 * K;
    for (std::int64_t oy = oy0; oy < oy1; ++oy) {
      float* yr = y + c0 * HWo + oy * Wo;
      const float* rr = res ? res + c0 * HWo + oy * Wo : nullptr;
      direct_rows_row<Arch, S, ACT>(plan, buf + (oy - oy0) * sh * rp, wb, bias_blk, mvalid, yr, rr);
      if (post != ActivationKind::Identity)
        for (int m = 0; m < mvalid; ++m) act_array<Arch>(post, p.act_params, yr + m * HWo, Wo);
    }
  }
}

template <class Arch, int S>
void direct_rows_image_rows_act(const Conv2dPlan& plan, const float* x, const float* w, const float* bias, float* y,
                                const float* res, float* buf, std::int64_t oy0, std::int64_t oy1) noexcept {
  const ActivationKind act = plan.p.activation;
  if (act == ActivationKind::Relu)
    direct_rows_image_rows<Arch, S, ActivationKind::Relu>(plan, x, w, bias, y, res, buf, oy0, oy1, ActivationKind::Identity);
  else if (act == ActivationKind::Clip)
    direct_rows_image_rows<Arch, S, ActivationKind::Clip>(plan, x, w, bias, y, res, buf, oy0, oy1, ActivationKind::Identity);
  else if (act == ActivationKind::HardSwish)
    direct_rows_image_rows<Arch, S, ActivationKind::HardSwish>(plan, x, w, bias, y, res, buf, oy0, oy1,
                                                               ActivationKind::Identity);
  else if (act == ActivationKind::Silu)
    direct_rows_image_rows<Arch, S, ActivationKind::Silu>(plan, x, w, bias, y, res, buf, oy0, oy1, ActivationKind::Identity);
  else
    direct_rows_image_rows<Arch, S, ActivationKind::Identity>(plan, x, w, bias, y, res, buf, oy0, oy1, act);
}

template <class Arch>
void conv2d_run_direct_rows(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y,
                            void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
  LUODI_DCHECK(plan.dr_mc == DirectRowsTile<Arch>::MC);
  const Conv2dParams& p = plan.p;
  const float* w = static_cast<const float*>(packed);
  const float* bias = p.has_bias ? w + plan.bias_offset : nullptr;
  const std::int64_t Ho = plan.out_h, HWo = Ho * plan.out_w, HW = p.H * p.W, R = plan.dr_strip_rows;
  const std::int64_t strips = (Ho + R - 1) / R;
  const std::int64_t slot = plan.scratch_per_thread / static_cast<std::int64_t>(sizeof(float));
  parallel_items<Arch>(p.N * strips, thread, threads, [&](std::int64_t t, std::int64_t b, std::int64_t e) {
    float* buf = static_cast<float*>(scratch) + t * slot;
    std::memset(buf, 0, static_cast<std::size_t>(slot) * sizeof(float));
    for (std::int64_t i = b; i < e; ++i) {
      const std::int64_t img = i / strips, oy0 = (i % strips) * R, oy1 = oy0 + R < Ho ? oy0 + R : Ho;
      const float* xi = x + img * p.C_in * HW;
      float* yi = y + img * p.C_out * HWo;
      const float* ri = residual ? residual + img * p.C_out * HWo : nullptr;
      if (p.stride_w == 1)
        direct_rows_image_rows_act<Arch, 1>(plan, xi, w, bias, yi, ri, buf, oy0, oy1);
      else
        direct_rows_image_rows_act<Arch, 2>(plan, xi, w, bias, yi, ri, buf, oy0, oy1);
    }
  });
}

}  // namespace simd_impl
#endif  // LUODI_HAS_XSIMD

}  // namespace kernels
}  // namespace luodi
