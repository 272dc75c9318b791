// Reference binary elementwise ops and Where: plain loops over the broadcast plan, for every
// dtype the ops accept. The converter folds shape arithmetic (int64 Shape -> Gather -> Mul ->
// Concat) with these, through the dtype-erased binary_ref() / where_ref().
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "../../core/dtype.hpp"
#include "../../core/parallel.hpp"
#include "../../core/status.hpp"
#include "params.hpp"

namespace luodi {
namespace kernels {
namespace ref {

// Wrapping integer arithmetic: computed in the unsigned type, where overflow is defined.
template <class T>
LUODI_ALWAYS_INLINE T wrap_add(T a, T b) noexcept {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
}
template <class T>
LUODI_ALWAYS_INLINE T wrap_sub(T a, T b) noexcept {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
}
template <class T>
LUODI_ALWAYS_INLINE T wrap_mul(T a, T b) noexcept {
  using U = std::make_unsigned_t<T>;
  // Promote to at least unsigned int, so that u8 * u8 is not done in (signed) int.
  using P = std::conditional_t<(sizeof(U) < sizeof(unsigned)), unsigned, U>;
  return static_cast<T>(static_cast<U>(static_cast<P>(static_cast<U>(a)) * static_cast<P>(static_cast<U>(b))));
}
template <class T>
LUODI_ALWAYS_INLINE T int_div(T a, T b) noexcept {
  if (b == 0) return 0;
  if constexpr (std::is_signed<T>::value)
    if (b == static_cast<T>(-1)) return wrap_sub(T(0), a);  // INT_MIN / -1 wraps instead of trapping
  return static_cast<T>(a / b);
}
template <class T>
LUODI_ALWAYS_INLINE T int_pow(T base, T e) noexcept {
  if constexpr (std::is_signed<T>::value) {
    if (e < 0) {
      if (base == 1) return 1;
      if (base == static_cast<T>(-1)) return (e % 2 == 0) ? T(1) : static_cast<T>(-1);
      return 0;
    }
  }
  T r = 1;
  while (e > 0) {
    if (e & 1) r = wrap_mul(r, base);
    base = wrap_mul(base, base);
    e = static_cast<T>(e >> 1);
  }
  return r;
}

// The scalar definition of every op. Arith ops return T; Compare and Logic return bool.
template <BinaryOp Op, class T>
LUODI_ALWAYS_INLINE auto binary_scalar(T a, T b) noexcept {
  constexpr bool fp = std::is_floating_point<T>::value;
  if constexpr (Op == BinaryOp::Add) {
    if constexpr (fp) return static_cast<T>(a + b);
    else return wrap_add(a, b);
  } else if constexpr (Op == BinaryOp::Sub) {
    if constexpr (fp) return static_cast<T>(a - b);
    else return wrap_sub(a, b);
  } else if constexpr (Op == BinaryOp::Mul) {
    if constexpr (fp) return static_cast<T>(a * b);
    else return wrap_mul(a, b);
  } else if constexpr (Op == BinaryOp::Div) {
    if constexpr (fp) return static_cast<T>(a / b);
    else return int_div(a, b);
  } else if constexpr (Op == BinaryOp::Pow) {
    if constexpr (fp) return static_cast<T>(std::pow(a, b));
    else return int_pow(a, b);
  } else if constexpr (Op == BinaryOp::Max) {
    if constexpr (fp) {
      if (a != a) return a;
      if (b != b) return b;
    }
    return a < b ? b : a;
  } else if constexpr (Op == BinaryOp::Min) {
    if constexpr (fp) {
      if (a != a) return a;
      if (b != b) return b;
    }
    return b < a ? b : a;
  } else if constexpr (Op == BinaryOp::PRelu) {
    if constexpr (fp) return a < T(0) ? static_cast<T>(b * a) : a;
    else if constexpr (std::is_signed<T>::value) return a < T(0) ? wrap_mul(b, a) : a;
    else return (void)b, a;  // unsigned: never negative
  } else if constexpr (Op == BinaryOp::Equal) {
    return a == b;
  } else if constexpr (Op == BinaryOp::Less) {
    return a < b;
  } else if constexpr (Op == BinaryOp::Greater) {
    return a > b;
  } else if constexpr (Op == BinaryOp::LessOrEqual) {
    return a <= b;
  } else if constexpr (Op == BinaryOp::GreaterOrEqual) {
    return a >= b;
  } else if constexpr (Op == BinaryOp::And) {
    return static_cast<bool>(a) && static_cast<bool>(b);
  } else if constexpr (Op == BinaryOp::Or) {
    return static_cast<bool>(a) || static_cast<bool>(b);
  } else {
    static_assert(Op == BinaryOp::Xor, "every op is handled above");
    return static_cast<bool>(a) != static_cast<bool>(b);
  }
}

template <BinaryOp Op, class T>
using binary_result_t = decltype(binary_scalar<Op, T>(T(), T()));

// y = a op b over the broadcast plan. y has the plan's numel elements, row-major.
template <BinaryOp Op, class T>
void binary(const BinaryParams& p, const T* a, const T* b, binary_result_t<Op, T>* y) noexcept {
  const BroadcastPlan<2>& pl = p.plan;
  const std::int64_t n = pl.inner(), sa = pl.inner_stride(0), sb = pl.inner_stride(1);
  BroadcastCursor<2> c;
  c.seek(pl, 0);
  for (std::int64_t r = 0; r < pl.rows(); ++r, c.next(pl)) {
    const T* pa = a + c.off[0];
    const T* pb = b + c.off[1];
    auto* py = y + r * n;
    for (std::int64_t i = 0; i < n; ++i) py[i] = binary_scalar<Op, T>(pa[i * sa], pb[i * sb]);
  }
}

// The f32 entry of the dispatch table: the same signature as the SIMD kernels, computing the
// output elements [e0, e1).
template <BinaryOp Op>
void binary_f32(const BinaryParams& p, const float* a, const float* b, void* yv, std::int64_t e0, std::int64_t e1) noexcept {
  const BroadcastPlan<2>& pl = p.plan;
  const std::int64_t sa = pl.inner_stride(0), sb = pl.inner_stride(1);
  auto* y = static_cast<binary_result_t<Op, float>*>(yv);
  for_each_segment(pl, e0, e1, [&](const std::int64_t* off, std::int64_t yo, std::int64_t i0, std::int64_t i1) {
    for (std::int64_t i = i0; i < i1; ++i) y[yo + i] = binary_scalar<Op, float>(a[off[0] + i * sa], b[off[1] + i * sb]);
  });
}

// Where over elements of `Size` bytes; cond is one byte per element (DType::boolean).
template <std::size_t Size>
void where_sized(const WhereParams& p, const std::uint8_t* cond, const void* x, const void* y, void* out) noexcept {
  const BroadcastPlan<3>& pl = p.plan;
  const std::int64_t n = pl.inner(), sc = pl.inner_stride(0), sx = pl.inner_stride(1), sy = pl.inner_stride(2);
  const auto* xb = static_cast<const unsigned char*>(x);
  const auto* yb = static_cast<const unsigned char*>(y);
  auto* ob = static_cast<unsigned char*>(out);
  BroadcastCursor<3> c;
  c.seek(pl, 0);
  for (std::int64_t r = 0; r < pl.rows(); ++r, c.next(pl)) {
    for (std::int64_t i = 0; i < n; ++i) {
      const bool take_x = cond[c.off[0] + i * sc] != 0;
      const unsigned char* src = take_x ? xb + (c.off[1] + i * sx) * static_cast<std::int64_t>(Size)
                                        : yb + (c.off[2] + i * sy) * static_cast<std::int64_t>(Size);
      std::memcpy(ob + (r * n + i) * static_cast<std::int64_t>(Size), src, Size);
    }
  }
}

inline void where(const WhereParams& p, const std::uint8_t* cond, const void* x, const void* y, void* out) noexcept {
  switch (p.elem_size) {
    case 1: where_sized<1>(p, cond, x, y, out); break;
    case 2: where_sized<2>(p, cond, x, y, out); break;
    case 4: where_sized<4>(p, cond, x, y, out); break;
    case 8: where_sized<8>(p, cond, x, y, out); break;
    default: LUODI_ASSERT(false && "where: element size must be 1, 2, 4 or 8");
  }
}

}  // namespace ref

namespace detail {
template <class T>
Status binary_typed(const BinaryParams& p, const void* a, const void* b, void* y) noexcept {
  const T* ta = static_cast<const T*>(a);
  const T* tb = static_cast<const T*>(b);
  switch (p.op) {
#define LUODI_X(e, name, kind)                                                                              \
  case BinaryOp::e:                                                                                         \
    if constexpr (BinaryKind::kind == BinaryKind::Logic && !std::is_same<T, bool>::value) break;            \
    else if constexpr (BinaryKind::kind == BinaryKind::Arith && std::is_same<T, bool>::value) break;        \
    else {                                                                                                  \
      ref::binary<BinaryOp::e, T>(p, ta, tb, static_cast<ref::binary_result_t<BinaryOp::e, T>*>(y));                  \
      return Status();                                                                                      \
    }
    LUODI_BINARY_OPS(LUODI_X)
#undef LUODI_X
  }
  return Status::error(StatusCode::Unsupported, "%s is not defined for this dtype", binary_op_name(p.op));
}
}  // namespace detail

namespace ref {

// Any op on any dtype it accepts (params from binary_params_make with the same dtype). The
// output is `dtype` for arithmetic ops and bool (one byte) for comparisons and logic.
inline Status binary_any(const BinaryParams& p, DType dtype, const void* a, const void* b, void* y) noexcept {
  LUODI_RETURN_IF_ERROR(binary_check_dtype(p.op, dtype));
  switch (dtype) {
    case DType::f32: return detail::binary_typed<float>(p, a, b, y);
    case DType::i32: return detail::binary_typed<std::int32_t>(p, a, b, y);
    case DType::i64: return detail::binary_typed<std::int64_t>(p, a, b, y);
    case DType::i8: return detail::binary_typed<std::int8_t>(p, a, b, y);
    case DType::u8: return detail::binary_typed<std::uint8_t>(p, a, b, y);
    case DType::boolean: return detail::binary_typed<bool>(p, a, b, y);
    case DType::f16: break;
  }
  return Status::error(StatusCode::Unsupported, "%s: dtype %s is not supported", binary_op_name(p.op), dtype_name(dtype));
}

}  // namespace ref
}  // namespace kernels
}  // namespace luodi
