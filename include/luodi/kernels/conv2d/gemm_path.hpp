// Conv2D as GEMM over implicit im2col panels (any kernel, stride, dilation, pads, groups).
//
// Gemm:  C[Cout_g][HWo] = W[Cout_g][K] * im2col[K][HWo], per image and group. W is packed once
//        as MR-row panels (A); im2col columns are packed per run, one kc x nc block at a time,
//        as NR-wide B panels; C rows are output channels, so tiles store straight into NCHW and
//        the residual is read in place. For 1x1 stride 1 without pads the input of an image and
//        group is B itself (K channel rows of HW pixels): the micro-kernels read it in place
//        (plan.b_in_place) and only a ragged last panel (HW not a multiple of NR) is packed.
// GemmT: C[HWo][Cout_g] = im2col^T * W^T. For layers with few pixels and many channels (7x7
//        at the end of a CNN), where HWo would fill NR-wide panels poorly: W is packed as
//        NR-wide B panels, the pixels become MR-row A panels (packed per K block for all pixels
//        at once, so the weights stream from memory once), and the C^T tile buffer is written
//        back transposed, with the residual and activation, at the end.
#pragma once

#include <cstdint>

#include "../gemm/driver.hpp"
#include "../gemm/gemv.hpp"
#include "im2col.hpp"
#include "plan.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

template <class Arch>
void conv2d_run_gemm(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y,
                     void* scratch, std::int64_t thread, std::int64_t nthreads) noexcept {
  using Tile = GemmTile<Arch>;
  constexpr int MR = Tile::MR;
  constexpr int NR = Tile::NRV * static_cast<int>(simd::fbatch<Arch>::size);
  const Conv2dParams& p = plan.p;
  const float* w = static_cast<const float*>(packed);
  const float* bias = p.has_bias ? w + plan.bias_offset : nullptr;
  const std::int64_t M = plan.cout_g, N = plan.out_h * plan.out_w, K = plan.K;
  const std::int64_t HW = p.H * p.W;
  GemmBlocking blk = {};
  blk.kc = plan.kc;
  blk.mc = plan.mc;
  blk.nc = plan.nc;
  blk.rows_outer_max_k = plan.rows_outer ? kGemmRowsOuterMaxK : 0;

  const std::int64_t threads = nthreads;
  const std::int64_t outer = p.N * p.groups;
  const std::int64_t slot = plan.scratch_per_thread / static_cast<std::int64_t>(sizeof(float));
  float* const slots = static_cast<float*>(scratch) + plan.scratch_shared / static_cast<std::int64_t>(sizeof(float));
  // Output channels [m0, m1) x pixels [n0, n1) of image and group r (n0 and n1 on NR panel edges,
  // or n1 = N).
  auto block = [&](std::int64_t r, std::int64_t m0, std::int64_t m1, std::int64_t n0, std::int64_t n1, float* buf) {
    const std::int64_t g = r % p.groups, img = r / p.groups;
    const float* xg = x + (img * p.C_in + g * plan.cin_g) * HW;
    const std::int64_t yoff = (img * p.C_out + g * plan.cout_g) * N;
    GemmEpilogue ep = {};
    ep.alpha = 1.0f;
    ep.bias_scale = 1.0f;
    ep.bias_row = bias ? bias + g * plan.cout_g : nullptr;
    ep.residual = residual ? residual + yoff : nullptr;
    ep.ld_residual = N;
    ep.act = p.activation;
    ep.act_params = p.act_params;
    const GemmA A = {w + g * plan.group_floats, K, MR, false};
    auto pack = [&](std::int64_t k0, std::int64_t kc, std::int64_t j0, std::int64_t nc, float* dst) {
      pack_im2col_panels<Arch, NR>(plan, xg, k0, kc, j0, nc, dst);
    };
    const GemmBRows rows = {xg, HW};
    gemm_blocked<Arch>(M, N, K, A, nullptr, pack, y + yoff, N, ep, blk, m0, m1, n0, n1, buf,
                       plan.b_in_place ? &rows : nullptr);
  };

  // Items: images x groups x M blocks x N blocks (N fastest, so a thread's items are contiguous
  // columns, or whole row blocks); narrower blocks when there are few. Which dimension to split:
  // a thread reads all of the operand it does not split. Splitting pixels (N) makes every thread
  // stream all M x K weights; splitting output channels (M) makes every thread read all K x N
  // input. So when the weights are the larger (M > N: the 14x14 and 7x7 layers of ResNet and
  // MobileNet), threads take output channels. Measured on ResNet-50 at 2 threads, where these
  // weights come from DRAM (too many for the caches) and two threads reading all of them ran
  // 1.1-1.5x faster than one instead of ~1.9x: docs/performance.md, "Two threads".
  std::int64_t n_step = plan.nc, m_step = M;
  std::int64_t n_blocks = (N + n_step - 1) / n_step, m_blocks = 1;
  const std::int64_t mpanels = (M + MR - 1) / MR;
  const std::int64_t panels = (N + NR - 1) / NR;
  if (threads > 1 && outer < threads && M > N && mpanels >= 2) {
    const std::int64_t mwant = (threads + outer - 1) / outer;
    const std::int64_t mper = (mpanels + mwant - 1) / mwant;
    m_step = mper * MR;
    m_blocks = (M + m_step - 1) / m_step;
  } else if (threads > 1 && outer == 1 && panels >= 2 * threads && plan.out_h >= threads) {
    // One image, pixels split: by row bands (conv2d_band_row), each edge rounded to the nearest
    // NR panel, so the threads' shares are equal; each thread's range in nearly equal blocks of
    // at most nc.
    const auto edge = [&](std::int64_t t) {
      if (t >= threads) return N;
      const std::int64_t px = plan.out_w * conv2d_band_row(plan.out_h, t, threads);
      const std::int64_t e = (px + NR / 2) / NR * NR;
      return e < N ? e : N;
    };
    const std::int64_t n0 = edge(thread), n1 = edge(thread + 1);
    if (n0 >= n1) return;
    const std::int64_t nb = (n1 - n0 + plan.nc - 1) / plan.nc;
    const std::int64_t step = ((n1 - n0 + nb - 1) / nb + NR - 1) / NR * NR;
    for (std::int64_t j = n0; j < n1; j += step) block(0, 0, M, j, j + step < n1 ? j + step : n1, slots + thread * slot);
    return;
  } else if (threads > 1 && outer * n_blocks < 2 * threads) {
    const std::int64_t want = (2 * threads + outer - 1) / outer;
    std::int64_t per = (panels + want - 1) / want;
    n_step = (per < 1 ? 1 : per) * NR;
    n_blocks = (N + n_step - 1) / n_step;
    if (outer * n_blocks < 2 * threads) {
      const std::int64_t mwant = (2 * threads + outer * n_blocks - 1) / (outer * n_blocks);
      std::int64_t mper = (mpanels + mwant - 1) / mwant;
      m_step = (mper < 1 ? 1 : mper) * MR;
      m_blocks = (M + m_step - 1) / m_step;
    }
  }
  parallel_items<Arch>(outer * n_blocks * m_blocks, thread, threads, [&](std::int64_t t, std::int64_t b, std::int64_t e) {
    for (std::int64_t idx = b; idx < e; ++idx) {
      std::int64_t r = idx;
      const std::int64_t nb = r % n_blocks;
      r /= n_blocks;
      const std::int64_t mb = r % m_blocks;
      r /= m_blocks;
      const std::int64_t m0 = mb * m_step, n0 = nb * n_step;
      block(r, m0, (m0 + m_step < M) ? m0 + m_step : M, n0, (n0 + n_step < N) ? n0 + n_step : N, slots + t * slot);
    }
  });
}

// GemmT on a 1x1 output plane (P == 1) is a GEMV per image and group: the weight panels are
// streamed once, front to back (gemv.hpp), and the output row is y itself.
template <class Arch>
void conv2d_run_gemm_t_gemv(const Conv2dPlan& plan, const float* x, const float* w, const float* bias,
                            const float* residual, float* y, float* col, const std::int32_t* offs, std::int64_t P_pad,
                            std::int64_t thread, std::int64_t threads) noexcept {
  constexpr int NR = GemmTile<Arch>::NRV * static_cast<int>(simd::fbatch<Arch>::size);
  const Conv2dParams& p = plan.p;
  const std::int64_t K = plan.K, HW = p.H * p.W, khw = p.kernel_h * p.kernel_w;
  // the im2col column is the input itself when each of its K elements is input (ci, 0, 0)
  const bool direct = khw == 1 && HW == 1 && offs[0] == 0;
  const std::int64_t panels = plan.cout_pad / NR;
  for (std::int64_t img = 0; img < p.N; ++img)
    for (std::int64_t g = 0; g < p.groups; ++g) {
      const float* xg = x + (img * p.C_in + g * plan.cin_g) * HW;
      const std::int64_t yoff = img * p.C_out + g * plan.cout_g;
      const float* xcol = xg;
      if (!direct) {
        for (std::int64_t k = 0; k < K; ++k) {
          const std::int32_t o = offs[(k % khw) * P_pad];
          col[k] = o >= 0 ? xg[(k / khw) * HW + o] : 0.0f;
        }
        xcol = col;
      }
      parallel_items<Arch>(panels, thread, threads, [&](std::int64_t, std::int64_t pb, std::int64_t pe) {
        gemv_panels<Arch>(K, plan.cout_g, xcol, w + g * plan.group_floats, bias ? bias + g * plan.cout_g : nullptr,
                          residual ? residual + yoff : nullptr, p.activation, p.act_params, y + yoff, pb, pe);
      });
    }
}

template <class Arch>
void conv2d_run_gemm_t(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y,
                       void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
  using Tile = GemmTile<Arch>;
  constexpr int MR = Tile::MR;
  constexpr int NR = Tile::NRV * static_cast<int>(simd::fbatch<Arch>::size);
  const Conv2dParams& p = plan.p;
  const float* w = static_cast<const float*>(packed);
  const float* bias = p.has_bias ? w + plan.bias_offset : nullptr;
  const std::int64_t P = plan.out_h * plan.out_w;  // pixels: the M of this GEMM
  const std::int64_t P_pad = conv2d_gemm_t_rows_pad(P, MR);
  const std::int64_t K = plan.K, HW = p.H * p.W;
  const std::int64_t ldct = conv2d_gemm_t_ldc(plan.cout_pad);
  float* ct = static_cast<float*>(scratch);  // shared: [P_pad][cout_pad], threads own columns
  const std::int64_t slot = plan.scratch_per_thread / static_cast<std::int64_t>(sizeof(float));
  float* slots = ct + plan.scratch_shared / static_cast<std::int64_t>(sizeof(float));
  // Offsets of every (tap, pixel) into an input plane, -1 where the tap falls in the padding:
  // the A panels are then gathered without per-element index arithmetic. Per thread (cheap).
  std::int32_t* offs = reinterpret_cast<std::int32_t*>(slots + thread * slot + conv2d_gemm_t_a_floats(P, K, plan.kc, MR));
  const std::int64_t khw = p.kernel_h * p.kernel_w;
  for (std::int64_t ky = 0; ky < p.kernel_h; ++ky)
    for (std::int64_t kx = 0; kx < p.kernel_w; ++kx) {
      std::int32_t* o = offs + (ky * p.kernel_w + kx) * P_pad;
      for (std::int64_t j = 0; j < P_pad; ++j) {
        const std::int64_t oy = j / plan.out_w, ox = j % plan.out_w;
        const std::int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
        const std::int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
        o[j] = (j < P && iy >= 0 && iy < p.H && ix >= 0 && ix < p.W) ? static_cast<std::int32_t>(iy * p.W + ix) : -1;
      }
    }
  if (P == 1) {
    conv2d_run_gemm_t_gemv<Arch>(plan, x, w, bias, residual, y, slots + thread * slot, offs, P_pad, thread,
                                 threads);
    return;
  }
  // 1x1 stride 1 without pads: pixel j of channel k is x[k*HW + j], so a panel row is a copy
  bool pointwise = khw == 1 && P == HW;
  for (std::int64_t j = 0; pointwise && j < P; ++j) pointwise = offs[j] == j;
  // without a residual the activation runs in the micro-kernel's epilogue (on C^T: it is
  // elementwise); with one it must follow the residual add, which is in NCHW order
  const ActivationKind tile_act = residual ? ActivationKind::Identity : p.activation;
  const std::int64_t kblocks = (K + plan.kc - 1) / plan.kc;
  const std::int64_t kc_even = (K + kblocks - 1) / kblocks;
  const std::int64_t panels = plan.cout_pad / NR;
  const std::int64_t tiles = P_pad / MR;
  for (std::int64_t img = 0; img < p.N; ++img) {
    for (std::int64_t g = 0; g < p.groups; ++g) {
      const float* xg = x + (img * p.C_in + g * plan.cin_g) * HW;
      const std::int64_t yoff = (img * p.C_out + g * plan.cout_g) * P;
      const float* wg = w + g * plan.group_floats;
      parallel_items<Arch>(panels, thread, threads, [&](std::int64_t t, std::int64_t pb, std::int64_t pe) {
        float* abuf = slots + t * slot;
        UkEpilogue uk = {};
        uk.alpha = 1.0f;
        uk.bias_scale = 1.0f;
        uk.act = tile_act;
        uk.act_params = p.act_params;
        for (std::int64_t k0 = 0; k0 < K; k0 += kc_even) {
          const std::int64_t kc = (K - k0 < kc_even) ? K - k0 : kc_even;
          const int flags = (k0 > 0 ? kUkLoadC : 0) | (k0 + kc == K ? kUkFinal : 0);
          // A panels [P_pad/MR][kc][MR] for rows k0..k0+kc
          for (std::int64_t q = 0; q < P_pad; q += MR) {
            float* d = abuf + q * kc;
            if (pointwise) {
              const float* src = xg + k0 * HW + q;
              if (q + MR <= P) {
                for (std::int64_t k = 0; k < kc; ++k, d += MR, src += HW)
LUODI_UNROLL(16)
                  for (int r = 0; r < MR; ++r) d[r] = src[r];
              } else {
                const int valid = static_cast<int>(P - q);
                for (std::int64_t k = 0; k < kc; ++k, d += MR, src += HW)
                  for (int r = 0; r < MR; ++r) d[r] = r < valid ? src[r] : 0.0f;
              }
              continue;
            }
            std::int64_t ci = k0 / khw, tap = k0 % khw;
            for (std::int64_t k = 0; k < kc; ++k, d += MR) {
              const float* src = xg + ci * HW;
              const std::int32_t* o = offs + tap * P_pad + q;
LUODI_UNROLL(8)
              for (int r = 0; r < MR; ++r) d[r] = o[r] >= 0 ? src[o[r]] : 0.0f;
              if (++tap == khw) {
                tap = 0;
                ++ci;
              }
            }
          }
          for (std::int64_t jp = pb; jp < pe; ++jp) {
            const std::int64_t j = jp * NR;
            const int nv = static_cast<int>((plan.cout_g - j < NR) ? plan.cout_g - j : NR);
            const float* bp = wg + jp * K * NR + k0 * NR;
            uk.bias_col = bias ? bias + g * plan.cout_g + j : nullptr;
            // The weights the next pass of this loop reads (the next panel's rows k0..k0+kc, or
            // after this thread's last panel its first panel's next K block), prefetched evenly
            // over all the pixel tiles of this panel (ukernel.hpp, PF), so that the weights
            // stream from DRAM at the average rate instead of at the first tile's FMA rate.
            const float* next = bp;
            std::int64_t next_floats = 0;
            if (jp + 1 < pe) {
              next = bp + K * NR;
              next_floats = kc * NR;
            } else if (k0 + kc < K) {
              next = wg + pb * K * NR + (k0 + kc) * NR;
              next_floats = ((K - k0 - kc < kc_even) ? K - k0 - kc : kc_even) * NR;
            }
            const std::int64_t pf_step =
                (next_floats * static_cast<std::int64_t>(sizeof(float)) + tiles * kc - 1) / (tiles * kc);
            std::uintptr_t pf = reinterpret_cast<std::uintptr_t>(next);
            for (std::int64_t i = 0; i < P; i += MR, pf += static_cast<std::uintptr_t>(pf_step * kc)) {
              const int mv = static_cast<int>((P - i < MR) ? P - i : MR);
              gemm_ukernel_m<Arch, Tile::NRV, false, MR, Tile::NRV, false, true>(
                  mv, kc, abuf + i * kc, MR, bp, ct + i * ldct + j, ldct, nv, uk, flags, 0, pf, pf_step);
            }
          }
        }
        // Transpose this thread's channels back to NCHW (adding the residual and activating
        // when there is one).
        const std::int64_t c0 = pb * NR;
        const std::int64_t c1 = (pe * NR < plan.cout_g) ? pe * NR : plan.cout_g;
        for (std::int64_t co = c0; co < c1; ++co) {
          float* yr = y + yoff + co * P;
          const float* src = ct + co;
          if (residual) {
            const float* rr = residual + yoff + co * P;
            for (std::int64_t i = 0; i < P; ++i) yr[i] = src[i * ldct] + rr[i];
            act_array<Arch>(p.activation, p.act_params, yr, P);
          } else {
            for (std::int64_t i = 0; i < P; ++i) yr[i] = src[i * ldct];
          }
        }
      });
    }
  }
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
