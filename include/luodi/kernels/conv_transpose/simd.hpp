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

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
