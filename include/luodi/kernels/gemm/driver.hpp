// The blocked GEMM loop around the micro-kernels (Goto/BLIS order), shared by every family that
// reduces to a GEMM. One call computes C[m0:m1, n0:n1] of one product over all of K:
//
//   for each NC block of columns
//     for each KC block of K            B block packed (or already packed) as NR-wide panels
//       for each NR panel of the block  that kc x NR panel stays in L1 (or, for Conv2D's
//         for each MR block of rows     kc = 512, streams from L2) while the A rows stream
//           micro-kernel (first K block stores, later ones accumulate, the last one runs
//                         the epilogue)
//
// With a short K (GemmBlocking::rows_outer_max_k) the two inner loops swap: the micro-kernel
// then does little work per C tile it writes, and MR rows written nc floats at a time stream
// out where mc rows written NR floats at a time (panel outer) defeat the prefetchers.
//
// Every output element is computed by exactly one micro-kernel call sequence whose order does
// not depend on the ranges, so splitting the output across threads never changes results.
#pragma once

#include <cstdint>

#include "../../core/parallel.hpp"
#include "ukernel.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

// Where A(i, k) lives: a + i*row_step + k*k_step. row_major says whether the micro-kernel walks
// k along a row (k_step == 1, stride = row_step) or reads MR consecutive rows per k
// (row_step == 1 within a panel, stride = k_step).
//   row-major A (lda):             GemmA{a, lda, 1, true}
//   column-major A (transA, lda):  GemmA{a, 1, lda, false}
//   packed weight panels:          GemmA{a, K, MR, false}  (panel of row i0, a multiple of MR,
//                                  starts at i0*K and holds [K][MR])
// (Plain aggregates without member initializers: code in the per-ISA translation units must
// not call shared inline functions, constructors included.)
struct GemmA {
  const float* a;
  std::int64_t row_step;
  std::int64_t k_step;
  bool row_major;
};

// The epilogue operands of a whole product; the driver offsets them per tile.
// Zero-initialise with `GemmEpilogue ep = {};` and set alpha and bias_scale.
struct GemmEpilogue {
  float alpha;
  float bias_scale;
  const float* bias_row;  // [M]
  const float* bias_col;  // [N]
  const float* bias_scalar;
  const float* addend;  // [M][ld_addend]
  std::int64_t ld_addend;
  const float* residual;  // [M][ld_residual]
  std::int64_t ld_residual;
  ActivationKind act;
  ActivationParams act_params;
};

struct GemmBlocking {
  std::int64_t kc;
  std::int64_t mc;
  std::int64_t nc;
  // K blocks up to this long run each row tile across the block's panels instead of each panel
  // down the row tiles (0: never). Conv2D's im2col path sets kGemmRowsOuterMaxK.
  std::int64_t rows_outer_max_k;
};

// A row-major B (element (k, j) at b[k*ldb + j]) that the micro-kernels read in place.
struct GemmBRows {
  const float* b;
  std::int64_t ldb;
};

// C[m0:m1, n0:n1] = epilogue(A * B). B comes pre-packed (b_packed: [N/NR][K][NR]), or from
// `pack_b(k0, kc, j0, nc, dst)`, which writes columns [j0, j0 + nc) of rows [k0, k0 + kc) as
// panels into dst (scratch of kc * round_up(nc, NR) floats), or, with b_rows, in place: every
// full NR-column panel is read from the row-major matrix and only a ragged last panel goes
// through pack_b (scratch of kc * NR floats). m0 must be a multiple of MR when A is packed
// panels; n0 a multiple of NR. An A given in place is read in place (MR row streams): copying
// it into panels per block measured within noise of this at 512^3 and 1024^3.
template <class Arch, class PackB>
void gemm_blocked(std::int64_t M, std::int64_t N, std::int64_t K, const GemmA& A, const float* b_packed, PackB&& pack_b,
                  float* C, std::int64_t ldc, const GemmEpilogue& ep, const GemmBlocking& blk, std::int64_t m0,
                  std::int64_t m1, std::int64_t n0, std::int64_t n1, float* b_buf,
                  const GemmBRows* b_rows = nullptr) noexcept {
  using Tile = GemmTile<Arch>;
  constexpr int MR = Tile::MR;
  constexpr int NRV = Tile::NRV;
  constexpr int NR = NRV * static_cast<int>(simd::fbatch<Arch>::size);
  (void)M;
  UkEpilogue uk = {};
  uk.alpha = ep.alpha;
  uk.bias_scale = ep.bias_scale;
  uk.bias_scalar = ep.bias_scalar;
  uk.act = ep.act;
  uk.act_params = ep.act_params;
  // Split K evenly so the last block is not a sliver.
  const std::int64_t kblocks = (K + blk.kc - 1) / blk.kc;
  const std::int64_t kc_even = (K + kblocks - 1) / kblocks;
  for (std::int64_t jc = n0; jc < n1; jc += blk.nc) {
    const std::int64_t nc = (n1 - jc < blk.nc) ? n1 - jc : blk.nc;
    for (std::int64_t k0 = 0; k0 < K; k0 += kc_even) {
      const std::int64_t kc = (K - k0 < kc_even) ? K - k0 : kc_even;
      const int flags = (k0 > 0 ? kUkLoadC : 0) | (k0 + kc == K ? kUkFinal : 0);
      const float* bblock;
      std::int64_t panel_stride;  // floats between consecutive NR panels
      if (b_packed) {
        bblock = b_packed + (jc / NR) * K * NR + k0 * NR;
        panel_stride = K * NR;
      } else if (b_rows) {
        // only the ragged last panel of the matrix (if in this block) is packed, into b_buf
        const std::int64_t jt = jc + nc / NR * NR;
        if (jt < jc + nc) pack_b(k0, kc, jt, jc + nc - jt, b_buf);
        bblock = b_buf;  // used only by that panel (below)
        panel_stride = 0;
      } else {
        pack_b(k0, kc, jc, nc, b_buf);
        bblock = b_buf;
        panel_stride = kc * NR;
      }
      for (std::int64_t ic = m0; ic < m1; ic += blk.mc) {
        const std::int64_t mc_end = (m1 - ic < blk.mc) ? m1 : ic + blk.mc;
        // Order of the tiles within the block. Long K: each B panel is reused by every row tile
        // while it sits in L1 (panel outer). Short K: the A tile and a B panel are small, and
        // the cost is in writing C, so each row tile runs across the block's columns (row tile
        // outer): MR store streams of nc floats at a time instead of mc streams of NR, which the
        // hardware prefetchers follow (measured: docs/performance.md, "Short K").
        const bool rows_outer = kc <= blk.rows_outer_max_k;
        const std::int64_t outer_n = rows_outer ? (mc_end - ic + MR - 1) / MR : (nc + NR - 1) / NR;
        const std::int64_t inner_n = rows_outer ? (nc + NR - 1) / NR : (mc_end - ic + MR - 1) / MR;
        for (std::int64_t o = 0; o < outer_n; ++o)
          for (std::int64_t q = 0; q < inner_n; ++q) {
            const std::int64_t j = jc + (rows_outer ? q : o) * NR;
            const std::int64_t i = ic + (rows_outer ? o : q) * MR;
            const float* bp = bblock + ((j - jc) / NR) * panel_stride;  // (b_rows: the ragged panel)
            const int nv = static_cast<int>((N - j < NR) ? N - j : NR);
            const int mv = static_cast<int>((mc_end - i < MR) ? mc_end - i : MR);
            uk.bias_col = ep.bias_col ? ep.bias_col + j : nullptr;
            uk.bias_row = ep.bias_row ? ep.bias_row + i : nullptr;
            uk.addend = ep.addend ? ep.addend + i * ep.ld_addend + j : nullptr;
            uk.ld_addend = ep.ld_addend;
            uk.residual = ep.residual ? ep.residual + i * ep.ld_residual + j : nullptr;
            uk.ld_residual = ep.ld_residual;
            const float* ap = A.a + i * A.row_step + k0 * A.k_step;
            const std::int64_t astride = A.row_major ? A.row_step : A.k_step;
            if (b_rows && nv == NR) {
              const float* br = b_rows->b + k0 * b_rows->ldb + j;
              if (A.row_major)
                gemm_ukernel_m<Arch, NRV, true, MR, NRV, true>(mv, kc, ap, astride, br, C + i * ldc + j, ldc, nv, uk,
                                                               flags, b_rows->ldb);
              else
                gemm_ukernel_m<Arch, NRV, false, MR, NRV, true>(mv, kc, ap, astride, br, C + i * ldc + j, ldc, nv, uk,
                                                                flags, b_rows->ldb);
            } else if (A.row_major)
              gemm_ukernel_mn<Arch, NRV, true>(mv, kc, ap, astride, bp, C + i * ldc + j, ldc, nv, uk, flags);
            else
              gemm_ukernel_mn<Arch, NRV, false>(mv, kc, ap, astride, bp, C + i * ldc + j, ldc, nv, uk, flags);
          }
      }
    }
  }
}

// Pack rows [k0, k0+kc) x columns [j0, j0+nc) of a row-major B (element (k, j) at b[k*ldb + j])
// into NR-wide panels, zero-padding the last panel.
template <class Arch>
void pack_b_row_major(const float* b, std::int64_t ldb, std::int64_t N, std::int64_t k0, std::int64_t kc, std::int64_t j0,
                      std::int64_t nc, float* dst) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr int L = static_cast<int>(B::size);
  constexpr int NR = GemmTile<Arch>::NRV * L;
  for (std::int64_t j = j0; j < j0 + nc; j += NR) {
    const std::int64_t w = (N - j < NR) ? N - j : NR;
    const float* src = b + k0 * ldb + j;
    if (w == NR) {
      for (std::int64_t k = 0; k < kc; ++k) {
LUODI_UNROLL(4)
        for (int v = 0; v < NR / L; ++v) B::load_unaligned(src + v * L).store_aligned(dst + v * L);
        src += ldb;
        dst += NR;
      }
    } else {
      for (std::int64_t k = 0; k < kc; ++k) {
        std::int64_t jj = 0;
        for (; jj < w; ++jj) dst[jj] = src[jj];
        for (; jj < NR; ++jj) dst[jj] = 0.0f;
        src += ldb;
        dst += NR;
      }
    }
  }
}

// The same panels, written one source row at a time: each row of the block is read as one
// contiguous run and scattered over the panels. pack_b_row_major above reads NR floats per row
// at a stride of ldb, a new 4 KiB page per row once ldb >= 1024 floats, where the hardware
// prefetchers stop. The plain GEMM driver packs a run-time B this way (measured:
// docs/performance.md, "SGEMM on Zen 3 (avx2)").
template <class Arch>
void pack_b_row_major_by_rows(const float* b, std::int64_t ldb, std::int64_t N, std::int64_t k0, std::int64_t kc,
                              std::int64_t j0, std::int64_t nc, float* dst) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr int L = static_cast<int>(B::size);
  constexpr int NR = GemmTile<Arch>::NRV * L;
  const std::int64_t cols = (j0 + nc < N ? j0 + nc : N) - j0;
  const std::int64_t whole = cols / NR;           // full panels
  const std::int64_t ragged = cols - whole * NR;  // columns of a zero-padded last panel
  const std::int64_t panel_floats = kc * NR;
  for (std::int64_t k = 0; k < kc; ++k) {
    const float* row = b + (k0 + k) * ldb + j0;
    float* out = dst + k * NR;
    for (std::int64_t q = 0; q < whole; ++q) {
LUODI_UNROLL(4)
      for (int v = 0; v < NR / L; ++v) B::load_unaligned(row + v * L).store_aligned(out + v * L);
      row += NR;
      out += panel_floats;
    }
    if (ragged) {
      for (std::int64_t jj = 0; jj < NR; ++jj) out[jj] = jj < ragged ? row[jj] : 0.0f;
    }
  }
}

// The same from a column-major B (element (k, j) at b[j*ldb + k], i.e. ONNX transB).
template <class Arch>
void pack_b_col_major(const float* b, std::int64_t ldb, std::int64_t N, std::int64_t k0, std::int64_t kc, std::int64_t j0,
                      std::int64_t nc, float* dst) noexcept {
  constexpr int NR = GemmTile<Arch>::NRV * static_cast<int>(simd::fbatch<Arch>::size);
  for (std::int64_t j = j0; j < j0 + nc; j += NR) {
    const std::int64_t w = (N - j < NR) ? N - j : NR;
    // 4 k at a time: each source column is read in short contiguous runs.
    std::int64_t k = 0;
    for (; k + 4 <= kc; k += 4) {
      for (std::int64_t jj = 0; jj < w; ++jj) {
        const float* s = b + (j + jj) * ldb + k0 + k;
        dst[jj] = s[0];
        dst[NR + jj] = s[1];
        dst[2 * NR + jj] = s[2];
        dst[3 * NR + jj] = s[3];
      }
      for (std::int64_t jj = w; jj < NR; ++jj) dst[jj] = dst[NR + jj] = dst[2 * NR + jj] = dst[3 * NR + jj] = 0.0f;
      dst += 4 * NR;
    }
    for (; k < kc; ++k) {
      for (std::int64_t jj = 0; jj < NR; ++jj) dst[jj] = jj < w ? b[(j + jj) * ldb + k0 + k] : 0.0f;
      dst += NR;
    }
  }
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
