// The GEMM family's SIMD run functions (templates over Arch; compiled per ISA).
#pragma once

#include <cstdint>

#include "../../core/parallel.hpp"
#include "driver.hpp"
#include "gemv.hpp"
#include "plan.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

// One work item: rows [m0, m1) x columns [n0, n1) of batch entry `b`.
struct GemmItem {
  std::int64_t b, m0, m1, n0, n1;
};

template <class Arch>
void gemm_batch_offsets_t(const GemmParams& p, std::int64_t b, std::int64_t* a_off, std::int64_t* b_off) noexcept {
  std::int64_t oa = 0, ob = 0;
  for (int d = p.batch_rank - 1; d >= 0; --d) {
    const std::int64_t i = b % p.batch_dims[d];
    b /= p.batch_dims[d];
    oa += i * p.a_batch_strides[d];
    ob += i * p.b_batch_strides[d];
  }
  *a_off = oa;
  *b_off = ob;
}

// The items are a grid over batch x M blocks x N blocks, numbered with N fastest; a thread takes
// a contiguous range of them.
template <class Arch>
LUODI_ALWAYS_INLINE GemmItem gemm_item(std::int64_t idx, std::int64_t m_blocks, std::int64_t n_blocks, std::int64_t m_step,
                                       std::int64_t n_step, std::int64_t M, std::int64_t N) noexcept {
  GemmItem it;
  const std::int64_t nb = idx % n_blocks;
  idx /= n_blocks;
  const std::int64_t mb = idx % m_blocks;
  it.b = idx / m_blocks;
  it.m0 = mb * m_step;
  it.m1 = (it.m0 + m_step < M) ? it.m0 + m_step : M;
  it.n0 = nb * n_step;
  it.n1 = (it.n0 + n_step < N) ? it.n0 + n_step : N;
  return it;
}

// Shared by the packed and unpacked runs. Exactly one of b_packed / b_plain is set.
template <class Arch>
void gemm_run_impl(const GemmPlan& plan, const float* A, const float* b_packed, const float* b_plain, const float* bias,
                   const float* residual, float* C, void* scratch, std::int64_t thread, std::int64_t nthreads) noexcept {
  using Tile = GemmTile<Arch>;
  constexpr int MR = Tile::MR;
  constexpr int NR = Tile::NRV * static_cast<int>(simd::fbatch<Arch>::size);
  const GemmParams& p = plan.p;
  const std::int64_t M = p.M, N = p.N, K = p.K;
  std::int64_t batches = 1;
  for (int d = 0; d < p.batch_rank; ++d) batches *= p.batch_dims[d];

  // One row against packed weights (a classifier: 1 x K times K x N) is a GEMV: stream each
  // weight panel once (gemv.hpp) instead of the 1-valid-row micro-kernel over K blocks.
  if (b_packed && M == 1 && batches == 1 && p.alpha == 1.0f &&
      (p.bias == GemmBias::None || (p.bias == GemmBias::Col && p.beta == 1.0f))) {
    parallel_items<Arch>((N + NR - 1) / NR, thread, nthreads, [&](std::int64_t, std::int64_t pb, std::int64_t pe) {
      gemv_panels<Arch>(K, N, A, b_packed, p.bias == GemmBias::Col ? bias : nullptr, residual, p.activation,
                        p.act_params, C, pb, pe);
    });
    return;
  }
  GemmEpilogue ep = {};
  ep.alpha = p.alpha;
  ep.bias_scale = p.beta;
  switch (p.bias) {
    case GemmBias::None: break;
    case GemmBias::Scalar: ep.bias_scalar = bias; break;
    case GemmBias::Row: ep.bias_row = bias; break;
    case GemmBias::Col: ep.bias_col = bias; break;
    case GemmBias::Full:
      ep.addend = bias;
      ep.ld_addend = N;
      break;
  }
  ep.ld_residual = N;
  ep.act = p.activation;
  ep.act_params = p.act_params;
  GemmBlocking blk = {};
  blk.kc = plan.kc;
  blk.mc = plan.mc;
  blk.nc = plan.nc;

  // Work split: N blocks of nc columns; M is split too only when that leaves too few items.
  const std::int64_t threads = nthreads;
  std::int64_t n_step = plan.nc;
  std::int64_t n_blocks = (N + n_step - 1) / n_step;
  std::int64_t m_step = M;
  std::int64_t m_blocks = 1;
  if (threads > 1 && batches * n_blocks < 2 * threads) {
    // narrower N blocks first (down to one panel), then M blocks of whole MR panels
    const std::int64_t panels = (N + NR - 1) / NR;
    std::int64_t want = (2 * threads + batches - 1) / batches;
    std::int64_t per = (panels + want - 1) / want;
    if (per < 1) per = 1;
    n_step = per * NR;
    n_blocks = (N + n_step - 1) / n_step;
    if (batches * n_blocks < 2 * threads) {
      const std::int64_t mwant = (2 * threads + batches * n_blocks - 1) / (batches * n_blocks);
      const std::int64_t mpanels = (M + MR - 1) / MR;
      std::int64_t mper = (mpanels + mwant - 1) / mwant;
      if (mper < 1) mper = 1;
      m_step = mper * MR;
      m_blocks = (M + m_step - 1) / m_step;
    }
  }
  const std::int64_t items = batches * m_blocks * n_blocks;
  const std::int64_t slot_floats = plan.scratch_per_thread / static_cast<std::int64_t>(sizeof(float));
  {
    {
      const std::int64_t t = thread;
      float* b_buf = static_cast<float*>(scratch) + t * slot_floats;
      const std::int64_t i0 = items * t / threads, i1 = items * (t + 1) / threads;
      for (std::int64_t idx = i0; idx < i1; ++idx) {
        const GemmItem it = gemm_item<Arch>(idx, m_blocks, n_blocks, m_step, n_step, M, N);
        std::int64_t oa = 0, ob = 0;
        gemm_batch_offsets_t<Arch>(p, it.b, &oa, &ob);
        const float* a = A + oa;
        const GemmA ga = p.trans_a ? GemmA{a, 1, M, false} : GemmA{a, K, 1, true};
        float* c = C + it.b * M * N;
        GemmEpilogue e = ep;
        e.residual = residual ? residual + it.b * M * N : nullptr;
        const float* bp = nullptr;
        const float* bsrc = nullptr;
        if (b_packed) {
          bp = b_packed + (ob / (K * N)) * plan.b_slice_floats;
        } else {
          bsrc = b_plain + ob;
        }
        auto pack = [&](std::int64_t k0, std::int64_t kc, std::int64_t j0, std::int64_t nc, float* dst) {
          if (p.trans_b)
            pack_b_col_major<Arch>(bsrc, K, N, k0, kc, j0, nc, dst);
          else
            pack_b_row_major_by_rows<Arch>(bsrc, N, N, k0, kc, j0, nc, dst);
        };
        gemm_blocked<Arch>(M, N, K, ga, bp, pack, c, N, e, blk, it.m0, it.m1, it.n0, it.n1, b_buf);
      }
    }
  }
}

template <class Arch>
void gemm_run_packed(const GemmPlan& plan, const float* A, const void* packed, const float* residual, float* C,
                     void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
  const float* pk = static_cast<const float*>(packed);
  gemm_run_impl<Arch>(plan, A, pk, nullptr, plan.p.bias != GemmBias::None ? pk + plan.bias_offset : nullptr, residual, C,
                      scratch, thread, threads);
}

template <class Arch>
void gemm_run_unpacked(const GemmPlan& plan, const float* A, const float* B, const float* bias, const float* residual,
                       float* C, void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
  gemm_run_impl<Arch>(plan, A, nullptr, B, bias, residual, C, scratch, thread, threads);
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
