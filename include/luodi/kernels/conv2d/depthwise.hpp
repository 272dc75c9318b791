// Depthwise Conv2D (groups == C_in, C_out = multiplier * C_in), any kernel, stride, dilation
// and pads; specialised for 3x3 and 5x5. The "flat" kernel (algorithm Depthwise): for square
// 3x3/5x5 at stride 1 or 2 the plan prefers depthwise_rows.hpp's DepthwiseRows (wide planes) and
// depthwise_small.hpp's DepthwiseSmall (rows <= 16 wide, AVX-512) where they measured faster
// (conv2d_choose).
//
// One input plane at a time: it is copied once into zero-padded "phase" planes in scratch (one
// plane for stride 1; stride^2 planes for stride s, plane (ry, rx) holding padded pixels
// (q*s + ry, j*s + rx)). Then tap (ky, kx) of every output pixel (oy, ox) reads phase
// ((ky*d) % s, (kx*d) % s) at flat index oy*Wq + ox + ((ky*d)/s)*Wq + (kx*d)/s, so the whole
// plane is one flat vector loop per tap with no edge cases: columns ox >= Wo of each row are
// computed and dropped (Wq - Wo of them, one or two). A second pass over that L1/L2-resident
// result adds the residual, applies the activation and writes the NCHW row. The kernel is
// memory bound; this layout reads the input once, writes the output once, and keeps the
// arithmetic at full vector width even for 7x7 planes, where a row-wise kernel would be mostly
// edge handling.
#pragma once

#include <cstdint>
#include <cstring>

#include "../gemm/ukernel.hpp"
#include "phase_rows.hpp"
#include "plan.hpp"

namespace luodi {
namespace kernels {

inline void dw_plan(Conv2dPlan* plan) noexcept {
  const Conv2dParams& p = plan->p;
  const std::int64_t s_h = p.stride_h, s_w = p.stride_w;
  plan->dw_multiplier = p.C_out / p.C_in;
  // phase planes: Wq columns, rows enough for every tap of every output row plus slack for the
  // last vector, which may read past the end
  const std::int64_t Wp = p.W + p.pad_left + p.pad_right;
  const std::int64_t Wq = (Wp + s_w - 1) / s_w;
  // (at least 4 output rows' worth: DepthwiseRows' strip buffer, kDwRowsMaxR, fits in this)
  const std::int64_t rows = (plan->out_h < 4 ? 4 : plan->out_h) + (p.dilation_h * (p.kernel_h - 1)) / s_h + 2;
  plan->dw_plane_h = rows;
  plan->dw_plane_w = Wq;
  // 64 floats of slack: a 4-vector AVX-512 step starting in the last row reads up to 63 past it
  plan->dw_phase_floats = (rows * Wq + 64 + 15) / 16 * 16;
  plan->group_floats = p.C_out * p.kernel_h * p.kernel_w;
  const std::int64_t out_floats = (plan->out_h * Wq + 64 + 15) / 16 * 16;
  plan->scratch_per_thread =
      static_cast<std::int64_t>(sizeof(float)) * (plan->dw_phase_floats * s_h * s_w + out_floats) + 64;
}

inline void dw_pack_weights(const Conv2dPlan& plan, const float* w, float* dst) noexcept {
  std::memcpy(dst, w, static_cast<std::size_t>(plan.group_floats) * sizeof(float));
}

#if LUODI_HAS_XSIMD
namespace simd_impl {

// Fill the phase planes of one padded input plane: the input copied (stride 1), split into even
// and odd columns (stride 2, in vectors), or gathered (other strides). Only the cells that come
// from the input are written: the padding cells are zeroed once per run and stay zero, since
// every channel has the same geometry.
template <class Arch>
void dw_build_phases(const Conv2dPlan& plan, const float* xc, float* phases) noexcept {
  const Conv2dParams& p = plan.p;
  const std::int64_t sh = p.stride_h, sw = p.stride_w, Wq = plan.dw_plane_w, rows = plan.dw_plane_h;
  const std::int64_t H = p.H, W = p.W, pt = p.pad_top, pl = p.pad_left;
  if (sh == 1 && sw == 1) {
    float* d = phases + pt * Wq + pl;
    for (std::int64_t iy = 0; iy < H; ++iy, d += Wq, xc += W) pad_phase_row<Arch, 1>(xc, W, 0, d, nullptr);
    return;
  }
  std::int64_t ry = pt % sh, q = pt / sh;  // phase row of input row iy, kept without divisions
  for (std::int64_t iy = 0; iy < H; ++iy, (++ry == sh ? (ry = 0, ++q) : 0)) {
    if (q >= rows) break;
    const float* src = xc + iy * W;
    float* row0 = phases + ry * sw * plan.dw_phase_floats + q * Wq;  // phase (ry, 0), row q
    if (sw == 1) {
      pad_phase_row<Arch, 1>(src, W, pl, row0, nullptr);
    } else if (sw == 2) {
      pad_phase_row<Arch, 2>(src, W, pl, row0, row0 + plan.dw_phase_floats);
    } else {
      std::int64_t rx = pl % sw, j = pl / sw;
      for (std::int64_t ix = 0; ix < W; ++ix) {
        row0[rx * plan.dw_phase_floats + j] = src[ix];
        if (++rx == sw) {
          rx = 0;
          ++j;
        }
      }
    }
  }
}

// out[g] = bias + sum_taps w[t] * phase_t[g + off_t] for g in [0, n): four vectors per step so
// that each loaded weight feeds four FMAs.
// ACT (Identity, Relu or Clip) is applied before the store; callers pass Identity for other
// activations (and when a residual must be added first) and activate afterwards.
template <class Arch, int KH, int KW, ActivationKind ACT>
void dw_accumulate(const float* phases, const std::int64_t* tap_off, int taps, const float* wc, float bias, float* out,
                   std::int64_t n, const ActivationParams& ap) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  constexpr int kMaxTaps = 64;
  const float* src[kMaxTaps];
  for (int t = 0; t < taps; ++t) src[t] = phases + tap_off[t];
  const float* wt = wc;
  const B b0(bias);
  std::int64_t g = 0;
  if constexpr (KH > 0 && KW > 0) {
    B w[KH * KW];
LUODI_UNROLL(25)
    for (int t = 0; t < KH * KW; ++t) w[t] = B(wt[t]);
    for (; g < n; g += 4 * L) {
      B a0 = b0, a1 = b0, a2 = b0, a3 = b0;
LUODI_UNROLL(25)
      for (int t = 0; t < KH * KW; ++t) {
        const float* s = src[t] + g;
        a0 = xsimd::fma(w[t], B::load_unaligned(s), a0);
        a1 = xsimd::fma(w[t], B::load_unaligned(s + L), a1);
        a2 = xsimd::fma(w[t], B::load_unaligned(s + 2 * L), a2);
        a3 = xsimd::fma(w[t], B::load_unaligned(s + 3 * L), a3);
      }
      activate<Arch, ACT>(a0, ap).store_unaligned(out + g);
      activate<Arch, ACT>(a1, ap).store_unaligned(out + g + L);
      activate<Arch, ACT>(a2, ap).store_unaligned(out + g + 2 * L);
      activate<Arch, ACT>(a3, ap).store_unaligned(out + g + 3 * L);
    }
  } else {
    for (; g < n; g += L) {
      B a = b0;
      for (int t = 0; t < taps; ++t) a = xsimd::fma(B(wt[t]), B::load_unaligned(src[t] + g), a);
      activate<Arch, ACT>(a, ap).store_unaligned(out + g);
    }
  }
}

template <class Arch, ActivationKind ACT>
LUODI_ALWAYS_INLINE void dw_accumulate_k(std::int64_t khw, const float* phases, const std::int64_t* tap_off, int taps,
                                         const float* wc, float bias, float* out, std::int64_t n,
                                         const ActivationParams& ap) noexcept {
  if (khw == 9 && taps == 9)
    dw_accumulate<Arch, 3, 3, ACT>(phases, tap_off, taps, wc, bias, out, n, ap);
  else if (khw == 25 && taps == 25)
    dw_accumulate<Arch, 5, 5, ACT>(phases, tap_off, taps, wc, bias, out, n, ap);
  else
    dw_accumulate<Arch, 0, 0, ACT>(phases, tap_off, taps, wc, bias, out, n, ap);
}
template <class Arch>
LUODI_ALWAYS_INLINE void dw_accumulate_any(ActivationKind act, std::int64_t khw, const float* phases,
                                           const std::int64_t* tap_off, int taps, const float* wc, float bias, float* out,
                                           std::int64_t n, const ActivationParams& ap) noexcept {
  if (act == ActivationKind::Relu)
    dw_accumulate_k<Arch, ActivationKind::Relu>(khw, phases, tap_off, taps, wc, bias, out, n, ap);
  else if (act == ActivationKind::Clip)
    dw_accumulate_k<Arch, ActivationKind::Clip>(khw, phases, tap_off, taps, wc, bias, out, n, ap);
  else
    dw_accumulate_k<Arch, ActivationKind::Identity>(khw, phases, tap_off, taps, wc, bias, out, n, ap);
}

template <class Arch>
void conv2d_run_depthwise(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y,
                          void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  const Conv2dParams& p = plan.p;
  const float* w = static_cast<const float*>(packed);
  const float* bias = p.has_bias ? w + plan.bias_offset : nullptr;
  const std::int64_t HW = p.H * p.W, Ho = plan.out_h, Wo = plan.out_w, HWo = Ho * Wo, Wq = plan.dw_plane_w;
  const std::int64_t mult = plan.dw_multiplier, khw = p.kernel_h * p.kernel_w;
  const std::int64_t phases_floats = plan.dw_phase_floats * p.stride_h * p.stride_w;
  const std::int64_t slot = plan.scratch_per_thread / static_cast<std::int64_t>(sizeof(float));
  const std::int64_t n_flat = Ho * Wq;
  // Where tap (ky, kx) reads, relative to the phase planes (see the header comment).
  std::int64_t tap_off[64];
  for (std::int64_t ky = 0; ky < p.kernel_h; ++ky)
    for (std::int64_t kx = 0; kx < p.kernel_w; ++kx) {
      const std::int64_t dy = ky * p.dilation_h, dx = kx * p.dilation_w;
      tap_off[ky * p.kernel_w + kx] = ((dy % p.stride_h) * p.stride_w + (dx % p.stride_w)) * plan.dw_phase_floats +
                                      (dy / p.stride_h) * Wq + dx / p.stride_w;
    }
  const int taps = static_cast<int>(khw);
  // relu and clip (relu6) are applied in registers when no residual comes between
  const ActivationKind fused = (!residual && (p.activation == ActivationKind::Relu || p.activation == ActivationKind::Clip))
                                   ? p.activation
                                   : ActivationKind::Identity;
  parallel_items<Arch>(p.N * p.C_in, thread, threads, [&](std::int64_t t, std::int64_t b, std::int64_t e) {
    float* phases = static_cast<float*>(scratch) + t * slot;
    float* out = phases + phases_floats;
    std::memset(phases, 0, static_cast<std::size_t>(slot) * sizeof(float));
    for (std::int64_t idx = b; idx < e; ++idx) {
      const std::int64_t img = idx / p.C_in, ci = idx % p.C_in;
      dw_build_phases<Arch>(plan, x + (img * p.C_in + ci) * HW, phases);
      for (std::int64_t m = 0; m < mult; ++m) {
        const std::int64_t co = ci * mult + m;
        const float* wc = w + co * khw;
        const float bv = bias ? bias[co] : 0.0f;
        dw_accumulate_any<Arch>(fused, khw, phases, tap_off, taps, wc, bv, out, n_flat, p.act_params);
        // Compact rows of Wq to Wo. Without a residual, activate the flat buffer first (whole
        // vectors, no tails); with one, add it while compacting and activate the plane after.
        float* yc = y + (img * p.C_out + co) * HWo;
        if (residual) {
          const float* rc = residual + (img * p.C_out + co) * HWo;
          for (std::int64_t oy = 0; oy < Ho; ++oy) {
            const float* o = out + oy * Wq;
            const float* rr = rc + oy * Wo;
            float* yr = yc + oy * Wo;
            std::int64_t ox = 0;
            for (; ox + L <= Wo; ox += L) (B::load_unaligned(o + ox) + B::load_unaligned(rr + ox)).store_unaligned(yr + ox);
            for (; ox < Wo; ++ox) yr[ox] = o[ox] + rr[ox];
          }
          act_array<Arch>(p.activation, p.act_params, yc, HWo);
        } else {
          if (fused == ActivationKind::Identity)
            act_array<Arch>(p.activation, p.act_params, out, (n_flat + L - 1) / L * L);
          for (std::int64_t oy = 0; oy < Ho; ++oy) copy_floats<Arch>(out + oy * Wq, yc + oy * Wo, Wo);
        }
      }
    }
  });
}

}  // namespace simd_impl
#endif  // LUODI_HAS_XSIMD

}  // namespace kernels
}  // namespace luodi
