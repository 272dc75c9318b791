// f32 GEMV over NR-wide weight panels: y[j] = act(sum_k x[k] * W[k][j] + bias[j] + residual[j]),
// with W packed as the GemmT / B panels of ukernel.hpp ([N/NR][K][NR], zero past the last
// column). This is a 1x1 convolution on a 1x1 plane: the fully connected layers of a
// squeeze-excitation block, a classifier written as a conv.
//
// A GEMV reads every weight once and does one FMA per weight, so it is bound by the bandwidth
// the weights stream at, not by the FMA units. The GEMM micro-kernel with one valid row wastes
// no FMAs but keeps only NRV dependent accumulator chains, splits K into blocks that jump between
// panels, and (GemmT) goes through a transposed C buffer. Here each panel is one contiguous run
// of K*NR floats read front to back, with 4*NRV independent accumulators (k unrolled by 4) and a
// software prefetch into L2 a fixed distance ahead: when the whole model runs, the weights of
// these layers come from L3 or DRAM (docs/performance.md, "GEMV").
#pragma once

#include <cstdint>
#include <cstring>

#include "ukernel.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

// Bytes ahead of the current k row that each step asks for, into L2 (prefetcht2). Measured on a
// Zen 4 core with the weights flushed from the caches (960 x 240): 8-32 KiB ahead into L2 were
// level and ~15-25% faster than no prefetch or 2 KiB; into L1 it was no better than none (each
// L1 miss buffer then waits for DRAM). The shared machine made single runs vary by +-20%.
constexpr std::int64_t kGemvPrefetchBytes = 8192;

// Panels [p0, p1) of one GEMV. x: K floats. w: the first panel ([K][NR] each). bias and residual
// are indexed by output column (null when absent); y receives columns [p0*NR, min(p1*NR, N)).
template <class Arch>
void gemv_panels(std::int64_t K, std::int64_t N, const float* LUODI_RESTRICT x, const float* LUODI_RESTRICT w,
                 const float* bias, const float* residual, ActivationKind act, const ActivationParams& act_params,
                 float* y, std::int64_t p0, std::int64_t p1) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr int L = static_cast<int>(B::size);
  constexpr int NRV = GemmTile<Arch>::NRV;
  constexpr int NR = NRV * L;
  constexpr std::int64_t ahead = kGemvPrefetchBytes / static_cast<std::int64_t>(sizeof(float));
  const float* const wend = w + p1 * K * NR;  // the panels are contiguous: prefetch across them
  for (std::int64_t jp = p0; jp < p1; ++jp) {
    const float* wp = w + jp * K * NR;
    B acc[4][NRV];
LUODI_UNROLL(4)
    for (int u = 0; u < 4; ++u)
LUODI_UNROLL(4)
      for (int v = 0; v < NRV; ++v) acc[u][v] = B(0.0f);
    std::int64_t k = 0;
    for (; k + 4 <= K; k += 4) {
      const float* q = wp + k * NR;
      // one prefetch per cache line of the 4 rows
      for (int b = 0; b < 4 * NR; b += 64 / static_cast<int>(sizeof(float)))
        if (q + ahead + b < wend) __builtin_prefetch(q + ahead + b, 0, 1);
LUODI_UNROLL(4)
      for (int u = 0; u < 4; ++u) {
        const B xk(x[k + u]);
LUODI_UNROLL(4)
        for (int v = 0; v < NRV; ++v) acc[u][v] = xsimd::fma(xk, B::load_aligned(q + u * NR + v * L), acc[u][v]);
      }
    }
    for (; k < K; ++k) {
      const B xk(x[k]);
LUODI_UNROLL(4)
      for (int v = 0; v < NRV; ++v) acc[0][v] = xsimd::fma(xk, B::load_aligned(wp + k * NR + v * L), acc[0][v]);
    }
    const std::int64_t j0 = jp * NR;
    const int valid = static_cast<int>((N - j0 < NR) ? N - j0 : NR);
    alignas(64) float tail_in[2][NR];  // bias and residual of a partial panel, zero-padded
    const float* bj = bias ? bias + j0 : nullptr;
    const float* rj = residual ? residual + j0 : nullptr;
    if (valid < NR) {
      std::memset(tail_in, 0, sizeof(tail_in));
      if (bj) {
        std::memcpy(tail_in[0], bj, sizeof(float) * static_cast<std::size_t>(valid));
        bj = tail_in[0];
      }
      if (rj) {
        std::memcpy(tail_in[1], rj, sizeof(float) * static_cast<std::size_t>(valid));
        rj = tail_in[1];
      }
    }
    alignas(64) float out[NR];
LUODI_UNROLL(4)
    for (int v = 0; v < NRV; ++v) {
      B s = (acc[0][v] + acc[1][v]) + (acc[2][v] + acc[3][v]);
      if (bj) s += B::load_unaligned(bj + v * L);
      if (rj) s += B::load_unaligned(rj + v * L);
      s = activate_dynamic<Arch>(act, s, act_params);
      if (valid == NR)
        s.store_unaligned(y + j0 + v * L);
      else
        s.store_aligned(out + v * L);
    }
    if (valid < NR) std::memcpy(y + j0, out, sizeof(float) * static_cast<std::size_t>(valid));
  }
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
