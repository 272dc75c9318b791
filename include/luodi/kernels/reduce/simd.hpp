// SIMD reductions (f32). The collapsed problem [kept outer, reduced n, kept inner] covers what
// CNNs reduce: H*W of NCHW (inner == 1: each output is a contiguous run, reduced with vector
// accumulators and one horizontal step) and the channel axis or the batch (inner > 1: lanes run
// across the inner index and each lane is its own output, no horizontal step). Other axis
// patterns (reduced dims separated by kept ones) take the generic loop.
// Sums are reassociated against ref (vector accumulators); max and min are exact and propagate
// NaN; log_sum_exp is two passes (max, then sum of exp(x - max)) with vmath's exp.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "../../simd/arch.hpp"
#include "../../simd/vmath.hpp"
#include "../common/simd_util.hpp"
#include "params.hpp"
#include "ref.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

using ::luodi::simd::fbatch;

template <class Arch, ReduceOp Op>
LUODI_ALWAYS_INLINE fbatch<Arch> reduce_fold(const fbatch<Arch>& acc, const fbatch<Arch>& v) noexcept {
  if constexpr (Op == ReduceOp::Max || Op == ReduceOp::LogSumExp) return nan_max<Arch>(acc, v);  // log_sum_exp: its max pass
  else if constexpr (Op == ReduceOp::Min) return nan_min<Arch>(acc, v);
  else if constexpr (Op == ReduceOp::Prod) return acc * v;
  else if constexpr (Op == ReduceOp::SumSquare || Op == ReduceOp::L2) return xsimd::fma(v, v, acc);
  else if constexpr (Op == ReduceOp::L1) return acc + xsimd::abs(v);
  else return acc + v;  // sum, mean, log_sum
}

template <ReduceOp Op>
LUODI_ALWAYS_INLINE float reduce_init() noexcept {
  if constexpr (Op == ReduceOp::Max || Op == ReduceOp::LogSumExp) return -std::numeric_limits<float>::infinity();
  else if constexpr (Op == ReduceOp::Min) return std::numeric_limits<float>::infinity();
  else if constexpr (Op == ReduceOp::Prod) return 1.0f;
  else return 0.0f;
}

template <ReduceOp Op>
LUODI_ALWAYS_INLINE float reduce_fold_scalar(float acc, float v) noexcept {
  if constexpr (Op == ReduceOp::Max || Op == ReduceOp::LogSumExp) return (v > acc || v != v) ? v : acc;
  else if constexpr (Op == ReduceOp::Min) return (v < acc || v != v) ? v : acc;
  else if constexpr (Op == ReduceOp::Prod) return acc * v;
  else if constexpr (Op == ReduceOp::SumSquare || Op == ReduceOp::L2) return acc + v * v;
  else if constexpr (Op == ReduceOp::L1) return acc + (v < 0.0f ? -v : v);
  else return acc + v;
}

template <ReduceOp Op>
LUODI_ALWAYS_INLINE float reduce_finish(float acc, std::int64_t n) noexcept {
  if constexpr (Op == ReduceOp::Mean) return acc / static_cast<float>(n);
  else if constexpr (Op == ReduceOp::L2) return std::sqrt(acc);
  else if constexpr (Op == ReduceOp::LogSum) return std::log(acc);
  else return acc;
}

// The horizontal combination of a batch's lanes with the op's own fold.
template <class Arch, ReduceOp Op>
LUODI_ALWAYS_INLINE float reduce_lanes(const fbatch<Arch>& v) noexcept {
  // partial results combine with the op's own fold (sums of squares / magnitudes simply add)
  if constexpr (Op == ReduceOp::SumSquare || Op == ReduceOp::L2 || Op == ReduceOp::L1) return hsum<Arch>(v);
  else return hfold<Arch>(v, [](float a, float b) noexcept { return reduce_fold_scalar<Op>(a, b); });
}

// One contiguous run of n.
template <class Arch, ReduceOp Op>
LUODI_ALWAYS_INLINE float reduce_run(const float* x, std::int64_t n) noexcept {
  using B = fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  constexpr ReduceOp First = Op == ReduceOp::LogSumExp ? ReduceOp::Max : Op;
  const B init(reduce_init<Op>());
  B a0 = init, a1 = init, a2 = init, a3 = init;
  std::int64_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    a0 = reduce_fold<Arch, First>(a0, B::load_unaligned(x + i));
    a1 = reduce_fold<Arch, First>(a1, B::load_unaligned(x + i + L));
    a2 = reduce_fold<Arch, First>(a2, B::load_unaligned(x + i + 2 * L));
    a3 = reduce_fold<Arch, First>(a3, B::load_unaligned(x + i + 3 * L));
  }
  for (; i + L <= n; i += L) a0 = reduce_fold<Arch, First>(a0, B::load_unaligned(x + i));
  // combining accumulators is a fold of partial results: sums add, max/min/prod fold
  if constexpr (First == ReduceOp::SumSquare || First == ReduceOp::L2 || First == ReduceOp::L1) a0 = (a0 + a1) + (a2 + a3);
  else a0 = reduce_fold<Arch, First>(reduce_fold<Arch, First>(a0, a1), reduce_fold<Arch, First>(a2, a3));
  float acc = reduce_lanes<Arch, First>(a0);
  for (; i < n; ++i) acc = reduce_fold_scalar<First>(acc, x[i]);
  if constexpr (Op == ReduceOp::LogSumExp) {
    const float m = acc;
    if (m != m || m == std::numeric_limits<float>::infinity() || m == -std::numeric_limits<float>::infinity()) return m;
    const B mb(m);
    B s0(0.0f), s1(0.0f);
    i = 0;
    for (; i + 2 * L <= n; i += 2 * L) {
      s0 += simd::vexp<Arch>(B::load_unaligned(x + i) - mb);
      s1 += simd::vexp<Arch>(B::load_unaligned(x + i + L) - mb);
    }
    for (; i + L <= n; i += L) s0 += simd::vexp<Arch>(B::load_unaligned(x + i) - mb);
    if (i < n) s0 += simd::vexp<Arch>(load_partial<Arch>(x + i, n - i, -std::numeric_limits<float>::infinity()) - mb);
    return m + std::log(hsum<Arch>(s0 + s1));
  } else {
    return reduce_finish<Op>(acc, n);
  }
}

// `w` adjacent outputs at x[0..w), each reducing n values with stride `inner`.
template <class Arch, ReduceOp Op>
LUODI_ALWAYS_INLINE void reduce_lanes_strided(const float* x, float* y, std::int64_t n, std::int64_t inner, std::int64_t w) noexcept {
  using B = fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  constexpr ReduceOp First = Op == ReduceOp::LogSumExp ? ReduceOp::Max : Op;
  const float fill = reduce_init<Op>();
  auto ld = [&](const float* p) noexcept { return w == L ? B::load_unaligned(p) : load_partial<Arch>(p, w, fill); };
  B acc(fill);
  for (std::int64_t k = 0; k < n; ++k) acc = reduce_fold<Arch, First>(acc, ld(x + k * inner));
  alignas(64) float out[L];
  if constexpr (Op == ReduceOp::LogSumExp) {
    B s(0.0f);
    for (std::int64_t k = 0; k < n; ++k) s += simd::vexp<Arch>(ld(x + k * inner) - acc);
    alignas(64) float sums[L];
    acc.store_aligned(out);
    s.store_aligned(sums);
    for (std::int64_t k = 0; k < w; ++k) {
      const float m = out[k];
      const bool special = m != m || m == std::numeric_limits<float>::infinity() || m == -std::numeric_limits<float>::infinity();
      y[k] = special ? m : m + std::log(sums[k]);
    }
  } else {
    acc.store_aligned(out);
    for (std::int64_t k = 0; k < w; ++k) y[k] = reduce_finish<Op>(out[k], n);
  }
}

// Outputs [o0, o1) of p.out_numel.
template <class Arch, ReduceOp Op>
void reduce_op_f32(const ReduceParams& p, const float* x, float* y, std::int64_t o0, std::int64_t o1) noexcept {
  constexpr std::int64_t L = static_cast<std::int64_t>(fbatch<Arch>::size);
  // [outer K] [n R] [inner K], or fall back
  std::int64_t outer = 1, n = 1, inner = 1;
  int d = 0;
  if (d < p.rank && !p.reduced[d]) outer = p.dims[d++];
  if (d < p.rank && p.reduced[d]) n = p.dims[d++];
  if (d < p.rank && !p.reduced[d]) inner = p.dims[d++];
  if (d != p.rank) {  // reduced dims separated by kept ones
    ref::reduce_generic<float, Arch>(p, x, y, o0, o1);  // instantiated for this ISA
    return;
  }
  (void)outer;
  if (inner == 1) {
    for (std::int64_t o = o0; o < o1; ++o) y[o] = reduce_run<Arch, Op>(x + o * n, n);
    return;
  }
  std::int64_t o = o0;
  while (o < o1) {
    const std::int64_t q = o / inner, i = o % inner;
    const std::int64_t row_end = (q + 1) * inner < o1 ? (q + 1) * inner : o1;
    const std::int64_t w = row_end - o < L ? row_end - o : L;
    reduce_lanes_strided<Arch, Op>(x + q * n * inner + i, y + o, n, inner, w);
    o += w;
  }
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
