// GEMM / MatMul: C = act(alpha * op(A) * op(B) + beta * bias + residual), batched with NumPy
// broadcasting (params.hpp). Plan once, pack a constant B once, run many times:
//
//   GemmPlan plan = gemm_plan(params, isa);                  // validate(params) first
//   gemm_pack_b(plan, B, bias, packed);                      // packed: plan.packed_bytes, at load
//   gemm_run(plan, A, packed, residual, C, scratch, ex);     // scratch: gemm_scratch_bytes(plan, T)
// or, when both operands are activations (nothing to pack ahead of time):
//   gemm_run_unpacked(plan, A, B, bias, residual, C, scratch, ex);
//
// T is the executor's concurrency (1 without one). run() is noexcept and never allocates.
// The packed layout depends on the plan's ISA (its micro-kernel tile): pack with the same plan
// that runs. Isa::scalar plans run the reference (ref.hpp) through the same calls.
//
// Accuracy: every path sums the K products in k order into one float accumulator per output
// (the SIMD paths with FMA; K blocks are summed in order), so each side's error is within
// Higham's gamma_K * sum|a||b|; tests/kernels/test_gemm.cpp allows (K + 3) eps sum|a||b| between
// them (tests/kernels/fixture_util.hpp).
// Results do not depend on the thread count.
#pragma once

#include <cstdint>
#include <cstring>

#include "../../core/memory.hpp"
#include "../../core/parallel.hpp"
#include "../../simd/dispatch.hpp"
#include "params.hpp"
#include "plan.hpp"
#include "ref.hpp"
#include "simd.hpp"

namespace luodi {
namespace kernels {

// One thread's share of a run: thread `thread` of `threads` (see gemm_run).
using GemmRunPackedFn = void (*)(const GemmPlan&, const float* A, const void* packed, const float* residual, float* C,
                                 void* scratch, std::int64_t thread, std::int64_t threads) noexcept;
using GemmRunUnpackedFn = void (*)(const GemmPlan&, const float* A, const float* B, const float* bias,
                                   const float* residual, float* C, void* scratch, std::int64_t thread,
                                   std::int64_t threads) noexcept;

struct GemmKernels {
  int mr, nr;  // micro-kernel tile; 0 for the reference
  GemmRunPackedFn run_packed;
  GemmRunUnpackedFn run_unpacked;
};

namespace ref {
// Thread t of T computes rows [M*t/T, M*(t+1)/T) of every batch entry.
inline void gemm_run_unpacked(const GemmPlan& plan, const float* A, const float* B, const float* bias,
                              const float* residual, float* C, void*, std::int64_t thread, std::int64_t threads) noexcept {
  const GemmParams& p = plan.p;
  const std::int64_t m0 = p.M * thread / threads, m1 = p.M * (thread + 1) / threads;
  for (std::int64_t b = 0; b < gemm_batch_count(p); ++b) {
    std::int64_t oa = 0, ob = 0;
    gemm_batch_offsets(p, b, &oa, &ob);
    gemm_f32_rows(p, A + oa, B + ob, bias, residual ? residual + b * p.M * p.N : nullptr, C + b * p.M * p.N, m0, m1);
  }
}
inline void gemm_run_packed(const GemmPlan& plan, const float* A, const void* packed, const float* residual, float* C,
                            void* scratch, std::int64_t thread, std::int64_t threads) noexcept {
  const float* B = static_cast<const float*>(packed);
  const float* bias = plan.p.bias != GemmBias::None ? B + plan.bias_offset : nullptr;
  // Packed B slices are stored densely in slice order, as the batch strides address them.
  gemm_run_unpacked(plan, A, B, bias, residual, C, scratch, thread, threads);
}
}  // namespace ref

struct GemmFamily {
  using Table = GemmKernels;
  template <class Arch>
  static const Table& table() noexcept {
    if constexpr (simd::is_scalar_v<Arch>) {
      static constexpr Table t = {0, 0, &ref::gemm_run_packed, &ref::gemm_run_unpacked};
      return t;
    } else {
#if LUODI_HAS_XSIMD
      static constexpr Table t = {simd_impl::GemmTile<Arch>::MR,
                                  simd_impl::GemmTile<Arch>::NRV * static_cast<int>(simd::fbatch<Arch>::size),
                                  &simd_impl::gemm_run_packed<Arch>, &simd_impl::gemm_run_unpacked<Arch>};
      return t;
#else
      return table<simd::scalar>();
#endif
    }
  }
  LUODI_DISPATCH_DECLARE_ISAS(Table)
};

inline const GemmKernels& gemm_kernels(Isa isa) noexcept { return select_table<GemmFamily>(isa); }

namespace detail {
inline std::int64_t round_up(std::int64_t v, std::int64_t m) noexcept { return (v + m - 1) / m * m; }

// Number of distinct B matrices a batched product reads (B's own batch dims).
inline std::int64_t gemm_b_slices(const GemmParams& p) noexcept {
  std::int64_t s = 1;
  for (int d = 0; d < p.batch_rank; ++d)
    if (p.b_batch_strides[d] != 0) s *= p.batch_dims[d];
  return s;
}

// Pack one B (K x N, op applied) into NR-wide panels [N/NR][K][NR], zero-padded. Runs at load,
// in the caller's translation unit; not performance critical.
inline void pack_b_panels(const float* B, bool trans_b, std::int64_t K, std::int64_t N, int nr, float* dst) noexcept {
  for (std::int64_t j0 = 0; j0 < N; j0 += nr)
    for (std::int64_t k = 0; k < K; ++k)
      for (int jj = 0; jj < nr; ++jj) {
        const std::int64_t j = j0 + jj;
        *dst++ = j < N ? (trans_b ? B[j * K + k] : B[k * N + j]) : 0.0f;
      }
}
}  // namespace detail

// Choose the kernel and blocking for `p` (which must pass validate) on `isa`. An ISA this build
// does not contain plans the reference.
inline GemmPlan gemm_plan(const GemmParams& p, Isa isa = active_isa()) noexcept {
  GemmPlan plan{};
  plan.p = p;
  if (!isa_compiled(isa)) isa = Isa::scalar;
  const GemmKernels& k = gemm_kernels(isa);
  plan.isa = isa;
  plan.b_slices = detail::gemm_b_slices(p);
  if (isa == Isa::scalar || k.mr == 0) {
    plan.isa = Isa::scalar;
    plan.algo = GemmAlgo::Reference;
    plan.b_slice_floats = p.K * p.N;
  } else {
    plan.algo = GemmAlgo::Packed;
    plan.mr = k.mr;
    plan.nr = k.nr;
    // Blocking measured on Zen 4 (32 KiB L1d, 1 MiB L2) over 256^3..1024^3 and both tiles:
    // kc = 128 (a B micro-panel that fits L1 with room) lost 15-25% at 1024^3 on avx512f to the
    // C reloads of 8 K blocks; kc = 384..768 were within noise of each other. mc = 120 rows of A
    // (a multiple of 6 and 8) keep an A block in L2; nc = 512 columns of B per block.
    // avx2, measured on Zen 3 (32 KiB L1d, 512 KiB L2): kc = 512 (one K block at 512^3, two at
    // 1024^3) and mc = 72 were 1.03-1.06x kc = 384, mc = 120 at 512^3 and 1024^3, level at
    // 256^3 and 384^3 (docs/performance.md, "SGEMM on Zen 3 (avx2)"). The kc x 16 B micro-panel
    // is then the size of L1. "avx2" is the kernels that run (isa_runs_avx2), so a build
    // compiled with -mavx2 -mfma or -march=native for such a CPU (Isa::native) blocks the same.
    const bool avx2 = isa_runs_avx2(isa);
    plan.kc = avx2 ? 512 : 384;
    plan.mc = avx2 ? 72 : 120;  // rows of A kept in L2 while the B panels of one block pass by
    const std::int64_t ncmax = 512;
    plan.nc = detail::round_up(p.N < ncmax ? p.N : ncmax, k.nr);
    plan.b_slice_floats = p.K * detail::round_up(p.N, k.nr);
    // the B panels of one (kc, nc) block
    plan.scratch_per_thread = static_cast<std::int64_t>(align_up(
        static_cast<std::size_t>(plan.kc * plan.nc) * sizeof(float), kAlignment));
  }
  plan.bias_offset = static_cast<std::int64_t>(
      align_up(static_cast<std::size_t>(plan.b_slices * plan.b_slice_floats) * sizeof(float), kAlignment) / sizeof(float));
  plan.packed_bytes = (plan.bias_offset + gemm_bias_count(p)) * static_cast<std::int64_t>(sizeof(float));
  return plan;
}

// Scratch gemm_run / gemm_run_unpacked need with an executor of concurrency `threads`.
inline std::size_t gemm_scratch_bytes(const GemmPlan& plan, int threads = 1) noexcept {
  return static_cast<std::size_t>(plan.scratch_per_thread) * static_cast<std::size_t>(threads < 1 ? 1 : threads);
}

// Pack the constant B (all its batch slices, in B's own dense order) and the bias. `packed` is
// plan.packed_bytes long and 64-byte aligned.
inline void gemm_pack_b(const GemmPlan& plan, const float* B, const float* bias, void* packed) noexcept {
  float* dst = static_cast<float*>(packed);
  const GemmParams& p = plan.p;
  std::memset(packed, 0, static_cast<std::size_t>(plan.packed_bytes));
  for (std::int64_t s = 0; s < plan.b_slices; ++s) {
    const float* src = B + s * p.K * p.N;
    float* out = dst + s * plan.b_slice_floats;
    if (plan.algo == GemmAlgo::Reference)
      std::memcpy(out, src, static_cast<std::size_t>(p.K * p.N) * sizeof(float));
    else
      detail::pack_b_panels(src, p.trans_b, p.K, p.N, plan.nr, out);
  }
  if (p.bias != GemmBias::None && bias)
    std::memcpy(dst + plan.bias_offset, bias, static_cast<std::size_t>(gemm_bias_count(p)) * sizeof(float));
}

// Multiply-adds x 2 of a run: decides how many threads it is worth (useful_threads).
inline std::int64_t gemm_flops(const GemmParams& p) noexcept {
  return clamp_flops(2.0 * double(gemm_batch_count(p)) * double(p.M) * double(p.N) * double(p.K));
}

// C = act(alpha*op(A)*op(B) + beta*bias + residual) with B and bias from gemm_pack_b.
inline void gemm_run(const GemmPlan& plan, const float* A, const void* packed, const float* residual, float* C, void* scratch,
                     Executor* ex = nullptr) noexcept {
  LUODI_DCHECK(plan.p.has_residual == (residual != nullptr));
  const GemmRunPackedFn fn = gemm_kernels(plan.isa).run_packed;
  const float* r = plan.p.has_residual ? residual : nullptr;
  const std::int64_t threads = useful_threads(ex, gemm_flops(plan.p));
  auto task = [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t t = b; t < e; ++t) fn(plan, A, packed, r, C, scratch, t, threads);
  };
  parallel_for(threads, task, ex);
}

// The same with both operands given at run time (B is packed into scratch panel by panel).
inline void gemm_run_unpacked(const GemmPlan& plan, const float* A, const float* B, const float* bias,
                              const float* residual, float* C, void* scratch, Executor* ex = nullptr) noexcept {
  const GemmRunUnpackedFn fn = gemm_kernels(plan.isa).run_unpacked;
  const float* bb = plan.p.bias != GemmBias::None ? bias : nullptr;
  const float* r = plan.p.has_residual ? residual : nullptr;
  const std::int64_t threads = useful_threads(ex, gemm_flops(plan.p));
  auto task = [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t t = b; t < e; ++t) fn(plan, A, B, bb, r, C, scratch, t, threads);
  };
  parallel_for(threads, task, ex);
}

}  // namespace kernels
}  // namespace luodi
