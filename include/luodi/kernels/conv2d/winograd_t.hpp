// 3x3 stride-1 Conv2D by Winograd F(2x2, 3x3) with the tiles of a small image in the vectors
// (algorithm Winograd23T): for planes of at most 16 output tiles (up to 8x8 outputs, ResNet's 7x7
// layers with 512 channels), where winograd.hpp's layout (tiles as the broadcast rows of a GEMM,
// output channels in the vectors) leaves 16 tile rows for an 8-row register tile and streams
// each transformed weight panel at the FMA rate on its first pass.
//
// Here the tiles are the vector lanes: all 16 tiles of a channel are one 16-float row (one zmm,
// two ymm, four xmm), padded with zero tiles. Per image:
//   1. input transform, per input channel: V_p[ci][t] = (B^T d_t B)_p, the 16 d_t gathered
//      from a zero-bordered copy of the plane, the transform vector arithmetic over tiles;
//   2. per group of blocks of R output channels: for each of the 16 positions p and each block
//      of the group, the R x 16 product M_p[co][t] = sum_ci U_p[co][ci] V_p[ci][t] on the GEMM
//      micro-kernel (R rows broadcast from the packed U, one 16-tile row of V per k step;
//      R*16/L accumulators stay in registers over all of C_in), into a group buffer of ~128 KiB
//      (V_p, 32 KiB at 512 channels, is reused from L1 by every block of the group, and all of V
//      is read once per group); then the output transform A^T M A + bias over tiles for the
//      group's channels, scattered to NCHW with the residual, and the activation per plane.
// U is packed in the order it is read (per group [16 positions][blocks][Cin][R]), so the whole
// weight stream is one sequential pass, read exactly once per run; each k step also prefetches
// (into L2) the same offset one (block, position) product ahead. V (16 x Cin x 16 floats:
// 512 KiB at 512 channels) lives in L2/L3.
// Threads take contiguous runs of (image, output-channel block) items; each transforms the
// images its run touches, so results do not depend on the thread count.
#pragma once

#include <cstdint>
#include <cstring>

#include "plan.hpp"
#include "winograd.hpp"

namespace luodi {
namespace kernels {

// Output channels per register block for `lanes`-float vectors: R rows x 16/lanes vectors of
// accumulators plus the V row and a broadcast within the register file (avx512f 16 x 1 of 32
// zmm; avx2 6 x 2 of 16 ymm; 4-lane ISAs 2 x 4).
inline constexpr int wino_t_rows(int lanes) noexcept { return lanes >= 16 ? 16 : (lanes == 8 ? 6 : 2); }

// The tiles of one image fit one 16-float row.
inline bool wino_t_fits(std::int64_t Ho, std::int64_t Wo) noexcept { return ((Ho + 1) / 2) * ((Wo + 1) / 2) <= 16; }

// Output channel blocks per group: the products of a group run position-major (each V_p, 32 KiB,
// is reused by every block of the group while in L1) into a group M of at most ~128 KiB, so V
// is read from L2/L3 once per group rather than once per block.
inline constexpr std::int64_t wino_t_group(std::int64_t R) noexcept { return R >= 128 ? 1 : 128 / R; }

inline void wino_t_plan(Conv2dPlan* plan, int lanes) noexcept {
  const std::int64_t R = wino_t_rows(lanes);
  plan->tiles_h = (plan->out_h + 1) / 2;
  plan->tiles_w = (plan->out_w + 1) / 2;
  plan->tile_block = plan->tiles_h * plan->tiles_w;
  plan->dr_mc = R;
  plan->cout_pad = (plan->cout_g + R - 1) / R * R;
  plan->group_floats = 16 * plan->cin_g * plan->cout_pad;
  const std::int64_t plane = ((2 * plan->tiles_h + 2) * (2 * plan->tiles_w + 2) + 15) / 16 * 16;
  // V, M (16 positions x a group of blocks x R x 16), the plane, the gathered tiles (16 x 16) and the output tile row
  const std::int64_t floats = 16 * plan->cin_g * 16 + 16 * wino_t_group(R) * R * 16 + plane + 256 + 4 * 16;
  plan->scratch_per_thread = static_cast<std::int64_t>(sizeof(float)) * floats + 64;
}

// Offset in floats of U for (block, position): groups of wino_t_group blocks, each group
// [16 positions][its blocks][cin][R], so the run reads U as one sequential stream.
inline std::int64_t wino_t_u_offset(std::int64_t blk, std::int64_t pos, std::int64_t blocks, std::int64_t cin,
                                    std::int64_t R) noexcept {
  const std::int64_t G = wino_t_group(R), g0 = blk / G * G;
  const std::int64_t gs = blocks - g0 < G ? blocks - g0 : G;
  return (g0 * 16 + pos * gs + (blk - g0)) * cin * R;
}

// U_p[co][ci] in the order above ([cin][R] per block and position), zero past cout_g.
inline void wino_t_pack_weights(const Conv2dPlan& plan, const float* w, float* dst) noexcept {
  const std::int64_t cin = plan.cin_g, R = plan.dr_mc, blocks = plan.cout_pad / R;
  for (std::int64_t co = 0; co < plan.cout_g; ++co)
    for (std::int64_t ci = 0; ci < cin; ++ci) {
      double u[36];
      detail::wino_transform_kernel(w + (co * cin + ci) * 9, true, u);
      for (int pos = 0; pos < 16; ++pos)
        dst[wino_t_u_offset(co / R, pos, blocks, cin, R) + ci * R + co % R] = static_cast<float>(u[pos]);
    }
}

#if LUODI_HAS_XSIMD
namespace simd_impl {

template <class Arch>
void conv2d_run_winograd23t(const Conv2dPlan& plan, const float* x, const void* packed, const float* residual, float* y,
                            void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr int L = static_cast<int>(B::size);
  constexpr int TV = 16 / L;  // vectors per 16-tile row
  constexpr int R = wino_t_rows(L);
  static_assert(TV * L == 16, "a tile row is whole vectors");
  const Conv2dParams& p = plan.p;
  LUODI_DCHECK(plan.dr_mc == R);
  const float* U = static_cast<const float*>(packed);
  const float* bias = p.has_bias ? U + plan.bias_offset : nullptr;
  const std::int64_t Cin = p.C_in, Cout = p.C_out, H = p.H, W = p.W, Ho = plan.out_h, Wo = plan.out_w;
  const std::int64_t tw = plan.tiles_w, nt = plan.tile_block;
  const std::int64_t pw = 2 * tw + 2, ph = 2 * plan.tiles_h + 2;  // zero-bordered plane
  const std::int64_t plane_floats = (ph * pw + 15) / 16 * 16;
  const std::int64_t blocks = plan.cout_pad / R, G = wino_t_group(R);
  const std::int64_t ublock = Cin * R;  // floats of U per (block, position)
  const std::int64_t slot = plan.scratch_per_thread / static_cast<std::int64_t>(sizeof(float));
  UkEpilogue ep = {};
  ep.alpha = 1.0f;
  ep.bias_scale = 1.0f;
  ep.act = ActivationKind::Identity;

  parallel_items<Arch>(p.N * blocks, thread, threads, [&](std::int64_t thr, std::int64_t i0, std::int64_t i1) {
    float* base = static_cast<float*>(scratch) + thr * slot;
    float* V = reinterpret_cast<float*>((reinterpret_cast<std::uintptr_t>(base) + 63) & ~std::uintptr_t(63));
    float* M = V + 16 * Cin * 16;
    float* pl = M + 16 * G * R * 16;
    float* D = pl + plane_floats;  // d[i][j] of the 16 tiles: [16][16]
    float* ob = D + 256;           // the 4 outputs of the 16 tiles: [4][16]
    std::int64_t img = -1;
    for (std::int64_t it = i0; it < i1;) {
      const std::int64_t n = it / blocks, b0 = it % blocks;
      // this thread's blocks [b0, b1) of image n within b0's group
      const std::int64_t g1 = (b0 / G + 1) * G;
      std::int64_t b1 = blocks < g1 ? blocks : g1;
      if (b1 - b0 > i1 - it) b1 = b0 + (i1 - it);
      it += b1 - b0;
      if (n != img) {
        img = n;
        // 1. input transform of image n
        std::memset(pl, 0, static_cast<std::size_t>(plane_floats) * sizeof(float));
        std::memset(D, 0, 256 * sizeof(float));
        const std::int64_t r1 = H + p.pad_top < ph ? H : ph - p.pad_top;
        const std::int64_t c1 = W + p.pad_left < pw ? W : pw - p.pad_left;
        for (std::int64_t ci = 0; ci < Cin; ++ci) {
          const float* xc = x + (n * Cin + ci) * H * W;
          for (std::int64_t r = 0; r < r1 && c1 > 0; ++r)
            std::memcpy(pl + (r + p.pad_top) * pw + p.pad_left, xc + r * W, static_cast<std::size_t>(c1) * sizeof(float));
          for (std::int64_t t = 0; t < nt; ++t) {
            const float* d0 = pl + (t / tw) * 2 * pw + (t % tw) * 2;
            for (int i = 0; i < 4; ++i)
              for (int j = 0; j < 4; ++j) D[(i * 4 + j) * 16 + t] = d0[i * pw + j];
          }
          for (int v = 0; v < TV; ++v) {
            B d[4][4], u[4][4];
            for (int i = 0; i < 4; ++i)
              for (int j = 0; j < 4; ++j) d[i][j] = B::load_aligned(D + (i * 4 + j) * 16 + v * L);
            for (int j = 0; j < 4; ++j) {  // columns: B^T d
              B col[4], out[4];
              for (int i = 0; i < 4; ++i) col[i] = d[i][j];
              wino_bt4<Arch>(col, out);
              for (int i = 0; i < 4; ++i) u[i][j] = out[i];
            }
            for (int i = 0; i < 4; ++i) {  // rows: (B^T d) B
              B out[4];
              wino_bt4<Arch>(u[i], out);
              for (int j = 0; j < 4; ++j) out[j].store_aligned(V + ((i * 4 + j) * Cin + ci) * 16 + v * L);
            }
          }
        }
      }
      // 2. the products of blocks [b0, b1) position by position (V_p reused from L1 by each
      // block), into M[pos][block][R][16]; then the output transform of those channels
      const std::int64_t nb = b1 - b0;
      for (int pos = 0; pos < 16; ++pos)
        for (std::int64_t bi = 0; bi < nb; ++bi) {
          const float* up = U + wino_t_u_offset(b0 + bi, pos, blocks, Cin, R);
          gemm_ukernel<Arch, R, TV, false, TV, false, true>(Cin, up, R, V + pos * Cin * 16, M + (pos * nb + bi) * R * 16, 16,
                                                            16, ep, 0, 0, reinterpret_cast<std::uintptr_t>(up + ublock),
                                                            static_cast<std::int64_t>(R * sizeof(float)));
        }
      for (std::int64_t c = 0; c < nb * R; ++c) {
        const std::int64_t co = b0 * R + c;
        if (co >= Cout) break;
        const B bv(bias ? bias[co] : 0.0f);
        for (int v = 0; v < TV; ++v) {
          B m[4][4], sm[2][4];
          for (int pos = 0; pos < 16; ++pos) m[pos / 4][pos % 4] = B::load_aligned(M + (pos * nb * R + c) * 16 + v * L);
          for (int j = 0; j < 4; ++j) {  // columns: A^T m
            B col[4], out[2];
            for (int i = 0; i < 4; ++i) col[i] = m[i][j];
            wino_at4<Arch>(col, out);
            sm[0][j] = out[0];
            sm[1][j] = out[1];
          }
          for (int i = 0; i < 2; ++i) {  // rows: (A^T m) A
            B out[2];
            wino_at4<Arch>(sm[i], out);
            for (int j = 0; j < 2; ++j) (out[j] + bv).store_aligned(ob + (i * 2 + j) * 16 + v * L);
          }
        }
        float* yc = y + (n * Cout + co) * Ho * Wo;
        const float* rc = residual ? residual + (n * Cout + co) * Ho * Wo : nullptr;
        for (std::int64_t oy = 0; oy < Ho; ++oy)
          for (std::int64_t ox = 0; ox < Wo; ++ox) {
            float o = ob[((oy & 1) * 2 + (ox & 1)) * 16 + (oy >> 1) * tw + (ox >> 1)];
            if (rc) o += rc[oy * Wo + ox];
            yc[oy * Wo + ox] = o;
          }
        if (p.activation != ActivationKind::Identity) act_array<Arch>(p.activation, p.act_params, yc, Ho * Wo);
      }
    }
  });
}

}  // namespace simd_impl
#endif  // LUODI_HAS_XSIMD

}  // namespace kernels
}  // namespace luodi
