// Reductions over any set of axes, and ArgMax / ArgMin (params.hpp has the semantics).
//
//   auto p = kernels::reduce_params_make(ReduceOp::Mean, DType::f32, shape, axes, n_axes);
//   kernels::reduce(*p, DType::f32, x, y, executor);
//
// f32 runs on the active ISA's table (reduce/simd.hpp); i32 / i64 run the reference, which is
// what constant folding of shape arithmetic needs. Outputs are split across the executor.
#pragma once

#include <cstdint>

#include "../../core/parallel.hpp"
#include "../../simd/dispatch.hpp"
#include "../common/broadcast.hpp"
#include "params.hpp"
#include "ref.hpp"
#include "simd.hpp"

namespace luodi {
namespace kernels {

// Outputs [o0, o1) of p.out_numel.
using ReduceFn = void (*)(const ReduceParams& p, const float* x, float* y, std::int64_t o0, std::int64_t o1) noexcept;

struct ReduceKernels {
  ReduceFn reduce[kReduceOpCount];
};

namespace ref {
template <ReduceOp Op>
void reduce_f32(const ReduceParams& p, const float* x, float* y, std::int64_t o0, std::int64_t o1) noexcept {
  reduce_generic<float, void>(p, x, y, o0, o1);  // the op is in p
}
}  // namespace ref

struct ReduceFamily {
  using Table = ReduceKernels;
  template <class Arch>
  static const Table& table() noexcept {
    if constexpr (simd::is_scalar_v<Arch>) {
      static constexpr Table t = {{
#define LUODI_X(e, name) &ref::reduce_f32<ReduceOp::e>,
          LUODI_REDUCE_OPS(LUODI_X)
#undef LUODI_X
      }};
      return t;
    } else {
#if LUODI_HAS_XSIMD
      static constexpr Table t = {{
#define LUODI_X(e, name) &simd_impl::reduce_op_f32<Arch, ReduceOp::e>,
          LUODI_REDUCE_OPS(LUODI_X)
#undef LUODI_X
      }};
      return t;
#else
      return table<simd::scalar>();
#endif
    }
  }
  LUODI_DISPATCH_DECLARE_ISAS(Table)
};

inline const ReduceKernels& reduce_kernels(Isa isa = active_isa()) noexcept { return select_table<ReduceFamily>(isa); }

inline Status reduce(const ReduceParams& p, DType dtype, const void* x, void* y, Executor* ex = nullptr,
                     Isa isa = active_isa()) noexcept {
  LUODI_RETURN_IF_ERROR(reduce_check_dtype(p.op, dtype));
  if (dtype != DType::f32) return ref::reduce_any(p, dtype, x, y);
  const ReduceFn fn = reduce_kernels(isa).reduce[static_cast<int>(p.op)];
  const float* fx = static_cast<const float*>(x);
  float* fy = static_cast<float*>(y);
  split_elements(p.out_numel, ex, [&](std::int64_t b, std::int64_t e) { fn(p, fx, fy, b, e); },
                 p.reduce_count >= 8192 ? 1 : 8192 / (p.reduce_count > 0 ? p.reduce_count : 1));
  return Status();
}

inline Status arg_reduce(const ArgReduceParams& p, DType dtype, const void* x, std::int64_t* y) noexcept {
  return ref::arg_reduce_any(p, dtype, x, y);
}

}  // namespace kernels
}  // namespace luodi
