// ConvTranspose2D: plan once, pack the weights once, run (same shape of API as Conv2D).
//
//   ConvTranspose2dPlan plan = conv_transpose2d_plan(params, isa);   // validate(params) first
//   conv_transpose2d_pack(plan, weights, bias, packed);               // [C_in][C_out/G][kh][kw]
//   conv_transpose2d_run(plan, x, packed, residual, y, scratch, ex);  // conv_transpose2d_scratch_bytes
//
// Algorithms: Reference (the gather loop of ref.hpp, Isa::scalar), Gemm (simd.hpp): per image
// and group, columns = W^T * x (a GEMM over C_in with the input pixels as the vector dimension),
// then col2im scatters each (co, ky, kx) row into the output, and GemmPhase for kernel == stride
// (no overlap: each column row is one output phase, written once with the epilogue fused).
// y = act(. + bias + residual).
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

// One thread's share of a run: thread `thread` of `threads`.
using ConvTranspose2dRunFn = void (*)(const ConvTranspose2dPlan&, const float* x, const void* packed,
                                      const float* residual, float* y, void* scratch, std::int64_t thread,
                                      std::int64_t threads) noexcept;

struct ConvTranspose2dKernels {
  int mr, nr;
  ConvTranspose2dRunFn run[kConvTranspose2dAlgoCount];  // indexed by ConvTranspose2dAlgo
};

namespace ref {
inline void conv_transpose2d_run(const ConvTranspose2dPlan& plan, const float* x, const void* packed, const float* residual,
                                 float* y, void*, std::int64_t thread, std::int64_t threads) noexcept {
  const ConvTranspose2dParams& p = plan.p;
  const float* w = static_cast<const float*>(packed);
  const float* bias = p.has_bias ? w + plan.bias_offset : nullptr;
  const std::int64_t n = p.N * p.C_out, b = n * thread / threads, e = n * (thread + 1) / threads;
  for (std::int64_t i = b; i < e; ++i)
    conv_transpose2d_f32_channels(p, x, w, bias, residual, y, i / p.C_out, i % p.C_out, i % p.C_out + 1);
}
}  // namespace ref

struct ConvTranspose2dFamily {
  using Table = ConvTranspose2dKernels;
  template <class Arch>
  static const Table& table() noexcept {
    if constexpr (simd::is_scalar_v<Arch>) {
      static constexpr Table t = {0, 0, {&ref::conv_transpose2d_run, nullptr, nullptr}};
      return t;
    } else {
#if LUODI_HAS_XSIMD
      static constexpr Table t = {simd_impl::GemmTile<Arch>::MR,
                                  simd_impl::GemmTile<Arch>::NRV * static_cast<int>(simd::fbatch<Arch>::size),
                                  {nullptr, &simd_impl::conv_transpose2d_run_gemm<Arch>,
                                   &simd_impl::conv_transpose2d_run_gemm_phase<Arch>}};
      return t;
#else
      return table<simd::scalar>();
#endif
    }
  }
  LUODI_DISPATCH_DECLARE_ISAS(Table)
};

inline const ConvTranspose2dKernels& conv_transpose2d_kernels(Isa isa) noexcept {
  return select_table<ConvTranspose2dFamily>(isa);
}

// Whether `algo` can compute `p` (which passed validate).
inline bool conv_transpose2d_algo_applies(const ConvTranspose2dParams& p, ConvTranspose2dAlgo algo) noexcept {
  switch (algo) {
    case ConvTranspose2dAlgo::Reference:
    case ConvTranspose2dAlgo::Gemm: return true;
    case ConvTranspose2dAlgo::GemmPhase:
      return p.kernel_h == p.stride_h && p.kernel_w == p.stride_w && p.kernel_w <= 64 && p.dilation_h == 1 && p.dilation_w == 1 &&
             p.pad_top == 0 && p.pad_left == 0 && p.pad_bottom == 0 && p.pad_right == 0 && p.output_padding_h == 0 &&
             p.output_padding_w == 0;
  }
  return false;
}

// Plan `p` (which must pass validate) with a given algorithm on `isa`; one that does not apply or
// has no kernel on that ISA is an error naming it. An ISA this build lacks plans the reference.
inline Status conv_transpose2d_plan_with(const ConvTranspose2dParams& p, Isa isa, ConvTranspose2dAlgo algo,
                                         ConvTranspose2dPlan* out) noexcept {
  LUODI_RETURN_IF_ERROR(validate(p));
  ConvTranspose2dPlan plan{};
  plan.p = p;
  if (!isa_compiled(isa)) isa = Isa::scalar;
  const ConvTranspose2dKernels& k = conv_transpose2d_kernels(isa);
  plan.isa = isa;
  plan.out_h = conv_transpose2d_out_h(p);
  plan.out_w = conv_transpose2d_out_w(p);
  plan.cin_g = p.C_in / p.groups;
  plan.cout_g = p.C_out / p.groups;
  plan.M = plan.cout_g * p.kernel_h * p.kernel_w;
  auto bytes = [](std::int64_t floats) {
    return static_cast<std::int64_t>(align_up(static_cast<std::size_t>(floats) * sizeof(float), kAlignment));
  };
  std::int64_t weight_floats = p.C_in * plan.cout_g * p.kernel_h * p.kernel_w;
  if (k.mr == 0 && algo != ConvTranspose2dAlgo::Reference)
    return Status::error(StatusCode::Unsupported, "ConvTranspose2D algorithm %s has no kernel on ISA %s",
                         conv_transpose2d_algo_name(algo), isa_name(isa));
  if (!conv_transpose2d_algo_applies(p, algo))
    return Status::error(StatusCode::Unsupported, "ConvTranspose2D algorithm %s does not apply to this convolution",
                         conv_transpose2d_algo_name(algo));
  plan.algo = algo;
  if (algo == ConvTranspose2dAlgo::Reference) {
    plan.isa = Isa::scalar;
  } else {
    plan.mr = k.mr;
    plan.nr = k.nr;
    plan.m_pad = (plan.M + k.mr - 1) / k.mr * k.mr;
    plan.group_floats = plan.m_pad * plan.cin_g;
    weight_floats = plan.group_floats * p.groups;
    const std::int64_t HW = p.H * p.W;
    plan.kc = (16 * 1024) / (4 * k.nr);
    // Columns are made for a block of input pixels at a time: m_pad x cols floats per thread
    // (about 256 KiB, L2-resident between the GEMM that writes them and the pass that reads).
    const std::int64_t budget = (256 * 1024 / 4) / (plan.m_pad > 0 ? plan.m_pad : 1);
    std::int64_t cols;
    if (algo == ConvTranspose2dAlgo::GemmPhase) {
      // whole input rows, so that each block's columns map to whole output rows
      plan.rows_blk = budget / p.W < 1 ? 1 : (budget / p.W > p.H ? p.H : budget / p.W);
      cols = (plan.rows_blk * p.W + k.nr - 1) / k.nr * k.nr;
    } else {
      cols = (HW + k.nr - 1) / k.nr * k.nr;
      const std::int64_t cap = budget / k.nr * k.nr;
      if (cols > cap) cols = cap < k.nr ? k.nr : cap;
    }
    plan.cols = cols;
    plan.scratch_per_thread = bytes(plan.m_pad * cols) + bytes(plan.kc * cols);
  }
  plan.bias_offset = bytes(weight_floats) / static_cast<std::int64_t>(sizeof(float));
  plan.packed_bytes = bytes(plan.bias_offset + (p.has_bias ? p.C_out : 0));
  *out = plan;
  return Status();
}

// The automatic choice on `isa`: GemmPhase where it applies (kernel == stride, e.g. the 2x2
// stride-2 upsampling of segmentation and detection heads), else Gemm; the reference where the
// build has no SIMD kernels. `p` must pass validate (checked in debug builds).
inline ConvTranspose2dPlan conv_transpose2d_plan(const ConvTranspose2dParams& p, Isa isa = active_isa()) noexcept {
  ConvTranspose2dPlan plan{};
  if (!isa_compiled(isa)) isa = Isa::scalar;
  ConvTranspose2dAlgo algo = ConvTranspose2dAlgo::Gemm;
  if (conv_transpose2d_kernels(isa).mr == 0)
    algo = ConvTranspose2dAlgo::Reference;
  else if (conv_transpose2d_algo_applies(p, ConvTranspose2dAlgo::GemmPhase))
    algo = ConvTranspose2dAlgo::GemmPhase;
  const Status s = conv_transpose2d_plan_with(p, isa, algo, &plan);
  LUODI_ASSERT(s.ok());
  (void)s;
  return plan;
}

inline std::size_t conv_transpose2d_scratch_bytes(const ConvTranspose2dPlan& plan, int threads = 1) noexcept {
  return static_cast<std::size_t>(plan.scratch_per_thread) * static_cast<std::size_t>(threads < 1 ? 1 : threads);
}

inline void conv_transpose2d_pack(const ConvTranspose2dPlan& plan, const float* w, const float* bias, void* packed) noexcept {
  const ConvTranspose2dParams& p = plan.p;
  float* dst = static_cast<float*>(packed);
  std::memset(packed, 0, static_cast<std::size_t>(plan.packed_bytes));
  const std::int64_t kk = p.kernel_h * p.kernel_w;
  if (plan.algo == ConvTranspose2dAlgo::Reference) {
    std::memcpy(dst, w, static_cast<std::size_t>(p.C_in * plan.cout_g * kk) * sizeof(float));
  } else {
    // A = W^T per group: row m = (co, ky, kx), column k = ci; MR-row panels [m_pad/MR][cin_g][MR].
    const int MR = plan.mr;
    for (std::int64_t g = 0; g < p.groups; ++g) {
      float* d = dst + g * plan.group_floats;
      for (std::int64_t m0 = 0; m0 < plan.m_pad; m0 += MR)
        for (std::int64_t c = 0; c < plan.cin_g; ++c)
          for (int r = 0; r < MR; ++r) {
            const std::int64_t m = m0 + r;
            *d++ = m < plan.M ? w[((g * plan.cin_g + c) * plan.cout_g) * kk + m] : 0.0f;
          }
    }
  }
  if (p.has_bias && bias) std::memcpy(dst + plan.bias_offset, bias, static_cast<std::size_t>(p.C_out) * sizeof(float));
}

inline void conv_transpose2d_run(const ConvTranspose2dPlan& plan, const float* x, const void* packed, const float* residual,
                                 float* y, void* scratch, Executor* ex = nullptr) noexcept {
  LUODI_DCHECK(plan.p.has_residual == (residual != nullptr));
  const ConvTranspose2dRunFn fn = conv_transpose2d_kernels(plan.isa).run[static_cast<int>(plan.algo)];
  const float* r = plan.p.has_residual ? residual : nullptr;
  const std::int64_t flops = clamp_flops(2.0 * double(plan.p.N) * double(plan.p.groups) * double(plan.cin_g) *
                                          double(plan.p.H) * double(plan.p.W) * double(plan.M));
  const std::int64_t threads = useful_threads(ex, flops);
  auto task = [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t t = b; t < e; ++t) fn(plan, x, packed, r, y, scratch, t, threads);
  };
  parallel_for(threads, task, ex);
}

}  // namespace kernels
}  // namespace luodi
