// Binary elementwise ops with NumPy broadcasting, PRelu, and Where.
//
//   auto p = kernels::binary_params_make(BinaryOp::Add, DType::f32, a_shape, b_shape);  // prepare
//   kernels::binary(*p, DType::f32, a, b, y);                                           // run
//
// f32 runs on the active ISA's table (eltwise/simd.hpp); every other dtype (i32, i64, i8, u8,
// bool) runs the reference loops, which is what the converter's constant folding needs.
// In place (y == a or y == b) is allowed when that operand has the output's shape.
#pragma once

#include <cstdint>

#include "../../core/parallel.hpp"
#include "../../simd/dispatch.hpp"
#include "params.hpp"
#include "ref.hpp"
#include "simd.hpp"

namespace luodi {
namespace kernels {

// Table entries compute the output elements [e0, e1); the entry points below split the whole
// range across an Executor, so the dispatched (per-ISA) code never runs threading code.
using BinaryF32Fn = void (*)(const BinaryParams& p, const float* a, const float* b, void* y, std::int64_t e0,
                             std::int64_t e1) noexcept;
using WhereFn = void (*)(const WhereParams& p, const std::uint8_t* cond, const void* x, const void* y, void* out,
                         std::int64_t e0, std::int64_t e1) noexcept;

struct EltwiseKernels {
  BinaryF32Fn binary_f32[kBinaryOpCount];  // output float* for Arith ops, bool* otherwise
  WhereFn where4;                          // Where on 4-byte elements
};

namespace ref {
inline void where4(const WhereParams& p, const std::uint8_t* cond, const void* x, const void* y, void* out,
                   std::int64_t e0, std::int64_t e1) noexcept {
  if (e0 == 0 && e1 == p.plan.numel) return where_sized<4>(p, cond, x, y, out);
  // a sub-range: through the segment walker (ref itself is whole-tensor)
  const BroadcastPlan<3>& pl = p.plan;
  const auto* xs = static_cast<const std::uint32_t*>(x);
  const auto* ys = static_cast<const std::uint32_t*>(y);
  auto* os = static_cast<std::uint32_t*>(out);
  const std::int64_t sc = pl.inner_stride(0), sx = pl.inner_stride(1), sy = pl.inner_stride(2);
  for_each_segment(pl, e0, e1, [&](const std::int64_t* off, std::int64_t oo, std::int64_t i0, std::int64_t i1) {
    for (std::int64_t i = i0; i < i1; ++i) os[oo + i] = cond[off[0] + i * sc] ? xs[off[1] + i * sx] : ys[off[2] + i * sy];
  });
}
}  // namespace ref

struct EltwiseFamily {
  using Table = EltwiseKernels;
  template <class Arch>
  static const Table& table() noexcept {
    if constexpr (simd::is_scalar_v<Arch>) {
      static constexpr Table t = {{
#define LUODI_X(e, name, kind) &ref::binary_f32<BinaryOp::e>,
                                      LUODI_BINARY_OPS(LUODI_X)
#undef LUODI_X
                                  },
                                  &ref::where4};
      return t;
    } else {
#if LUODI_HAS_XSIMD
      static constexpr Table t = {{
#define LUODI_X(e, name, kind) &simd_impl::binary_f32<Arch, BinaryOp::e>,
                                      LUODI_BINARY_OPS(LUODI_X)
#undef LUODI_X
                                  },
                                  &simd_impl::where4<Arch>};
      return t;
#else
      return table<simd::scalar>();
#endif
    }
  }
  LUODI_DISPATCH_DECLARE_ISAS(Table)
};

inline const EltwiseKernels& eltwise_kernels(Isa isa = active_isa()) noexcept { return select_table<EltwiseFamily>(isa); }

// y = a op b for params from binary_params_make(op, dtype, ...). Fails only if the dtype is
// not one the op accepts (which binary_params_make has already refused).
inline Status binary(const BinaryParams& p, DType dtype, const void* a, const void* b, void* y, Executor* ex = nullptr,
                     Isa isa = active_isa()) noexcept {
  if (dtype == DType::f32 && binary_kind(p.op) != BinaryKind::Logic) {
    const BinaryF32Fn fn = eltwise_kernels(isa).binary_f32[static_cast<int>(p.op)];
    const float* fa = static_cast<const float*>(a);
    const float* fb = static_cast<const float*>(b);
    split_elements(p.plan.numel, ex, [&](std::int64_t e0, std::int64_t e1) { fn(p, fa, fb, y, e0, e1); });
    return Status();
  }
  return ref::binary_any(p, dtype, a, b, y);
}

// out = cond ? x : y, for any dtype (by element size). cond is DType::boolean (one byte).
inline void where(const WhereParams& p, const std::uint8_t* cond, const void* x, const void* y, void* out,
                  Executor* ex = nullptr, Isa isa = active_isa()) noexcept {
  if (p.elem_size == 4) {
    const WhereFn fn = eltwise_kernels(isa).where4;
    split_elements(p.plan.numel, ex, [&](std::int64_t e0, std::int64_t e1) { fn(p, cond, x, y, out, e0, e1); });
    return;
  }
  ref::where(p, cond, x, y, out);
}

}  // namespace kernels
}  // namespace luodi
