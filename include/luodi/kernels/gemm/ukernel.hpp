// f32 GEMM micro-kernels: C[MR x NR] (+)= A[MR x kc] * B[kc x NR] over a packed B panel, with a
// fused epilogue. Shared by GEMM, Conv2D (im2col, 1x1, Winograd) and ConvTranspose.
//
// Register blocking. The tile is MR rows x NRV vectors; each k step loads NRV vectors of the B
// panel, broadcasts MR values of A and issues MR*NRV independent FMAs into accumulators that
// stay in registers for the whole k loop. The tile per ISA (GemmTile below) follows from the
// register file and FMA latency; only the cache blocking around it (gemm.hpp) was tuned by
// measurement on a Zen 4 core (bench/kernels/bench_gemm.cpp; docs/performance.md):
//   sse2     6 x 8   (12 accumulators of 16 xmm registers)
//   avx2     6 x 16  (12 of 16 ymm; 2 FMA pipes x 4 cycles latency need >= 8 chains)
//   avx512f  8 x 32  (16 of 32 zmm; on Zen 4 a zmm FMA is double-pumped, so 16 chains of
//                     512 bits keep both pipes busy with half the loads of 6 x 16)
//   neon64   8 x 12  (24 of 32 q registers)
// B is a packed panel: kc rows of NR floats, vector aligned, zero-padded past the last column;
// or (B_ROWS, for a 1x1 convolution's input) NR columns of a row-major matrix read in place. A is read in place, in one of two layouts:
//   row-major  a[i*stride + k]  (an activation matrix, or Winograd's transformed tiles)
//   k-major    a[k*stride + i]  (packed weight panels with stride = MR, or a transposed A)
// so that no operand that changes per run needs an extra copy besides the B panel.
//
// Epilogue, in order: v = alpha*acc; v += bias_scale*(bias_row[i] + bias_col[j] + addend[i][j]);
// v += residual[i][j]; v = act(v). With kLoadC the previous contents of C are added to acc
// first (K blocking); without kFinal the raw sum is stored and the epilogue is skipped.
#pragma once

#include <cstdint>
#include <cstring>

#include "../../simd/arch.hpp"
#include "../activation/params.hpp"
#include "../activation/simd.hpp"
#include "../../core/parallel.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

template <class Arch, class Enable = void>
struct GemmTile {
  static constexpr int MR = 6;
  static constexpr int NRV = 2;
};
#if defined(__AVX512F__)
template <>
struct GemmTile<xsimd::avx512f> {
  static constexpr int MR = 8;
  static constexpr int NRV = 2;
};
#endif
#if defined(__aarch64__)
template <>
struct GemmTile<xsimd::neon64> {
  static constexpr int MR = 8;
  static constexpr int NRV = 3;
};
#endif

enum UkFlags : int { kUkLoadC = 1, kUkFinal = 2 };

// Pointers are already offset to the tile. A plain aggregate (see driver.hpp for why).
struct UkEpilogue {
  float alpha;
  float bias_scale;
  const float* bias_row;     // bias_row[i] for tile row i
  const float* bias_col;     // bias_col[j] for tile column j
  const float* bias_scalar;  // one value for all
  const float* addend;       // addend[i*ld_addend + j], scaled by bias_scale (Gemm's full C)
  std::int64_t ld_addend;
  const float* residual;     // residual[i*ld_residual + j]
  std::int64_t ld_residual;
  ActivationKind act;
  ActivationParams act_params;
};

// Activations the micro-kernel applies in registers; the others go through a second pass over
// the stored tile (still in L1), so that each micro-kernel is not instantiated 12 times.
template <class Arch>
LUODI_ALWAYS_INLINE constexpr bool uk_inline_act(ActivationKind k) noexcept {
  return k == ActivationKind::Identity || k == ActivationKind::Relu || k == ActivationKind::Clip ||
         k == ActivationKind::LeakyRelu;
}

template <class Arch>
LUODI_ALWAYS_INLINE simd::fbatch<Arch> uk_act_inline(ActivationKind k, const simd::fbatch<Arch>& v,
                                                     const ActivationParams& p) noexcept {
  switch (k) {
    case ActivationKind::Relu: return activate<Arch, ActivationKind::Relu>(v, p);
    case ActivationKind::Clip: return activate<Arch, ActivationKind::Clip>(v, p);
    case ActivationKind::LeakyRelu: return activate<Arch, ActivationKind::LeakyRelu>(v, p);
    default: return v;
  }
}

// The activation over `rows` rows of `nv` vectors each, in place (the slow kinds).
template <class Arch>
LUODI_NOINLINE void uk_act_rows(ActivationKind k, const ActivationParams& p, float* c, std::int64_t ldc, int rows,
                                int nv) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr int L = static_cast<int>(B::size);
  for (int i = 0; i < rows; ++i)
    for (int v = 0; v < nv; ++v) {
      float* q = c + i * ldc + v * L;
      activate_dynamic<Arch>(k, B::load_unaligned(q), p).store_unaligned(q);
    }
}

// PV is the width of the B panel in vectors (NRV by default): a narrower tile over the first NRV
// vectors of a wider panel computes the last columns of a matrix whose width leaves a tail of at
// most NRV vectors, with the same per-element arithmetic as the full tile.
// B_ROWS: B is not a packed panel but NR columns of a row-major matrix read in place, row k at
// b + k*ldb (unaligned loads; all NR columns must exist). A 1x1 stride-1 convolution's input is
// such a matrix (K channels x HW pixels), so its B needs no packing pass (conv2d/gemm_path.hpp).
// The arithmetic is the same as over a packed copy of those columns.
// PF: each k step also prefetches (into L2) the byte at address pf, then advances pf by pf_step
// (an address, not a pointer: the last steps may run a little past the end of the weights, which a
// prefetch never faults on but pointer arithmetic must not do). GemmT
// (conv2d/gemm_path.hpp) uses it to spread the fetch of the next weight panel over all the pixel
// tiles of the current one: without it the first tile of each panel demands its weights from
// DRAM at the FMA rate (~32 GB/s at 8 B/cycle), more than DRAM gives, while the other tiles leave
// DRAM idle. It changes no arithmetic.
template <class Arch, int MR, int NRV, bool A_ROWMAJOR, int PV = NRV, bool B_ROWS = false, bool PF = false>
void gemm_ukernel(std::int64_t kc, const float* LUODI_RESTRICT a, std::int64_t a_stride, const float* LUODI_RESTRICT b,
                  float* c, std::int64_t ldc, int n_valid, const UkEpilogue& ep, int flags,
                  std::int64_t ldb = 0, std::uintptr_t pf = 0, std::int64_t pf_step = 0) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr int L = static_cast<int>(B::size);
  constexpr int NR = NRV * L;
  constexpr int BS = PV * L;  // floats per k row of the B panel
  static_assert(PV >= NRV, "the tile cannot be wider than the B panel");
  static_assert(!B_ROWS || PV == NRV, "a B read in place has no panel padding to cover a narrower tile");
  const std::int64_t b_step = B_ROWS ? ldb : BS;
  (void)ldb;
  (void)pf;
  (void)pf_step;

  B acc[MR][NRV];
LUODI_UNROLL(16)
  for (int i = 0; i < MR; ++i)
LUODI_UNROLL(4)
    for (int v = 0; v < NRV; ++v) acc[i][v] = B(0.0f);
  // Ask for the C tile (and the residual tile) now, so that the epilogue does not wait for them:
  // a tile is MR rows far apart in memory, which the hardware prefetchers do not follow when
  // consecutive calls walk down the rows of a column panel.
  if (n_valid == NR) {
LUODI_UNROLL(16)
    for (int i = 0; i < MR; ++i) {
LUODI_UNROLL(4)
      for (int v = 0; v < NRV; ++v) __builtin_prefetch(c + i * ldc + v * L, 1, 3);
      __builtin_prefetch(c + i * ldc + NR - 1, 1, 3);
    }
    if ((flags & kUkFinal) && ep.residual) {
LUODI_UNROLL(16)
      for (int i = 0; i < MR; ++i) {
LUODI_UNROLL(4)
        for (int v = 0; v < NRV; ++v) __builtin_prefetch(ep.residual + i * ep.ld_residual + v * L, 0, 3);
        __builtin_prefetch(ep.residual + i * ep.ld_residual + NR - 1, 0, 3);
      }
    }
  }

  if (A_ROWMAJOR) {
    const float* ar[MR];
LUODI_UNROLL(16)
    for (int i = 0; i < MR; ++i) ar[i] = a + i * a_stride;
    for (std::int64_t k = 0; k < kc; ++k) {
      B bv[NRV];
LUODI_UNROLL(4)
      for (int v = 0; v < NRV; ++v) bv[v] = B_ROWS ? B::load_unaligned(b + v * L) : B::load_aligned(b + v * L);
LUODI_UNROLL(16)
      for (int i = 0; i < MR; ++i) {
        const B ai(ar[i][k]);
LUODI_UNROLL(4)
        for (int v = 0; v < NRV; ++v) acc[i][v] = xsimd::fma(ai, bv[v], acc[i][v]);
      }
      b += b_step;
      if constexpr (PF) {
        __builtin_prefetch(reinterpret_cast<const void*>(pf), 0, 2);
        pf += static_cast<std::uintptr_t>(pf_step);
      }
    }
  } else {
    for (std::int64_t k = 0; k < kc; ++k) {
      B bv[NRV];
LUODI_UNROLL(4)
      for (int v = 0; v < NRV; ++v) bv[v] = B_ROWS ? B::load_unaligned(b + v * L) : B::load_aligned(b + v * L);
LUODI_UNROLL(16)
      for (int i = 0; i < MR; ++i) {
        const B ai(a[i]);
LUODI_UNROLL(4)
        for (int v = 0; v < NRV; ++v) acc[i][v] = xsimd::fma(ai, bv[v], acc[i][v]);
      }
      b += b_step;
      a += a_stride;
      if constexpr (PF) {
        __builtin_prefetch(reinterpret_cast<const void*>(pf), 0, 2);
        pf += static_cast<std::uintptr_t>(pf_step);
      }
    }
  }

  // A partial tile goes through a local buffer so that the epilogue below is one code path.
  const bool full = n_valid == NR;
  alignas(64) float cbuf[MR * NR];
  alignas(64) float rbuf[MR * NR];
  alignas(64) float bbuf[NR];
  float* cp = c;
  std::int64_t ldcp = ldc;
  const float* res = ep.residual;
  std::int64_t ldr = ep.ld_residual;
  const float* add = ep.addend;
  std::int64_t lda = ep.ld_addend;
  const float* bcol = ep.bias_col;
  if (!full) {
    cp = cbuf;
    ldcp = NR;
    std::memset(cbuf, 0, sizeof(cbuf));
    if (bcol) {
      std::memset(bbuf, 0, sizeof(bbuf));
      std::memcpy(bbuf, bcol, sizeof(float) * n_valid);
      bcol = bbuf;
    }
    if (flags & kUkLoadC)
      for (int i = 0; i < MR; ++i) std::memcpy(cbuf + i * NR, c + i * ldc, sizeof(float) * n_valid);
    if ((flags & kUkFinal) && (res || add)) {
      std::memset(rbuf, 0, sizeof(rbuf));
      // residual and addend share rbuf: the addend is folded in with its scale first
      for (int i = 0; i < MR; ++i)
        for (int j = 0; j < n_valid; ++j) {
          float r = 0.0f;
          if (add) r += ep.bias_scale * add[i * lda + j];
          if (res) r += res[i * ldr + j];
          rbuf[i * NR + j] = r;
        }
      res = rbuf;
      ldr = NR;
      add = nullptr;
    }
  }

  if (flags & kUkLoadC) {
LUODI_UNROLL(16)
    for (int i = 0; i < MR; ++i)
LUODI_UNROLL(4)
      for (int v = 0; v < NRV; ++v) acc[i][v] += B::load_unaligned(cp + i * ldcp + v * L);
  }
  if (flags & kUkFinal) {
    if (ep.alpha != 1.0f) {
      const B al(ep.alpha);
LUODI_UNROLL(16)
      for (int i = 0; i < MR; ++i)
LUODI_UNROLL(4)
        for (int v = 0; v < NRV; ++v) acc[i][v] *= al;
    }
    const B bs(ep.bias_scale);
    if (ep.bias_row) {
LUODI_UNROLL(16)
      for (int i = 0; i < MR; ++i) {
        const B bi(ep.bias_scale * ep.bias_row[i]);
LUODI_UNROLL(4)
        for (int v = 0; v < NRV; ++v) acc[i][v] += bi;
      }
    }
    if (bcol) {
LUODI_UNROLL(4)
      for (int v = 0; v < NRV; ++v) {
        const B bj = bs * B::load_unaligned(bcol + v * L);
LUODI_UNROLL(16)
        for (int i = 0; i < MR; ++i) acc[i][v] += bj;
      }
    }
    if (ep.bias_scalar) {
      const B s(ep.bias_scale * ep.bias_scalar[0]);
LUODI_UNROLL(16)
      for (int i = 0; i < MR; ++i)
LUODI_UNROLL(4)
        for (int v = 0; v < NRV; ++v) acc[i][v] += s;
    }
    if (add) {
LUODI_UNROLL(16)
      for (int i = 0; i < MR; ++i)
LUODI_UNROLL(4)
        for (int v = 0; v < NRV; ++v) acc[i][v] = xsimd::fma(bs, B::load_unaligned(add + i * lda + v * L), acc[i][v]);
    }
    if (res) {
LUODI_UNROLL(16)
      for (int i = 0; i < MR; ++i)
LUODI_UNROLL(4)
        for (int v = 0; v < NRV; ++v) acc[i][v] += B::load_unaligned(res + i * ldr + v * L);
    }
    if (ep.act != ActivationKind::Identity && uk_inline_act<Arch>(ep.act)) {
LUODI_UNROLL(16)
      for (int i = 0; i < MR; ++i)
LUODI_UNROLL(4)
        for (int v = 0; v < NRV; ++v) acc[i][v] = uk_act_inline<Arch>(ep.act, acc[i][v], ep.act_params);
    }
  }
LUODI_UNROLL(16)
  for (int i = 0; i < MR; ++i)
LUODI_UNROLL(4)
    for (int v = 0; v < NRV; ++v) acc[i][v].store_unaligned(cp + i * ldcp + v * L);
  if ((flags & kUkFinal) && !uk_inline_act<Arch>(ep.act)) uk_act_rows<Arch>(ep.act, ep.act_params, cp, ldcp, MR, NRV);
  if (!full)
    for (int i = 0; i < MR; ++i) std::memcpy(c + i * ldc, cbuf + i * NR, sizeof(float) * n_valid);
}

// The micro-kernel for m rows (1 <= m <= MR): the tail rows of a matrix use a smaller tile with
// the same per-element arithmetic, so results do not depend on where a row falls.
template <class Arch, int NRV, bool A_ROWMAJOR>
using GemmUkernelFn = void (*)(std::int64_t, const float*, std::int64_t, const float*, float*, std::int64_t, int,
                               const UkEpilogue&, int) noexcept;

template <class Arch, int NRV, bool A_ROWMAJOR, int M = GemmTile<Arch>::MR, int PV = NRV, bool B_ROWS = false,
          bool PF = false>
LUODI_ALWAYS_INLINE void gemm_ukernel_m(int m, std::int64_t kc, const float* a, std::int64_t a_stride, const float* b, float* c,
                                        std::int64_t ldc, int n_valid, const UkEpilogue& ep, int flags,
                                        std::int64_t ldb = 0, std::uintptr_t pf = 0,
                                        std::int64_t pf_step = 0) noexcept {
  if constexpr (M >= 1) {
    if (m == M) {
      gemm_ukernel<Arch, M, NRV, A_ROWMAJOR, PV, B_ROWS, PF>(kc, a, a_stride, b, c, ldc, n_valid, ep, flags, ldb, pf,
                                                             pf_step);
      return;
    }
    gemm_ukernel_m<Arch, NRV, A_ROWMAJOR, M - 1, PV, B_ROWS, PF>(m, kc, a, a_stride, b, c, ldc, n_valid, ep, flags, ldb,
                                                                 pf, pf_step);
  }
}

// The same for a panel of NRV vectors whose valid columns (n_valid) may fit a 1-vector tile:
// the last panel of a matrix whose width is not a multiple of NR then costs half (NRV = 2) of a
// full tile instead of a full one (N = 196 = 6 x 32 + 4 on avx512f: 6.5 tiles instead of 7).
template <class Arch, int NRV, bool A_ROWMAJOR>
LUODI_ALWAYS_INLINE void gemm_ukernel_mn(int m, std::int64_t kc, const float* a, std::int64_t a_stride, const float* b,
                                         float* c, std::int64_t ldc, int n_valid, const UkEpilogue& ep,
                                         int flags) noexcept {
  constexpr int L = static_cast<int>(simd::fbatch<Arch>::size);
  if constexpr (NRV > 1) {
    if (n_valid <= L) {
      gemm_ukernel_m<Arch, 1, A_ROWMAJOR, GemmTile<Arch>::MR, NRV>(m, kc, a, a_stride, b, c, ldc, n_valid, ep, flags);
      return;
    }
  }
  gemm_ukernel_m<Arch, NRV, A_ROWMAJOR>(m, kc, a, a_stride, b, c, ldc, n_valid, ep, flags);
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD

#if LUODI_HAS_XSIMD
namespace luodi {
namespace kernels {
namespace simd_impl {

// y[i] = act(y[i]) for i < n, any n (the tail goes through a lane-sized buffer). The switch on
// the kind is outside the loop.
template <class Arch, ActivationKind K>
LUODI_ALWAYS_INLINE void act_array_k(const ActivationParams& p, float* y, std::int64_t n) noexcept {
  using B = simd::fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  std::int64_t i = 0;
  for (; i + L <= n; i += L) activate<Arch, K>(B::load_unaligned(y + i), p).store_unaligned(y + i);
  if (i < n) {
    alignas(64) float buf[L] = {};
    std::memcpy(buf, y + i, static_cast<std::size_t>(n - i) * sizeof(float));
    activate<Arch, K>(B::load_aligned(buf), p).store_aligned(buf);
    std::memcpy(y + i, buf, static_cast<std::size_t>(n - i) * sizeof(float));
  }
}
template <class Arch>
LUODI_NOINLINE void act_array(ActivationKind k, const ActivationParams& p, float* y, std::int64_t n) noexcept {
  switch (k) {
#define LUODI_X(e, name, a, b)                                 \
  case ActivationKind::e:                                      \
    if (ActivationKind::e != ActivationKind::Identity)         \
      act_array_k<Arch, ActivationKind::e>(p, y, n);           \
    return;
    LUODI_ACTIVATIONS(LUODI_X)
#undef LUODI_X
  }
}

// Thread `thread` of `threads` takes items [items*thread/threads, items*(thread+1)/threads) and
// gets its index, which selects its scratch slot. Dispatched kernels never see the Executor:
// the entry points (conv2d_run, gemm_run, ...) run in the caller's translation unit and call the
// kernel once per thread, so no virtual call (and no speculatively devirtualised copy of an
// executor's inline methods) is compiled with a per-ISA target.
template <class Arch, class F>
LUODI_ALWAYS_INLINE void parallel_items(std::int64_t items, std::int64_t thread, std::int64_t threads, F&& fn) noexcept {
  const std::int64_t b = items * thread / threads, e = items * (thread + 1) / threads;
  if (b < e) fn(thread, b, e);
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi
#endif
